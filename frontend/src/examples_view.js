// The examples in the selected cell, most confident (or likely mislabeled: see drawer.js) first, a
// page at a time, in a drawer that opens beside the matrix (on the side away from the clicked cell, so
// the cell stays in view) without scrolling the page. Each example: its id, the actual class with its
// probability (flagged when its label is a likely error), the predicted class with its probability and
// the runner-up class with its (server fields true_score, score, runner_up, runner_up_score,
// likely_issue; without the newer fields, id, classes and the confidence as before). A task whose
// examples are images of counted pixels (tasks.js examples "images": accumulated steps) lists the
// images instead: id, the image's pixels in the cell and their share of the image, with the total of
// images and pixels; no probabilities, no order toggle. When media were logged for the tag
// (example_media.js), each example's thumbnail or text sits before its id.

import {h, replaceChildren, setText} from "./dom.js";
import {createOrderToggle} from "./drawer.js";
import {mediaCell, mediaHead, mediaSource} from "./example_media.js";
import {BELOW_CUTOFF} from "./model.js";
import {likelyIssuesText} from "./examples_order.js";
import {stepForRun} from "./selection.js";
import {formatCount, formatPercent} from "./number_format.js";
import {createPager} from "./pager.js";
import {taskInfo} from "./tasks.js";
import {imagesTotalText, unitsOf} from "./units.js";

/** A probability as text: "0.9731", "–" when absent. */
export function probabilityText(value) {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(4) : "\u2013";
}

/** The name at `index` of `list` (class names, a matrix's columns), or the index as text without one. */
export const nameAt = (list, index) => list?.[index] ?? String(index);

/** A table cell holding a class name as text, the full name on hover (a long one ends in "…"). */
export function classCell(text, ...extra) {
  return h("td", {class: "class-name", title: text}, text, ...extra);
}

/** The columns shown for a page of examples: the newer fields only when the server sent them. */
export function exampleColumns(examples) {
  const has = (field) => examples.some((e) => e[field] !== undefined);
  return {trueScore: has("true_score"), runnerUp: examples.some((e) => e.runner_up !== undefined && e.runner_up !== null)};
}

/** {element, update(props)}; `onClose` closes the drawer (clears the selected cell). */
export function createExamplesView(actions) {
  const title = h("h2", {id: "examples-title"}, "Examples");
  const subtitle = h("p", {class: "note", id: "examples-caption", "aria-live": "polite"});
  const close = h("button", {class: "icon-button", id: "examples-close", "aria-label": "Close the examples", title: "Close (Esc)",
    onclick: () => actions.clearSelection()}, "\u00d7");
  const body = h("div", {class: "examples-body"});
  const order = createOrderToggle((value) => actions.setExamplesOrder(value));
  const total = h("p", {class: "note examples-total", id: "examples-total", "aria-live": "polite",
    hidden: true});
  const pager = createPager((to) => actions.pageExamples(to), {previous: "examples-prev", next: "examples-next"});
  const element = h("section", {class: "card examples-card drawer", id: "examples", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "examples-title", "aria-describedby": "examples-caption", hidden: true},
  h("div", {class: "card-head"}, title, close), subtitle, order.element, total, body, pager.element);
  let shownKey = null;

  /** `notice`: why the selected cell lists nothing without a request (selection.js examplesNotice). */
  function update({state, params, entry, model, dock = "right", notice = null}) {
    element.dataset.dock = dock;
    if ((!params && !notice) || !model) {
      element.hidden = true;
      replaceChildren(body);
      setText(subtitle, "");
      setText(total, "");
      total.hidden = true;
      order.update(state.examplesOrder, "");
      pager.update(null);
      shownKey = null;
      return;
    }
    element.hidden = false;
    const units = unitsOf(model.task);
    const images = units.elements !== null;
    const heading = `${units.examples[0].toUpperCase()}${units.examples.slice(1)}`;
    setText(title, heading);
    close.setAttribute("aria-label", `Close the ${units.examples}`);
    element.dataset.units = units.examples;
    // Images are listed by their pixels in the cell: there is no other order to offer.
    order.element.hidden = images;
    // A cell of one label's 2x2 matrix (per-label matrices) reads "not <label>" / "<label>".
    const perLabel = taskInfo(model.task).matrix === "labels";
    const cell = state.selected; // params (the request) name a cell of superclasses by true_group, pred_group
    const label = model.labelNames?.[cell.label];
    const names = perLabel ? [`not ${label}`, label] : model.classNames;
    const columns = perLabel ? names : model.columnNames;
    // A cell of superclasses (the cell's names are groups) lists each example with its own classes.
    const classes = model.grouped ? model.grouped.classNames : names;
    const classColumns = model.grouped
      ? (columns.length > names.length ? [...classes, BELOW_CUTOFF] : classes) : columns;
    const step = params ? params.step : stepForRun(state.steps[cell.run], state.step);
    setText(subtitle, `${cell.run} \u00b7 step ${step} \u00b7 actual ${names[cell.true]} \u2192 predicted `
      + `${columns[cell.pred]}`);
    if (notice) {
      shownKey = null;
      body.classList.remove("stale");
      replaceChildren(body, h("p", {class: "note examples-notice", id: "examples-notice"}, notice));
      setText(total, "");
      total.hidden = true;
      pager.update(null);
      return;
    }
    if (!entry) {
      // Keep the previous page on screen while the next one loads (no flicker during a drag).
      body.classList.add("stale");
      return;
    }
    body.classList.remove("stale");
    order.update(state.examplesOrder, entry.error || images ? "" : likelyIssuesText(entry.page));
    if (entry.error) {
      shownKey = null;
      replaceChildren(body, h("div", {class: "error"}, entry.error));
      setText(total, "");
      total.hidden = true;
      pager.update(null);
      return;
    }
    const page = entry.page;
    const totalText = imagesTotalText(model.task, page, params.cutoff ?? 0);
    setText(total, totalText);
    total.hidden = !totalText;
    const media = images ? null : mediaSource(state.tags, params.tag, params.run);
    const key = JSON.stringify([params, media]);
    if (key !== shownKey) {
      shownKey = key;
      replaceChildren(body, !page.total ? h("p", {class: "empty-hint"}, `No ${units.examples} in this cell.`)
        : images ? imagesTable(page.examples, units) : examplesTable(page.examples, classes, classColumns, perLabel, media));
    }
    pager.update(page);
  }

  return {element, update};
}

/** The table of one page. The predicted class's probability keeps the class "num" (one per row, the
 * sort key: most confident first); the other probabilities are "prob". Names are text only. `media`:
 * {run, tag} of the examples' media (example_media.js), or null. */
function examplesTable(examples, names, columns, perLabel, media) {
  const {trueScore, runnerUp} = exampleColumns(examples);
  const probability = (value, cls, tip) => h("td", {class: cls, title: tip}, probabilityText(value));
  const head = (text, cls = null, tip = null) => h("th", {scope: "col", class: cls, title: tip}, text);
  const scoreTip = perLabel ? "the probability of the label being on" : "the probability the model gave";
  return h("table", {class: "metrics-table examples-table",
    dataset: {columns: runnerUp ? "full" : trueScore ? "scores" : "basic", ...(media ? {media: ""} : {})}},
    h("thead", {}, h("tr", {},
      mediaHead(media), head("Example"),
      head("Actual"), trueScore ? head("p", "prob", `${scoreTip} the actual ${perLabel ? "state" : "class"}`) : null,
      head("Predicted"), head(trueScore ? "p" : "Confidence", "num", "the probability the model gave its predicted class"),
      runnerUp ? head("Runner-up", null, "the most probable class after the predicted one") : null,
      runnerUp ? head("p", "prob", "the runner-up class's probability") : null)),
    h("tbody", {}, examples.map((e) => h("tr", {class: e.true === e.pred ? "" : "mistake",
      dataset: e.likely_issue ? {likelyIssue: ""} : {}},
      media ? mediaCell(media, e.id) : null,
      h("td", {class: "example-id", title: e.id}, e.id),
      classCell(nameAt(names, e.true),
        e.likely_issue ? h("span", {class: "likely-issue-flag", title: "likely label error (confident learning)"}, " \u2691") : null),
      trueScore ? probability(e.true_score, "prob") : null,
      classCell(nameAt(columns, e.pred)),
      probability(e.score, "num"),
      runnerUp ? classCell(e.runner_up === null || e.runner_up === undefined ? "\u2013" : nameAt(columns, e.runner_up)) : null,
      runnerUp ? probability(e.runner_up_score, "prob") : null))));
}

/** The table of one page of images: each image's id, its pixels in the cell (`count`, "num": most
 * first) and their share of the image's counted pixels (`score`). */
function imagesTable(examples, units) {
  const head = (text, cls = null, tip = null) => h("th", {scope: "col", class: cls, title: tip}, text);
  const image = units.examples.replace(/s$/, "");
  return h("table", {class: "metrics-table examples-table", dataset: {columns: units.examples}},
    h("thead", {}, h("tr", {},
      head(`${image[0].toUpperCase()}${image.slice(1)}`),
      head(`${units.elements[0].toUpperCase()}${units.elements.slice(1)} in the cell`, "num",
        `the ${image}'s ${units.elements} in this cell`),
      head(`Share of the ${image}`, "prob",
        `those ${units.elements} as a share of the ${image}'s counted ${units.elements}`))),
    h("tbody", {}, examples.map((e) => h("tr", {class: e.true === e.pred ? "" : "mistake",
      dataset: {count: String(e.count)}},
      h("td", {class: "example-id", title: e.id}, e.id),
      h("td", {class: "num"}, formatCount(e.count)),
      h("td", {class: "prob"}, formatPercent(e.score))))));
}

// The examples in the selected cell, most confident first, a page at a time.

import {h, replaceChildren, setText} from "./dom.js";
import {formatCount} from "./number_format.js";
import {taskInfo} from "./tasks.js";

export function createExamplesView(actions) {
  const title = h("h2", {}, "Examples");
  const subtitle = h("p", {class: "note", id: "examples-caption"});
  const body = h("div", {class: "table-scroll examples-body"});
  const previous = h("button", {class: "text-button", id: "examples-prev", onclick: () => actions.pageExamples(offset - pageSize)}, "\u2039 Previous");
  const next = h("button", {class: "text-button", id: "examples-next", onclick: () => actions.pageExamples(offset + pageSize)}, "Next \u203A");
  const range = h("span", {class: "page-range"});
  const pager = h("div", {class: "pager"}, previous, range, next);
  const element = h("section", {class: "card examples-card", id: "examples", "aria-label": "Examples"},
    h("div", {class: "card-head"}, title), subtitle, body, pager);
  let offset = 0;
  let pageSize = 25;
  let shownKey = null;

  function update({state, params, entry, model, pageSize: size}) {
    pageSize = size;
    offset = state.examplesOffset;
    if (!params || !model) {
      replaceChildren(body, h("p", {class: "empty-hint"}, "Click a cell of a matrix (or a top confusion) to list its examples here."));
      setText(subtitle, "");
      pager.hidden = true;
      shownKey = null;
      return;
    }
    // A cell of one label's 2x2 matrix (per-label matrices) reads "not <label>" / "<label>".
    const perLabel = taskInfo(model.task).matrix === "labels";
    const names = perLabel ? [`not ${model.labelNames[params.label]}`, model.labelNames[params.label]] : model.classNames;
    const columns = perLabel ? names : model.columnNames;
    setText(subtitle, `${params.run} \u00b7 step ${params.step} \u00b7 actual ${names[params.true]} \u2192 predicted ${columns[params.pred]}`);
    if (!entry) {
      // Keep the previous page on screen while the next one loads (no flicker during a drag).
      body.classList.add("stale");
      return;
    }
    body.classList.remove("stale");
    if (entry.error) {
      replaceChildren(body, h("div", {class: "error"}, entry.error));
      pager.hidden = true;
      return;
    }
    const page = entry.page;
    const key = JSON.stringify(params);
    if (key !== shownKey) {
      shownKey = key;
      replaceChildren(body, page.total ? h("table", {class: "metrics-table examples-table"},
        h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Example"), h("th", {scope: "col"}, "Actual"), h("th", {scope: "col"}, "Predicted"),
          h("th", {scope: "col", class: "num", title: "the probability the model gave its predicted class"}, "Confidence"))),
        h("tbody", {}, page.examples.map((e) => h("tr", {class: e.true === e.pred ? "" : "mistake"},
          h("td", {class: "example-id", title: e.id}, e.id),
          h("td", {}, names[e.true] ?? String(e.true)),
          h("td", {}, columns[e.pred] ?? String(e.pred)),
          h("td", {class: "num"}, Number(e.score).toFixed(4))))))
        : h("p", {class: "empty-hint"}, "No examples in this cell."));
    }
    pager.hidden = page.total <= page.limit;
    setText(range, page.total ? `${formatCount(page.offset + 1)}\u2013${formatCount(Math.min(page.total, page.offset + page.limit))} of ${formatCount(page.total)}` : "");
    previous.disabled = page.offset === 0;
    next.disabled = page.offset + page.limit >= page.total;
  }

  return {element, update};
}

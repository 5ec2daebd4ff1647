// The Calibration card: a reliability diagram (accuracy against mean confidence per bin, the
// diagonal is perfect calibration) of every selected run at the shown step, in each run's TensorBoard
// colour, with each bin's share of the pairs as a small histogram underneath; ECE and MCE per run in
// the card's head. Controls: the number of bins, equal-width or equal-mass bins (adaptive ECE), the
// class (the whole step, or one class one-vs-rest / one label) and a preview of temperature scaling
// fitted on the step (dashed, beside the original). An accumulated step keeps one diagram (the top-1
// probability in 15 equal-width bins): the card then disables the bins and strategy, hides the class and
// the temperature preview, and says so; a compact step keeps the top-1 probability only: the class and
// the temperature preview are hidden, with a note. Drawn as SVG; every user string is text. With the
// preview on, under the chart, per run: the matrix and headline metrics after scaling beside the original
// (temperature_preview.js; multiclass: the argmax is unchanged, so log loss, Brier score and ECE only).

import {h, replaceChildren, setText} from "./dom.js";
import {runColors} from "./run_colors.js";
import {unitsOf} from "./units.js";
import {formatCount, formatMetric, formatThreshold} from "./number_format.js";
import {headline} from "./metric_value.js";
import {signedText} from "./diff.js";
import {decisionRows, previewOf, reportMatrix} from "./temperature_preview.js";
import {BIN_CHOICES, STRATEGIES, classChoices, errorNames, errorText, formatTemperature, frame,
  layoutSeries, pointTitle, scales, scopeText} from "./calibration.js";

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes; children are nodes or text. */
function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** `set(patch)` changes the state (calibrationBins, calibrationStrategy, calibrationClass,
 * calibrationTemperature). */
export function createCalibrationView({set}) {
  const binsSelect = h("select", {id: "calibration-bins", "aria-label": "Bins",
    onchange: (event) => set({calibrationBins: Number(event.target.value)})},
  BIN_CHOICES.map((n) => h("option", {value: String(n)}, String(n))));
  const strategyButtons = STRATEGIES.map(([value, text]) => h("button", {type: "button", class: "segment",
    id: `calibration-${value.replace("_", "-")}`, dataset: {value}, onclick: () => set({calibrationStrategy: value})}, text));
  const classSelect = h("select", {id: "calibration-class", "aria-label": "Class",
    onchange: (event) => set((state) => ({calibrationClass: event.target.value === "" ? null
      : {tag: state.tag, index: Number(event.target.value)}}))});
  const temperatureButton = h("button", {type: "button", class: "segment", id: "calibration-temperature",
    onclick: () => set((state) => ({calibrationTemperature: !state.calibrationTemperature}))}, "After temperature scaling");
  const legend = h("ul", {class: "legend calibration-legend", id: "calibration-legend", "aria-label": "Calibration error per run"});
  const f = frame();
  const svg = s("svg", {class: "calibration-chart", id: "calibration-chart", width: f.width, height: f.height,
    viewBox: `0 0 ${f.width} ${f.height}`, role: "img", "aria-label": "Reliability diagram: accuracy against confidence per bin, and each bin's share of the examples"});
  const classField = h("label", {class: "field"}, h("span", {class: "field-label"}, "Of"), classSelect);
  const temperatureGroup = h("div", {class: "segmented", role: "group", "aria-label": "Temperature scaling"},
    temperatureButton);
  const fixedNote = h("p", {class: "note calibration-fixed", id: "calibration-fixed", hidden: true});
  const status = h("div", {class: "card-status"});
  const scope = h("p", {class: "note calibration-scope"});
  const preview = h("div", {class: "temperature-preview", id: "temperature-preview", hidden: true});
  const element = h("section", {class: "card calibration-card", id: "calibration", "aria-label": "Calibration"},
    h("div", {class: "card-head"}, h("h2", {}, "Calibration"),
      h("label", {class: "field"}, h("span", {class: "field-label"}, "Bins"), binsSelect),
      h("div", {class: "segmented", role: "group", "aria-label": "Bins of"}, strategyButtons),
      classField, temperatureGroup),
    fixedNote, legend, status, svg, scope, preview);
  let previewKey = null;
  let classesKey = null;
  let [shownNames, shownTask, shownPositive] = [undefined, undefined, undefined];
  let drawnKey = null;
  let lastArgs = null;
  runColors.onChange(() => {
    if (!lastArgs) return;
    drawnKey = null;
    update(lastArgs);
  });

  /** series: [{run, entry}] with entry the cache entry of the run's calibration request (or null);
   * choices: what is asked for (calibration.js calibrationChoices). */
  function update(args) {
    lastArgs = args;
    const {state, task, series, classNames, positiveClass, choices} = args;
    element.hidden = task === null;
    if (task === null) return;
    // What the shown step cannot answer is not offered: an accumulated step's bins and strategy show the
    // one diagram it keeps; the class and the temperature preview are hidden for it and for compact steps.
    binsSelect.disabled = choices.fixed;
    for (const button of strategyButtons) {
      button.disabled = choices.fixed && button.dataset.value !== choices.strategy;
    }
    classField.hidden = choices.topOnly;
    temperatureGroup.hidden = choices.topOnly;
    fixedNote.hidden = !choices.note;
    setText(fixedNote, choices.note ?? "");
    element.dataset.fixed = String(choices.fixed);
    element.dataset.topOnly = String(choices.topOnly);
    binsSelect.value = String(choices.bins);
    for (const button of strategyButtons) {
      const on = button.dataset.value === choices.strategy;
      button.classList.toggle("on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
    temperatureButton.classList.toggle("on", choices.temperature);
    temperatureButton.setAttribute("aria-pressed", choices.temperature ? "true" : "false");
    // The same names (the same array, most renders) give the same options: at C = 1,000 building and
    // comparing them cost half a millisecond of every slider step.
    if (classNames !== shownNames || task !== shownTask || positiveClass !== shownPositive) {
      [shownNames, shownTask, shownPositive] = [classNames, task, positiveClass];
      const options = classChoices(task, classNames, positiveClass);
      const key = JSON.stringify(options);
      if (key !== classesKey) {
        classesKey = key;
        replaceChildren(classSelect, options.map(([value, label]) => h("option", {value}, label)));
      }
    }
    classSelect.value = choices.class === null ? "" : String(choices.class);

    const ready = series.filter((r) => r.entry?.answer);
    const errors = series.filter((r) => r.entry?.error);
    const loading = series.some((r) => !r.entry);
    replaceChildren(status, ...errors.map((r) => h("div", {class: "error"}, `${r.run}: ${r.entry.error}`)),
      loading && !ready.length ? h("div", {class: "loading"}, "Loading\u2026") : null);
    const color = (run) => runColors.color(run, state.theme);
    drawPreview(state, task, classNames);
    const nextKey = JSON.stringify([ready.map((r) => [r.run, r.entry.at]), state.theme, runColors.version()]);
    if (nextKey === drawnKey) return;
    drawnKey = nextKey;
    const names = errorNames(choices.strategy);
    replaceChildren(legend, ready.map(({run, entry}) => {
      const answer = entry.answer;
      const scaled = answer.temperature_scaling;
      return h("li", {class: "legend-item", dataset: {run, ece: String(answer.ece ?? ""), mce: String(answer.mce ?? ""),
        strategy: answer.strategy, bins: String(answer.n_bins),
        ...(scaled ? {temperature: String(scaled.temperature), eceAfter: String(scaled.ece ?? "")} : {})}},
      h("span", {class: "swatch", style: {background: color(run)}}),
      h("span", {class: "legend-run"}, run),
      h("span", {class: "legend-values", title: `${names.ece}: mean |accuracy \u2212 confidence| weighted by the bins' shares; ${names.mce}: the largest`}, errorText(answer)));
    }));
    const scaledNote = ready.some((r) => r.entry.answer.temperature_scaling)
      ? " Dashed: after temperature scaling, T fitted on this step's own probabilities (a preview: fit on validation data, judge on test data)." : "";
    // What is binned: each example, or each pixel of a per-pixel step.
    const units = unitsOf(task);
    const binned = units.elements ?? units.examples;
    const what = scopeText(ready[0]?.entry.answer, classNames, binned.replace(/s$/, ""));
    setText(scope, ready.length ? `${what} Bars under the chart: each bin's share of the ${binned}.${scaledNote}` : "");
    draw(ready.map(({run, entry}) => ({run, color: color(run), answer: entry.answer})));
  }

  // The matrix and metrics after temperature scaling beside the original, one block per run.
  function drawPreview(state, task, classNames) {
    const previews = state.runs.map((run) => previewOf(state, run)).filter(Boolean);
    preview.hidden = !previews.length;
    const label = Math.min(state.curveClass, (classNames?.length ?? 1) - 1);
    const key = JSON.stringify([previews, label, state.theme, state.catalogue ? 1 : 0]);
    if (key === previewKey) return;
    previewKey = key;
    replaceChildren(preview, previews.length ? h("h3", {}, "After temperature scaling") : null,
      previews.map((p) => previewBlock(p, state, task, classNames, label)));
  }

  function draw(runs) {
    const {x, y} = scales(f);
    const axis = s("g", {class: "calibration-axes"});
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      axis.append(s("line", {x1: x(v), x2: x(v), y1: f.top, y2: f.top + f.plot, class: "grid"}),
        s("line", {x1: f.left, x2: f.left + f.plot, y1: y(v), y2: y(v), class: "grid"}),
        s("text", {x: x(v), y: f.top + f.plot + 14, "text-anchor": "middle"}, String(v)),
        s("text", {x: f.left - 6, y: y(v) + 4, "text-anchor": "end"}, String(v)));
    }
    axis.append(s("text", {x: f.left + f.plot / 2, y: f.top + f.plot + 28, "text-anchor": "middle", class: "axis-label"}, "Confidence"),
      s("text", {x: 12, y: f.top + f.plot / 2, "text-anchor": "middle", class: "axis-label",
        transform: `rotate(-90 12 ${f.top + f.plot / 2})`}, "Accuracy"),
      s("text", {x: f.left - 6, y: f.histTop + 10, "text-anchor": "end", class: "axis-label"}, "share"),
      s("line", {x1: f.left, x2: f.left + f.plot, y1: f.histTop + f.hist, y2: f.histTop + f.hist, class: "axis"}),
      s("line", {x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: "diagonal"}));
    const all = [];
    for (const r of runs) {
      all.push({...r, dashed: false});
      if (r.answer.temperature_scaling) all.push({run: r.run, color: r.color, answer: r.answer.temperature_scaling, dashed: true});
    }
    const laid = layoutSeries(all, f);
    const single = runs.length === 1 && !runs[0].answer.temperature_scaling;
    const layers = laid.map((series) => {
      const kind = series.dashed ? "scaled" : "original";
      const group = s("g", {class: `calibration-series ${kind}`, dataset: {run: series.run, kind}});
      // Bars of the accuracy per bin when one run is drawn alone (points and lines otherwise, to compare).
      if (single) {
        for (const bar of series.bars) {
          group.append(s("rect", {x: bar.x, y: bar.y, width: bar.width, height: bar.height, fill: series.color,
            "fill-opacity": 0.18, class: "accuracy-bar"}));
        }
      }
      group.append(s("path", {d: series.path, fill: "none", stroke: series.color, "stroke-width": 1.5,
        "stroke-dasharray": series.dashed ? "5 3" : null}));
      for (const p of series.points) {
        group.append(s("circle", {cx: p.cx, cy: p.cy, r: 3.5, fill: series.dashed ? "none" : series.color, stroke: series.color,
          class: "calibration-point", dataset: {run: series.run, kind, bin: String(p.bin), count: String(p.count),
            confidence: String(p.confidence), accuracy: String(p.accuracy)}},
        s("title", {}, document.createTextNode(`${series.dashed ? "after temperature scaling \u00b7 " : ""}${pointTitle(series.run, p, series.answer.bins.edges)}`))));
      }
      if (!series.dashed) {
        for (const c of series.columns) {
          group.append(s("rect", {x: c.x, y: c.y, width: c.width, height: c.height, fill: series.color,
            class: "calibration-count", dataset: {run: series.run, bin: String(c.bin), count: String(c.count)}},
          s("title", {}, document.createTextNode(`${series.run} \u00b7 bin ${c.bin + 1}: ${c.count}`))));
        }
      }
      return group;
    });
    svg.replaceChildren(axis, ...layers);
    if (runs.some((r) => r.answer.temperature_scaling)) {
      const t = runs.map((r) => formatTemperature(r.answer.temperature_scaling?.temperature)).join(", ");
      svg.setAttribute("aria-description", `dashed: after temperature scaling (T = ${t})`);
    }
  }

  return {element, update};
}

/** One run's preview: T, the matrices before and after (threshold tasks) or why the matrix is unchanged
 * (multiclass), and the metrics before, after and their difference. */
function previewBlock(p, state, task, classNames, label) {
  const perLabel = task === "multilabel";
  const name = perLabel ? classNames?.[label] ?? String(label) : null;
  const head = h("p", {class: "preview-head"}, h("span", {class: "swatch", style: {background: runColors.color(p.run, state.theme)}}),
    ` ${p.run} · T = ${formatTemperature(p.temperature)}`);
  const parts = [head];
  if (p.argmax) {
    parts.push(h("p", {class: "note", dataset: {argmax: ""}},
      "Dividing the logits by T never changes which class is the most probable: the matrix and the decision's "
      + "metrics (accuracy, precision, recall, F1…) are the same after scaling; what changes is how "
      + "probable the predictions are said to be."
      + (p.cutoff > 0 ? ` At the confidence cutoff ${formatThreshold(p.cutoff)} the scaled top probabilities `
        + "would move examples across it: the preview's numbers are of every example as at argmax." : "")));
  } else if (p.error) {
    parts.push(h("div", {class: "error"}, p.error));
  } else if (!p.before || !p.after) {
    parts.push(h("div", {class: "loading"}, "Loading…"));
  } else {
    const at = (v) => (Array.isArray(v) ? formatThreshold(v[label]) : formatThreshold(v));
    const names = perLabel ? [`not ${name}`, name] : classNames;
    parts.push(h("div", {class: "preview-matrices"},
      smallMatrix("before", `Before · threshold ${at(p.thresholds.before)}`, reportMatrix(p.before, label), names),
      smallMatrix("after", `After · threshold ${at(p.thresholds.before)} on the scaled scores`
        + ` (${at(p.thresholds.after)} on the stored ones)`, reportMatrix(p.after, label), names)));
    if (perLabel) parts.push(h("p", {class: "note"}, `Label “${name}” (pick another in its card); metrics: macro over the labels.`));
  }
  const rows = [...decisionRows(state.catalogue, task, p, headline), ...p.probabilistic];
  parts.push(h("table", {class: "metrics-table preview-metrics", dataset: {run: p.run}},
    h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Metric"), h("th", {scope: "col", class: "num"}, "Before"),
      h("th", {scope: "col", class: "num"}, "After"), h("th", {scope: "col", class: "num"}, "After − before"))),
    h("tbody", {}, rows.map((row) => {
      const delta = row.before === null || row.after === null ? null : row.after - row.before;
      const tone = delta === null || delta === 0 ? "" : (delta < 0) === (row.better === "lower") ? "better" : "worse";
      return h("tr", {dataset: {key: row.key, before: String(row.before ?? ""), after: String(row.after ?? "")}},
        h("th", {scope: "row"}, row.label), h("td", {class: "num"}, formatMetric(row.before)),
        h("td", {class: "num"}, formatMetric(row.after)), h("td", {class: `num delta ${tone}`}, signedText(delta, 4)));
    }))));
  return h("div", {class: "preview-run", dataset: {run: p.run}}, parts);
}

/** A small matrix of counts (rows actual, columns predicted), every value in data-value. */
function smallMatrix(kind, caption, matrix, names) {
  if (!matrix) return null;
  return h("table", {class: "preview-matrix", dataset: {kind}},
    h("caption", {class: "note"}, caption),
    h("thead", {}, h("tr", {}, h("th", {class: "corner", scope: "col"}, "actual \\ predicted"),
      matrix[0].map((_, j) => h("th", {scope: "col", title: names?.[j] ?? String(j)}, names?.[j] ?? String(j))))),
    h("tbody", {}, matrix.map((row, i) => h("tr", {},
      h("th", {scope: "row", title: names?.[i] ?? String(i)}, names?.[i] ?? String(i)),
      row.map((value, j) => h("td", {class: `num${i === j ? " diagonal" : ""}`, dataset: {true: String(i), pred: String(j),
        value: String(value)}}, formatCount(value)))))));
}

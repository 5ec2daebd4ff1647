// The headline metrics of every selected run side by side (runs as columns), the catalogue's
// headline metrics in its order.

import {h, replaceChildren, setText} from "./dom.js";
import {runColors} from "./run_colors.js";
import {formatMetric} from "./number_format.js";
import {headline} from "./metric_value.js";
import {headlineMetrics} from "./catalogue.js";
import {binnedCurvesText} from "./curves.js";

/** The summary's rows: [{key, label, values}], one value text per run ("…" while its model loads). */
export function summaryRows(catalogue, task, runViews) {
  return headlineMetrics(catalogue, task).map(({key, label}) => ({key, label,
    values: runViews.map((r) => (r.model ? formatMetric(headline(r.model.metrics[key])) : "\u2026"))}));
}

/** What the one number of a per-class metric is (headline(): the positive class's when the values
 * have one, else the macro average), and which metrics the threshold does not move. */
export function summaryNote(catalogue, task, runViews) {
  const model = runViews.find((r) => r.model)?.model;
  if (!model) return "";
  const metrics = headlineMetrics(catalogue, task);
  const labels = (list) => list.map((metric) => metric.label).join(", ");
  const perClass = metrics.filter((metric) => metric.shape === "per_class");
  const fixed = metrics.filter((metric) => !metric.decision);
  const positive = perClass.some((metric) => model.metrics[metric.key]?.binary !== undefined);
  const notes = [];
  if (perClass.length) notes.push(`${labels(perClass)}: ${positive ? "of the positive class" : "macro averages"}.`);
  if (fixed.length) notes.push(`Independent of the threshold: ${labels(fixed)}.`);
  // ROC AUC from binned one-vs-rest curves (compact steps) is within a stated bound of the exact one.
  const binned = metrics.some((metric) => metric.key === "roc_auc") ? binnedCurvesText(runViews) : "";
  if (binned) notes.push(`${binned[0].toUpperCase()}${binned.slice(1)}.`);
  return notes.join(" ");
}

export function createSummaryView() {
  const note = h("p", {class: "note"});
  const holder = h("div", {class: "table-scroll"});
  const element = h("section", {class: "card summary-card", "aria-label": "Metrics"},
    h("div", {class: "card-head"}, h("h2", {}, "Metrics")), holder, note);
  let key = null;
  let cells = [];

  function update({runViews, state, task}) {
    const rows = summaryRows(state.catalogue, task, runViews);
    const next = JSON.stringify([runViews.map((r) => r.run), rows.map((row) => [row.key, row.label]), state.theme, runColors.version()]);
    if (next !== key) {
      key = next;
      cells = rows.map(() => runViews.map(() => h("td", {class: "num"})));
      replaceChildren(holder, h("table", {class: "metrics-table summary", id: "summary-table"},
        h("colgroup", {}, h("col", {class: "metric-column"}), runViews.map(() => h("col", {}))),
        h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Metric"), runViews.map((r) =>
          h("th", {scope: "col", class: "num", title: r.run}, h("span", {class: "swatch", style: {background: runColors.color(r.run, state.theme)}}), r.run)))),
        h("tbody", {}, rows.map((row, m) => h("tr", {dataset: {metric: row.key}}, h("th", {scope: "row"}, row.label), cells[m])))));
    }
    rows.forEach((row, m) => row.values.forEach((text, c) => setText(cells[m][c], text)));
    setText(note, summaryNote(state.catalogue, task, runViews));
  }

  return {element, update};
}

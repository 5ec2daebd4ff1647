// The headline metrics of every selected run side by side (runs as columns).

import {h, replaceChildren, setText} from "./dom.js";
import {RUN_COLORS} from "./colors.js";
import {formatMetric} from "./number_format.js";
import {HEADLINE_METRICS, headline} from "./metric_value.js";

export function createSummaryView() {
  const note = h("p", {class: "note"});
  const holder = h("div", {class: "table-scroll"});
  const element = h("section", {class: "card summary-card", "aria-label": "Metrics"},
    h("div", {class: "card-head"}, h("h2", {}, "Metrics")), holder, note);
  let key = null;
  let cells = [];

  function update({runViews, task}) {
    const runs = runViews.map((r) => r.run);
    const next = JSON.stringify([runs, task]);
    if (next !== key) {
      key = next;
      cells = HEADLINE_METRICS.map(() => runs.map(() => h("td", {class: "num"})));
      replaceChildren(holder, h("table", {class: "metrics-table summary", id: "summary-table"},
        h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Metric"), runViews.map((r) =>
          h("th", {scope: "col", class: "num", title: r.run}, h("span", {class: "swatch", style: {background: RUN_COLORS[r.index % RUN_COLORS.length]}}), r.run)))),
        h("tbody", {}, HEADLINE_METRICS.map(([name, label], m) => h("tr", {dataset: {metric: name}}, h("th", {scope: "row"}, label), cells[m])))));
    }
    HEADLINE_METRICS.forEach(([name], m) => runViews.forEach((r, c) => {
      setText(cells[m][c], r.model ? formatMetric(headline(r.model.metrics[name])) : "\u2026");
    }));
    setText(note, task === "binary" ? "Precision, recall and F1 of the positive class; AUC, AP and log loss do not depend on the threshold."
      : task ? "Precision, recall and F1 are macro averages; AUC, AP and log loss do not depend on the threshold." : "");
  }

  return {element, update};
}

// Per-class precision / recall / F1 / support with macro, micro and weighted averages; built once per
// set of classes, then only its texts change (cheap during a threshold drag).

import {h, setText} from "./dom.js";
import {formatCount, formatMetric} from "./number_format.js";

const COLUMNS = [["precision", "Precision"], ["recall", "Recall"], ["f1", "F1"], ["support", "Support"]];

export function createPerClassTable() {
  const element = h("div", {class: "table-scroll per-class"});
  let key = null;
  let rows = [];
  let averageRows = [];

  function build(names) {
    rows = names.map((name) => ({name: h("th", {scope: "row", title: name}, name), cells: COLUMNS.map(() => h("td", {class: "num"}))}));
    averageRows = ["macro", "micro", "weighted"].map((average) => ({average,
      cells: COLUMNS.map(() => h("td", {class: "num"}))}));
    element.replaceChildren(h("table", {class: "metrics-table"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Class"), COLUMNS.map(([, label]) => h("th", {scope: "col", class: "num"}, label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.name, r.cells))),
      h("tfoot", {}, averageRows.map((r) => h("tr", {class: "average"}, h("th", {scope: "row"}, `${r.average} avg`), r.cells)))));
  }

  /** names: class (or label) names; metrics: the model's metrics. */
  function update(names, metrics) {
    const next = JSON.stringify(names);
    if (next !== key) {
      key = next;
      build(names);
    }
    rows.forEach((row, i) => COLUMNS.forEach(([name], c) => {
      setText(row.cells[c], name === "support" ? formatCount(metrics.support.per_class[i]) : formatMetric(metrics[name].per_class[i]));
    }));
    averageRows.forEach((row) => COLUMNS.forEach(([name], c) => {
      setText(row.cells[c], name === "support" ? formatCount(metrics.support[row.average]) : formatMetric(metrics[name][row.average]));
    }));
  }

  return {element, update};
}

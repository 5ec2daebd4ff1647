// ROC and PR curves of one class (one-vs-rest), every selected run overlaid, with the area and the
// current operating point; the point moves with the threshold without redrawing the curves.

import {h, replaceChildren, setText} from "./dom.js";
import {RUN_COLORS} from "./colors.js";
import {createChart} from "./chart.js";
import {curvesFor} from "./curves.js";
import {operatingPoint} from "./model.js";
import {formatMetric} from "./number_format.js";

export function createCurvesView(actions) {
  const classSelect = h("select", {id: "curve-class", "aria-label": "Class", onchange: (event) => actions.setCurveClass(Number(event.target.value))});
  const roc = createChart({width: 300, height: 240, ariaLabel: "ROC curve"});
  const pr = createChart({width: 300, height: 240, ariaLabel: "Precision-recall curve"});
  const legend = h("div", {class: "legend"});
  const element = h("section", {class: "card curves-card", "aria-label": "ROC and PR curves"},
    h("div", {class: "card-head"}, h("h2", {}, "ROC and precision\u2013recall"), h("label", {class: "field"}, h("span", {class: "field-label"}, "Class"), classSelect)),
    h("div", {class: "charts"}, h("figure", {}, h("figcaption", {}, "ROC"), roc.element), h("figure", {}, h("figcaption", {}, "Precision\u2013recall"), pr.element)),
    legend);
  let classesKey = null;
  let curvesKey = null;

  function update({runViews, state, task}) {
    element.hidden = task === null;
    if (task === null) return;
    const first = runViews.find((r) => r.stats);
    const names = first ? first.stats.class_names : [];
    const key = JSON.stringify([task, names]);
    if (key !== classesKey) {
      classesKey = key;
      replaceChildren(classSelect, names.map((name, k) => h("option", {value: k}, name)));
    }
    // Binary statistics hold one curve, the positive class's: there is no class to choose.
    const single = Boolean(first?.stats.binary);
    classSelect.parentElement.hidden = single || !names.length;
    const k = Math.min(state.curveClass, Math.max(0, names.length - 1));
    if (!single) classSelect.value = String(k);
    const withStats = runViews.filter((r) => r.stats);
    const nextCurvesKey = JSON.stringify([withStats.map((r) => [r.run, r.step, r.index]), k, state.tag, state.theme]);
    if (nextCurvesKey !== curvesKey) {
      curvesKey = nextCurvesKey;
      const all = withStats.map((r) => ({r, curves: curvesFor(r.stats, k)}));
      const series = (kind) => all.filter((a) => a.curves).map(({r, curves}) => ({...curves[kind], color: RUN_COLORS[r.index % RUN_COLORS.length]}));
      const diagonal = {x: [0, 1], y: [0, 1], color: "rgba(128,128,128,0.5)", width: 1, dashed: true};
      roc.draw({series: [diagonal, ...series("roc")], xDomain: [0, 1], yDomain: [0, 1], xLabel: "False positive rate", yLabel: "True positive rate"});
      pr.draw({series: series("pr"), xDomain: [0, 1], yDomain: [0, 1], xLabel: "Recall", yLabel: "Precision"});
      replaceChildren(legend, all.map(({r, curves}) => h("div", {class: "legend-item"},
        h("span", {class: "swatch", style: {background: RUN_COLORS[r.index % RUN_COLORS.length]}}),
        h("span", {class: "legend-run"}, r.run),
        h("span", {class: "legend-values"}, curves ? `AUC ${formatMetric(curves.rocAuc)} \u00b7 AP ${formatMetric(curves.averagePrecision)}` : "no curve"))));
    }
    const pointClass = (r) => (r.stats.binary ? r.stats.report?.positive_class ?? 1 : k);
    const points = withStats.map((r) => ({r, point: r.model ? operatingPoint(r.model, pointClass(r)) : null}))
      .filter((p) => p.point);
    roc.mark(points.map(({r, point}) => ({x: point.fpr, y: point.tpr, color: RUN_COLORS[r.index % RUN_COLORS.length]})));
    pr.mark(points.map(({r, point}) => ({x: point.recall, y: point.precision, color: RUN_COLORS[r.index % RUN_COLORS.length]})));
  }

  return {element, update};
}

// ROC and PR curves of one class (one-vs-rest), every selected run overlaid in its TensorBoard
// colour, with the area and the current operating point; the point moves with the threshold without
// redrawing the curves. Hover (or the keyboard on a focused chart) reads each run's nearest point
// and its threshold; drag a box to zoom, double click to reset. A note says whose numbers the legend
// shows: the chosen class's one-vs-rest AUC and AP, where the Metrics table shows macro averages.

import {h, replaceChildren, setText} from "./dom.js";
import {runColors} from "./run_colors.js";
import {createChart} from "./chart.js";
import {binnedCurvesText, curvesFor, curvesFromServer} from "./curves.js";
import {operatingPoint} from "./model.js";
import {formatMetric, formatThreshold} from "./number_format.js";

/** What the curves and the legend's numbers are, for the note under the legend. */
export function curvesScope({binary, labels, className}) {
  const name = `\u201c${className}\u201d`;
  if (binary) return `Positive class ${name}: the legend's AUC and AP are the Metrics table's ROC AUC and average precision.`;
  const kind = labels ? "label" : "class";
  const rest = labels ? "its own yes/no curve" : "one-vs-rest: this class against all the others";
  return `Curves, AUC and AP of the ${kind} ${name} (${rest}). The Metrics table's ROC AUC and average precision are the macro average over every ${kind}.`;
}

export function createCurvesView(actions) {
  const classSelect = h("select", {id: "curve-class", "aria-label": "Class (one-vs-rest curves)", onchange: (event) => actions.setCurveClass(Number(event.target.value))});
  const classLabel = h("span", {class: "field-label"}, "Class");
  const roc = createChart({width: 300, height: 240, ariaLabel: "ROC curve", zoom: true});
  const pr = createChart({width: 300, height: 240, ariaLabel: "Precision-recall curve", zoom: true});
  const legendTitle = h("div", {class: "legend-title"});
  const legend = h("ul", {class: "legend curves-legend", "aria-label": "Runs"});
  const scope = h("p", {class: "note curves-scope"});
  const binned = h("p", {class: "note curves-binned", id: "curves-binned", hidden: true});
  const element = h("section", {class: "card curves-card", "aria-label": "ROC and PR curves"},
    h("div", {class: "card-head"}, h("h2", {}, "ROC and precision\u2013recall"), h("label", {class: "field"}, classLabel, classSelect)),
    h("div", {class: "charts"}, h("figure", {}, h("figcaption", {}, "ROC"), roc.element), h("figure", {}, h("figcaption", {}, "Precision\u2013recall"), pr.element)),
    legendTitle, legend, binned, scope);
  let classesKey = null;
  let curvesKey = null;
  let lastArgs = null;
  runColors.onChange(() => {
    if (!lastArgs) return;
    curvesKey = null;
    update(lastArgs);
  });

  function update(args) {
    lastArgs = args;
    // answers: per run, the `curves` route's entry ({answer} or {error}) of a multiclass step
    const {runViews, state, task, answers = {}} = args;
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
    const labels = Boolean(first?.stats.labels);
    classSelect.parentElement.hidden = single || !names.length;
    setText(classLabel, labels ? "Label" : "Class (one-vs-rest)");
    const k = Math.min(state.curveClass, Math.max(0, names.length - 1));
    if (!single) classSelect.value = String(k);
    const positive = first?.stats.report?.positive_class ?? 1;
    const className = single ? names[positive] ?? "positive" : names[k] ?? "";
    const withStats = runViews.filter((r) => r.stats);
    const color = (run) => runColors.color(run, state.theme);
    const asked = (r) => answers[r.run] ?? null;
    const nextCurvesKey = JSON.stringify([withStats.map((r) => [r.run, r.step, Boolean(asked(r)?.answer), asked(r)?.error?.message ?? null]),
      k, state.tag, state.theme, runColors.version()]);
    if (nextCurvesKey !== curvesKey) {
      curvesKey = nextCurvesKey;
      const all = withStats.map((r) => ({r, curves: curvesOf(r.stats, k, asked(r))}));
      const series = (kind) => all.filter((a) => a.curves).map(({r, curves}) => ({...curves[kind], color: color(r.run), label: r.run,
        t: kind === "roc" ? curves.rocThresholds : curves.prThresholds}));
      const diagonal = {x: [0, 1], y: [0, 1], color: "rgba(128,128,128,0.5)", width: 1, dashed: true};
      const zoomKey = JSON.stringify([state.tag, single ? null : k]);
      roc.draw({series: [diagonal, ...series("roc")], xDomain: [0, 1], yDomain: [0, 1], xLabel: "False positive rate",
        yLabel: "True positive rate", snap: "point", zoomKey, describe: describe("FPR", "TPR")});
      pr.draw({series: series("pr"), xDomain: [0, 1], yDomain: [0, 1], xLabel: "Recall", yLabel: "Precision",
        snap: "point", zoomKey, describe: describe("recall", "precision")});
      setText(legendTitle, single ? `AUC and AP of the positive class \u201c${className}\u201d` : `AUC and AP of \u201c${className}\u201d ${labels ? "(this label)" : "vs the rest"}`);
      replaceChildren(legend, all.map(({r, curves}) => h("li", {class: "legend-item", dataset: {run: r.run, color: color(r.run),
        auc: String(curves?.rocAuc ?? ""), ap: String(curves?.averagePrecision ?? "")}},
        h("span", {class: "swatch", style: {background: color(r.run)}}),
        h("span", {class: "legend-run"}, r.run),
        h("span", {class: "legend-values"}, curves ? `AUC ${formatMetric(curves.rocAuc)} \u00b7 AP ${formatMetric(curves.averagePrecision)}`
          : waiting(r.stats, asked(r))))));
      // A compact step's one-vs-rest curves are binned: how far its AUC can be from the exact one.
      const binnedText = binnedCurvesText(withStats);
      setText(binned, binnedText);
      binned.hidden = !binnedText;
      setText(scope, first ? `${curvesScope({binary: single, labels, className})} Drag a box on a chart to zoom in, double click to zoom out.` : "");
    }
    const pointClass = (r) => (r.stats.binary ? r.stats.report?.positive_class ?? 1 : k);
    const points = withStats.map((r) => ({r, point: r.model ? operatingPoint(r.model, pointClass(r)) : null}))
      .filter((p) => p.point);
    roc.mark(points.map(({r, point}) => ({x: point.fpr, y: point.tpr, color: color(r.run)})));
    pr.mark(points.map(({r, point}) => ({x: point.recall, y: point.precision, color: color(r.run)})));
  }

  return {element, update};
}

/** Class k's curves of a run: from its stats (binary, multilabel), or (multiclass) from the `curves` route's
 * answer for that class once it is here. */
function curvesOf(stats, k, entry) {
  const inline = curvesFor(stats, k);
  if (inline || !entry?.answer || entry.answer.class_index !== k) return inline;
  return curvesFromServer(entry.answer);
}

/** The legend's text for a run without curves: still asked, the route's error, or none. */
function waiting(stats, entry) {
  if (entry?.error) return `no curve: ${entry.error.message}`;
  return stats.task === "multiclass" ? "loading curves\u2026" : "no curve";
}

/** The hover box of a curve chart: per run, its nearest point and that point's threshold (the
 * curve's first point lies above every score: "> max"). */
function describe(xName, yName) {
  return (hits) => ({
    title: `${xName} \u00b7 ${yName} \u00b7 threshold`,
    rows: hits.map((hit) => {
      const threshold = hit.series.t?.[hit.index] ?? null;
      const at = threshold === null ? "> max" : formatThreshold(threshold);
      return {color: hit.series.color, label: hit.series.label,
        text: `${formatMetric(hit.x)} \u00b7 ${formatMetric(hit.y)} \u00b7 ${at}`,
        data: {x: String(hit.x), y: String(hit.y), threshold: threshold === null ? "" : String(threshold)}};
    }),
  });
}

// ROC and PR curves of one class, ready to draw: from binary statistics (binary task, or one label
// of a multilabel tag) at full resolution, or the `curves` route's one-vs-rest curves for multiclass.

import {binaryTotals} from "./lookups.js";

/** {roc: {x: fpr[], y: tpr[]}, pr: {x: recall[], y: precision[]}, rocThresholds, prThresholds,
 * rocAuc, averagePrecision}, with the areas computed exactly over every threshold (trapezoids for
 * ROC, step sums for AP, as scikit-learn does) and the drawn points thinned to about `points` per
 * curve. The thresholds are each drawn point's (positive when score >= it); the first point, above
 * every score, has null. */
export function curvesFromBinary(binary, points = 800) {
  const {tps, fps} = binary;
  const {positives, negatives} = binaryTotals(binary);
  const n = tps.length;
  let rocAuc = null;
  let averagePrecision;
  if (positives > 0 && negatives > 0) {
    rocAuc = 0;
    let previousFpr = 0;
    let previousTpr = 0;
    for (let i = 0; i < n; i++) {
      const fpr = fps[i] / negatives;
      const tpr = tps[i] / positives;
      rocAuc += ((fpr - previousFpr) * (tpr + previousTpr)) / 2;
      previousFpr = fpr;
      previousTpr = tpr;
    }
  }
  averagePrecision = 0; // 0 without positives, like build_report (which lists it as undefined)
  if (positives > 0) {
    let previousRecall = 0;
    for (let i = 0; i < n; i++) {
      const recall = tps[i] / positives;
      const precision = tps[i] + fps[i] ? tps[i] / (tps[i] + fps[i]) : 1;
      averagePrecision += (recall - previousRecall) * precision;
      previousRecall = recall;
    }
  }
  const step = Math.max(1, Math.floor(n / points));
  const roc = {x: [0], y: [0]};
  const pr = {x: [0], y: [1]};
  const thresholds = [null];
  for (let i = 0; i < n; i += step) pushPoint(i);
  if (n && (n - 1) % step) pushPoint(n - 1);
  function pushPoint(i) {
    roc.x.push(negatives ? fps[i] / negatives : 0);
    roc.y.push(positives ? tps[i] / positives : 0);
    pr.x.push(positives ? tps[i] / positives : 0);
    pr.y.push(tps[i] + fps[i] ? tps[i] / (tps[i] + fps[i]) : 1);
    thresholds.push(binary.thresholds[i]);
  }
  return {roc, pr, rocThresholds: thresholds, prThresholds: thresholds, rocAuc, averagePrecision};
}

/** The same shape from the `curves` route's answer for one class of a multiclass step ({roc: {fpr, tpr,
 * thresholds, auc}, pr: {recall, precision, thresholds, average_precision}}; one-vs-rest: thresholds on
 * that class's probability); null when absent. */
export function curvesFromServer(answer) {
  const roc = answer?.roc;
  const pr = answer?.pr;
  if (!roc || !pr) return null;
  const clean = (xs, ys, ts) => {
    const x = [];
    const y = [];
    const t = [];
    (xs || []).forEach((v, i) => {
      const w = ys[i];
      if (v !== null && w !== null && Number.isFinite(v) && Number.isFinite(w)) {
        x.push(v);
        y.push(w);
        t.push(ts?.[i] ?? null);
      }
    });
    return [{x, y}, t];
  };
  const [rocPoints, rocThresholds] = clean(roc.fpr, roc.tpr, roc.thresholds);
  const [prPoints, prThresholds] = clean(pr.recall, pr.precision, pr.thresholds);
  return {
    roc: rocPoints,
    pr: prPoints,
    rocThresholds,
    prThresholds,
    rocAuc: roc.auc ?? null,
    averagePrecision: pr.average_precision ?? null,
  };
}

/** Curves of class (or label) k from the statistics the `stats` route sent, or null for a multiclass step (its
 * curves come from the `curves` route); binary statistics hold one problem, the positive class's, so there k is
 * ignored. */
export function curvesFor(stats, k) {
  if (stats.binary) return curvesFromBinary(stats.binary);
  if (stats.labels) return curvesFromBinary(stats.labels[k]);
  return null;
}

/** The most a step's one-vs-rest ROC AUC can be off: the max over classes of its report's
 * binned.roc_auc_error_bound (a compact or accumulated step, whose curves are binned), or null when
 * its curves are exact. */
export function aucErrorBound(stats) {
  const bounds = stats?.report?.binned?.roc_auc_error_bound;
  if (!bounds) return null;
  return bounds.reduce((most, b) => (Number.isFinite(b) && b > most ? b : most), 0);
}

/** A bound rounded up to one significant digit, in plain decimals: 0.000271 -> "0.0003". */
export function formatBound(bound) {
  if (!(bound > 0)) return "0";
  const scale = 10 ** Math.floor(Math.log10(bound));
  const up = Math.ceil(bound / scale - 1e-9) * scale;
  return up.toFixed(Math.min(20, Math.max(0, -Math.floor(Math.log10(up)))));
}

/** The note for runs whose shown step has binned curves, or "": "compact step: one-vs-rest curves are
 * binned, AUC within ±0.0003" (the largest bound over classes and such runs); the runs are named when
 * not every run shown is binned. `runViews`: [{run, stats}]. */
export function binnedCurvesText(runViews) {
  const shown = runViews.filter((r) => r.stats);
  const binned = shown.filter((r) => aucErrorBound(r.stats) !== null);
  if (!binned.length) return "";
  const bound = Math.max(...binned.map((r) => aucErrorBound(r.stats)));
  const kinds = [...new Set(binned.map((r) => (r.stats.storage === "counts" ? "accumulated" : r.stats.storage)))];
  const which = binned.length < shown.length ? ` (${binned.map((r) => r.run).join(", ")})` : "";
  return `${kinds.join(" and ")} step${which}: one-vs-rest curves are binned, AUC within \u00b1${formatBound(bound)}`;
}

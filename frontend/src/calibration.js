// The reliability diagram's pure parts: the choices it offers, what its header says, and where every
// point, bar and histogram column goes in pixels. The `calibration` route (docs/http_api.md) sends the
// bins; calibration_view.js draws what these functions return.

import {formatMetric} from "./number_format.js";
import {isAccumulated} from "./tasks.js";

/** The bin counts the panel offers, and its default (torchmetrics' 15). */
export const BIN_CHOICES = [10, 15, 20];
export const DEFAULT_BINS = 15;
export const STRATEGIES = [["equal_width", "Equal width"], ["equal_mass", "Equal mass"]];

/** The class picker's options, [value, label]: "" is the whole step, as the catalogue's ECE bins it
 * (binary: the positive class; multiclass: the top-1 probability; multilabel: every label pooled),
 * then each class one-vs-rest (each label on its own). */
export function classChoices(task, classNames, positiveClass = 1) {
  if (!task || !classNames) return [];
  const whole = task === "binary" ? `Positive class \u201c${classNames[positiveClass] ?? "positive"}\u201d`
    : task === "multilabel" ? "All labels pooled" : "Top-1 (every class)";
  const each = task === "multilabel" ? (name) => `Label \u201c${name}\u201d` : (name) => `\u201c${name}\u201d vs the rest`;
  return [["", whole], ...classNames.map((name, k) => [String(k), each(name)])];
}

/** The bins an accumulated step keeps (summed as it was written): its only diagram. */
export const ACCUMULATED_BINS = 15;
export const ACCUMULATED_NOTE =
  `accumulated step: ${ACCUMULATED_BINS} equal-width bins of the top-1 probability`;
/** A compact step (storage "compact") keeps each example's top-1 probability, not every class's: its
 * bins and strategy are free, one class against the rest and temperature scaling are not there. */
export const COMPACT_NOTE = "compact step: top-1 calibration only";

/** What the card asks the `calibration` route for, {bins, strategy, class, temperature, fixed, topOnly,
 * note}: the state's choices, or for a task whose steps are accumulated (tasks.js storage "counts") the
 * one diagram such a step keeps (fixed: true), whatever the state says; with `compact` (a shown step is
 * stored compact: selection.js compactShown) the top-1 diagram at the chosen bins and strategy. topOnly:
 * the class and the temperature preview are not offered; note: what the card says instead. So a 422 is
 * never asked for, and the choices come back when another tag or step is shown. `task` is a task name,
 * null before the tags load. */
export function calibrationChoices(state, task, compact = false) {
  if (task && isAccumulated(task)) {
    return {bins: ACCUMULATED_BINS, strategy: "equal_width", class: null, temperature: false, fixed: true,
      topOnly: true, note: ACCUMULATED_NOTE};
  }
  const chosen = {bins: state.calibrationBins, strategy: state.calibrationStrategy, fixed: false};
  if (compact) return {...chosen, class: null, temperature: false, topOnly: true, note: COMPACT_NOTE};
  return {...chosen, class: chosenClass(state), temperature: Boolean(state.calibrationTemperature), topOnly: false,
    note: null};
}

/** The class the state picks for `tag`: an index, or null for the whole step. */
export function chosenClass(state) {
  const picked = state.calibrationClass;
  return picked && picked.tag === state.tag ? picked.index : null;
}

/** What the numbers of one answer are called: "ECE" for equal-width bins, "Adaptive ECE" for
 * equal-mass ones (the catalogue's adaptive_ece), with the MCE of the same bins. */
export function errorNames(strategy) {
  return strategy === "equal_mass" ? {ece: "Adaptive ECE", mce: "MCE (equal mass)"} : {ece: "ECE", mce: "MCE"};
}

/** The header text of one run's answer: "ECE 0.0312 · MCE 0.1204", plus the temperature scaling's
 * numbers when the answer has them. */
export function errorText(answer) {
  if (!answer) return "";
  const names = errorNames(answer.strategy);
  const text = `${names.ece} ${formatMetric(answer.ece)} \u00b7 ${names.mce} ${formatMetric(answer.mce)}`;
  const scaled = answer.temperature_scaling;
  if (!scaled) return text;
  return `${text} \u2192 T = ${formatTemperature(scaled.temperature)}: ${names.ece} ${formatMetric(scaled.ece)}, log loss ${formatMetric(scaled.log_loss_before)} \u2192 ${formatMetric(scaled.log_loss)}`;
}

/** A temperature with three significant digits. */
export function formatTemperature(t) {
  return Number.isFinite(t) ? String(Number(t.toPrecision(3))) : "\u2013";
}

/** What the bins are of, for the note under the chart; `example` is what one example is called
 * ("example", or "pixel" for per-pixel steps). */
export function scopeText(answer, classNames, example = "example") {
  if (!answer) return "";
  const name = (k) => `\u201c${classNames?.[k] ?? k}\u201d`;
  switch (answer.scope) {
    case "top_1":
      return `Each ${example}'s top probability against whether its top class is right (as the Metrics table's ECE).`;
    case "positive_class": return "The positive class's probability against the share of positives (as the Metrics table's ECE).";
    case "pooled_labels": return "Every (example, label) probability against whether the label is on (as the Metrics table's ECE).";
    case "label": return `The probability of label ${name(answer.class)} against whether it is on.`;
    case "one_vs_rest": return `The probability of class ${name(answer.class)} against whether the example is of that class (one-vs-rest).`;
    default: return "";
  }
}

/** The plot's geometry: {width, height, left, top, plot, histTop, hist} in px. */
export function frame({width = 380, plot = 320, hist = 64, left = 44, top = 10, gap = 34} = {}) {
  const size = Math.min(plot, width - left - 12);
  return {width, left, top, plot: size, histTop: top + size + gap, hist, height: top + size + gap + hist + 22};
}

/** x (confidence) and y (accuracy) in [0, 1] to px of the plot square. */
export function scales(f) {
  return {x: (v) => f.left + v * f.plot, y: (v) => f.top + (1 - v) * f.plot};
}

/** One series per answer ({run, color, answer, dashed}): the points (mean confidence, accuracy) of
 * its non-empty bins, the accuracy bars over each bin's edges, and the histogram's columns (share of
 * the series' pairs in each bin; the runs of a bin side by side within its edges). */
export function layoutSeries(series, f) {
  const {x, y} = scales(f);
  const maxShare = Math.max(1e-12, ...series.flatMap(({answer}) => shares(answer.bins.count)));
  return series.map((s, index) => {
    const {edges, count, confidence, accuracy} = s.answer.bins;
    const share = shares(count);
    const points = [];
    const bars = [];
    const columns = [];
    for (let i = 0; i < count.length; i++) {
      const x0 = x(edges[i]);
      const x1 = x(edges[i + 1]);
      const slot = (x1 - x0) / series.length;
      const height = (share[i] / maxShare) * f.hist;
      columns.push({bin: i, count: count[i], share: share[i], x: x0 + index * slot, width: Math.max(0, slot - 0.5),
        y: f.histTop + f.hist - height, height});
      if (accuracy[i] === null || confidence[i] === null) continue;
      points.push({bin: i, count: count[i], confidence: confidence[i], accuracy: accuracy[i],
        cx: x(confidence[i]), cy: y(accuracy[i])});
      bars.push({bin: i, x: x0, width: Math.max(0, x1 - x0 - 1), y: y(accuracy[i]), height: f.top + f.plot - y(accuracy[i])});
    }
    return {...s, points, bars, columns, path: points.map((p, k) => `${k ? "L" : "M"}${round(p.cx)},${round(p.cy)}`).join(" ")};
  });
}

function shares(count) {
  const total = count.reduce((a, b) => a + b, 0);
  return count.map((c) => (total > 0 ? c / total : 0));
}

const round = (v) => Math.round(v * 100) / 100;

/** The hover text of one point. */
export function pointTitle(run, point, edges) {
  const lo = formatMetric(edges[point.bin]);
  const hi = formatMetric(edges[point.bin + 1]);
  return `${run} \u00b7 bin ${point.bin + 1} [${lo}, ${hi}): ${point.count} \u00b7 confidence ${formatMetric(point.confidence)} \u00b7 accuracy ${formatMetric(point.accuracy)}`;
}

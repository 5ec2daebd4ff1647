// The matrix and headline metrics after temperature scaling, beside the original (the Calibration card's
// "After temperature scaling"). The `calibration` route fits T and gives the log loss, Brier score and ECE
// before and after. The decision after scaling needs no scaled probabilities: scaling is monotone per
// score, sigmoid(logit(p) / T) >= t exactly when p >= sigmoid(T logit(t)), so a binary (or each label's)
// matrix and threshold metrics after scaling at threshold t are the `report` route's at that threshold
// on the stored scores. Multiclass: the argmax does not change with T, so neither do the matrix and the
// decision's metrics at argmax; a confidence cutoff compares the scaled top probability, which depends on
// every class's, so the preview does not show the matrix at a cutoff. Pure, but for the request hook.

import {cacheKey} from "./loader.js";
import {calibrationRequest, taskOf, stepForRun} from "./selection.js";
import {taskInfo} from "./tasks.js";

const MAX_CACHED = 24;

/** The threshold on the stored scores that decides as threshold t does on scores scaled by temperature T. */
export function scaledThreshold(t, temperature) {
  if (!(t > 0 && t < 1) || !Number.isFinite(temperature) || temperature === 1) return t;
  return 1 / (1 + Math.exp(-temperature * (Math.log(t) - Math.log1p(-t))));
}

/** The run's calibration answer with a fitted temperature (its `temperature_scaling`), or null. */
export function scaledAnswer(state, run) {
  const params = calibrationRequest(state, run);
  if (!params || params.temperature !== "fit") return null;
  const answer = state.calibration?.[cacheKey(state, params)]?.answer;
  return answer?.temperature_scaling ? answer : null;
}

/** The report requests {before, after} of `run`'s matrix at the panel's threshold(s), before and after
 * scaling (after: at the scaled thresholds), or null: no fitted T yet, or a multiclass tag (argmax). */
export function previewRequests(state, run) {
  const task = taskOf(state);
  const answer = task ? scaledAnswer(state, run) : null;
  const {decision} = task ? taskInfo(task) : {};
  if (!answer || (decision !== "threshold" && decision !== "per_label")) return null;
  const step = stepForRun(state.steps[run], state.step);
  const t = answer.temperature_scaling.temperature;
  const base = {run, tag: state.tag, step};
  if (decision === "threshold") {
    return {before: {...base, threshold: state.threshold}, after: {...base, threshold: scaledThreshold(state.threshold, t)}};
  }
  const labels = answer.class_names.length;
  const thresholds = Array.from({length: labels}, (_, k) => state.labelThresholds?.[k] ?? state.threshold);
  return {before: {...base, thresholds}, after: {...base, thresholds: thresholds.map((v) => scaledThreshold(v, t))}};
}

/** Ask `loader` for every selected run's two reports (cached in state.temperatureReports). */
export function syncTemperaturePreview(state, loader, api) {
  for (const run of state.runs) {
    const requests = previewRequests(state, run);
    if (!requests) continue;
    for (const [name, params] of Object.entries(requests)) {
      loader.cached("temperatureReports", cacheKey(state, params), "report", () => api.report(params),
        {debounce: [`temperature ${name} ${run}`, 200], prune: trim});
    }
  }
}

function trim(entries) {
  const keys = Object.keys(entries);
  if (keys.length <= MAX_CACHED) return entries;
  const kept = keys.sort((a, b) => entries[b].at - entries[a].at).slice(0, MAX_CACHED);
  return Object.fromEntries(kept.map((key) => [key, entries[key]]));
}

/** What the card shows for `run`, or null without a fitted T: {run, temperature, argmax (multiclass: the
 * matrix is unchanged), cutoff (the multiclass cutoff, 0 at argmax), before, after (the reports, null
 * while they load), error, probabilistic: [{key, label, before, after}] for log loss, Brier and ECE}. */
export function previewOf(state, run) {
  const answer = scaledAnswer(state, run);
  if (!answer) return null;
  const scaled = answer.temperature_scaling;
  const requests = previewRequests(state, run);
  const entry = (params) => (params ? state.temperatureReports?.[cacheKey(state, params)] ?? null : null);
  const before = entry(requests?.before);
  const after = entry(requests?.after);
  const ece = answer.strategy === "equal_mass" ? "Adaptive ECE" : "ECE";
  return {
    run, temperature: scaled.temperature, argmax: !requests, cutoff: requests ? 0 : state.cutoff,
    before: before?.report ?? null, after: after?.report ?? null, error: before?.error ?? after?.error ?? null,
    thresholds: requests ? {before: requests.before.threshold ?? requests.before.thresholds,
      after: requests.after.threshold ?? requests.after.thresholds} : null,
    probabilistic: [
      {key: "log_loss", label: "Log loss", before: scaled.log_loss_before, after: scaled.log_loss, better: "lower"},
      {key: "brier_score", label: "Brier score", before: scaled.brier_before ?? null, after: scaled.brier ?? null, better: "lower"},
      {key: "ece", label: `${ece} (${answer.n_bins} bins)`, before: answer.ece, after: scaled.ece, better: "lower"},
    ],
  };
}

/** The rows of the decision's headline metrics before and after ({key, label, before, after, better}),
 * from the catalogue (metrics that move with the threshold) and the two reports' values (headline: the
 * positive class, else the macro average). */
export function decisionRows(catalogue, task, preview, headline) {
  if (!preview?.before || !preview?.after) return [];
  return (catalogue?.metrics || []).filter((m) => m.headline && m.decision && m.tasks.includes(task)).map((m) => ({
    key: m.key, label: m.label, before: headline(preview.before.metrics?.[m.key]),
    after: headline(preview.after.metrics?.[m.key]), better: m.higher_is_better === false ? "lower" : "higher"}));
}

/** The 2x2 (or C x C) matrix a report shows for the card: per-label matrices give the shown label's. */
export function reportMatrix(report, label) {
  if (!report) return null;
  return report.label_confusion_matrices ? report.label_confusion_matrices[label] ?? null : report.confusion_matrix;
}

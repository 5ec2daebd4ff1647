// Which steps, stats and requests the current selection needs: pure functions of the state.

import {calibrationChoices} from "./calibration.js";
import {orderParam} from "./examples_order.js";
import {isAccumulated, taskInfo} from "./tasks.js";

/** The sorted union of the steps of the selected runs. */
export function unionSteps(stepsByRun, runs) {
  const all = new Set();
  for (const run of runs) for (const s of stepsByRun[run] || []) all.add(s.step);
  return [...all].sort((a, b) => a - b);
}

/** The step of `run` shown for the chosen step: the same step, else the run's last step before it,
 * else (no step before it) the run's first step, which comes after it; null when the run has no steps. */
export function stepForRun(runSteps, step) {
  if (!runSteps || !runSteps.length) return null;
  let best = null;
  for (const s of runSteps) {
    if (s.step <= step) best = s.step;
    else break;
  }
  return best === null ? runSteps[0].step : best;
}

/** The split names whose runs come first within a directory, in this order (by the last part of the
 * run's path, any case). Its home is tb_confusion/reading/selection.py SPLIT_ORDER: this copy lets the
 * order be known before any answer arrives, and tests/test_run_order.py keeps the two equal. */
export const SPLIT_ORDER = ["train", "training", "validation", "val", "valid", "test", "eval"];

/** The order of runs, in the toolbar's chips and the cards alike, and exactly Python's (reading/selection.py
 * run_order: the CLI, tb_confusion.read and the server's warm-up of the opening view): runs grouped by their
 * parent directory; within one, SPLIT_ORDER first, then the rest by name. Names compare by code points, as
 * Python's do, never by the locale. A comparator for sort(). */
export function runOrder(a, b) {
  const [parentA, nameA] = splitRun(a);
  const [parentB, nameB] = splitRun(b);
  return compareCodePoints(parentA, parentB) || splitRank(nameA) - splitRank(nameB) || compareCodePoints(nameA, nameB);
}

// [parent directory, last part] of a run's path, as Python's run.rpartition("/") gives them.
function splitRun(run) {
  const cut = run.lastIndexOf("/");
  return [run.slice(0, Math.max(cut, 0)), run.slice(cut + 1)];
}

function splitRank(name) {
  const i = SPLIT_ORDER.indexOf(name.toLowerCase());
  return i < 0 ? SPLIT_ORDER.length : i;
}

// Python compares strings by code points; JS's < by UTF-16 units, which puts U+E000-U+FFFF after emoji.
function compareCodePoints(a, b) {
  for (let i = 0; i < a.length && i < b.length;) {
    const x = a.codePointAt(i);
    const y = b.codePointAt(i);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** The cache key of one (run, tag, step), within `slice` (the panel's filter, slice_filter.js) when given. */
export const statsKey = (run, tag, step, slice = []) => JSON.stringify(slice?.length ? [run, tag, step, slice] : [run, tag, step]);

/** The threshold parameters of a request for a task: the decision the user moves. */
export function thresholdParams(task, {threshold, cutoff, labelThresholds}) {
  const {decision} = taskInfo(task);
  if (decision === "threshold") return {threshold};
  if (decision === "per_label") return {thresholds: labelThresholds};
  return {cutoff};
}

/** How many examples one page of the examples table lists. */
export const EXAMPLES_PAGE = 25;

/** The task ("binary", "multiclass", "multilabel") of the selected tag, or null before the tags load. */
export function taskOf(state) {
  const info = state.tags?.[state.runs[0]]?.[state.tag];
  return info ? info.task : null;
}

/** The default tag and runs: the first tag (by name) and every run that has it (at most 4); nothing
 * when a tag is chosen already or there is none. */
export function defaultSelection(tags, state) {
  if (state.tag) return {};
  // An unreadable tag (its info has `error` and no task) is never opened on, as the server's warm-up skips it
  const readable = (run, tag) => tag in tags[run] && !("error" in tags[run][tag]);
  const allTags = [...new Set(Object.keys(tags).flatMap((run) => Object.keys(tags[run]).filter((tag) => readable(run, tag))))]
    .sort(compareCodePoints); // the first tag by name as Python's sorted() picks it (warm_up.opening_view)
  if (!allTags.length) return {};
  const tag = allTags[0];
  const runs = Object.keys(tags).filter((run) => readable(run, tag)).sort(runOrder).slice(0, 4);
  return {tag, runs, ...thresholdDefaults(tags[runs[0]][tag])};
}

/** What a newly chosen tag (its `info` from the tags route) starts with: a threshold per label for
 * multilabel, the first class's curves, no selected cell. */
export function thresholdDefaults(info) {
  const perLabel = taskInfo(info.task).decision === "per_label";
  return {labelThresholds: perLabel ? info.class_names.map(() => 0.5) : null, curveClass: 0,
    selected: null, examplesOffset: 0};
}

/** The parameters of the report route for `run`, or null when its statistics are enough. The report
 * gives what the statistics cannot: exact numbers when the server thinned them ("exact": false, huge
 * N) and, where the matrices are per label (multilabel), the exact-match accuracy at other thresholds. */
export function reportRequest(state, run) {
  const step = stepForRun(state.steps[run], state.step);
  const entry = step === null ? null : state.stats[statsKey(run, state.tag, step, state.slice)];
  const stats = entry?.stats;
  if (!stats || (stats.exact !== false && taskInfo(stats.task).matrix !== "labels")) return null;
  const params = {run, tag: state.tag, step, ...thresholdParams(stats.task, state)};
  if (params.cutoff === 0) delete params.cutoff;
  return params;
}

/** The parameters of the examples route for the selected cell's current page, or null (nothing
 * selected, or a cell the route has no list for: examplesNotice says why). An accumulated step
 * (tasks.js storage "counts") lists its images most pixels first: no other order is asked for. */
export function examplesRequest(state) {
  const selected = state.selected;
  if (!selected || !state.runs.includes(selected.run)) return null;
  const step = stepForRun(state.steps[selected.run], state.step);
  const name = taskOf(state);
  if (step === null || name === null || examplesNotice(state)) return null;
  const task = taskInfo(name);
  const cell = selected.grouped ? {true_group: selected.true, pred_group: selected.pred} : {true: selected.true, pred: selected.pred};
  const params = {run: selected.run, tag: state.tag, step, ...cell, offset: state.examplesOffset, limit: EXAMPLES_PAGE};
  if (task.cell_needs_label) params.label = selected.label;
  const order = task.storage === "counts" ? null : orderParam(state.examplesOrder);
  if (order) params.order = order;
  if (task.decision === "threshold") params.threshold = state.threshold;
  else if (task.decision === "per_label") params.threshold = state.labelThresholds?.[selected.label] ?? state.threshold;
  else if (state.cutoff > 0) params.cutoff = state.cutoff;
  return params;
}

/** Why the selected cell lists nothing without asking the server, or null: an accumulated step keeps
 * each image's cells at the argmax only, so its "below cutoff" column has no images to list. */
export function examplesNotice(state) {
  const selected = state.selected;
  const name = taskOf(state);
  if (!selected || !name || !isAccumulated(name) || !state.runs.includes(selected.run)) return null;
  const classes = state.tags?.[selected.run]?.[state.tag]?.class_names?.length;
  if (classes === undefined || selected.pred < classes) return null;
  return "Accumulated steps list images at the argmax only: the \u201cbelow cutoff\u201d column has none. "
    + "Set the cutoff to 0 to see the images behind each cell.";
}

/** The parameters of the epochs route (the metrics of every step) for `run`, or null. */
export function epochsRequest(state, run) {
  const task = taskOf(state);
  if (!task) return null;
  return {run, tag: state.tag, ...thresholdParams(task, state)};
}

/** The `stats` answer of `run` at the shown step, or null while it is not there. */
export function shownStats(state, run) {
  const step = stepForRun(state.steps[run], state.step);
  return step === null ? null : state.stats?.[statsKey(run, state.tag, step, state.slice)]?.stats ?? null;
}

/** The `curves` request of `run`'s shown step ({run, tag, step, class}): a multiclass step's curves come one
 * class at a time, the shown one's (binary and multilabel stats carry their curves' counts); null until its
 * stats have arrived. */
export function curvesRequest(state, run) {
  const stats = shownStats(state, run);
  if (stats?.task !== "multiclass") return null;
  const classes = stats.class_names.length;
  return {run, tag: state.tag, step: stats.step, class: Math.max(0, Math.min(state.curveClass, classes - 1))};
}

/** Whether a selected run's shown step is stored compact (its stats say storage "compact"): the
 * calibration card then offers the top-1 diagram only, to every run alike. */
export function compactShown(state) {
  return (state.runs || []).some((run) => shownStats(state, run)?.storage === "compact");
}

/** The parameters of the calibration route (the reliability diagram) for `run` at the shown step,
 * or null. The class applies to the tag it was picked for, and only while the tag has it; an
 * accumulated step is asked for the one diagram it keeps, a compact one (or beside one) for the top-1
 * diagram (calibration.js calibrationChoices). A class or the temperature preview waits for the step's
 * statistics, which say whether it keeps them, so a compact step is never asked what it cannot answer. */
export function calibrationRequest(state, run) {
  const task = taskOf(state);
  if (!task || state.step === null) return null;
  const step = stepForRun(state.steps[run], state.step);
  if (step === null) return null;
  const choices = calibrationChoices(state, task, compactShown(state));
  if ((choices.class !== null || choices.temperature) && !shownStats(state, run)) return null;
  const params = {run, tag: state.tag, step, bins: choices.bins, strategy: choices.strategy};
  const classes = state.tags?.[run]?.[state.tag]?.class_names?.length ?? 0;
  if (choices.class !== null && choices.class < classes) params.class = choices.class;
  if (choices.temperature) params.temperature = "fit";
  return params;
}

// The last part of a run's path, split into its words: "exp1/val_2" -> ["val", "2"].
const runWords = (run) => run.split("/").pop().toLowerCase().split(/[^a-z0-9]+|(?<=[a-z])(?=[0-9])/).filter(Boolean);

/** Whether `run` is named like held-out data to tune thresholds on (validation, val, valid, eval, dev). */
export const isValidationRun = (run) => runWords(run).some((w) => ["validation", "val", "valid", "eval", "dev"].includes(w));

/** Why tuning thresholds on `run` is a bad idea, or "" when its name does not say: test data then
 * measures the tuned threshold optimistically, training data overfits it (README, FAQ). */
export function tuningWarning(run) {
  if (!run || isValidationRun(run)) return "";
  const words = runWords(run);
  if (words.some((w) => w === "test" || w === "testing")) {
    return "test data: a threshold tuned here makes the test numbers optimistic";
  }
  if (words.some((w) => w === "train" || w === "training")) return "training data: a threshold tuned here overfits";
  return "";
}

/** The run the recommended thresholds are computed on: the one the user chose (state.recommendRun)
 * while it is selected, else the first selected run named like validation data, else the first
 * selected run; null without runs. The selected cell plays no part. */
export function recommendRunOf(state) {
  const runs = state.runs || [];
  if (runs.includes(state.recommendRun)) return state.recommendRun;
  return runs.find(isValidationRun) ?? runs[0] ?? null;
}

/** The view ({run, stats}) of the run the recommended thresholds are computed on (recommendRunOf),
 * or null while its statistics are not there. `runViews`: [{run, stats}]. */
export function referenceRun(runViews, state) {
  const run = recommendRunOf(state);
  return runViews.find((r) => r.run === run && r.stats) || null;
}

/** The step to show among `union` (sorted steps) for a wanted `step`: the same, else the last earlier
 * one, else the first; null when there are no steps. */
export function nearestStep(union, step) {
  if (!union.length) return null;
  if (union.includes(step)) return step;
  const earlier = union.filter((x) => x <= step);
  return earlier.length ? earlier[earlier.length - 1] : union[0];
}

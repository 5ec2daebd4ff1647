// The Diff card's decisions, pure functions of the state and of the `diff` / `forgetting` routes' answers
// (docs/diff.md): what is compared (two steps of one run, or two runs at the shown step), the requests,
// the signed difference matrix's cell texts and colours, the metric deltas and the history strips.

import {cellColor} from "./colors.js";
import {headlineMetrics} from "./catalogue.js";
import {EXAMPLES_PAGE, stepForRun, taskOf, thresholdParams} from "./selection.js";
import {taskInfo} from "./tasks.js";

/** Flips listed per page (as the examples drawer). */
export const FLIPS_PAGE = EXAMPLES_PAGE;
/** The most-forgotten examples asked for. */
export const FORGETTING_LIMIT = 20;
/** Up to this many classes the card asks for the matrices (at C = 1000 they are 11 MB of JSON). */
export const MAX_MATRIX_CLASSES = 40;
export const DIFF_MODES = [["steps", "Two steps"], ["runs", "Two runs"]];
export const DIFF_SHOWS = [["count", "Count"], ["row", "Row %"]];
export const FLIP_KINDS = ["learned", "forgotten"];

/** What the card compares: {mode, a: {run, step}, b: {run, step}} or {mode, note} saying why nothing
 * can be. Steps: B is the chosen run's shown step (stepForRun), A the picked step (state.diffStep) when
 * the run has it and it is not B, else the run's previous logged step, else its next. Runs: the picked
 * pair (state.diffRuns) while both are selected, else the first two selected runs, each at its shown step. */
export function comparison(state) {
  const mode = state.diffMode === "runs" ? "runs" : "steps";
  const runs = state.runs || [];
  if (state.step === null || state.step === undefined || !runs.length) return {mode, note: "Loading\u2026"};
  const at = (run) => stepForRun(state.steps[run], state.step);
  if (mode === "runs") {
    if (runs.length < 2) return {mode, note: "Select a second run to compare two runs at this step."};
    const picked = state.diffRuns;
    const kept = picked && picked[0] !== picked[1] && picked.every((r) => runs.includes(r));
    const [runA, runB] = kept ? picked : runs;
    const a = at(runA);
    const b = at(runB);
    if (a === null || b === null) return {mode, note: "Loading\u2026"};
    return {mode, a: {run: runA, step: a}, b: {run: runB, step: b}};
  }
  const run = diffRun(state);
  const steps = (state.steps[run] || []).map((s) => s.step);
  const b = at(run);
  if (b === null) return {mode, note: "Loading\u2026"};
  if (steps.length < 2) return {mode, note: `${run} has one step: nothing to compare it with yet.`};
  const i = steps.indexOf(b);
  const picked = state.diffStep !== b && steps.includes(state.diffStep);
  const a = picked ? state.diffStep : steps[i > 0 ? i - 1 : i + 1];
  return {mode, a: {run, step: a}, b: {run, step: b}};
}

/** The run whose steps are compared: the picked one while selected, else the first selected run. */
export function diffRun(state) {
  const runs = state.runs || [];
  return runs.includes(state.diffRun) ? state.diffRun : runs[0] ?? null;
}

/** The decision every view follows, as the routes take it (a cutoff of 0 is the argmax: left out). */
export function decisionParams(state, task) {
  const params = thresholdParams(task, state);
  if (params.cutoff === 0) delete params.cutoff;
  return params;
}

/** The `diff` route's parameters: the summary (kind null: matrices, unless the tag has more than
 * MAX_MATRIX_CLASSES classes; no flips) or one page of `kind` flips at `offset` (no matrices). Null while
 * the card is closed or there is nothing to compare. */
export function diffRequest(state, kind = null, offset = 0) {
  const task = taskOf(state);
  const pair = comparison(state);
  if (!state.diffOpen || !task || !pair.a) return null;
  const params = {run: pair.a.run, tag: state.tag, step: pair.a.step, run_b: pair.b.run, step_b: pair.b.step,
    ...decisionParams(state, task)};
  if (kind === null) return {...params, matrices: matrixShown(state, pair.b.run) ? 1 : 0};
  return {...params, matrices: 0, flips: kind, offset, limit: FLIPS_PAGE};
}

/** Whether the difference matrix is asked for: up to MAX_MATRIX_CLASSES classes. */
export function matrixShown(state, run) {
  const classes = state.tags?.[run]?.[state.tag]?.class_names?.length ?? 0;
  return classes <= MAX_MATRIX_CLASSES;
}

/** The cache key of a diff request: its parameters and the wall times of both steps, so a step written
 * again (a resumed training, seen on reload) is asked again. */
export function diffKey(state, params) {
  const wall = (run, step) => (state.steps[run] || []).find((s) => s.step === step)?.wall_time ?? null;
  const slice = state.slice?.length ? [state.slice] : []; // each slice its own answers (slice_filter.js)
  return JSON.stringify([params, wall(params.run, params.step), wall(params.run_b, params.step_b), ...slice]);
}

/** The offset of the `kind` flips' page: kept while the comparison (the summary's request) stays the
 * same, else 0 (another step, run or threshold starts from the first page). */
export function flipOffset(state, kind) {
  const pages = state.diffPages;
  const summary = diffRequest(state);
  return pages && summary && pages.key === JSON.stringify(summary) ? pages[kind] ?? 0 : 0;
}

/** The state change that shows the `kind` flips from `offset`. */
export function pageFlips(state, kind, offset) {
  const summary = diffRequest(state);
  if (!summary) return null;
  const key = JSON.stringify(summary);
  const kept = state.diffPages?.key === key ? state.diffPages : {learned: 0, forgotten: 0};
  return {diffPages: {...kept, key, [kind]: Math.max(0, offset)}};
}

/** The `forgetting` route's parameters: every step of the compared run (B's), at the decision. */
export function forgettingRequest(state) {
  const task = taskOf(state);
  const pair = comparison(state);
  if (!state.diffOpen || !task || !pair.b) return null;
  return {run: pair.b.run, tag: state.tag, ...decisionParams(state, task), limit: FORGETTING_LIMIT};
}

const MINUS = "\u2212";

/** A signed number as text: "+3", "−2", "0"; `digits` decimals ("+12.5"); "–" when missing. */
export function signedText(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "\u2013";
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${value > 0 ? "+" : MINUS}${text}`;
}

/** Whether a change of `value` in a cell is for the better: more on the diagonal (right), fewer off it
 * (wrong, or below the cutoff); null for no change. */
export function improves(value, diagonal) {
  if (value === null || value === undefined || !Number.isFinite(value) || value === 0) return null;
  return diagonal ? value > 0 : value < 0;
}

/** The difference matrix as drawn: {rows, columns, cells[i][j] = {value, text, tone, fill, color}}.
 * `show`: "count" (answer.difference) or "row" (answer.row_percent_difference, percentage points).
 * Colours diverge by effect, in the matrix's blue (better) and orange (worse), each cell's intensity its
 * |value| over the largest; the sign is in the text. Null when the answer has no matrices. */
export function differenceCells(answer, show, theme = "light") {
  const values = show === "row" ? answer.row_percent_difference : answer.difference;
  if (!values) return null;
  const labels = taskInfo(answer.task).matrix === "labels";
  const rows = labels ? answer.predicted_labels : answer.class_names;
  const largest = Math.max(0, ...values.flat().filter(Number.isFinite).map(Math.abs));
  const cells = values.map((row, i) => row.map((value, j) => {
    const tone = improves(value, i === j);
    const text = signedText(value, show === "row" ? 1 : 0);
    if (tone === null) return {value, text, tone: "same", fill: null, color: null};
    const {fill, text: color} = cellColor(Math.abs(value) / largest, {diagonal: tone, theme});
    return {value, text, tone: tone ? "better" : "worse", fill, color};
  }));
  return {rows, columns: answer.predicted_labels, cells};
}

/** The hover text of cell (i, j): both sides' counts and row shares and the change. */
export function cellTitle(answer, i, j) {
  const rows = taskInfo(answer.task).matrix === "labels" ? answer.predicted_labels : answer.class_names;
  const a = answer.matrix_a[i][j];
  const b = answer.matrix_b[i][j];
  const share = (m) => {
    const total = m[i].reduce((x, y) => x + y, 0);
    return total ? `${(100 * m[i][j] / total).toFixed(1)}%` : "\u2013";
  };
  return [`Actual ${rows[i]} \u2192 predicted ${answer.predicted_labels[j]}`,
    `A ${a} (${share(answer.matrix_a)} of the row) \u2192 B ${b} (${share(answer.matrix_b)})`,
    `Change ${signedText(b - a)}, ${signedText(answer.row_percent_difference[i][j], 1)} points of the row`,
  ].join("\n");
}

/** The metric deltas in catalogue order: [{key, label, a, b, delta, text, tone}], tone "better" or
 * "worse" by the metric's higher_is_better, "same" for no change, null when undefined. */
export function metricDeltas(catalogue, task, answer) {
  return headlineMetrics(catalogue, task).map((metric) => {
    const delta = answer.metric_deltas?.[metric.key] ?? null;
    let tone = null;
    if (delta !== null && Number.isFinite(delta)) {
      tone = delta === 0 ? "same" : (delta > 0) === (metric.higher_is_better !== false) ? "better" : "worse";
    }
    return {key: metric.key, label: metric.label, a: answer.metrics_a?.[metric.key] ?? null,
      b: answer.metrics_b?.[metric.key] ?? null, delta, text: signedText(delta, 4), tone};
  });
}

/** A flip's classes as text, for its true class, the prediction before and after: a class index named
 * by `names` (a prediction's index C is "below cutoff", the last predicted label), or, multilabel, the
 * list of positive labels ("none" when empty). */
export function flipClasses(flip, answer) {
  const columns = taskInfo(answer.task).matrix === "labels" ? answer.class_names : answer.predicted_labels;
  const names = answer.class_names;
  const out = {true: classesText(flip.true, names), before: classesText(flip.pred_a, columns, names),
    after: classesText(flip.pred_b, columns, names), relabelled: null};
  if (JSON.stringify(flip.true_a) !== JSON.stringify(flip.true)) out.relabelled = classesText(flip.true_a, names);
  return out;
}

/** A class index as its name in `list`; a multilabel value (the list of positive labels) as their names
 * in `labels` joined ("none" when empty). */
export function classesText(value, list, labels = list) {
  if (!Array.isArray(value)) return list[value] ?? String(value);
  return value.length ? value.map((k) => labels[k] ?? String(k)).join(", ") : "none";
}

/** One mark per step of a forgetting history ("1" right, "0" wrong, "-" absent): [{step, mark}] with
 * mark "right", "wrong" or "absent"; `steps` the answer's per-step entries (their step numbers). */
export function historyMarks(history, steps) {
  const kinds = {"1": "right", "0": "wrong", "-": "absent"};
  return [...history].map((c, k) => ({step: steps[k]?.step ?? k, mark: kinds[c] ?? "absent"}));
}

/** The words of a history for screen readers and the hover: "right at steps 0, 2; wrong at 1, 3". */
export function historyText(marks) {
  const part = (kind) => {
    const steps = marks.filter((m) => m.mark === kind).map((m) => m.step);
    return steps.length ? `${kind} at step${steps.length > 1 ? "s" : ""} ${steps.join(", ")}` : null;
  };
  return ["right", "wrong", "absent"].map(part).filter(Boolean).join("; ");
}

/** The forgetting totals in words. */
export function forgettingText(answer) {
  const n = (value, one, many) => `${value.toLocaleString("en-US")} ${value === 1 ? one : many}`;
  return `${n(answer.forgetting_events, "forgetting event", "forgetting events")} \u00b7 `
    + `${n(answer.forgotten_examples, "example", "examples")} learned then forgotten \u00b7 `
    + `${n(answer.never_learned, "never learned", "never learned")} \u00b7 `
    + `${n(answer.unforgettable, "unforgettable", "unforgettable")} (of ${n(answer.num_examples, "example", "examples")}`
    + ` at step ${answer.reference_step}, over ${n(answer.steps.length, "step", "steps")})`;
}

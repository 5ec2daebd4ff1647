import {test} from "node:test";
import assert from "node:assert/strict";
import {cellTitle, comparison, decisionParams, diffKey, diffRequest, differenceCells, flipClasses, flipOffset,
  forgettingRequest, historyMarks, historyText, improves, metricDeltas, pageFlips, signedText} from "../src/diff.js";
import {pageMoves} from "../src/pager.js";
import {cellColor} from "../src/colors.js";

const pick = ({fill, text}) => ({fill, color: text});
import {decodeState, encodeState, restoreSelection} from "../src/url_state.js";
import {INITIAL_STATE} from "../src/state.js";

const steps = (...numbers) => numbers.map((step) => ({step, wall_time: 100 + step}));
const tags = {
  train: {animals: {task: "multiclass", class_names: ["cat", "dog"]}},
  val: {animals: {task: "multiclass", class_names: ["cat", "dog"]}},
};
const state = (over = {}) => ({...INITIAL_STATE, tags, tag: "animals", runs: ["train", "val"],
  steps: {train: steps(0, 1, 2), val: steps(0, 2)}, step: 2, diffOpen: true, ...over});

test("comparison: the shown step against the previous logged one, else the picked step, else the next", () => {
  assert.deepEqual(comparison(state()), {mode: "steps", a: {run: "train", step: 1}, b: {run: "train", step: 2}});
  assert.deepEqual(comparison(state({diffStep: 0})).a, {run: "train", step: 0});
  assert.deepEqual(comparison(state({diffStep: 2})).a, {run: "train", step: 1}); // A is never B
  assert.deepEqual(comparison(state({step: 0})).a, {run: "train", step: 1});
  assert.deepEqual(comparison(state({diffRun: "val"})), {mode: "steps", a: {run: "val", step: 0}, b: {run: "val", step: 2}});
  assert.match(comparison(state({steps: {train: steps(3)}, step: 3})).note, /one step/);
});

test("comparison: two runs at the shown step, the picked pair while both are selected", () => {
  assert.deepEqual(comparison(state({diffMode: "runs", step: 1})), {mode: "runs", a: {run: "train", step: 1}, b: {run: "val", step: 0}});
  assert.deepEqual(comparison(state({diffMode: "runs", diffRuns: ["val", "train"]})).a.run, "val");
  assert.deepEqual(comparison(state({diffMode: "runs", diffRuns: ["val", "gone"]})).a.run, "train");
  assert.match(comparison(state({diffMode: "runs", runs: ["train"]})).note, /second run/);
});

test("diffRequest: the summary with matrices, pages of flips without, at the panel's decision; nothing while closed", () => {
  assert.equal(diffRequest(state({diffOpen: false})), null);
  assert.deepEqual(diffRequest(state()), {run: "train", tag: "animals", step: 1, run_b: "train", step_b: 2, matrices: 1});
  assert.deepEqual(diffRequest(state({cutoff: 0.4}), "learned", 25), {run: "train", tag: "animals", step: 1, run_b: "train",
    step_b: 2, cutoff: 0.4, matrices: 0, flips: "learned", offset: 25, limit: 25});
  const many = {train: {animals: {task: "multiclass", class_names: Array.from({length: 41}, (_, k) => `c${k}`)}}};
  assert.equal(diffRequest(state({tags: many, runs: ["train"]})).matrices, 0);
  const binary = {train: {t: {task: "binary", class_names: ["a", "b"]}}};
  assert.deepEqual(decisionParams({threshold: 0.3, cutoff: 0.2}, "binary"), {threshold: 0.3});
  assert.deepEqual(decisionParams({labelThresholds: [0.2, 0.7]}, "multilabel"), {thresholds: [0.2, 0.7]});
  assert.deepEqual(decisionParams({cutoff: 0}, "multiclass"), {});
  assert.equal(diffRequest(state({tags: binary, tag: "t", runs: ["train"], threshold: 0.7})).threshold, 0.7);
  assert.deepEqual(forgettingRequest(state({cutoff: 0.5})), {run: "train", tag: "animals", cutoff: 0.5, limit: 20});
});

test("diffKey: a step written again (new wall time) is a new key", () => {
  const params = diffRequest(state());
  const rewritten = state({steps: {train: [...steps(0, 1), {step: 2, wall_time: 999}], val: steps(0, 2)}});
  assert.notEqual(diffKey(state(), params), diffKey(rewritten, params));
});

test("flip pages: kept per comparison, back to the first page when the comparison changes", () => {
  const s = state();
  const paged = {...s, ...pageFlips(s, "learned", 25)};
  assert.equal(flipOffset(paged, "learned"), 25);
  assert.equal(flipOffset(paged, "forgotten"), 0);
  assert.equal(flipOffset({...paged, cutoff: 0.3}, "learned"), 0);
  assert.equal(flipOffset({...paged, ...pageFlips(paged, "learned", -25)}, "learned"), 0);
  assert.deepEqual(pageMoves({total: 60, offset: 25, limit: 25}),
    {range: "26\u201350 of 60", previous: 0, next: 50, hasPrevious: true, hasNext: true});
  assert.deepEqual(pageMoves({total: 60, offset: 50, limit: 25}).hasNext, false);
  assert.equal(pageMoves({total: 0, offset: 0, limit: 25}).range, "");
});

test("signedText and improves: the sign in the text; better is more on the diagonal, less off it", () => {
  assert.deepEqual([signedText(3), signedText(-2), signedText(0), signedText(12.345, 1), signedText(-0.04, 1), signedText(null)],
    ["+3", "\u22122", "0", "+12.3", "0.0", "\u2013"]);
  assert.deepEqual([improves(2, true), improves(2, false), improves(-1, false), improves(0, true)], [true, false, true, null]);
});

const answer = {task: "multiclass", class_names: ["cat", "dog"], predicted_labels: ["cat", "dog", "below cutoff"],
  matrix_a: [[5, 3, 2], [1, 4, 0]], matrix_b: [[8, 1, 1], [3, 2, 0]], difference: [[3, -2, -1], [2, -2, 0]],
  row_percent_difference: [[30, -20, -10], [40, -40, 0]],
  metric_deltas: {accuracy: 0.05, log_loss: 0.2, mcc: null}, metrics_a: {accuracy: 0.6}, metrics_b: {accuracy: 0.65}};

test("differenceCells: signed texts, blue for better and orange for worse, the strongest cell the darkest", () => {
  const grid = differenceCells(answer, "count", "light");
  assert.deepEqual(grid.rows, ["cat", "dog"]);
  assert.deepEqual(grid.columns, ["cat", "dog", "below cutoff"]);
  assert.deepEqual(grid.cells.map((row) => row.map((c) => c.text)), [["+3", "\u22122", "\u22121"], ["+2", "\u22122", "0"]]);
  assert.deepEqual(grid.cells.map((row) => row.map((c) => c.tone)), [["better", "better", "better"], ["worse", "worse", "same"]]);
  // The largest change: the end of the matrix's blue ramp; worse cells on its orange ramp, |2| of 3.
  assert.equal(grid.cells[0][0].fill, cellColor(1, {diagonal: true}).fill);
  assert.deepEqual(grid.cells[1][0], {value: 2, text: "+2", tone: "worse", ...pick(cellColor(2 / 3, {diagonal: false}))});
  assert.equal(grid.cells[1][2].fill, null);
  const rows = differenceCells(answer, "row", "dark");
  assert.deepEqual(rows.cells[1].map((c) => c.text), ["+40.0", "\u221240.0", "0.0"]);
  assert.equal(differenceCells({...answer, difference: null}, "count"), null);
  assert.match(cellTitle(answer, 0, 1), /A 3 \(30\.0% of the row\) \u2192 B 1 \(10\.0%\)\nChange \u22122, \u221220\.0 points/);
});

test("metricDeltas: the catalogue's headline metrics in order, coloured by higher_is_better", () => {
  const catalogue = {metrics: [
    {key: "accuracy", label: "Accuracy", tasks: ["multiclass"], headline: true, higher_is_better: true},
    {key: "f1", label: "F1", tasks: ["binary"], headline: true, higher_is_better: true},
    {key: "log_loss", label: "Log loss", tasks: ["multiclass"], headline: true, higher_is_better: false},
    {key: "mcc", label: "MCC", tasks: ["multiclass"], headline: true, higher_is_better: true}]};
  assert.deepEqual(metricDeltas(catalogue, "multiclass", answer).map((r) => [r.key, r.text, r.tone, r.a, r.b]), [
    ["accuracy", "+0.0500", "better", 0.6, 0.65], ["log_loss", "+0.2000", "worse", null, null], ["mcc", "\u2013", null, null, null]]);
});

test("flipClasses: names, below cutoff, a relabelled example and multilabel lists", () => {
  assert.deepEqual(flipClasses({true: 1, true_a: 0, pred_a: 2, pred_b: 1}, answer),
    {true: "dog", before: "below cutoff", after: "dog", relabelled: "cat"});
  const labels = {task: "multilabel", class_names: ["a", "b"], predicted_labels: ["negative", "positive"]};
  assert.deepEqual(flipClasses({true: [0, 1], true_a: [0, 1], pred_a: [], pred_b: [0, 1]}, labels),
    {true: "a, b", before: "none", after: "a, b", relabelled: null});
});

test("historyMarks: one mark per step, in words for screen readers", () => {
  const marks = historyMarks("10-1", [{step: 0}, {step: 5}, {step: 9}, {step: 12}]);
  assert.deepEqual(marks.map((m) => m.mark), ["right", "wrong", "absent", "right"]);
  assert.equal(historyText(marks), "right at steps 0, 12; wrong at step 5; absent at step 9");
});

test("the URL keeps the Diff card: open in its mode, its picks; bad values are dropped", () => {
  const s = {...state({diffMode: "runs", diffRuns: ["val", "train"], diffShow: "row", diffStep: 0, diffRun: "val"})};
  const entries = Object.fromEntries(encodeState(s));
  assert.deepEqual([entries.diff, entries.diff_runs, entries.diff_show, entries.diff_step, entries.diff_run],
    ["runs", "[\"val\",\"train\"]", "row", "0", "val"]);
  assert.equal(Object.fromEntries(encodeState(state({diffOpen: false}))).diff, undefined);
  const decoded = decodeState(entries);
  assert.deepEqual([decoded.diffMode, decoded.diffRuns, decoded.diffShow, decoded.diffStep], ["runs", ["val", "train"], "row", 0]);
  assert.deepEqual(decodeState({diff: "x", diff_step: "1.5", diff_runs: "[1]", diff_show: "<b>"}), {});
  const restored = restoreSelection(tags, {...decoded, diffRun: "gone"});
  assert.deepEqual([restored.diffOpen, restored.diffMode, restored.diffRuns, restored.diffRun], [true, "runs", ["val", "train"], undefined]);
});

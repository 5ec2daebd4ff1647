import {test} from "node:test";
import assert from "node:assert/strict";
import {INITIAL_STATE} from "../src/state.js";
import {cacheKey} from "../src/loader.js";
import {issuesAt, issuesText, labelIssuesAvailable, labelIssuesOf, labelIssuesRequest} from "../src/label_issue_marks.js";
import {statsKey} from "../src/selection.js";

const names = ["a", "b", "c"];
function stateOf(task, extra = {}) {
  return {...INITIAL_STATE, tags: {val: {t: {task, class_names: names}}}, tag: "t", runs: ["val"],
    steps: {val: [{step: 1, wall_time: 5}, {step: 4, wall_time: 9}]}, step: 4,
    stats: {[statsKey("val", "t", 4)]: {stats: {task, storage: "exact"}}}, labelIssuesShown: true, ...extra};
}

test("labelIssuesRequest asks at the panel's decision, only while the box is ticked", () => {
  assert.equal(labelIssuesRequest({...stateOf("multiclass"), labelIssuesShown: false}, "val"), null);
  assert.deepEqual(labelIssuesRequest(stateOf("multiclass"), "val"), {run: "val", tag: "t", step: 4});
  assert.deepEqual(labelIssuesRequest(stateOf("multiclass", {cutoff: 0.3}), "val"), {run: "val", tag: "t", step: 4, cutoff: 0.3});
  assert.deepEqual(labelIssuesRequest(stateOf("binary", {threshold: 0.7}), "val"), {run: "val", tag: "t", step: 4, threshold: 0.7});
  assert.deepEqual(labelIssuesRequest(stateOf("multilabel", {curveClass: 2, labelThresholds: [0.1, 0.2, 0.35]}), "val"),
    {run: "val", tag: "t", step: 4, label: 2, threshold: 0.35});
  assert.deepEqual(labelIssuesRequest(stateOf("multilabel", {curveClass: 1}), "val"),
    {run: "val", tag: "t", step: 4, label: 1, threshold: 0.5});
  assert.equal(labelIssuesRequest(stateOf("multiclass"), "other"), null);
});

test("accumulated per-pixel steps have no label issues to ask for", () => {
  assert.equal(labelIssuesAvailable("segmentation", {storage: "counts"}), false);
  assert.equal(labelIssuesAvailable("multiclass", {storage: "counts"}), false);
  assert.equal(labelIssuesAvailable("multiclass", {storage: "compact"}), true);
  assert.equal(labelIssuesAvailable(null, null), false);
  const state = stateOf("multiclass");
  state.stats[statsKey("val", "t", 4)].stats.storage = "counts";
  assert.equal(labelIssuesRequest(state, "val"), null);
  assert.deepEqual(labelIssuesOf(state, "val"), {available: false, shown: false, counts: null, total: null, stale: false, error: null});
});

test("labelIssuesOf: the answer at the decision, else the newest one of the same step, marked stale", () => {
  const answer = (n) => ({answer: {counts: [[0, n, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]], likely_issues: n + 1}});
  let state = stateOf("multiclass", {cutoff: 0.2});
  assert.deepEqual(labelIssuesOf(state, "val"), {available: true, shown: true, counts: null, total: null, stale: false, error: null});
  const at = (s) => cacheKey(s, labelIssuesRequest(s, "val"));
  state = {...state, labelIssues: {[at(state)]: {...answer(3), at: 10}}};
  const now = labelIssuesOf(state, "val");
  assert.deepEqual([now.counts[0][1], now.total, now.stale], [3, 4, false]);
  assert.equal(issuesAt(now, 0, 1), 3);
  assert.equal(issuesAt(now, 2, 0), 1);
  assert.equal(issuesAt(now, 7, 7), 0);
  // Another cutoff, not loaded yet: the last answer, dimmed; a newer one wins.
  const older = {...state, cutoff: 0.5};
  older.labelIssues = {...state.labelIssues, [at({...state, cutoff: 0.4})]: {...answer(5), at: 20}};
  const stale = labelIssuesOf(older, "val");
  assert.deepEqual([stale.counts[0][1], stale.stale], [5, true]);
  // Another step: nothing to show from the first.
  assert.equal(labelIssuesOf({...older, step: 1, stats: {[statsKey("val", "t", 1)]: {stats: {task: "multiclass"}}}}, "val").counts, null);
  // A failure shows its message.
  const failed = {...state, labelIssues: {[at(state)]: {error: "no", version: 1, at: 3}}};
  assert.equal(labelIssuesOf(failed, "val").error, "no");
  assert.equal(labelIssuesOf({...state, labelIssuesShown: false}, "val").shown, false);
});

test("issuesText counts in words", () => {
  assert.equal(issuesText(1), "1 likely label issue");
  assert.equal(issuesText(0), "0 likely label issues");
  assert.equal(issuesText(1234), "1,234 likely label issues");
});

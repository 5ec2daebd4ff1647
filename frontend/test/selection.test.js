import {test} from "node:test";
import assert from "node:assert/strict";
import {EXAMPLES_PAGE, defaultSelection, epochsRequest, examplesRequest, referenceRun, reportRequest, runOrder, statsKey,
  stepForRun} from "../src/selection.js";

test("runOrder: train, validation, test first (by the last path part), then by name", () => {
  assert.deepEqual(["alpha", "test", "b/validation", "zeta", "train"].sort(runOrder), ["train", "b/validation", "test", "alpha", "zeta"]);
});

test("stepForRun: the same step, else the last earlier one, else the first (later) one", () => {
  const steps = [{step: 2}, {step: 5}, {step: 9}];
  assert.equal(stepForRun(steps, 5), 5);
  assert.equal(stepForRun(steps, 7), 5);
  assert.equal(stepForRun(steps, 1), 2);
  assert.equal(stepForRun(steps, 12), 9);
  assert.equal(stepForRun([], 3), null);
});

const binary = {task: "binary", class_names: ["legit", "fraud"]};
const multilabel = {task: "multilabel", class_names: ["a", "b"]};

test("defaultSelection: the first tag by name and up to 4 runs that have it, in the cards' order", () => {
  const tags = {zeta: {fraud: binary}, train: {fraud: binary, labels: multilabel}, validation: {labels: multilabel}};
  assert.deepEqual(defaultSelection(tags, {tag: null}),
    {tag: "fraud", runs: ["train", "zeta"], labelThresholds: null, curveClass: 0, selected: null, examplesOffset: 0});
  assert.deepEqual(defaultSelection(tags, {tag: "labels"}), {});
  assert.deepEqual(defaultSelection({}, {tag: null}), {});
});

test("examplesRequest: the selected cell's page with the threshold of its task, or null without a cell", () => {
  const state = {tags: {train: {fraud: binary, labels: multilabel}}, tag: "fraud", runs: ["train"],
    steps: {train: [{step: 1}, {step: 4}]}, step: 3, threshold: 0.4, cutoff: 0.2, labelThresholds: [0.1, 0.9], examplesOffset: 25,
    selected: {run: "train", true: 1, pred: 0, label: 1}};
  const page = {run: "train", step: 1, true: 1, pred: 0, offset: 25, limit: EXAMPLES_PAGE};
  assert.deepEqual(examplesRequest(state), {...page, tag: "fraud", threshold: 0.4});
  assert.deepEqual(examplesRequest({...state, tag: "labels"}), {...page, tag: "labels", label: 1, threshold: 0.9});
  assert.equal(examplesRequest({...state, selected: null}), null);
  assert.equal(examplesRequest({...state, runs: ["validation"]}), null);
});

test("reportRequest: asked for only for thinned or multilabel statistics; epochsRequest: once the task is known", () => {
  const state = {tags: {train: {fraud: binary}}, tag: "fraud", runs: ["train"], steps: {train: [{step: 2}]}, step: 2,
    threshold: 0.5, stats: {[statsKey("train", "fraud", 2)]: {stats: {task: "binary", exact: true}}}};
  assert.equal(reportRequest(state, "train"), null);
  state.stats[statsKey("train", "fraud", 2)].stats.exact = false;
  assert.deepEqual(reportRequest(state, "train"), {run: "train", tag: "fraud", step: 2, threshold: 0.5});
  assert.deepEqual(epochsRequest(state, "train"), {run: "train", tag: "fraud", threshold: 0.5});
  assert.equal(epochsRequest({...state, tags: null}, "train"), null);
});

test("referenceRun: the selected cell's run, else a validation run, else the first run with statistics", () => {
  const views = [{run: "train", stats: {}}, {run: "b/val", stats: {}}, {run: "test", stats: null}];
  assert.equal(referenceRun(views, {selected: {run: "train"}}).run, "train");
  assert.equal(referenceRun(views, {selected: {run: "test"}}).run, "b/val");
  assert.equal(referenceRun([views[0], views[2]], {selected: null}).run, "train");
  assert.equal(referenceRun([views[2]], {selected: null}), null);
});

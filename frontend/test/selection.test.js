import {test} from "node:test";
import assert from "node:assert/strict";
import {EXAMPLES_PAGE, defaultSelection, epochsRequest, examplesRequest, nearestStep, recommendRunOf, referenceRun,
  reportRequest, runOrder, statsKey, stepForRun, tuningWarning} from "../src/selection.js";
import {makeActions} from "../src/actions.js";
import {testStore} from "./fakes.js";

test("runOrder: grouped by directory; train, validation, test first (by the last path part), then by name", () => {
  assert.deepEqual(["alpha", "test", "b/validation", "zeta", "train"].sort(runOrder), ["train", "test", "alpha", "zeta", "b/validation"]);
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

test("defaultSelection: an unreadable tag (the tags route's `error`, no task) is never opened on, as the warm-up skips it", () => {
  const broken = {error: "step 3 of run alpha, tag a: not a tb_confusion payload", task: null, class_names: []};
  const tags = {alpha: {a: broken, fraud: binary}, broken: {fraud: broken}, train: {fraud: binary}};
  assert.deepEqual(defaultSelection(tags, {tag: null}),
    {tag: "fraud", runs: ["train", "alpha"], labelThresholds: null, curveClass: 0, selected: null, examplesOffset: 0});
  assert.deepEqual(defaultSelection({alpha: {a: broken}}, {tag: null}), {});
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

test("examplesRequest: a cell of superclasses asks for true_group and pred_group instead of true and pred", () => {
  const multiclass = {task: "multiclass", class_names: ["a", "b", "c"], class_groups: ["x", "y", "x"]};
  const state = {tags: {train: {digits: multiclass}}, tag: "digits", runs: ["train"], steps: {train: [{step: 1}]}, step: 1,
    cutoff: 0.3, examplesOffset: 0, selected: {run: "train", true: 1, pred: 2, label: 0, grouped: true}};
  assert.deepEqual(examplesRequest(state),
    {run: "train", tag: "digits", step: 1, true_group: 1, pred_group: 2, offset: 0, limit: EXAMPLES_PAGE, cutoff: 0.3});
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

test("recommendRunOf: the chosen run while selected, else the first run named like validation data, else the first", () => {
  assert.equal(recommendRunOf({runs: ["train", "b/val", "test"], recommendRun: null}), "b/val");
  assert.equal(recommendRunOf({runs: ["train", "dev_2", "test"], recommendRun: null}), "dev_2");
  assert.equal(recommendRunOf({runs: ["train", "eval"], recommendRun: null}), "eval");
  assert.equal(recommendRunOf({runs: ["train", "test"], recommendRun: null}), "train");
  assert.equal(recommendRunOf({runs: ["train", "validation", "test"], recommendRun: "test"}), "test");
  assert.equal(recommendRunOf({runs: ["train", "validation"], recommendRun: "test"}), "validation"); // not selected
  assert.equal(recommendRunOf({runs: [], recommendRun: null}), null);
});

test("referenceRun: the recommend-on run's view, whatever cell is selected; null while its statistics load", () => {
  const views = [{run: "train", stats: {}}, {run: "b/val", stats: {}}, {run: "test", stats: null}];
  const runs = views.map((v) => v.run);
  assert.equal(referenceRun(views, {runs, recommendRun: null, selected: {run: "train"}}).run, "b/val");
  assert.equal(referenceRun(views, {runs, recommendRun: "train", selected: {run: "b/val"}}).run, "train");
  assert.equal(referenceRun(views, {runs, recommendRun: "test", selected: null}), null);
});

test("selectCell never changes the run the recommendations are computed on", () => {
  const store = testStore({tags: {train: {fraud: binary}, validation: {fraud: binary}, test: {fraud: binary}}, tag: "fraud",
    runs: ["train", "validation", "test"]});
  const actions = makeActions(store);
  assert.equal(recommendRunOf(store.get()), "validation");
  for (const run of ["test", "train", "validation"]) {
    actions.selectCell(run, 1, 0);
    assert.equal(recommendRunOf(store.get()), "validation", run);
  }
  actions.setRecommendRun("test");
  actions.selectCell("train", 0, 1);
  assert.equal(recommendRunOf(store.get()), "test");
  assert.equal(store.get().recommendRun, "test");
});

test("tuningWarning: test and training data warn, validation-like and other names do not", () => {
  assert.match(tuningWarning("test"), /test data/);
  assert.match(tuningWarning("mnist/test_2024"), /test data/);
  assert.match(tuningWarning("train"), /training data/);
  assert.match(tuningWarning("runs/training"), /training data/);
  for (const run of ["validation", "val", "b/valid", "eval", "dev", "latest", "contest", "alpha"]) assert.equal(tuningWarning(run), "", run);
});

test("nearestStep: the step itself, else the last earlier one, else the first", () => {
  assert.equal(nearestStep([1, 3, 5], 3), 3);
  assert.equal(nearestStep([1, 3, 5], 4), 3);
  assert.equal(nearestStep([1, 3, 5], 0), 1);
  assert.equal(nearestStep([1, 3, 5], 99), 5);
  assert.equal(nearestStep([], 2), null);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {makeActions} from "../src/actions.js";
import {fakeTimers, testStore} from "./fakes.js";

const binary = {task: "binary", class_names: ["legit", "fraud"]};
const multilabel = {task: "multilabel", class_names: ["a", "b", "c"]};
const TAGS = {test: {fraud: binary}, train: {fraud: binary, labels: multilabel}, validation: {fraud: binary, labels: multilabel}};
const steps = (...numbers) => numbers.map((step) => ({step, wall_time: step}));

function setup(patch = {}) {
  const timers = fakeTimers();
  const store = testStore({tags: TAGS, tag: "fraud", runs: ["train", "validation"],
    steps: {train: steps(1, 2, 3), validation: steps(1, 3)}, step: 1, ...patch});
  return {store, timers, actions: makeActions(store, timers)};
}

test("setTag keeps the selected runs that have the tag and starts it with its defaults", () => {
  const {store, actions} = setup({runs: ["test", "train"], selected: {run: "train", true: 0, pred: 1, label: 0}});
  actions.setTag("labels");
  const s = store.get();
  assert.equal(s.tag, "labels");
  assert.deepEqual(s.runs, ["train"]);
  assert.deepEqual(s.labelThresholds, [0.5, 0.5, 0.5]);
  assert.deepEqual([s.steps, s.step, s.selected], [{}, null, null]);
});

test("toggleRun adds a run in the cards' order, drops the selection of a removed run, and never removes the last run", () => {
  const {store, actions} = setup({runs: ["validation"], selected: {run: "validation", true: 0, pred: 0, label: 0}});
  actions.toggleRun("train");
  assert.deepEqual(store.get().runs, ["train", "validation"]);
  actions.toggleRun("validation");
  assert.deepEqual([store.get().runs, store.get().selected], [["train"], null]);
  actions.toggleRun("train");
  assert.deepEqual(store.get().runs, ["train"]);
});

test("stepBy moves through the union of the runs' steps and stops at either end", () => {
  const {store, actions} = setup({examplesOffset: 50});
  actions.stepBy(1);
  assert.deepEqual([store.get().step, store.get().examplesOffset], [2, 0]);
  actions.stepBy(5);
  assert.equal(store.get().step, 3);
  actions.stepBy(-9);
  assert.equal(store.get().step, 1);
});

test("togglePlay advances one step per 700 ms tick and stops at the last step", () => {
  const {store, timers, actions} = setup();
  actions.togglePlay();
  assert.equal(store.get().playing, true);
  timers.tick(699);
  assert.equal(store.get().step, 1);
  timers.tick(1);
  assert.equal(store.get().step, 2);
  timers.tick(700);
  assert.equal(store.get().step, 3);
  timers.tick(700);
  assert.deepEqual([store.get().step, store.get().playing, timers.pending()], [3, false, 0]);
});

test("togglePlay on the last step starts again from the first, and a second togglePlay pauses", () => {
  const {store, timers, actions} = setup({step: 3});
  actions.togglePlay();
  assert.deepEqual([store.get().step, store.get().playing], [1, true]);
  actions.togglePlay();
  assert.deepEqual([store.get().playing, timers.pending()], [false, 0]);
  timers.tick(5000);
  assert.equal(store.get().step, 1);
});

test("setThreshold moves every label's threshold and goes back to the first page of examples", () => {
  const {store, actions} = setup({labelThresholds: [0.1, 0.2, 0.3], examplesOffset: 25});
  actions.setThreshold(0.7);
  assert.deepEqual([store.get().threshold, store.get().labelThresholds, store.get().examplesOffset], [0.7, [0.7, 0.7, 0.7], 0]);
  actions.setLabelThreshold(1, 0.2);
  assert.deepEqual(store.get().labelThresholds, [0.7, 0.2, 0.7]);
});

test("selectCell selects a cell with the shown curve's label unless one is given; clearSelection clears it", () => {
  const {store, actions} = setup({curveClass: 2});
  actions.selectCell("train", 0, 1);
  assert.deepEqual(store.get().selected, {run: "train", true: 0, pred: 1, label: 2});
  actions.selectCell("train", 1, 1, 0);
  assert.equal(store.get().selected.label, 0);
  actions.clearSelection();
  assert.equal(store.get().selected, null);
  actions.pageExamples(-25);
  assert.equal(store.get().examplesOffset, 0);
});

test("a cell of superclasses is selected as grouped; switching the grouping clears the selection (its indices change meaning)", () => {
  const {store, actions} = setup({curveClass: 0, classGrouping: "groups"});
  actions.selectCell("train", 2, 0, null, true);
  assert.deepEqual(store.get().selected, {run: "train", true: 2, pred: 0, label: 0, grouped: true});
  actions.setClassGrouping("groups");
  assert.equal(store.get().selected.grouped, true); // the same grouping keeps it
  actions.setClassGrouping("classes");
  assert.equal(store.get().selected, null);
  assert.equal(store.get().classGrouping, "classes");
});

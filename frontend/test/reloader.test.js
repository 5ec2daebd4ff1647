import {test} from "node:test";
import assert from "node:assert/strict";
import {cacheKey} from "../src/loader.js";
import {createReloader} from "../src/reloader.js";
import {statsKey} from "../src/selection.js";
import {answeringApi, testStore} from "./fakes.js";

const binary = {task: "binary", class_names: ["legit", "fraud"]};
const TAGS = {train: {fraud: binary}, validation: {fraud: binary}};
const steps = (...pairs) => pairs.map(([step, wall_time]) => ({step, wall_time}));
const OLD = {train: steps([1, 10], [2, 20]), validation: steps([1, 11], [2, 21])};

/** A panel on step `step` of train and validation, and a reloader whose api answers `answers`. */
function setup({step = 2, patch = {}, ...answers} = {}) {
  const store = testStore({tags: TAGS, tag: "fraud", runs: ["train", "validation"], steps: OLD, step,
    selected: {run: "validation", true: 0, pred: 1, label: 0}, threshold: 0.3, ...patch});
  const {api, calls} = answeringApi({tags: TAGS, steps: OLD, ...answers});
  return {store, calls, reloader: createReloader(api, store)};
}

const epochsKey = (run, stepsByRun = OLD) => cacheKey({steps: stepsByRun}, {run, tag: "fraud", threshold: 0.3});

test("reload keeps the tag, the runs, the thresholds, the selected cell and a step that is not the latest", async () => {
  const {store, reloader, calls} = setup({step: 1, steps: {...OLD, train: steps([1, 10], [2, 20], [3, 30])}});
  await reloader.reload();
  const s = store.get();
  assert.deepEqual(calls, [["tags"], ["steps", "train", "fraud"], ["steps", "validation", "fraud"]]);
  assert.deepEqual([s.tag, s.runs, s.step, s.threshold, s.selected.run], ["fraud", ["train", "validation"], 1, 0.3, "validation"]);
  assert.equal(s.steps.train.length, 3);
  assert.equal(reloader.count(), 1);
});

test("reload follows the newest step when the latest one was shown", async () => {
  const {store, reloader} = setup({steps: {...OLD, validation: steps([1, 11], [2, 21], [5, 50])}});
  await reloader.reload();
  assert.equal(store.get().step, 5);
});

test("reload shows the last earlier step when the shown step is gone", async () => {
  const {store, reloader} = setup({step: 2, patch: {steps: {train: steps([1, 10], [2, 20], [4, 40])}, runs: ["train"]},
    steps: {train: steps([1, 10], [3, 30], [4, 40])}});
  await reloader.reload();
  assert.equal(store.get().step, 1);
});

test("reload drops the statistics of a step written again (new wall time) and keeps the others", async () => {
  const stats = {
    [statsKey("train", "fraud", 1)]: {stats: {wall_time: 10}, at: 0},
    [statsKey("train", "fraud", 2)]: {stats: {wall_time: 20}, at: 0},
  };
  const {store, reloader} = setup({patch: {stats}, steps: {...OLD, train: steps([1, 10], [2, 99])}});
  await reloader.reload();
  assert.deepEqual(Object.keys(store.get().stats), [statsKey("train", "fraud", 1)]);
});

test("reload drops every failed entry and a failed catalogue, so they are asked for again", async () => {
  const failed = {error: "injected failure", version: 3, at: 0};
  const {store, reloader} = setup({patch: {
    stats: {a: failed, b: {stats: {}, at: 0}}, examples: {c: failed}, reports: {d: failed}, epochs: {[epochsKey("train")]: failed},
    catalogue: {tasks: [], metrics: [], error: "HTTP 500"},
  }});
  await reloader.reload();
  const s = store.get();
  assert.deepEqual([Object.keys(s.stats), s.examples, s.reports, s.epochs, s.catalogue], [["b"], {}, {}, {}, null]);
});

test("reload keeps a loaded catalogue", async () => {
  const catalogue = {tasks: [], metrics: [{key: "f1"}]};
  const {store, reloader} = setup({patch: {catalogue}});
  await reloader.reload();
  assert.equal(store.get().catalogue, catalogue);
});

test("after a reload the over-epochs series of a run whose steps changed has a new key, the others keep theirs", async () => {
  const epochs = {[epochsKey("train")]: {series: [], at: 0}, [epochsKey("validation")]: {series: [], at: 0}};
  const {store, reloader} = setup({patch: {epochs}, steps: {...OLD, validation: steps([1, 11], [2, 21], [3, 31])}});
  await reloader.reload();
  const s = store.get();
  assert.deepEqual(s.epochs, epochs, "the reloader leaves the series alone");
  assert.equal(epochsKey("train", s.steps), epochsKey("train"));
  assert.notEqual(epochsKey("validation", s.steps), epochsKey("validation"));
});

test("reload drops a run that lost the tag, with its selected cell; with no run left the tag is chosen again", async () => {
  const {store, reloader} = setup({tags: {train: {fraud: binary}, validation: {}}});
  await reloader.reload();
  assert.deepEqual([store.get().runs, store.get().selected, Object.keys(store.get().steps)], [["train"], null, ["train"]]);
  const gone = setup({tags: {train: {}, validation: {}}});
  await gone.reloader.reload();
  assert.deepEqual([gone.store.get().tag, gone.store.get().runs, gone.store.get().step], [null, [], null]);
});

test("a run whose steps could not be fetched keeps the ones it had", async () => {
  const {store, reloader} = setup({steps: {...OLD, validation: new Error("down")}});
  await reloader.reload();
  assert.equal(store.get().steps.validation, OLD.validation);
});

test("overlapping reloads run one after another: a call during a reload runs once more after it", async () => {
  const {reloader, calls} = setup();
  const first = reloader.reload();
  const second = reloader.reload();
  const third = reloader.reload();
  assert.equal(first, second);
  assert.equal(second, third);
  await first;
  assert.equal(reloader.count(), 2);
  assert.equal(calls.filter(([route]) => route === "tags").length, 2);
});

test("reload does nothing before the first tags arrived, and shows a failing tags request as a reload error", async () => {
  const early = setup({patch: {tags: null}});
  await early.reloader.reload();
  assert.deepEqual([early.calls, early.reloader.count()], [[], 0]);
  const {store} = setup();
  const failing = createReloader({tags: async () => { throw new Error("HTTP 500"); }}, store);
  await failing.reload();
  assert.equal(store.get().error, "reload: HTTP 500");
});

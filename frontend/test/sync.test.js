import {test} from "node:test";
import assert from "node:assert/strict";
import {cacheKey, createLoader} from "../src/loader.js";
import {statsKey} from "../src/selection.js";
import {createSync} from "../src/sync.js";
import {fakeApi, fakeTimers, settle, testStore} from "./fakes.js";

const binary = {task: "binary", class_names: ["legit", "fraud"]};
const TAGS = {train: {fraud: binary}, validation: {fraud: binary}, other: {people: {task: "multiclass"}}};
const STEPS = [{step: 1, wall_time: 10}, {step: 2, wall_time: 20}];

/** The panel's loading without its views: every render is a sync. */
function panel(patch = {}) {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  let sync = null;
  const store = testStore(patch, (state) => sync(state));
  sync = createSync(store, api, createLoader(store, {...timers, now: timers.now}));
  // Render, let the answers given so far arrive, and render again, until nothing changes.
  const pump = async () => {
    for (let i = 0; i < 5; i++) {
      store.set((s) => s); // a render, as after any change
      store.flush();
      await settle();
    }
  };
  const open = (route) => calls.filter((call) => call.route === route && !call.settled);
  const answer = (route, value) => open(route)[0].resolve(value);
  return {store, calls, timers, pump, open, answer,
    asked: (route) => calls.filter((call) => call.route === route).map((call) => call.args)};
}

/** A panel showing step 2 of train and validation with their statistics loaded. */
async function loaded(patch = {}) {
  const p = panel({tags: TAGS, tag: "fraud", runs: ["train", "validation"], steps: {train: STEPS, validation: STEPS},
    step: 2, ...patch});
  p.store.set((s) => ({stats: {
    [statsKey("train", "fraud", 2)]: {stats: {task: "binary", wall_time: 20}, at: 0},
    [statsKey("validation", "fraud", 2)]: {stats: {task: "binary", wall_time: 20}, at: 0},
    ...s.stats}}));
  return p;
}

test("sync asks for the tags, then the first tag's runs' steps, then the newest step's statistics", async () => {
  const {store, pump, answer, asked, timers} = panel();
  await pump();
  assert.equal(asked("tags").length, 1);
  answer("tags", TAGS);
  await pump();
  assert.equal(store.get().tag, "fraud");
  assert.deepEqual(store.get().runs, ["train", "validation"]);
  assert.deepEqual(asked("steps"), [["train", "fraud"], ["validation", "fraud"]]);
  answer("steps", STEPS);
  answer("steps", STEPS);
  await pump();
  assert.equal(store.get().step, 2);
  assert.deepEqual(asked("stats"), [["train", "fraud", 2], ["validation", "fraud", 2]]);
  assert.deepEqual(asked("epochs"), []);
  timers.tick(250);
  assert.deepEqual(asked("epochs"), [[{run: "train", tag: "fraud", threshold: 0.5}], [{run: "validation", tag: "fraud", threshold: 0.5}]]);
  assert.equal(asked("tags").length, 1);
});

test("the tags' max_step has the latest step's statistics asked for beside the steps, once", async () => {
  const withMax = {...TAGS, train: {fraud: {...binary, max_step: 2}}, validation: {fraud: {...binary, max_step: 2}}};
  const {store, pump, answer, asked} = panel();
  await pump();
  answer("tags", withMax);
  await pump();
  assert.deepEqual(asked("steps"), [["train", "fraud"], ["validation", "fraud"]]);
  assert.deepEqual(asked("stats"), [["train", "fraud", 2], ["validation", "fraud", 2]]);
  answer("stats", {task: "binary", wall_time: 20});
  answer("steps", STEPS);
  answer("steps", STEPS);
  await pump();
  assert.equal(store.get().step, 2);
  assert.deepEqual(asked("stats"), [["train", "fraud", 2], ["validation", "fraud", 2]]); // nothing asked again
  assert.ok(store.get().stats[statsKey("train", "fraud", 2)].stats);
});

test("a step restored from the URL is not prefetched from max_step", async () => {
  const withMax = {...TAGS, train: {fraud: {...binary, max_step: 2}}, validation: {fraud: {...binary, max_step: 2}}};
  const {pump, answer, asked} = panel({step: 1});
  await pump();
  answer("tags", withMax);
  await pump();
  assert.deepEqual(asked("stats"), []);
  answer("steps", STEPS);
  answer("steps", STEPS);
  await pump();
  assert.deepEqual(asked("stats"), [["train", "fraud", 1], ["validation", "fraud", 1]]);
});

test("the catalogue is asked for once, with the tags, and kept in the store", async () => {
  const {store, pump, answer, asked} = panel();
  await pump();
  assert.deepEqual([asked("catalogue").length, asked("tags").length], [1, 1]);
  const catalogue = {tasks: [], metrics: [{key: "f1"}]};
  answer("catalogue", catalogue);
  await pump();
  assert.equal(store.get().catalogue, catalogue);
  assert.equal(asked("catalogue").length, 1);
});

for (const [route, reason, error, empty] of [
  ["catalogue", "HTTP 500", "catalogue: HTTP 500", (state) => state.catalogue.metrics],
  ["tags", "Could not reach TensorBoard", "Could not reach TensorBoard", (state) => Object.keys(state.tags)],
]) {
  test(`a failed ${route} request shows its error, leaves nothing, and is not asked for again`, async () => {
    const {store, pump, open, asked} = panel();
    await pump();
    open(route)[0].reject(reason);
    await pump();
    assert.equal(store.get().error, error);
    assert.deepEqual(empty(store.get()), []);
    assert.equal(asked(route).length, 1);
  });
}

test("steps that arrive after another tag was picked are dropped", async () => {
  const {store, pump, answer} = panel({tags: TAGS, tag: "fraud", runs: ["train"]});
  await pump();
  store.set({tag: "people", runs: ["other"], steps: {}, step: null});
  answer("steps", STEPS);
  await pump();
  assert.deepEqual(store.get().steps, {});
});

/** Select cell (0, 1), wait `between` ms, select cell (1, 0), wait `after` ms. */
async function selectTwoCells({store, pump, timers}, between, after) {
  store.set({selected: {run: "train", true: 0, pred: 1, label: 0}});
  await pump();
  timers.tick(between);
  store.set({selected: {run: "train", true: 1, pred: 0, label: 0}});
  await pump();
  timers.tick(after);
}

test("the examples of the selected cell are asked for once the selection was quiet for 120 ms, keyed with the step's wall time", async () => {
  const {store, pump, timers, asked, answer} = await loaded();
  await selectTwoCells({store, pump, timers}, 100, 119);
  assert.deepEqual(asked("examples"), []);
  timers.tick(1);
  const params = {run: "train", tag: "fraud", step: 2, true: 1, pred: 0, offset: 0, limit: 25, threshold: 0.5};
  assert.deepEqual(asked("examples"), [[params]]);
  answer("examples", {examples: []});
  await pump();
  assert.deepEqual(Object.keys(store.get().examples), [JSON.stringify([params, 20])]);
});

test("a page of examples that arrives after another cell was selected does not replace the shown one", async () => {
  const {store, pump, timers, open} = await loaded();
  await selectTwoCells({store, pump, timers}, 120, 120);
  const [first, second] = open("examples");
  second.resolve({examples: ["second"]});
  await pump();
  first.resolve({examples: ["first"]});
  await pump();
  assert.deepEqual(Object.values(store.get().examples).map((entry) => entry.page.examples), [["second"]]);
});

test("an over-epochs series asked for before a reload changed its run's steps is asked for again", async () => {
  const {store, pump, timers, open, asked} = await loaded({runs: ["train"]});
  const params = {run: "train", tag: "fraud", threshold: 0.5};
  await pump();
  timers.tick(250);
  assert.equal(asked("epochs").length, 1);
  const before = cacheKey(store.get(), params);
  store.set({steps: {train: [...STEPS, {step: 3, wall_time: 30}]}}); // what a reload does
  open("epochs")[0].resolve([{step: 1}, {step: 2}]);
  await pump();
  const after = cacheKey(store.get(), params);
  assert.deepEqual(Object.keys(store.get().epochs), [before], "kept under the steps it was asked for");
  timers.tick(250);
  assert.equal(asked("epochs").length, 2);
  open("epochs")[0].resolve([{step: 1}, {step: 2}, {step: 3}]);
  await pump();
  assert.equal(store.get().epochs[after].series.length, 3);
});

test("at most 32 over-epochs series are kept, the oldest go first, never the shown ones", async () => {
  const params = (threshold) => ({run: "train", tag: "fraud", threshold});
  const {store, pump, timers, open} = await loaded({runs: ["train"], threshold: 0.9});
  const old = Object.fromEntries(Array.from({length: 32}, (_, k) =>
    [cacheKey(store.get(), params(k / 100)), {series: [], at: k - 100}]));
  store.set({epochs: old});
  await pump();
  timers.tick(250);
  open("epochs")[0].resolve([]);
  await pump();
  const keys = Object.keys(store.get().epochs);
  assert.equal(keys.length, 32);
  assert.ok(keys.includes(cacheKey(store.get(), params(0.9))));
  assert.ok(!keys.includes(cacheKey(store.get(), params(0))), "the oldest went");
});

test("a report is asked for (after 200 ms) only where the server thinned the statistics", async () => {
  const {store, pump, timers, asked} = await loaded();
  store.set((s) => ({stats: {...s.stats, [statsKey("validation", "fraud", 2)]: {stats: {task: "binary", exact: false}, at: 0}}}));
  await pump();
  timers.tick(200);
  assert.deepEqual(asked("report"), [[{run: "validation", tag: "fraud", step: 2, threshold: 0.5}]]);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {cacheKey, createLoader} from "../src/loader.js";
import {fakeTimers, settle, testStore} from "./fakes.js";

const steps = {train: [{step: 1, wall_time: 10}, {step: 2, wall_time: 20}]};

/** A loader on a test store and fake timers, and a fetch recording its calls. */
function setup(patch = {}) {
  const timers = fakeTimers();
  let renders = 0;
  const store = testStore({tag: "fraud", runs: ["train"], steps, step: 2, ...patch}, () => { renders += 1; });
  const loader = createLoader(store, {...timers, now: timers.now});
  const asked = [];
  const answers = [];
  const fetch = (name) => () => new Promise((resolve, reject) => {
    asked.push(name);
    answers.push({resolve, reject: (message) => reject(new Error(message))});
  });
  return {timers, store, loader, asked, answers, fetch, renders: () => renders};
}

test("cacheKey(state, params) keys a request of one step with the step's wall time", () => {
  const params = {run: "train", tag: "fraud", step: 2, threshold: 0.5};
  assert.equal(cacheKey({steps}, params), JSON.stringify([params, 20]));
  const rewritten = {train: [{step: 1, wall_time: 10}, {step: 2, wall_time: 99}]};
  assert.notEqual(cacheKey({steps: rewritten}, params), cacheKey({steps}, params));
  assert.equal(cacheKey({steps: {}}, params), JSON.stringify([params, null]));
});

test("cacheKey(state, params) keys a request of every step (no step) with the wall times of the run's steps", () => {
  const params = {run: "train", tag: "fraud", threshold: 1};
  const key = cacheKey({steps}, params);
  assert.equal(key, JSON.stringify([params, [10, 20]]));
  assert.equal(JSON.parse(key)[0].threshold, 1);
  assert.equal(cacheKey({steps: {train: [...steps.train]}}, params), key, "equal steps, equal key");
  assert.notEqual(cacheKey({steps: {train: [{step: 1, wall_time: 10}, {step: 2, wall_time: 99}]}}, params), key, "a step written again");
  assert.notEqual(cacheKey({steps: {train: [...steps.train, {step: 3, wall_time: 30}]}}, params), key, "a new step");
});

test("load() asks once for a key whose request is in flight, and again once it is answered", async () => {
  const {loader, store, asked, answers, fetch} = setup();
  const options = {done: (s, value) => ({tags: value}), failed: () => null};
  loader.load("tags", fetch("first"), options);
  loader.load("tags", fetch("second"), options);
  assert.deepEqual(asked, ["first"]);
  answers[0].resolve({train: {}});
  await settle();
  assert.deepEqual(store.get().tags, {train: {}});
  loader.load("tags", fetch("third"), options);
  assert.deepEqual(asked, ["first", "third"]);
});

test("cached() stores an answer as {field: value, at} and lets prune(entries, state) trim the cache", async () => {
  const {loader, store, timers, answers, fetch} = setup({stats: {old: {stats: 0, at: 0}}});
  timers.tick(5);
  loader.cached("stats", "new", "stats", fetch("new"), {prune: (entries) => ({new: entries.new})});
  answers[0].resolve({task: "binary"});
  await settle();
  assert.deepEqual(store.get().stats, {new: {stats: {task: "binary"}, at: 5}});
});

test("cached() keeps a failure, and its error, until the selection version changes; then it asks again", async () => {
  const {loader, store, asked, answers, fetch} = setup();
  loader.select(store.get());
  loader.cached("stats", "k", "stats", fetch("one"));
  answers[0].reject("injected failure");
  await settle();
  const entry = store.get().stats.k;
  assert.equal(entry.error, "injected failure");
  assert.equal(loader.needs(entry), false);
  loader.select(store.get()); // a render without a change of the selection
  loader.cached("stats", "k", "stats", fetch("two"));
  assert.deepEqual(asked, ["one"]);
  store.set({step: 1});
  loader.select(store.get());
  assert.equal(loader.needs(entry), true);
  loader.cached("stats", "k", "stats", fetch("three"));
  assert.deepEqual(asked, ["one", "three"]);
});

test("cached() does not ask for an entry it has", () => {
  const {loader, asked, fetch} = setup({epochs: {k: {series: []}}});
  loader.cached("epochs", "k", "series", fetch("again"));
  assert.deepEqual(asked, []);
});

test("debounced loads of one name coalesce: only the last starts, once the name was quiet for its time", () => {
  const {loader, timers, asked, fetch} = setup();
  const options = (ms) => ({debounce: ["epochs train", ms], done: () => null, failed: () => null});
  loader.load("a", fetch("a"), options(100));
  timers.tick(60);
  loader.load("b", fetch("b"), options(100));
  loader.load("other", fetch("other"), {debounce: ["epochs validation", 10], done: () => null, failed: () => null});
  timers.tick(99);
  assert.deepEqual(asked, ["other"]);
  timers.tick(1);
  assert.deepEqual(asked, ["other", "b"]);
  timers.tick(1000);
  assert.deepEqual(asked, ["other", "b"]);
});

test("an answer that is no longer fresh is dropped, and the panel renders again to ask for what it needs now", async () => {
  const {loader, store, asked, answers, fetch, renders} = setup();
  let written = false;
  const options = {fresh: (s) => s.tag === "fraud", done: () => { written = true; return {}; }, failed: () => null};
  loader.load("steps", fetch("fraud"), options);
  store.set({tag: "animals"});
  store.flush();
  const before = renders();
  answers[0].resolve([]);
  await settle();
  store.flush();
  assert.equal(written, false);
  assert.equal(renders(), before + 1);
  loader.load("steps", fetch("again"), options);
  assert.deepEqual(asked, ["fraud", "again"]);
});

test("a failure records the selection version of the request, not the one when it fails", async () => {
  const {loader, store, answers, fetch} = setup();
  loader.select(store.get());
  loader.cached("stats", "k", "stats", fetch("k"));
  store.set({step: 1});
  loader.select(store.get());
  answers[0].reject("late failure");
  await settle();
  // Failed under an earlier selection: asked for again by the next sync.
  assert.equal(loader.needs(store.get().stats.k), true);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {URL_PREFIX, createUrlWriter, decodeState, encodeState, readHash, restoreSelection, unitNumber,
  writeHash} from "../src/url_state.js";
import {INITIAL_STATE} from "../src/state.js";
import {defaultSelection} from "../src/selection.js";
import {createLoader} from "../src/loader.js";
import {createSync} from "../src/sync.js";
import {fakeApi, fakeTimers, settle, testStore} from "./fakes.js";

const binary = {task: "binary", class_names: ["legit", "fraud"], num_classes: 2};
const multiclass = {task: "multiclass", class_names: ["a", "b", "c"], num_classes: 3};
const multilabel = {task: "multilabel", class_names: ["x", "y", "z"], num_classes: 3};
const TAGS = {
  train: {fraud: binary, animals: multiclass, topics: multilabel},
  validation: {fraud: binary, animals: multiclass, topics: multilabel},
  "a&b=c/test #1": {fraud: binary},
};

/** What a state goes through: encoded into TensorBoard's hash, read back, decoded. */
const roundTrip = (state, hash = "tb_confusion") => decodeState(readHash(writeHash(hash, encodeState(state))));

test("encode/decode round trip: tag, runs, step, thresholds, cutoff, normalization, order, recommended-on run", () => {
  const state = {...INITIAL_STATE, tag: "fraud", runs: ["train", "a&b=c/test #1"], step: 7, threshold: 0.37, cutoff: 0.25,
    normalization: "row", sort: "error", recommendRun: "a&b=c/test #1"};
  assert.deepEqual(roundTrip(state), {tag: "fraud", runs: ["train", "a&b=c/test #1"], step: 7, threshold: 0.37, cutoff: 0.25,
    normalization: "row", sort: "error", recommendRun: "a&b=c/test #1"});
  const labels = {...INITIAL_STATE, tag: "topics", runs: ["validation"], step: 0, labelThresholds: [0.5, 0.125, 1]};
  assert.deepEqual(roundTrip(labels), {tag: "topics", runs: ["validation"], step: 0, thresholds: [0.5, 0.125, 1]});
  // Values at their initial value stay out of the URL.
  assert.deepEqual(encodeState({...INITIAL_STATE, tag: "t", runs: ["r"], step: 2}).map(([name]) => name), ["tag", "runs", "step"]);
  assert.deepEqual(encodeState(INITIAL_STATE), []);
});

test("writeHash keeps TensorBoard's tab and keys and replaces only ours", () => {
  const hash = writeHash("tb_confusion&smoothing=0.6&p.tb_confusion.tag=old&p.other.x=1", [["tag", "new one"]]);
  assert.equal(hash, "tb_confusion&smoothing=0.6&p.other.x=1&p.tb_confusion.tag=new%20one");
  assert.deepEqual(readHash(`#${hash}`), {tag: "new one"});
  assert.equal(writeHash("", [["step", "1"]]), `${encodeURIComponent(URL_PREFIX)}step=1`);
  assert.equal(writeHash("#scalars&p.tb_confusion.step=3", []), "scalars");
});

test("decodeState ignores a hostile or malformed value, value by value, and never throws", () => {
  const hostile = [
    "tb_confusion",
    "p.tb_confusion.tag=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "p.tb_confusion.runs=%5B%22train%22%2C1%2Cnull%2C%7B%7D%5D",
    "p.tb_confusion.step=1e3",
    "p.tb_confusion.threshold=1.5",
    "p.tb_confusion.cutoff=0x1",
    "p.tb_confusion.show=%3Cscript%3E",
    "p.tb_confusion.order=constructor",
    "p.tb_confusion.thresholds=0.2,abc,-1,0.9",
    "p.tb_confusion.recommend=%E0%A4%A",
  ].join("&");
  const saved = decodeState(readHash(hostile));
  // The tag is kept as text (checked against the server's tags later); every bad number or option is out.
  assert.deepEqual(saved, {tag: "<img src=x onerror=alert(1)>", runs: ["train"], thresholds: [0.2, null, null, 0.9]});
  for (const bad of ["", "NaN", "Infinity", "-0.1", "1.0000001", " ", "0.5abc", "[0.5]"]) assert.equal(unitNumber(bad), null, bad);
  assert.equal(unitNumber("1"), 1);
  assert.equal(unitNumber(".25"), 0.25);
  for (const runs of ["{", "null", "\"train\"", "[]", "{\"0\": \"train\"}"]) assert.equal(decodeState({runs}).runs, undefined, runs);
  for (const step of ["-", "1.5", "99999999999999999", "abc"]) assert.equal(decodeState({step}).step, undefined, step);
  for (const raw of [null, undefined, "x", 3, [], {__proto__: {tag: "x"}}, JSON.parse('{"__proto__": {"tag": "x"}}')]) {
    assert.doesNotThrow(() => restoreSelection(TAGS, decodeState(raw)));
  }
  assert.doesNotThrow(() => readHash("%E0%A4%A=%&&==&p.tb_confusion.=&%"));
});

test("restoreSelection takes what the server still has and defaults the rest", () => {
  assert.deepEqual(restoreSelection(TAGS, {}), defaultSelection(TAGS, {tag: null}));
  assert.deepEqual(restoreSelection({}, {tag: "fraud"}), {});
  const patch = restoreSelection(TAGS, {tag: "fraud", runs: ["gone", "a&b=c/test #1", "validation"], step: 3, threshold: 0.2,
    normalization: "all", sort: "support", recommendRun: "a&b=c/test #1", cutoff: 0.4});
  assert.equal(patch.tag, "fraud");
  assert.deepEqual(patch.runs, ["validation", "a&b=c/test #1"]); // in the cards' order, without the unknown run
  assert.equal(patch.step, 3);
  assert.equal(patch.threshold, 0.2);
  assert.equal(patch.cutoff, undefined); // a binary tag has no cutoff
  assert.equal(patch.normalization, "all");
  assert.equal(patch.sort, "support");
  assert.equal(patch.recommendRun, "a&b=c/test #1");
  // An unknown tag, runs or recommend-on run: the defaults.
  const unknown = restoreSelection(TAGS, {tag: "<img src=x>", runs: ["nope"], recommendRun: "constructor"});
  assert.deepEqual(unknown, defaultSelection(TAGS, {tag: null}));
  assert.deepEqual(restoreSelection(TAGS, {tag: "fraud", runs: ["toString", "__proto__"]}).runs, ["train", "validation", "a&b=c/test #1"]);
  // Per-label thresholds: as many as the tag has labels; a bad one takes the threshold for all labels.
  assert.deepEqual(restoreSelection(TAGS, {tag: "topics", threshold: 0.3, thresholds: [0.1, null, 0.9]}).labelThresholds, [0.1, 0.3, 0.9]);
  assert.deepEqual(restoreSelection(TAGS, {tag: "topics", thresholds: [0.1, 0.9]}).labelThresholds, [0.5, 0.5, 0.5]);
  assert.equal(restoreSelection(TAGS, {tag: "animals", cutoff: 0.4}).cutoff, 0.4);
});

/** A stand-in for TensorBoard's page: its hash, and the writes made to it. */
function fakeUrl(hash) {
  const url = {hash, writes: [], listeners: [],
    read: () => url.hash,
    write: (next) => { url.hash = `#${next}`; url.writes.push(next); },
    onExternalChange: (callback) => url.listeners.push(callback),
    /** Someone (the user, TensorBoard) sets the hash. */
    change: (next) => { url.hash = next; url.listeners.forEach((callback) => callback()); },
  };
  return url;
}

function panel(hash) {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  const url = fakeUrl(hash);
  let sync = null;
  const store = testStore({}, (state) => sync(state));
  sync = createSync(store, api, createLoader(store, {...timers, now: timers.now}), {url, ...timers});
  const pump = async () => {
    for (let i = 0; i < 5; i++) {
      store.set((s) => s);
      store.flush();
      await settle();
    }
  };
  const answer = (route, value) => calls.filter((c) => c.route === route && !c.settled).forEach((c) => c.resolve(value));
  return {store, url, timers, pump, answer, calls};
}

test("sync restores the URL's selection when the tags arrive and writes changes back, at most once per 400 ms", async () => {
  const hash = "#tb_confusion&smoothing=0.6&p.tb_confusion.tag=animals&p.tb_confusion.runs=%5B%22validation%22%5D"
    + "&p.tb_confusion.step=1&p.tb_confusion.cutoff=0.3&p.tb_confusion.show=row&p.tb_confusion.order=error";
  const p = panel(hash);
  await p.pump();
  p.answer("tags", TAGS);
  await p.pump();
  const s = p.store.get();
  assert.equal(s.tag, "animals");
  assert.deepEqual(s.runs, ["validation"]);
  assert.equal(s.step, 1);
  assert.equal(s.cutoff, 0.3);
  assert.equal(s.normalization, "row");
  assert.equal(s.sort, "error");
  p.answer("steps", [{step: 0}, {step: 1}, {step: 2}]);
  await p.pump();
  assert.equal(p.store.get().step, 1); // the URL's step, not the newest
  assert.deepEqual(p.url.writes, []); // nothing changed
  p.store.set({normalization: "all"});
  await p.pump();
  p.store.set({normalization: "column"});
  await p.pump();
  assert.deepEqual(p.url.writes, []);
  p.timers.tick(399);
  assert.deepEqual(p.url.writes, []);
  p.timers.tick(1);
  assert.equal(p.url.writes.length, 1);
  assert.ok(p.url.hash.startsWith("#tb_confusion&smoothing=0.6&"));
  assert.equal(readHash(p.url.hash).show, "column");
});

test("sync: a URL step no run has shows the nearest one; a pasted URL is applied; TensorBoard's tab write is not", async () => {
  const p = panel("#tb_confusion&p.tb_confusion.tag=fraud&p.tb_confusion.step=5");
  await p.pump();
  p.answer("tags", TAGS);
  await p.pump();
  p.answer("steps", [{step: 0}, {step: 2}, {step: 4}, {step: 8}]);
  await p.pump();
  assert.equal(p.store.get().step, 4);
  p.store.set({selected: {run: "train", true: 1, pred: 0, label: 0}});
  await p.pump();
  p.timers.tick(400);
  // TensorBoard switches tabs: its key changes, ours stay; the panel keeps its state.
  p.url.change(p.url.hash.replace("tb_confusion&", "scalars&"));
  await p.pump();
  assert.deepEqual(p.store.get().selected, {run: "train", true: 1, pred: 0, label: 0});
  // Someone pastes a link with another threshold and step into the same tab.
  p.url.change(writeHash(p.url.hash, [["tag", "fraud"], ["runs", JSON.stringify(["train", "validation", "a&b=c/test #1"])],
    ["step", "2"], ["threshold", "0.8"], ["recommend", "train"]]));
  await p.pump();
  const s = p.store.get();
  assert.equal(s.threshold, 0.8);
  assert.equal(s.step, 2);
  assert.equal(s.recommendRun, "train");
});

test("sync without a URL (node, or nowhere to keep it) starts from the default selection", async () => {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  let sync = null;
  const store = testStore({}, (state) => sync(state));
  sync = createSync(store, api, createLoader(store, {...timers, now: timers.now}));
  store.set({});
  store.flush();
  calls[1].resolve(TAGS); // [catalogue, tags]
  await settle();
  assert.equal(store.get().tag, defaultSelection(TAGS, {tag: null}).tag);
});

test("createUrlWriter writes nothing before a tag is chosen and skips a selection the hash already has", () => {
  const timers = fakeTimers();
  const url = fakeUrl("#tb_confusion");
  const writer = createUrlWriter(url, timers);
  writer.write(INITIAL_STATE);
  timers.tick(1000);
  assert.deepEqual(url.writes, []);
  const state = {...INITIAL_STATE, tag: "fraud", runs: ["train"], step: 1};
  writer.write(state);
  writer.flush();
  assert.equal(url.writes.length, 1);
  writer.write(state);
  timers.tick(1000);
  assert.equal(url.writes.length, 1);
  assert.equal(writer.outsideChange(), null);
});

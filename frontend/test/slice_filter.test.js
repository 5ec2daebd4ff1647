import {test} from "node:test";
import assert from "node:assert/strict";
import {MAX_FILTERS, attributesRequest, decodeSlice, filterName, filterValue, metricPath, pickerModel, pickerSource,
  scopedApi, sliceRequests, sliceTableOf, sliceTableRequest, sliceText, tableAttribute, tableMetrics,
  withFilter} from "../src/slice_filter.js";
import {query} from "../src/api.js";
import {cacheKey, createLoader} from "../src/loader.js";
import {statsKey} from "../src/selection.js";
import {diffKey} from "../src/diff.js";
import {decodeState, encodeState, readHash, restoreSelection, writeHash} from "../src/url_state.js";
import {INITIAL_STATE} from "../src/state.js";
import {createSync} from "../src/sync.js";
import {fakeApi, fakeTimers, settle, testStore} from "./fakes.js";

const multiclass = {task: "multiclass", class_names: ["cat", "dog", "fox"]};
const TAGS = {train: {animals: multiclass}, validation: {animals: multiclass}};
const STEPS = [{step: 1, wall_time: 10}, {step: 2, wall_time: 20}];
const CATALOGUE = {tasks: [], metrics: [
  {key: "accuracy", label: "Accuracy", shape: "scalar", headline: true, tasks: ["binary", "multiclass"]},
  {key: "f1", label: "F1", shape: "per_class", headline: true, tasks: ["binary", "multiclass"]},
  {key: "support", label: "Support", shape: "per_class", headline: false, tasks: ["binary", "multiclass"]},
]};
const ATTRIBUTES = {num_examples: 10, slice: {}, sliceable: true, attributes: [
  {name: "source", kind: "str", values: ["fax", "web"], filters: ["source=fax", "source=web"], counts: [4, 6]},
  {name: "night", kind: "bool", values: [false, true], filters: ["night=False", "night=True"], counts: [5, 5]},
]};

const shown = (patch = {}) => ({...INITIAL_STATE, tags: TAGS, tag: "animals", runs: ["train", "validation"],
  steps: {train: STEPS, validation: STEPS}, step: 2, catalogue: CATALOGUE, ...patch});

test("filterName and filterValue split a filter at its first '=' (values may hold '=')", () => {
  assert.deepEqual([filterName("source=a=b"), filterValue("source=a=b")], ["source", "a=b"]);
  assert.deepEqual([filterName("night=True"), filterValue("night=True")], ["night", "True"]);
});

test("withFilter keeps one filter per attribute: replaces it, adds it last, or removes it", () => {
  assert.deepEqual(withFilter([], "source", "source=web"), ["source=web"]);
  assert.deepEqual(withFilter(["source=web", "night=True"], "source", "source=fax"), ["night=True", "source=fax"]);
  assert.deepEqual(withFilter(["source=web", "night=True"], "source", null), ["night=True"]);
  assert.equal(sliceText(["source=web", "night=True"]), "source = web, night = True");
});

test("scopedApi adds the slice to stats and every step route, and leaves the rest alone", async () => {
  const seen = [];
  const record = (name) => (...args) => { seen.push([name, ...args]); return Promise.resolve(name); };
  const api = Object.fromEntries(["catalogue", "tags", "steps", "stats", "report", "examples", "epochs", "calibration", "diff",
    "forgetting", "label_issues", "attributes", "slices"].map((name) => [name, record(name)]));
  assert.equal(scopedApi(api, []), api, "no filter: the api itself");
  const sliced = scopedApi(api, ["source=web"]);
  await sliced.stats("train", "animals", 2);
  for (const name of ["report", "examples", "epochs", "calibration", "diff", "forgetting", "label_issues"]) await sliced[name]({run: "train"});
  await sliced.attributes({run: "train"});
  await sliced.slices({run: "train", slice: ["night=True"]});
  await sliced.tags();
  assert.deepEqual(seen[0], ["stats", "train", "animals", 2, {slice: ["source=web"]}]);
  for (const entry of seen.slice(1, 8)) assert.deepEqual(entry[1], {run: "train", slice: ["source=web"]}, entry[0]);
  assert.deepEqual(seen.slice(8), [["attributes", {run: "train"}], ["slices", {run: "train", slice: ["night=True"]}], ["tags"]]);
  // A fake api without some routes stays without them.
  assert.equal(scopedApi({stats: api.stats}, ["a=1"]).report, undefined);
});

test("query gives `slice` once per filter (values with '&', '=' or ',' intact) and joins other lists", () => {
  const text = query({run: "r", slice: ["source=a,b", "note=x&y=z"], thresholds: [0.1, 0.2]});
  const params = new URLSearchParams(text.slice(1));
  assert.deepEqual(params.getAll("slice"), ["source=a,b", "note=x&y=z"]);
  assert.equal(params.get("thresholds"), "0.1,0.2");
  assert.equal(query({slice: []}), "");
});

test("every cache key carries the slice; without one the keys are as before", () => {
  const whole = shown();
  const web = shown({slice: ["source=web"]});
  const params = {run: "train", tag: "animals", step: 2};
  assert.equal(cacheKey(whole, params), JSON.stringify([params, 20]));
  assert.notEqual(cacheKey(web, params), cacheKey(whole, params));
  assert.notEqual(cacheKey(web, params), cacheKey(shown({slice: ["source=fax"]}), params));
  assert.equal(statsKey("train", "animals", 2), JSON.stringify(["train", "animals", 2]));
  assert.notEqual(statsKey("train", "animals", 2, ["source=web"]), statsKey("train", "animals", 2));
  const diff = {run: "train", step: 1, run_b: "train", step_b: 2};
  assert.notEqual(diffKey(web, diff), diffKey(whole, diff));
});

test("decodeSlice takes a JSON list of NAME=VALUE, one per attribute, and refuses anything else", () => {
  assert.deepEqual(decodeSlice('["source=web","night=True"]'), ["source=web", "night=True"]);
  assert.deepEqual(decodeSlice('["source=<img src=x onerror=alert(1)>"]'), ["source=<img src=x onerror=alert(1)>"]);
  for (const bad of ["source=web", "{}", '["=web"]', '["web"]', '["a=1","a=2"]', "[1]", "[null]", "not json",
    JSON.stringify(Array.from({length: MAX_FILTERS + 1}, (_, k) => `a${k}=1`))]) {
    assert.equal(decodeSlice(bad), null, bad);
  }
});

test("the slice and the table's attribute go through the URL and back; a bad one is left out", () => {
  const state = shown({slice: ["source=web", "night=True"], sliceBy: "night"});
  const hash = writeHash("tb_confusion", encodeState(state));
  const saved = decodeState(readHash(hash));
  assert.deepEqual([saved.slice, saved.sliceBy], [["source=web", "night=True"], "night"]);
  const patch = restoreSelection(TAGS, saved);
  assert.deepEqual([patch.slice, patch.sliceBy], [["source=web", "night=True"], "night"]);
  assert.equal(encodeState(shown()).some(([name]) => name.startsWith("slice")), false, "nothing without a slice");
  assert.equal(decodeState({slice: '["nope"]'}).slice, undefined);
});

test("pickerModel lists each attribute's values with counts and ready filters, and keeps unlisted filters", () => {
  const model = pickerModel(ATTRIBUTES, ["night=True", "device=2"]);
  assert.deepEqual(model.attributes.map((a) => [a.name, a.chosen]), [["source", null], ["night", "night=True"]]);
  assert.deepEqual(model.attributes[1].options, [{filter: "night=False", text: "False", count: 5},
    {filter: "night=True", text: "True", count: 5}]);
  assert.deepEqual(model.missing, ["device=2"]);
  assert.deepEqual(pickerModel(null, []), {attributes: [], missing: []});
});

test("the table is by the chosen attribute while listed, else the first; ranked by a report path", () => {
  assert.equal(tableAttribute({sliceBy: "night"}, ATTRIBUTES), "night");
  assert.equal(tableAttribute({sliceBy: "gone"}, ATTRIBUTES), "source");
  assert.equal(tableAttribute({sliceBy: null}, {attributes: []}), null);
  const {metrics, shown: metric} = tableMetrics(CATALOGUE, "multiclass", "f1");
  assert.deepEqual([metrics.map((m) => m.key), metric.key], [["accuracy", "f1"], "f1"]);
  assert.equal(tableMetrics(CATALOGUE, "multiclass", "nope").shown.key, "accuracy");
  assert.equal(metricPath(metric, "multiclass"), "f1.macro");
  assert.equal(metricPath(metric, "binary"), "f1.binary");
  assert.equal(metricPath(CATALOGUE.metrics[0], "binary"), "accuracy");
});

test("the slices request: at the decision, within the filters on the other attributes only", () => {
  const state = shown({slice: ["source=web", "night=True"], cutoff: 0.3, sliceMinSize: 40});
  assert.deepEqual(sliceTableRequest(state, "train", "source", "f1.macro"),
    {run: "train", tag: "animals", step: 2, by: "source", metric: "f1.macro", min_size: 40, cutoff: 0.3, slice: ["night=True"]});
  assert.equal("slice" in sliceTableRequest(shown({slice: ["source=web"]}), "train", "source", "accuracy"), false);
  assert.equal(sliceTableRequest(state, "train", null, "accuracy"), null);
  assert.deepEqual(attributesRequest(state, "validation"), {run: "validation", tag: "animals", step: 2});
  const pixels = shown({tags: {train: {masks: {task: "segmentation", class_names: ["bg", "cat"]}}}, tag: "masks", runs: ["train"]});
  assert.equal(attributesRequest(pixels, "train"), null, "accumulated steps take no attributes");
});

test("the picker lists the first run with attributes; no tables for a step stored compact", () => {
  const key = (state, run) => cacheKey({...state, slice: []}, attributesRequest(state, run));
  let state = shown({slice: ["source=web"]});
  assert.equal(pickerSource(state), null);
  assert.deepEqual(sliceRequests(state), {attributes: [attributesRequest(state, "train"), attributesRequest(state, "validation")], tables: []});
  state = {...state, attributes: {[key(state, "train")]: {answer: {...ATTRIBUTES, attributes: []}}, [key(state, "validation")]: {answer: ATTRIBUTES}}};
  assert.equal(pickerSource(state).run, "validation");
  assert.deepEqual(sliceRequests(state).tables.map((p) => [p.run, p.by, p.metric, p.slice]),
    [["train", "source", "accuracy", undefined], ["validation", "source", "accuracy", undefined]]);
  assert.equal(sliceTableOf(state, "train").entry, null);
  const compact = {...state, attributes: {[key(state, "validation")]: {answer: {...ATTRIBUTES, sliceable: false}}}};
  assert.deepEqual(sliceRequests(compact).tables, []);
  const failed = {...state, attributes: {[key(state, "train")]: {error: "no such step"}}};
  assert.deepEqual(pickerSource(failed), {run: "train", answer: null, error: "no such step"});
});

test("with a slice, sync asks every step route for it and the picker's attributes for the whole step", async () => {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  api.attributes = (...args) => new Promise(() => calls.push({route: "attributes", args}));
  let sync = null;
  const store = testStore(shown({slice: ["source=web"]}), (state) => sync(state));
  sync = createSync(store, api, createLoader(store, {...timers, now: timers.now}), {url: null});
  store.set((s) => s);
  store.flush();
  await settle();
  timers.tick(300);
  const args = (route) => calls.filter((c) => c.route === route).map((c) => c.args);
  assert.deepEqual(args("stats"), [["train", "animals", 2, {slice: ["source=web"]}], ["validation", "animals", 2, {slice: ["source=web"]}]]);
  assert.deepEqual(args("epochs").map(([p]) => p.slice), [["source=web"], ["source=web"]]);
  assert.deepEqual(args("attributes"), [[{run: "train", tag: "animals", step: 2}], [{run: "validation", tag: "animals", step: 2}]]);
  // Another slice asks again under its own keys; the first slice's answers are not shown for it.
  calls.find((c) => c.route === "stats").resolve({task: "multiclass", wall_time: 20});
  await settle();
  assert.ok(store.get().stats[statsKey("train", "animals", 2, ["source=web"])]);
  store.set({slice: ["source=fax"]});
  store.flush();
  await settle();
  assert.deepEqual(args("stats").slice(2).map((a) => a[3]), [{slice: ["source=fax"]}, {slice: ["source=fax"]}]);
});

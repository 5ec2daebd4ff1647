import {test} from "node:test";
import assert from "node:assert/strict";
import {createLoader} from "../src/loader.js";
import {curvesRequest, statsKey} from "../src/selection.js";
import {createSync} from "../src/sync.js";
import {INITIAL_STATE} from "../src/state.js";
import {fakeApi, fakeTimers, settle, testStore} from "./fakes.js";

const NAMES = Array.from({length: 70}, (_, k) => `c${k}`);
const TAGS = {validation: {many: {task: "multiclass", class_names: NAMES}}};
const STEPS = [{step: 3, wall_time: 30}];
const binary = {task: "binary", step: 3, class_names: ["a", "b"], binary: {}};
const lazy = {task: "multiclass", step: 3, class_names: NAMES, multiclass: {}};
const pixels = {task: "segmentation", step: 3, class_names: NAMES, multiclass: {}};

function shown(stats, patch = {}) {
  return {...INITIAL_STATE, tags: TAGS, tag: "many", runs: ["validation"], steps: {validation: STEPS}, step: 3,
    stats: stats ? {[statsKey("validation", "many", 3, patch.slice ?? [])]: {stats, at: 0}} : {}, ...patch};
}

test("curvesRequest: the shown class of a multiclass step, clamped to its classes", () => {
  assert.equal(curvesRequest(shown(null), "validation"), null); // stats not here yet
  assert.equal(curvesRequest(shown(binary), "validation"), null); // its stats carry the curve's counts
  assert.equal(curvesRequest(shown(pixels), "validation"), null); // the route serves multiclass steps only
  assert.deepEqual(curvesRequest(shown(lazy, {curveClass: 5}), "validation"), {run: "validation", tag: "many", step: 3, class: 5});
  assert.equal(curvesRequest(shown(lazy, {curveClass: 500}), "validation").class, 69);
});

test("sync asks the curves route for the shown class, again for another class, with the slice filter", async () => {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  api.curves = (params) => new Promise((resolve) => calls.push({route: "curves", args: [params], resolve}));
  let sync = null;
  const store = testStore(shown(lazy, {curveClass: 2}), (state) => sync(state));
  sync = createSync(store, api, createLoader(store, {...timers, now: timers.now}), {url: null});
  const pump = async () => { for (let i = 0; i < 3; i++) { store.set((s) => s); store.flush(); await settle(); } };
  const asked = () => calls.filter((c) => c.route === "curves").map((c) => c.args[0]);
  await pump();
  assert.deepEqual(asked(), [{run: "validation", tag: "many", step: 3, class: 2}]);
  calls.find((c) => c.route === "curves").resolve({class_index: 2, roc: {}, pr: {}});
  await pump();
  assert.equal(asked().length, 1); // answered: not asked again
  assert.equal(Object.values(store.get().curves)[0].answer.class_index, 2);
  store.set({curveClass: 7});
  await pump();
  assert.deepEqual(asked().at(-1), {run: "validation", tag: "many", step: 3, class: 7});
  store.set((s) => ({slice: ["source=web"], stats: {...s.stats, [statsKey("validation", "many", 3, ["source=web"])]: {stats: lazy, at: 0}}}));
  await pump();
  assert.deepEqual(asked().at(-1), {run: "validation", tag: "many", step: 3, class: 7, slice: ["source=web"]});
});

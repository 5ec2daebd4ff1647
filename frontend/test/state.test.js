import {test} from "node:test";
import assert from "node:assert/strict";
import {createStore} from "../src/state.js";

test("createStore batches every set() before the scheduled frame into one render of the merged state", () => {
  const frames = [];
  const renders = [];
  const store = createStore({a: 1, b: 1}, (state) => renders.push(state), {schedule: (fn) => frames.push(fn)});
  store.set({a: 2});
  store.set((s) => ({b: s.a + 1}));
  store.set(() => null);
  assert.equal(frames.length, 1);
  frames[0]();
  assert.deepEqual(renders, [{a: 2, b: 3}]);
  store.flush();
  assert.equal(renders.length, 1);
});

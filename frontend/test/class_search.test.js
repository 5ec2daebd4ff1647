// The "Find class" box's matching (class_search.js) and the "cluster" order in the URL (url_state.js).
import {test} from "node:test";
import assert from "node:assert/strict";
import {SEARCH_ABOVE, matchClasses} from "../src/class_search.js";
import {decodeState, encodeState} from "../src/url_state.js";

const NAMES = ["s00/c00", "s00/c01", "S01/C00", "<img src=x onerror=alert(1)>", "dog", "Hot dog"];

test("matchClasses(names, query) keeps the names containing the query, case-insensitive, in the given order", () => {
  assert.deepEqual(matchClasses(NAMES, "c00"), [0, 2]);
  assert.deepEqual(matchClasses(NAMES, "  S01/ "), [2]);
  assert.deepEqual(matchClasses(NAMES, "DOG"), [4, 5]);
  assert.deepEqual(matchClasses(NAMES, "dog", [5, 4, 3, 2, 1, 0]), [5, 4]);
  assert.deepEqual(matchClasses(NAMES, "<img"), [3]); // a name is text, never a pattern
  assert.deepEqual(matchClasses(NAMES, ".*"), []);
  assert.deepEqual(matchClasses(NAMES, ""), []);
  assert.deepEqual(matchClasses(NAMES, "   "), []);
  assert.equal(SEARCH_ABOVE, 10);
});

test("the cluster order survives the URL", () => {
  const state = {tag: "t", runs: ["a"], step: 1, threshold: 0.5, labelThresholds: null, cutoff: 0, normalization: "count",
    sort: "cluster", recommendRun: null};
  const entries = Object.fromEntries(encodeState(state));
  assert.equal(entries.order, "cluster");
  assert.equal(decodeState(entries).sort, "cluster");
  assert.equal(decodeState({order: "clusters"}).sort, undefined);
});

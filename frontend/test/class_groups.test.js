import {test} from "node:test";
import assert from "node:assert/strict";
import {cellsOfMatrix, classGroupsOf, groupedCells, groupedModel, grouping, shownModel} from "../src/class_groups.js";
import {denseMatrix} from "../src/lookups.js";
import {BELOW_CUTOFF} from "../src/model.js";

// A seeded generator (mulberry32), so a failure repeats.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("grouping orders groups by their first class and maps each class to its group", () => {
  const {names, index} = grouping(["tree", "animal", "tree", "rock", "animal"]);
  assert.deepEqual(names, ["tree", "animal", "rock"]);
  assert.deepEqual([...index], [0, 1, 0, 2, 1]);
});

test("classGroupsOf gives a multiclass tag's groups, one per class, else null", () => {
  const info = {task: "multiclass", class_names: ["a", "b"], class_groups: ["x", "y"]};
  assert.deepEqual(classGroupsOf(info), ["x", "y"]);
  assert.equal(classGroupsOf({...info, class_groups: []}), null);
  assert.equal(classGroupsOf({...info, class_groups: ["x"]}), null, "not one per class");
  assert.equal(classGroupsOf({...info, task: "binary"}), null);
  assert.equal(classGroupsOf({task: "multiclass", class_names: ["a"]}), null);
  assert.equal(classGroupsOf(null), null);
});

test("the grouped matrix is the matrix of labels and predictions mapped to groups; below cutoff stays one column", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const next = random(seed);
    const c = 2 + Math.floor(next() * 12);
    const g = 1 + Math.floor(next() * c);
    const groups = Array.from({length: c}, (_, k) => `g${k < g ? k : Math.floor(next() * g)}`);
    const withCutoff = next() < 0.5;
    const width = withCutoff ? c + 1 : c;
    const matrix = Array.from({length: c}, () => Array.from({length: width}, () => (next() < 0.4 ? 0 : Math.floor(next() * 20))));
    // Reference: every example's (true, predicted) mapped to groups one by one.
    const {names, index} = grouping(groups);
    const gw = withCutoff ? names.length + 1 : names.length;
    const expected = Array.from({length: names.length}, () => new Array(gw).fill(0));
    for (let t = 0; t < c; t++) {
      for (let p = 0; p < width; p++) {
        for (let n = 0; n < matrix[t][p]; n++) expected[index[t]][p === c ? names.length : index[p]] += 1;
      }
    }
    const cells = groupedCells(cellsOfMatrix(matrix), groups);
    assert.deepEqual(denseMatrix(cells), expected, `seed ${seed}`);
    assert.equal(cells.width, gw);
  }
});

test("groupedModel computes the metrics from the grouped matrix, as per-class metrics are computed", () => {
  // cat, dog -> animal; oak -> tree. Rows true, columns predicted, then below cutoff.
  const matrix = [[5, 2, 1, 1], [3, 4, 0, 0], [1, 0, 6, 2]];
  const model = {task: "multiclass", classNames: ["cat", "dog", "oak"], columnNames: ["cat", "dog", "oak", BELOW_CUTOFF],
    matrix, cells: null, metrics: {roc_auc: {macro: 0.9}}, labelIssues: {counts: [[1]]}};
  const grouped = groupedModel(model, ["animal", "animal", "tree"]);
  assert.deepEqual(grouped.classNames, ["animal", "tree"]);
  assert.deepEqual(grouped.columnNames, ["animal", "tree", BELOW_CUTOFF]);
  assert.deepEqual(grouped.matrix, [[14, 1, 1], [1, 6, 2]]);
  // By hand: 20 examples, 14 + 6 right.
  assert.equal(grouped.metrics.accuracy, 20 / 25);
  assert.equal(grouped.metrics.recall.per_class[0], 14 / 16);
  assert.equal(grouped.metrics.precision.per_class[1], 6 / 7);
  assert.equal(grouped.metrics.support.per_class[1], 9);
  assert.equal(grouped.metrics.roc_auc, undefined, "probability metrics are not defined by group");
  assert.equal(grouped.labelIssues, null);
  assert.deepEqual(grouped.grouped.classNames, ["cat", "dog", "oak"]);
  assert.equal(shownModel(model, {classGrouping: "classes"}, {task: "multiclass", class_names: ["cat", "dog", "oak"],
    class_groups: ["a", "a", "b"]}), model);
  assert.deepEqual(shownModel(model, {classGrouping: "groups"}, {task: "multiclass", class_names: ["cat", "dog", "oak"],
    class_groups: ["a", "a", "b"]}).classNames, ["a", "b"]);
  assert.equal(shownModel(model, {classGrouping: "groups"}, {task: "multiclass", class_names: ["cat", "dog", "oak"]}), model);
});

test("the grouping goes through the URL as group=superclasses; anything else is left out", async () => {
  const {decodeState, encodeState, readHash, writeHash} = await import("../src/url_state.js");
  const {INITIAL_STATE} = await import("../src/state.js");
  const state = {...INITIAL_STATE, tag: "t", runs: ["r"], step: 1, classGrouping: "groups"};
  assert.equal(decodeState(readHash(writeHash("", encodeState(state)))).classGrouping, "groups");
  assert.equal(encodeState({...state, classGrouping: "classes"}).some(([name]) => name === "group"), false);
  assert.equal(decodeState({group: "groups"}).classGrouping, undefined);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {binaryCountsAt, countAtLeastDescending, denseMatrix, lowerBound, multiclassCellsAt} from "../src/lookups.js";

const multiclassMatrixAt = (multiclass, numClasses, cutoff = 0) => denseMatrix(multiclassCellsAt(multiclass, numClasses, cutoff));

test("countAtLeastDescending counts the values >= x in a descending list", () => {
  const descending = [0.9, 0.7, 0.7, 0.5, 0.1];
  assert.equal(countAtLeastDescending(descending, 1), 0);
  assert.equal(countAtLeastDescending(descending, 0.9), 1);
  assert.equal(countAtLeastDescending(descending, 0.7), 3);
  assert.equal(countAtLeastDescending(descending, 0.6), 3);
  assert.equal(countAtLeastDescending(descending, 0), 5);
  assert.equal(countAtLeastDescending([], 0.5), 0);
});

test("lowerBound finds the first value >= x inside a range", () => {
  const ascending = [0.2, 0.5, 0.1, 0.3, 0.3, 0.8];
  assert.equal(lowerBound(ascending, 0.3, 2, 6), 3);
  assert.equal(lowerBound(ascending, 0.9, 2, 6), 6);
  assert.equal(lowerBound(ascending, 0.0, 2, 6), 2);
});

test("binaryCountsAt: an example is positive when its score >= threshold", () => {
  // scores 0.9 (pos), 0.6 (neg), 0.6 (pos), 0.2 (neg)
  const binary = {thresholds: [0.9, 0.6, 0.2], tps: [1, 2, 2], fps: [0, 1, 2], positives: 2, negatives: 2};
  assert.deepEqual(binaryCountsAt(binary, 0.6), {tp: 2, fp: 1, fn: 0, tn: 1});
  assert.deepEqual(binaryCountsAt(binary, 0.61), {tp: 1, fp: 0, fn: 1, tn: 2});
  assert.deepEqual(binaryCountsAt(binary, 0), {tp: 2, fp: 2, fn: 0, tn: 0});
  assert.deepEqual(binaryCountsAt(binary, 1), {tp: 0, fp: 0, fn: 2, tn: 2});
});

test("multiclassCellsAt moves examples under the cutoff to a last column", () => {
  // 2 classes; cells (0,0): 0.5, 0.9; (0,1): 0.6; (1,0): none; (1,1): 0.55
  const multiclass = {cell_offsets: [0, 2, 3, 3, 4], top_scores: [0.5, 0.9, 0.6, 0.55], cum_weights: null,
    cell_totals: [2, 1, 0, 1]};
  assert.deepEqual(multiclassMatrixAt(multiclass, 2), [[2, 1], [0, 1]]);
  assert.deepEqual(multiclassMatrixAt(multiclass, 2, 0.56), [[1, 1, 1], [0, 0, 1]]);
  const weighted = {...multiclass, cum_weights: [2, 5, 1, 4], cell_totals: [5, 1, 0, 4]};
  assert.deepEqual(multiclassMatrixAt(weighted, 2, 0.56), [[3, 1, 2], [0, 0, 4]]);
});

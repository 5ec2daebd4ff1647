// The sparse path (the model's non-zero `cells`) must give exactly what the dense matrix gives.
import {test} from "node:test";
import assert from "node:assert/strict";
import {cellMetrics, countsFromCells, countsFromMatrix, matrixMetrics} from "../src/formulas.js";
import {denseMatrix, isSparse, multiclassCellsAt} from "../src/lookups.js";
import {classOrder, colorDomain, topConfusions, totals} from "../src/matrix_math.js";
import {assertClose, fixtures} from "./fixtures.js";

/** Random multiclass statistics: C classes, n examples, most cells empty. */
function randomStats(numClasses, n, seed, weighted) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const byCell = new Map();
  for (let e = 0; e < n; e++) {
    const t = Math.floor(random() * numClasses);
    const p = random() < 0.6 ? t : (t + 1 + Math.floor(random() * 5)) % numClasses;
    const cell = t * numClasses + p;
    if (!byCell.has(cell)) byCell.set(cell, []);
    byCell.get(cell).push({score: Math.round(random() * 20) / 20, weight: weighted ? 0.5 + random() : 1});
  }
  const offsets = [0];
  const scores = [];
  const cum = [];
  const cellTotals = [];
  for (let cell = 0; cell < numClasses * numClasses; cell++) {
    const items = (byCell.get(cell) || []).sort((a, b) => a.score - b.score);
    let sum = 0;
    for (const item of items) {
      scores.push(item.score);
      sum += item.weight;
      cum.push(sum);
    }
    cellTotals.push(sum);
    offsets.push(scores.length);
  }
  return {cell_offsets: offsets, top_scores: scores, cum_weights: weighted ? cum : null, cell_totals: cellTotals};
}

/** The sparse form of dense statistics, as the server sends it above a class count: the non-empty
 * cells, with their offsets and totals only. */
function toSparse(multiclass, numClasses) {
  const {cell_offsets: offsets, cell_totals: totals} = multiclass;
  const cells = [];
  for (let cell = 0; cell < numClasses * numClasses; cell++) if (offsets[cell + 1] > offsets[cell]) cells.push(cell);
  return {...multiclass, cells, cell_offsets: [...cells.map((cell) => offsets[cell]), offsets[numClasses * numClasses]],
    cell_totals: cells.map((cell) => totals[cell])};
}

/** The dense form of sparse statistics (every cell's offset and total, zeros included). */
function toDense(multiclass, numClasses) {
  const {cells, cell_offsets: offsets, cell_totals: totals} = multiclass;
  const count = numClasses * numClasses;
  const denseOffsets = new Array(count + 1).fill(offsets[offsets.length - 1]);
  const denseTotals = new Array(count).fill(0);
  for (let cell = count - 1, k = cells.length - 1; cell >= 0; cell--) {
    if (k >= 0 && cells[k] === cell) {
      denseOffsets[cell] = offsets[k];
      denseTotals[cell] = totals[k];
      k--;
    } else {
      denseOffsets[cell] = denseOffsets[cell + 1];
    }
  }
  const {cells: _, ...rest} = multiclass;
  return {...rest, cell_offsets: denseOffsets, cell_totals: denseTotals};
}

/** The plain C*C walk the sparse code replaces (the pre-sparse implementation, kept as the oracle). */
function denseReference(multiclass, numClasses, cutoff) {
  if (isSparse(multiclass)) multiclass = toDense(multiclass, numClasses);
  const {cell_offsets: offsets, top_scores: scores, cum_weights: cumWeights, cell_totals: cellTotals} = multiclass;
  return Array.from({length: numClasses}, (_, t) => {
    const row = new Array(cutoff > 0 ? numClasses + 1 : numClasses).fill(0);
    for (let p = 0; p < numClasses; p++) {
      const cell = t * numClasses + p;
      let kept = 0;
      for (let k = offsets[cell]; k < offsets[cell + 1]; k++) {
        if (scores[k] >= cutoff) kept += cumWeights ? cumWeights[k] - (k > offsets[cell] ? cumWeights[k - 1] : 0) : 1;
      }
      row[p] = cutoff > 0 ? kept : cellTotals[cell];
      if (cutoff > 0) row[numClasses] += cellTotals[cell] - kept;
    }
    return row;
  });
}

function checkSame(multiclass, numClasses, cutoff, where) {
  const cells = multiclassCellsAt(multiclass, numClasses, cutoff);
  const matrix = denseMatrix(cells);
  assertClose(matrix, denseReference(multiclass, numClasses, cutoff), `${where} matrix`);
  for (let k = 0; k < cells.length; k++) assert.notEqual(cells.values[k], 0, `${where} only non-zero cells`);
  const names = Array.from({length: numClasses}, (_, i) => `c${i}`);
  assertClose(countsFromCells(cells), countsFromMatrix(matrix), `${where} counts`);
  const sparse = cellMetrics(cells, names);
  const dense = matrixMetrics(matrix, names);
  assertClose(sparse.metrics, dense.metrics, `${where} metrics`);
  assert.deepEqual(sparse.undefined, dense.undefined);
  const sums = totals(matrix);
  assertClose(totals(matrix, cells), sums, `${where} totals`);
  for (const normalization of ["count", "row", "column", "all"]) {
    assertClose(colorDomain(matrix, sums, normalization, cells), colorDomain(matrix, sums, normalization), `${where} domain`);
  }
  assert.deepEqual(topConfusions(matrix, 8, cells), topConfusions(matrix, 8));
  for (const sort of ["index", "support", "error"]) assert.deepEqual(classOrder(matrix, sort, cells), classOrder(matrix, sort));
}

test("multiclassCellsAt: the same matrix, counts, metrics, totals and orders as the dense walk", () => {
  for (const weighted of [false, true]) {
    const stats = randomStats(60, 2000, weighted ? 11 : 7, weighted);
    for (const cutoff of [0, 0.05, 0.3, 0.5, 0.51, 0.95, 1]) checkSame(stats, 60, cutoff, `C=60 weighted=${weighted} cutoff=${cutoff}`);
  }
});

test("multiclassCellsAt on the server's statistics (fixtures; accumulated per-pixel steps too)", () => {
  for (const c of fixtures().cases.filter((x) => x.stats.multiclass)) {
    for (const at of c.at) checkSame(c.stats.multiclass, c.stats.class_names.length, at.cutoff ?? 0, `${c.name} ${at.cutoff}`);
  }
});

test("sparse and dense cell statistics give the same matrices at every cutoff", () => {
  for (const weighted of [false, true]) {
    const dense = randomStats(60, 2000, weighted ? 5 : 3, weighted);
    const sparse = toSparse(dense, 60);
    assert.ok(isSparse(sparse) && !isSparse(dense) && sparse.cells.length < 60 * 60 / 3);
    for (const cutoff of [0, 0.05, 0.3, 0.5, 0.51, 0.95, 1]) {
      assert.deepEqual(denseMatrix(multiclassCellsAt(sparse, 60, cutoff)), denseMatrix(multiclassCellsAt(dense, 60, cutoff)),
        `weighted=${weighted} cutoff=${cutoff}`);
    }
  }
  // and the server's sparse statistics, made dense here, the same as sent
  const served = fixtures().cases.filter((x) => x.stats.multiclass && isSparse(x.stats.multiclass));
  assert.ok(served.length >= 2);
  for (const c of served) {
    const numClasses = c.stats.class_names.length;
    const dense = toDense(c.stats.multiclass, numClasses);
    assert.equal(dense.cell_offsets.length, numClasses * numClasses + 1);
    for (const at of c.at) {
      const cutoff = at.cutoff ?? 0;
      const matrix = denseMatrix(multiclassCellsAt(c.stats.multiclass, numClasses, cutoff));
      assert.deepEqual(matrix, denseMatrix(multiclassCellsAt(dense, numClasses, cutoff)), `${c.name} ${cutoff}`);
      assertClose(matrix, at.report.confusion_matrix, `${c.name} ${cutoff} report`);
    }
  }
});

// Shares, class orders and top confusions of a confusion matrix (rows true, columns predicted;
// a multiclass cutoff adds a last "below cutoff" column). Pure functions shared by every view.
// Where a function takes `cells` (the model's non-zero cells, lookups.js multiclassCellsAt), it walks
// those instead of every entry of `matrix`: the same result in O(non-zero cells) at 1000 classes.

import {clusterOrder} from "./class_order.js";

/** Row totals, column totals and the grand total. */
export function totals(matrix, cells = null) {
  if (cells) {
    const rows = new Array(cells.numClasses).fill(0);
    const columns = new Array(cells.width).fill(0);
    let all = 0;
    for (let i = 0; i < cells.numClasses; i++) {
      let sum = 0;
      for (let k = cells.rowStart[i]; k < cells.rowStart[i + 1]; k++) {
        sum += cells.values[k];
        columns[cells.columns[k]] += cells.values[k];
      }
      rows[i] = sum;
      all += sum;
    }
    return {rows, columns, all};
  }
  const rows = new Array(matrix.length).fill(0);
  const columns = new Array(matrix[0]?.length || 0).fill(0);
  let all = 0;
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i];
    let sum = 0;
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (v === 0) continue;
      sum += v;
      columns[j] += v;
    }
    rows[i] = sum;
    all += sum;
  }
  return {rows, columns, all};
}

/** The count of cell (i, j) from the non-zero cells (0 when absent): a walk of row i's entries. */
export function cellValue(cells, i, j) {
  for (let k = cells.rowStart[i]; k < cells.rowStart[i + 1]; k++) if (cells.columns[k] === j) return cells.values[k];
  return 0;
}

/** Every share of cell (i, j): {count, row, column, all} (0 when the total is 0). With `cells`,
 * the count comes from them (the dense matrix is not needed). */
export function cellShares(matrix, sums, i, j, cells = null) {
  const count = cells ? cellValue(cells, i, j) : matrix[i][j];
  const share = (total) => (total ? count / total : 0);
  return {count, row: share(sums.rows[i]), column: share(sums.columns[j]), all: share(sums.all)};
}

/** The value shown for a normalization: "count", "row" (recall view), "column" (precision view), "all". */
export function displayValue(shares, normalization) {
  return normalization === "count" ? shares.count : shares[normalization];
}

/** Class indices in display order: "index" (as logged), "support" (most examples first),
 * "error" (most misclassified first; ties keep the logged order) or "cluster" (classes confused with
 * each other next to each other: class_order.js clusterOrder). */
export function classOrder(matrix, sort, cells = null) {
  if (sort === "cluster") return clusterOrder(matrix, cells);
  const order = Array.from({length: cells ? cells.numClasses : matrix.length}, (_, i) => i);
  if (sort === "support" || sort === "error") {
    const {rows} = totals(matrix, cells);
    const key = rows.map((support, i) => (sort === "support" ? support : support - (cells ? cellValue(cells, i, i) : matrix[i][i])));
    order.sort((a, b) => key[b] - key[a] || a - b);
  }
  return order;
}

/** The `limit` largest off-diagonal cells {true, pred, count, rowShare}, largest first
 * ("below cutoff" cells excluded). */
export function topConfusions(matrix, limit = 10, cells = null) {
  const numClasses = cells ? cells.numClasses : matrix.length;
  const sums = totals(matrix, cells);
  const found = [];
  if (cells) {
    for (let k = 0; k < cells.length; k++) {
      const i = cells.rows[k];
      const j = cells.columns[k];
      const count = cells.values[k];
      if (count > 0 && i !== j && j < numClasses) found.push({true: i, pred: j, count, rowShare: count / sums.rows[i]});
    }
  } else {
    for (let i = 0; i < numClasses; i++) {
      const row = matrix[i];
      for (let j = 0; j < numClasses; j++) {
        if (row[j] > 0 && i !== j) found.push({true: i, pred: j, count: matrix[i][j], rowShare: matrix[i][j] / sums.rows[i]});
      }
    }
  }
  found.sort((a, b) => b.count - a.count || a.true - b.true || a.pred - b.pred);
  return found.slice(0, limit);
}

/** The largest value of the diagonal and of the off-diagonal cells under a normalization, to scale
 * the two colour ramps separately (so a rare error still shows next to a large diagonal). */
export function colorDomain(matrix, sums, normalization, cells = null) {
  let diagonal = 0;
  let error = 0;
  if (cells) {
    for (let k = 0; k < cells.length; k++) {
      const i = cells.rows[k];
      const j = cells.columns[k];
      const total = normalization === "row" ? sums.rows[i] : normalization === "column" ? sums.columns[j]
        : normalization === "all" ? sums.all : 1;
      const v = total ? cells.values[k] / total : 0;
      if (i === j) diagonal = Math.max(diagonal, v);
      else error = Math.max(error, v);
    }
    return {diagonal: diagonal || 1, error: error || 1};
  }
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i];
    for (let j = 0; j < row.length; j++) {
      const total = normalization === "row" ? sums.rows[i] : normalization === "column" ? sums.columns[j]
        : normalization === "all" ? sums.all : 1;
      if (row[j] === 0) continue;
      const v = total ? row[j] / total : 0;
      if (i === j) diagonal = Math.max(diagonal, v);
      else error = Math.max(error, v);
    }
  }
  return {diagonal: diagonal || 1, error: error || 1};
}

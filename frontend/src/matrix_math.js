// Shares, class orders and top confusions of a confusion matrix (rows true, columns predicted;
// a multiclass cutoff adds a last "below cutoff" column). Pure functions shared by every view.

/** Row totals, column totals and the grand total. */
export function totals(matrix) {
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

/** Every share of cell (i, j): {count, row, column, all} (0 when the total is 0). */
export function cellShares(matrix, sums, i, j) {
  const count = matrix[i][j];
  const share = (total) => (total ? count / total : 0);
  return {count, row: share(sums.rows[i]), column: share(sums.columns[j]), all: share(sums.all)};
}

/** The value shown for a normalization: "count", "row" (recall view), "column" (precision view), "all". */
export function displayValue(shares, normalization) {
  return normalization === "count" ? shares.count : shares[normalization];
}

/** Class indices in display order: "index" (as logged), "support" (most examples first) or
 * "error" (most misclassified first). Ties keep the logged order. */
export function classOrder(matrix, sort) {
  const order = matrix.map((_, i) => i);
  if (sort === "support" || sort === "error") {
    const {rows} = totals(matrix);
    const key = rows.map((support, i) => (sort === "support" ? support : support - matrix[i][i]));
    order.sort((a, b) => key[b] - key[a] || a - b);
  }
  return order;
}

/** The `limit` largest off-diagonal cells {true, pred, count, rowShare}, largest first
 * ("below cutoff" cells excluded). */
export function topConfusions(matrix, limit = 10) {
  const numClasses = matrix.length;
  const sums = totals(matrix);
  const cells = [];
  for (let i = 0; i < numClasses; i++) {
    const row = matrix[i];
    for (let j = 0; j < numClasses; j++) {
      if (row[j] > 0 && i !== j) cells.push({true: i, pred: j, count: matrix[i][j], rowShare: matrix[i][j] / sums.rows[i]});
    }
  }
  cells.sort((a, b) => b.count - a.count || a.true - b.true || a.pred - b.pred);
  return cells.slice(0, limit);
}

/** The largest value of the diagonal and of the off-diagonal cells under a normalization, to scale
 * the two colour ramps separately (so a rare error still shows next to a large diagonal). */
export function colorDomain(matrix, sums, normalization) {
  let diagonal = 0;
  let error = 0;
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

// Threshold lookups over the server's sufficient statistics (the `stats` route): what the confusion
// counts are at any threshold or cutoff, without a round trip. frontend/test/lookups.test.js checks
// them against tb_confusion.report.build_report.

/** How many of `descending` (sorted high to low) are >= value. */
export function countAtLeastDescending(descending, value) {
  let lo = 0;
  let hi = descending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (descending[mid] >= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in ascending[start, stop) whose value is >= value (stop when none). */
export function lowerBound(ascending, value, start = 0, stop = ascending.length) {
  let lo = start;
  let hi = stop;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** {tp, fp, fn, tn} at `threshold` (an example is positive when its score >= threshold) from a
 * binary statistics object {thresholds (distinct scores, descending), tps, fps (cumulative weights
 * of positives / negatives with score >= thresholds[i]), positives, negatives}. */
export function binaryCountsAt(binary, threshold) {
  const k = countAtLeastDescending(binary.thresholds, threshold);
  const tp = k ? binary.tps[k - 1] : 0;
  const fp = k ? binary.fps[k - 1] : 0;
  const {positives, negatives} = binaryTotals(binary);
  return {tp, fp, fn: positives - tp, tn: negatives - fp};
}

/** {positives, negatives}. Every score is >= the lowest threshold, so the totals are the last
 * cumulative sums; taking them from there (not from separately summed totals) makes FN and TN an
 * exact 0 when they should be, even with float weights. */
export function binaryTotals(binary) {
  const n = binary.thresholds.length;
  return n ? {positives: binary.tps[n - 1], negatives: binary.fps[n - 1]}
    : {positives: binary.positives, negatives: binary.negatives};
}

/** The binary confusion matrix [[TN, FP], [FN, TP]] at `threshold`. */
export function binaryMatrixAt(binary, threshold) {
  const {tp, fp, fn, tn} = binaryCountsAt(binary, threshold);
  return [[tn, fp], [fn, tp]];
}

// Per statistics object: the indices of its non-empty cells (ascending, so row-major), where each row
// starts among them, and where each one's offsets and total are (`slots`: the cell itself in the dense
// form, its position in the sparse form). Computed once; every cutoff then walks only these.
const nonEmptyCache = new WeakMap();

function nonEmptyCells(multiclass, numClasses) {
  let entry = nonEmptyCache.get(multiclass);
  if (entry && entry.numClasses === numClasses) return entry;
  const {cell_offsets: offsets, cell_totals: totals} = multiclass;
  let cells;
  let slots;
  if (isSparse(multiclass)) {
    cells = Int32Array.from(multiclass.cells);
    slots = Int32Array.from(cells, (_, k) => k);
  } else {
    const count = numClasses * numClasses;
    const list = [];
    for (let cell = 0; cell < count; cell++) {
      if (offsets[cell + 1] > offsets[cell] || totals[cell] !== 0) list.push(cell);
    }
    cells = Int32Array.from(list);
    slots = cells;
  }
  const rowStart = new Int32Array(numClasses + 1);
  let k = 0;
  for (let t = 0; t <= numClasses; t++) {
    while (k < cells.length && cells[k] < t * numClasses) k++;
    rowStart[t] = k;
  }
  entry = {numClasses, cells, slots, rowStart};
  nonEmptyCache.set(multiclass, entry);
  return entry;
}

/** Whether multiclass statistics come as their non-empty cells only (`cells` present, docs/http_api.md). */
export const isSparse = (multiclass) => multiclass.cells !== undefined && multiclass.cells !== null;

/** The multiclass confusion matrix at a confidence `cutoff`, rows true and columns predicted
 * (argmax); an example whose top score is below the cutoff moves to an extra last column (without a
 * cutoff, <= 0, the plain C x C matrix). `multiclass` = {top_scores (ascending within each cell, cell =
 * true*C + argmax), cum_weights (running sum of weights within each cell, or null), and either the dense
 * cell_offsets [C*C+1] and cell_totals [C*C], or the sparse cells [M] (the non-empty cells, ascending)
 * with cell_offsets [M+1] and cell_totals [M]}. Given as its non-zero cells, row-major (denseMatrix
 * makes the arrays): {numClasses, width (C, or C + 1 with a cutoff), length, rows, columns (Int32Array),
 * values (Float64Array), rowStart (Int32Array [C + 1]: row t's entries are [rowStart[t], rowStart[t+1]))}.
 * A row's "below cutoff" entry (column C) comes after its other cells. Work is proportional to the
 * number of non-empty cells, not C * C. */
export function multiclassCellsAt(multiclass, numClasses, cutoff = 0) {
  const {top_scores: scores, cum_weights: cumWeights, cell_totals: totals, cell_offsets: offsets} = multiclass;
  const withCutoff = cutoff > 0;
  const {cells, slots, rowStart: nonEmptyStart} = nonEmptyCells(multiclass, numClasses);
  const capacity = cells.length + (withCutoff ? numClasses : 0);
  const rows = new Int32Array(capacity);
  const columns = new Int32Array(capacity);
  const values = new Float64Array(capacity);
  const rowStart = new Int32Array(numClasses + 1);
  let n = 0;
  for (let t = 0; t < numClasses; t++) {
    rowStart[t] = n;
    let below = 0;
    for (let k = nonEmptyStart[t]; k < nonEmptyStart[t + 1]; k++) {
      const cell = cells[k];
      const slot = slots[k];
      const total = totals[slot];
      let kept = total;
      const start = offsets[slot];
      const stop = offsets[slot + 1];
      if (withCutoff && start !== stop && scores[start] < cutoff) {
        const first = lowerBound(scores, cutoff, start, stop);
        kept = first === stop ? 0 : cumWeights ? weightFrom(cumWeights, start, first, stop) : stop - first;
        below += total - kept;
      }
      if (kept === 0) continue;
      rows[n] = t;
      columns[n] = cell - t * numClasses;
      values[n] = kept;
      n++;
    }
    if (withCutoff && below !== 0) {
      rows[n] = t;
      columns[n] = numClasses;
      values[n] = below;
      n++;
    }
  }
  rowStart[numClasses] = n;
  return {numClasses, width: withCutoff ? numClasses + 1 : numClasses, length: n,
    rows: rows.subarray(0, n), columns: columns.subarray(0, n), values: values.subarray(0, n), rowStart};
}

/** The dense matrix (arrays of numbers, zeros included) of multiclassCellsAt's cells. */
export function denseMatrix(cells) {
  const matrix = new Array(cells.numClasses);
  for (let t = 0; t < cells.numClasses; t++) {
    const row = new Array(cells.width).fill(0);
    for (let k = cells.rowStart[t]; k < cells.rowStart[t + 1]; k++) row[cells.columns[k]] = cells.values[k];
    matrix[t] = row;
  }
  return matrix;
}

// The weight of positions [first, stop) of the cell [start, stop), from sums restarting per cell.
function weightFrom(cumWeights, start, first, stop) {
  if (first >= stop) return 0;
  return cumWeights[stop - 1] - (first > start ? cumWeights[first - 1] : 0);
}

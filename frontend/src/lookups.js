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

/** The multiclass confusion matrix at a confidence `cutoff`, rows true and columns predicted
 * (argmax); an example whose top score is below the cutoff moves to an extra last column.
 * `multiclass` = {cell_offsets [C*C+1], top_scores (ascending within each cell, cell = true*C +
 * argmax), cum_weights (running sum of weights within each cell, or null), cell_totals [C*C]}.
 * Without a cutoff (<= 0) the matrix is the plain C x C one. */
export function multiclassMatrixAt(multiclass, numClasses, cutoff = 0) {
  const {cell_offsets: offsets, top_scores: scores, cum_weights: cumWeights, cell_totals: totals} = multiclass;
  const withCutoff = cutoff > 0;
  const matrix = [];
  for (let t = 0; t < numClasses; t++) {
    const row = new Array(withCutoff ? numClasses + 1 : numClasses).fill(0);
    let below = 0;
    for (let p = 0; p < numClasses; p++) {
      const cell = t * numClasses + p;
      const start = offsets[cell];
      const stop = offsets[cell + 1];
      if (!withCutoff || start === stop || scores[start] >= cutoff) {
        row[p] = totals[cell];
        continue;
      }
      const first = lowerBound(scores, cutoff, start, stop);
      const kept = cumWeights ? weightFrom(cumWeights, start, first, stop) : stop - first;
      row[p] = first === stop ? 0 : kept;
      below += totals[cell] - row[p];
    }
    if (withCutoff) row[numClasses] = below;
    matrix.push(row);
  }
  return matrix;
}

// The weight of positions [first, stop) of the cell [start, stop), from sums restarting per cell.
function weightFrom(cumWeights, start, first, stop) {
  if (first >= stop) return 0;
  return cumWeights[stop - 1] - (first > start ? cumWeights[first - 1] : 0);
}

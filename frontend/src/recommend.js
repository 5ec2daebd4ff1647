// Recommended thresholds from binary statistics (see lookups.js), by the rules of
// tb_confusion.metrics.recommended_thresholds: the candidates are "nothing positive" (just above the
// top score) and every distinct score; ties go to the highest threshold.

import {binaryTotals} from "./lookups.js";

/** The smallest double above x (x >= 0). */
export function nextUp(x) {
  if (x === 0) return Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += 1n;
  return new Float64Array(bits.buffer)[0];
}

/** {threshold, value} maximising score(counts) over the candidates. */
export function bestThreshold(binary, score) {
  const {thresholds, tps, fps} = binary;
  const {positives, negatives} = binaryTotals(binary);
  const counts = (tp, fp) => ({tp, fp, fn: positives - tp, tn: negatives - fp});
  let best = {threshold: nextUp(thresholds.length ? thresholds[0] : 1), value: score(counts(0, 0))};
  for (let i = 0; i < thresholds.length; i++) {
    const value = score(counts(tps[i], fps[i]));
    if (value > best.value) best = {threshold: thresholds[i], value};
  }
  return best;
}

const ratio = (a, b) => (b ? a / b : 0);

/** {max_f1, youden_j, min_cost}, each {threshold, value} or null where the rule is undefined (no
 * positives for F1; no positives or no negatives for J). min_cost.value is costFp*FP + costFn*FN. */
export function recommendedThresholds(binary, {costFp = 1, costFn = 1} = {}) {
  const {positives, negatives} = binaryTotals(binary);
  const cost = binary.thresholds.length ? bestThreshold(binary, ({fp, fn}) => -(costFp * fp + costFn * fn)) : null;
  return {
    max_f1: positives > 0 ? bestThreshold(binary, ({tp, fp}) => ratio(2 * tp, positives + (tp + fp))) : null,
    youden_j: positives > 0 && negatives > 0
      ? bestThreshold(binary, ({tp, fp}) => ratio(tp, positives) - ratio(fp, negatives)) : null,
    min_cost: cost && {threshold: cost.threshold, value: -cost.value},
  };
}

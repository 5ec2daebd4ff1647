// Recommended thresholds from binary statistics (see lookups.js): the distinct scores are the only
// thresholds where the counts change, so each candidate is a score (or "above every score").

import {binaryTotals} from "./lookups.js";

/** The threshold maximising `score(counts)` over all distinct scores plus "predict nothing
 * positive" (Infinity); ties go to the highest threshold. Returns {threshold, value}. */
export function bestThreshold(binary, score) {
  const {thresholds, tps, fps} = binary;
  const {positives, negatives} = binaryTotals(binary);
  let best = {threshold: Infinity, value: score({tp: 0, fp: 0, fn: positives, tn: negatives})};
  for (let i = 0; i < thresholds.length; i++) {
    const tp = tps[i];
    const fp = fps[i];
    const value = score({tp, fp, fn: positives - tp, tn: negatives - fp});
    if (value > best.value) best = {threshold: thresholds[i], value};
  }
  return best;
}

const f1 = ({tp, fp, fn}) => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);
const youdenJ = ({tp, fp, fn, tn}) => (tp + fn ? tp / (tp + fn) : 0) + (tn + fp ? tn / (tn + fp) : 0) - 1;

/** {max_f1, youden_j, min_cost}: each {threshold, value}; the cost is costFp * FP + costFn * FN
 * (its `value` is the cost itself, not its negative). */
export function recommendedThresholds(binary, {costFp = 1, costFn = 1} = {}) {
  const cost = bestThreshold(binary, ({fp, fn}) => -(costFp * fp + costFn * fn));
  return {
    max_f1: bestThreshold(binary, f1),
    youden_j: bestThreshold(binary, youdenJ),
    min_cost: {threshold: cost.threshold, value: -cost.value},
  };
}

// Recommended thresholds from binary statistics (see lookups.js), by the rules of
// tb_confusion.metrics.recommended_thresholds: the candidates are "nothing positive" (just above the
// top score) and every distinct score; ties go to the highest threshold. applicableThresholds is what
// the panel's buttons set: the same rules within [0, 1].

import {binaryTotals} from "./lookups.js";

/** The smallest double above x (x >= 0). */
export function nextUp(x) {
  if (x === 0) return Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += 1n;
  return new Float64Array(bits.buffer)[0];
}

/** {threshold, value} maximising score(counts) over the candidates. With `withNone: false` the
 * "nothing positive" candidate is left out (the best distinct score wins). */
export function bestThreshold(binary, score, {withNone = true} = {}) {
  const {thresholds, tps, fps} = binary;
  const {positives, negatives} = binaryTotals(binary);
  const counts = (tp, fp) => ({tp, fp, fn: positives - tp, tn: negatives - fp});
  let best = withNone || !thresholds.length
    ? {threshold: nextUp(thresholds.length ? thresholds[0] : 1), value: score(counts(0, 0))}
    : {threshold: thresholds[0], value: score(counts(tps[0], fps[0]))};
  for (let i = withNone ? 0 : 1; i < thresholds.length; i++) {
    const value = score(counts(tps[i], fps[i]));
    if (value > best.value) best = {threshold: thresholds[i], value};
  }
  return best;
}

const ratio = (a, b) => (b ? a / b : 0);

/** {max_f1, youden_j, min_cost}, each {threshold, value} or null where the rule is undefined (no
 * positives for F1; no positives or no negatives for J). min_cost.value is costFp*FP + costFn*FN. */
export function recommendedThresholds(binary, {costFp = 1, costFn = 1} = {}, {withNone = true} = {}) {
  const {positives, negatives} = binaryTotals(binary);
  const best = (score) => bestThreshold(binary, score, {withNone});
  const cost = binary.thresholds.length ? best(({fp, fn}) => -(costFp * fp + costFn * fn)) : null;
  return {
    max_f1: positives > 0 ? best(({tp, fp}) => ratio(2 * tp, positives + (tp + fp))) : null,
    youden_j: positives > 0 && negatives > 0 ? best(({tp, fp}) => ratio(tp, positives) - ratio(fp, negatives)) : null,
    min_cost: cost && {threshold: cost.threshold, value: -cost.value},
  };
}

/** What the panel's recommendation buttons apply: recommendedThresholds restricted to thresholds in
 * [0, 1] (the slider's range, and what the routes accept). Each rule is {threshold, value,
 * nonePositive} or null where undefined; `value` is the rule's value at `threshold` itself.
 * - "Nothing positive" (just above the top score) is applied as threshold 1 with nonePositive: true;
 *   with a top score below 1 that threshold gives the same counts.
 * - With a top score of exactly 1 nothing positive cannot be reached (a score equal to the threshold
 *   is positive), so that candidate is left out: the rule picks the best distinct score, which may be
 *   1 itself (then the examples scored exactly 1 are the positives). */
export function applicableThresholds(binary, costs = {}) {
  const reachable = !binary.thresholds.length || binary.thresholds[0] < 1;
  const best = recommendedThresholds(binary, costs, {withNone: reachable});
  const top = binary.thresholds.length ? binary.thresholds[0] : -Infinity;
  const applied = (rule) => rule && (rule.threshold > top
    ? {threshold: 1, value: rule.value, nonePositive: true}
    : {threshold: rule.threshold, value: rule.value, nonePositive: false});
  return {max_f1: applied(best.max_f1), youden_j: applied(best.youden_j), min_cost: applied(best.min_cost)};
}

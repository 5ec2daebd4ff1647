// What the recommendation buttons set (applicableThresholds): thresholds within [0, 1], and the value
// each shows is the rule's value at that threshold, the numbers build_report gives there.
import {test} from "node:test";
import assert from "node:assert/strict";
import {applicableThresholds, recommendedThresholds} from "../src/recommend.js";
import {binaryCountsAt} from "../src/lookups.js";
import {assertClose, fixtures} from "./fixtures.js";

const COSTS = {costFp: 1, costFn: 5}; // the costs make_fixtures.py passes to build_report
const RULES = {
  max_f1: ({tp, fp, fn}) => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0),
  youden_j: ({tp, fp, fn, tn}) => (tp + fn ? tp / (tp + fn) : 0) - (fp + tn ? fp / (fp + tn) : 0),
  min_cost: ({fp, fn}) => COSTS.costFp * fp + COSTS.costFn * fn,
};

const binaryCases = fixtures().cases.filter((c) => c.task === "binary");

for (const c of binaryCases) {
  test(`applicableThresholds stay in [0, 1] and show the values at the applied threshold on "${c.name}"`, () => {
    const binary = c.stats.binary;
    const applied = applicableThresholds(binary, COSTS);
    const python = c.at[0].report.recommended_thresholds;
    for (const [rule, value] of Object.entries(RULES)) {
      const r = applied[rule];
      assert.equal(r === null, python[rule] === null, `${rule} defined as in build_report`);
      if (!r) continue;
      assert.ok(r.threshold >= 0 && r.threshold <= 1, `${rule}: ${r.threshold} within [0, 1]`);
      const counts = binaryCountsAt(binary, r.threshold);
      assertClose(value(counts), r.value, `${rule} value at ${r.threshold}`);
      if (r.nonePositive) assert.equal(counts.tp + counts.fp, 0, `${rule}: none positive`);
      // Where build_report was run at the applied threshold, its matrix is what the panel shows.
      const at = c.at.find((a) => a.threshold === r.threshold);
      if (at) {
        const [[tn, fp], [fn, tp]] = at.report.confusion_matrix;
        assertClose(value({tp, fp, fn, tn}), r.value, `${rule} value against build_report`);
      }
      // Below 1 the rule is build_report's own choice.
      if (python[rule].threshold <= 1) assertClose(r.threshold, r.nonePositive ? 1 : python[rule].threshold, `${rule} threshold`);
    }
  });
}

test("nothing positive is applied as threshold 1 when the top score is below 1", () => {
  const c = binaryCases.find((x) => x.name === "binary without positives");
  assert.ok(c.stats.binary.thresholds[0] < 1);
  const r = applicableThresholds(c.stats.binary, COSTS).min_cost;
  assert.deepEqual(r, {threshold: 1, value: 0, nonePositive: true});
});

test("with a top score of exactly 1, nothing positive is out of reach: threshold 1, scores of 1 positive", () => {
  const c = binaryCases.find((x) => x.name === "binary without positives, top score 1");
  const binary = c.stats.binary;
  assert.equal(binary.thresholds[0], 1);
  // build_report's rule picks the point just above 1, which no route accepts.
  assert.ok(recommendedThresholds(binary, COSTS).min_cost.threshold > 1);
  assert.ok(c.at[0].report.recommended_thresholds.min_cost.threshold > 1);
  const r = applicableThresholds(binary, COSTS).min_cost;
  const [[, fp], [fn]] = c.at.find((a) => a.threshold === 1).report.confusion_matrix;
  assert.equal(fp, 3);
  assert.deepEqual(r, {threshold: 1, value: COSTS.costFp * fp + COSTS.costFn * fn, nonePositive: false});
});

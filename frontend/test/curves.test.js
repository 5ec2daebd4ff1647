import {test} from "node:test";
import assert from "node:assert/strict";
import {curvesFromBinary, curvesFromServer} from "../src/curves.js";
import {recommendedThresholds} from "../src/recommend.js";
import {binaryCountsAt} from "../src/lookups.js";
import {assertClose, fixtures} from "./fixtures.js";

for (const c of fixtures().cases.filter((c) => c.task === "binary")) {
  const binary = c.stats.binary;
  const metrics = c.stats.report.metrics;
  test(`curvesFromBinary's ROC AUC and average precision equal build_report's on "${c.name}"`, () => {
    const curves = curvesFromBinary(binary);
    assertClose(curves.rocAuc, metrics.roc_auc.binary, "roc_auc");
    if (metrics.average_precision.binary !== null) assertClose(curves.averagePrecision, metrics.average_precision.binary, "average_precision");
    assert.ok(curves.roc.x.length <= 803);
    if (curves.rocAuc !== null) {
      assert.equal(curves.roc.x.at(-1), 1);
      assert.equal(curves.roc.y.at(-1), 1);
    }
  });

  test(`recommendedThresholds equal build_report's on "${c.name}"`, () => {
    const best = recommendedThresholds(binary, {costFp: 1, costFn: 5});
    const expected = c.at[0].report.recommended_thresholds;
    for (const rule of ["max_f1", "youden_j", "min_cost"]) {
      if (expected[rule] === null) assert.equal(best[rule], null, rule);
      else assertClose(best[rule].threshold, expected[rule].threshold, `${rule}.threshold`);
    }
    if (expected.max_f1) assertClose(best.max_f1.value, expected.max_f1.f1, "max_f1.f1");
    if (expected.min_cost) assertClose(best.min_cost.value, expected.min_cost.cost, "min_cost.cost");
    if (!best.max_f1) return;
    const f1 = ({tp, fp, fn}) => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);
    for (const t of [...binary.thresholds, Infinity]) {
      const counts = binaryCountsAt(binary, t);
      assert.ok(f1(counts) <= best.max_f1.value + 1e-12);
      assert.ok(counts.fp + 5 * counts.fn >= best.min_cost.value - 1e-9);
    }
    assertClose(f1(binaryCountsAt(binary, best.max_f1.threshold)), best.max_f1.value, "f1 at max_f1");
  });
}

test("curvesFromServer drops undefined points", () => {
  const curves = curvesFromServer({class_index: 0, roc: {class: "a", fpr: [0, null, 1], tpr: [0, 0.5, 1], auc: 0.7},
    pr: {class: "a", recall: [0, 1], precision: [1, 0.5], average_precision: 0.6}});
  assert.deepEqual(curves.roc, {x: [0, 1], y: [0, 1]});
  assert.equal(curves.rocAuc, 0.7);
  assert.equal(curves.averagePrecision, 0.6);
});

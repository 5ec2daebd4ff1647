import {test} from "node:test";
import assert from "node:assert/strict";
import {curvesFromBinary, curvesFromServer} from "../src/curves.js";
import {recommendedThresholds} from "../src/recommend.js";
import {binaryCountsAt} from "../src/lookups.js";
import {assertClose, fixtures} from "./fixtures.js";

for (const c of fixtures().cases.filter((c) => c.task === "binary")) {
  test(`curvesFromBinary's ROC AUC and average precision match scikit-learn on "${c.name}"`, () => {
    const curves = curvesFromBinary(c.binary);
    if (c.roc_auc === null) {
      assert.equal(curves.rocAuc, null);
      return;
    }
    assertClose(curves.rocAuc, c.roc_auc, "roc_auc");
    assertClose(curves.averagePrecision, c.average_precision, "average_precision");
    assert.ok(curves.roc.x.length <= 803);
    assert.equal(curves.roc.x.at(-1), 1);
    assert.equal(curves.roc.y.at(-1), 1);
  });

  test(`recommendedThresholds beat every other threshold on "${c.name}"`, () => {
    const best = recommendedThresholds(c.binary, {costFp: 1, costFn: 5});
    const f1 = ({tp, fp, fn}) => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);
    for (const t of [...c.binary.thresholds, Infinity]) {
      const counts = binaryCountsAt(c.binary, t);
      assert.ok(f1(counts) <= best.max_f1.value + 1e-12);
      assert.ok(counts.fp + 5 * counts.fn >= best.min_cost.value - 1e-9);
    }
    assertClose(f1(binaryCountsAt(c.binary, best.max_f1.threshold)), best.max_f1.value, "f1 at max_f1");
  });
}

test("curvesFromServer drops undefined points", () => {
  const curves = curvesFromServer({class: 0, roc: {fpr: [0, null, 1], tpr: [0, 0.5, 1], auc: 0.7},
    pr: {recall: [0, 1], precision: [1, 0.5], average_precision: 0.6}});
  assert.deepEqual(curves.roc, {x: [0, 1], y: [0, 1]});
  assert.equal(curves.rocAuc, 0.7);
  assert.equal(curves.averagePrecision, 0.6);
});

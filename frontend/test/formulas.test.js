import {test} from "node:test";
import assert from "node:assert/strict";
import {countsFromMatrix, countsFromLabelMatrices, perClassMetrics, agreementMetrics} from "../src/formulas.js";
import {binaryMatrixAt, multiclassMatrixAt} from "../src/lookups.js";
import {assertClose, fixtures} from "./fixtures.js";

function metricsOf(matrix) {
  const {metrics} = perClassMetrics(countsFromMatrix(matrix));
  return {...metrics, ...agreementMetrics(matrix).metrics};
}

for (const c of fixtures().cases) {
  test(`formulas match scikit-learn on "${c.name}" at every threshold`, () => {
    for (const at of c.at) {
      const matrix = c.task === "binary" ? binaryMatrixAt(c.binary, at.threshold)
        : multiclassMatrixAt(c.multiclass, c.num_classes, at.cutoff);
      const where = c.task === "binary" ? `threshold ${at.threshold}` : `cutoff ${at.cutoff}`;
      assertClose(matrix, at.confusion_matrix, `${where} confusion_matrix`);
      const metrics = metricsOf(matrix);
      for (const name of ["accuracy", "balanced_accuracy", "cohen_kappa", "mcc", "precision", "recall", "f1"]) {
        assertClose(metrics[name], at[name], `${where} ${name}`);
      }
    }
  });
}

test("perClassMetrics gives 0 and names the metric when a denominator is 0", () => {
  const {metrics, undefined: undefinedNames} = perClassMetrics(countsFromMatrix([[5, 0], [0, 0]]));
  assert.deepEqual(metrics.precision.per_class, [1, 0]);
  assert.deepEqual(metrics.recall.per_class, [1, 0]);
  assert.ok(undefinedNames.includes("precision[1]"));
  assert.ok(undefinedNames.includes("recall[1]"));
  assert.ok(!undefinedNames.includes("precision[0]"));
});

test("agreementMetrics of a one-class matrix is 0 for kappa and MCC and says so", () => {
  const {metrics, undefined: undefinedNames} = agreementMetrics([[7, 0], [0, 0]]);
  assert.equal(metrics.accuracy, 1);
  assert.equal(metrics.cohen_kappa, 0);
  assert.equal(metrics.mcc, 0);
  assert.deepEqual(undefinedNames.sort(), ["cohen_kappa", "mcc"]);
});

test("countsFromLabelMatrices reads [[TN, FP], [FN, TP]] per label", () => {
  assert.deepEqual(countsFromLabelMatrices([[[1, 2], [3, 4]]]), [{tp: 4, fp: 2, fn: 3, tn: 1, support: 7}]);
});

test("an empty matrix gives zeros, not NaN", () => {
  const metrics = metricsOf([[0, 0], [0, 0]]);
  for (const name of ["accuracy", "balanced_accuracy", "cohen_kappa", "mcc"]) assert.equal(metrics[name], 0, name);
  assert.equal(metrics.f1.weighted, 0);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {agreementMetrics, countsFromLabelMatrices, countsFromMatrix, perClassMetrics} from "../src/formulas.js";
import {modelAt} from "../src/model.js";
import {computedKeys} from "../src/catalogue.js";
import {assertClose, fixtures, serverCatalogue} from "./fixtures.js";

// The browser computes every metric the threshold moves that a view lists; the others it copies from
// the server's report.
const COMPUTED = [...computedKeys(serverCatalogue())];
const REPORTED = new Set(serverCatalogue().metrics.filter((metric) => !metric.decision).map((metric) => metric.key));
const reported = (name) => REPORTED.has(name.split(".")[0]);

function selectionOf(at) {
  if ("threshold" in at) return {threshold: at.threshold};
  if ("cutoff" in at) return {cutoff: at.cutoff ?? 0};
  return {labelThresholds: at.thresholds};
}

for (const c of fixtures().cases) {
  test(`modelAt equals build_report on "${c.name}" at every threshold`, () => {
    for (const at of c.at) {
      const where = JSON.stringify(selectionOf(at));
      const model = modelAt(c.stats, selectionOf(at), serverCatalogue());
      const report = at.report;
      assertClose(model.matrix, report.confusion_matrix, `${where} confusion_matrix`);
      if (report.label_confusion_matrices) assertClose(model.labelMatrices, report.label_confusion_matrices, `${where} label matrices`);
      for (const name of COMPUTED) {
        if (!(name in report.metrics)) continue;
        const expected = report.metrics[name];
        const {mean, ...withoutMean} = expected && typeof expected === "object" ? expected : {};
        // Multilabel exact-match accuracy needs the examples: the model has it only at the report's defaults.
        if (c.task === "multilabel" && name === "accuracy" && model.metrics.accuracy === null) continue;
        assertClose(model.metrics[name], typeof expected === "object" && expected ? withoutMean : expected, `${where} ${name}`);
      }
      const computed = (n) => COMPUTED.includes(n.split(".")[0]);
      const expectedUndefined = report.undefined.filter((n) => !reported(n) && computed(n));
      const actualUndefined = model.undefined.filter((n) => !reported(n));
      assert.deepEqual([...actualUndefined].sort(), [...expectedUndefined].sort(), `${where} undefined`);
      // The reported ones are the server's at defaults, as the stats route embeds them.
      for (const name of REPORTED) {
        if (name in c.stats.report.metrics) assert.deepEqual(model.metrics[name], c.stats.report.metrics[name], `${where} ${name}`);
      }
      assert.deepEqual(model.undefined.filter(reported), c.stats.report.undefined.filter(reported), `${where} reported undefined`);
    }
  });
}

test("perClassMetrics gives 0 and names the class when a denominator is 0", () => {
  const {metrics, undefined: undefinedNames} = perClassMetrics(countsFromMatrix([[5, 0], [0, 0]]), ["a", "b"]);
  assert.deepEqual(metrics.precision.per_class, [1, 0]);
  assert.deepEqual(metrics.recall.per_class, [1, 0]);
  assert.ok(undefinedNames.includes("precision.per_class.b"));
  assert.ok(!undefinedNames.includes("precision.per_class.a"));
});

test("agreementMetrics of a one-class matrix: kappa undefined (null), MCC 0", () => {
  const {metrics, undefined: undefinedNames} = agreementMetrics([[7, 0], [0, 0]]);
  assert.equal(metrics.accuracy, 1);
  assert.equal(metrics.cohen_kappa, null);
  assert.equal(metrics.mcc, 0);
  assert.deepEqual(undefinedNames.sort(), ["cohen_kappa", "mcc"]);
});

test("countsFromLabelMatrices reads [[TN, FP], [FN, TP]] per label", () => {
  assert.deepEqual(countsFromLabelMatrices([[[1, 2], [3, 4]]]), [{tp: 4, fp: 2, fn: 3, tn: 1, support: 7}]);
});

test("an empty matrix gives null accuracy and kappa, never NaN", () => {
  const {metrics} = agreementMetrics([[0, 0], [0, 0]]);
  assert.deepEqual(metrics, {accuracy: null, balanced_accuracy: null, cohen_kappa: null, mcc: 0});
});

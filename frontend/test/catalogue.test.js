import {test} from "node:test";
import assert from "node:assert/strict";
import {computedKeys, headlineMetrics, reportedKeys, tableColumns} from "../src/catalogue.js";
import {pythonJson, serverCatalogue} from "./fixtures.js";

// What tb_confusion.catalogue itself selects, per task: the panel must list the same.
const PYTHON_SELECTIONS = `
import json
from tb_confusion import catalogue, tasks
def of(task, keys):
    return [key for key in keys if task in catalogue.BY_KEY[key].tasks]
print(json.dumps({task: {"headline": of(task, catalogue.keys(headline=True)),
                         "compact": of(task, catalogue.columns(wide=False)),
                         "wide": of(task, catalogue.columns(wide=True)),
                         "reported": catalogue.keys(decision=False)} for task in tasks.NAMES}))`;

test("the panel's selections of the catalogue equal tb_confusion.catalogue's, for every task", () => {
  const catalogue = serverCatalogue();
  const keys = (metrics) => metrics.map((metric) => metric.key);
  for (const [task, expected] of Object.entries(pythonJson(PYTHON_SELECTIONS))) {
    assert.deepEqual(keys(headlineMetrics(catalogue, task)), expected.headline, `${task} headline`);
    assert.deepEqual(keys(tableColumns(catalogue, task)), expected.compact, `${task} compact`);
    assert.deepEqual(keys(tableColumns(catalogue, task, {wide: true})), expected.wide, `${task} wide`);
    assert.deepEqual([...reportedKeys(catalogue)], expected.reported, "reported");
  }
});

test("what the user saw before the catalogue: the per-class table's columns and the summary's first rows", () => {
  const catalogue = serverCatalogue();
  assert.deepEqual(tableColumns(catalogue, "binary").map((metric) => metric.label), ["Precision", "Recall", "F1", "Support"]);
  const before = ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "cohen_kappa", "mcc", "roc_auc",
    "average_precision", "log_loss"];
  const shown = headlineMetrics(catalogue, "multiclass").map((metric) => metric.key);
  assert.deepEqual(shown.filter((key) => before.includes(key)), before);
});

test("before the catalogue loaded (null) every selection is empty", () => {
  assert.deepEqual(headlineMetrics(null, "binary"), []);
  assert.deepEqual(tableColumns(null, "binary", {wide: true}), []);
  assert.deepEqual([...reportedKeys(null)], []);
});

test("the browser computes every threshold metric a view lists, and leaves F-beta (listed nowhere) to the report", () => {
  const catalogue = serverCatalogue();
  const computed = computedKeys(catalogue);
  for (const metric of catalogue.metrics) {
    const listed = metric.headline || metric.column !== null;
    assert.equal(computed.has(metric.key), metric.decision && listed, metric.key);
  }
  assert.ok(!computed.has("fbeta") && computed.has("f1") && computed.has("mcc"));
  assert.ok(!computed.has("ece"), "calibration does not move with the threshold");
});

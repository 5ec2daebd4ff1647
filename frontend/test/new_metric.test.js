// A metric added to tb_confusion/catalogue.py reaches every view that lists metrics with no frontend
// edit: here a catalogue entry the panel has never heard of (headline, not moved by the threshold,
// binary and multiclass), with its value in the server's report.
import {test} from "node:test";
import assert from "node:assert/strict";
import {modelAt} from "../src/model.js";
import {summaryNote, summaryRows} from "../src/summary_view.js";
import {epochMetrics, yRange} from "../src/epochs_view.js";
import {reportCsv} from "../src/export.js";
import {serverCatalogue} from "./fixtures.js";

const BRIER = {key: "brier_score", label: "Brier score", tasks: ["binary", "multiclass"], shape: "scalar", decision: false,
  headline: true, column: null, zero_division: "null", higher_is_better: false, description: "mean squared error of the probabilities"};

function withBrier() {
  const catalogue = serverCatalogue();
  return {...catalogue, metrics: [...catalogue.metrics.filter((metric) => metric.key !== BRIER.key), BRIER]};
}

// Four examples (two positive) scored 0.9, 0.6, 0.3, 0.1, and the server's report at defaults.
const STATS = {task: "binary", class_names: ["no", "yes"], num_examples: 4, exact: true,
  binary: {thresholds: [0.9, 0.6, 0.3, 0.1], tps: [1, 1, 2, 2], fps: [0, 1, 1, 2], positives: 2, negatives: 2},
  report: {positive_class: 1, metrics: {log_loss: 0.45, brier_score: 0.1234}, undefined: []}};

test("the model takes the new metric from the server's report, like every metric the threshold does not move", () => {
  const model = modelAt(STATS, {threshold: 0.5}, withBrier());
  assert.equal(model.metrics.brier_score, 0.1234);
  const undefinedToo = modelAt({...STATS, report: {...STATS.report, metrics: {brier_score: null}, undefined: ["brier_score"]}},
    {threshold: 0.5}, withBrier());
  assert.ok(undefinedToo.undefined.includes("brier_score"));
});

test("the summary shows the new metric in catalogue order, and its note says the threshold does not move it", () => {
  const catalogue = withBrier();
  const model = modelAt(STATS, {threshold: 0.5}, catalogue);
  const rows = summaryRows(catalogue, "binary", [{run: "train", model}, {run: "validation", model: null}]);
  assert.deepEqual(rows.at(-1), {key: "brier_score", label: "Brier score", values: ["0.1234", "\u2026"]});
  assert.deepEqual(rows.slice(0, 2).map((row) => row.key), ["accuracy", "balanced_accuracy"]);
  assert.match(summaryNote(catalogue, "binary", [{run: "train", model}]), /Independent of the threshold: .*Brier score\./);
  assert.ok(!summaryRows(catalogue, "multilabel", []).some((row) => row.key === "brier_score"), "not a multilabel metric");
});

test("the over-epochs picker offers the new metric and draws it as a loss, scaled to its values", () => {
  const {metrics, shown} = epochMetrics(withBrier(), "multiclass", "brier_score");
  assert.ok(metrics.some((metric) => metric.key === "brier_score" && metric.label === "Brier score"));
  assert.equal(shown.key, "brier_score");
  assert.deepEqual(yRange(shown, [0.2, 0.3]), [0, 0.3 * 1.1]);
  assert.equal(epochMetrics(withBrier(), "multilabel", "brier_score").shown.key, "accuracy", "the first one where the task lacks it");
});

test("the CSV export lists the new metric with the number the panel shows", () => {
  const catalogue = withBrier();
  const csv = reportCsv(modelAt(STATS, {threshold: 0.5}, catalogue), catalogue, {run: "train", tag: "t", step: 1, threshold: 0.5});
  assert.ok(csv.split("\r\n").includes("brier_score,0.1234"));
});

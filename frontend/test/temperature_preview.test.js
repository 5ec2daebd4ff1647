import {test} from "node:test";
import assert from "node:assert/strict";
import {INITIAL_STATE} from "../src/state.js";
import {cacheKey} from "../src/loader.js";
import {calibrationRequest, statsKey} from "../src/selection.js";
import {decisionRows, previewOf, previewRequests, reportMatrix, scaledThreshold} from "../src/temperature_preview.js";

const sigmoidScaled = (p, t) => 1 / (1 + Math.exp(-(Math.log(p) - Math.log1p(-p)) / t));

test("scaledThreshold: p >= scaledThreshold(t, T) exactly when the scaled p >= t (away from ties)", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let k = 0; k < 2000; k++) {
    const p = 0.0005 + 0.999 * random();
    const t = 0.001 + 0.998 * random();
    const temperature = Math.exp(6 * random() - 3);
    const scaled = sigmoidScaled(p, temperature);
    if (Math.abs(scaled - t) < 1e-9) continue;
    assert.equal(p >= scaledThreshold(t, temperature), scaled >= t, `p ${p} t ${t} T ${temperature}`);
  }
  assert.equal(scaledThreshold(0.5, 3), 0.5);
  assert.equal(scaledThreshold(0.3, 1), 0.3);
  assert.equal(scaledThreshold(0, 2), 0);
  assert.equal(scaledThreshold(1, 2), 1);
  assert.ok(scaledThreshold(0.8, 2) > 0.8); // T > 1 softens: a stored score must be higher to reach 0.8
});

function stateWith(task, extra = {}) {
  const state = {...INITIAL_STATE, tags: {val: {t: {task, class_names: ["a", "b", "c"]}}}, tag: "t", runs: ["val"],
    steps: {val: [{step: 3, wall_time: 1}]}, step: 3, calibrationTemperature: true, threshold: 0.7,
    stats: {[statsKey("val", "t", 3)]: {stats: {task, storage: "exact"}}}, ...extra};
  const scaled = {temperature: 2, log_loss_before: 0.5, log_loss: 0.4, brier_before: 0.2, brier: 0.18, ece: 0.01};
  const answer = {class_names: ["a", "b", "c"], strategy: "equal_width", n_bins: 15, ece: 0.08, temperature_scaling: scaled};
  state.calibration = {[cacheKey(state, calibrationRequest(state, "val"))]: {answer, at: 1}};
  return state;
}

test("previewRequests: the reports at the threshold(s) and at their scaled values; none for multiclass", () => {
  const binary = previewRequests(stateWith("binary"), "val");
  assert.deepEqual(binary.before, {run: "val", tag: "t", step: 3, threshold: 0.7});
  assert.deepEqual(binary.after, {run: "val", tag: "t", step: 3, threshold: scaledThreshold(0.7, 2)});
  const labels = previewRequests(stateWith("multilabel", {labelThresholds: [0.2, null, 0.9]}), "val");
  assert.deepEqual(labels.before.thresholds, [0.2, 0.7, 0.9]);
  assert.deepEqual(labels.after.thresholds, [0.2, 0.7, 0.9].map((t) => scaledThreshold(t, 2)));
  assert.equal(previewRequests(stateWith("multiclass"), "val"), null);
  assert.equal(previewRequests({...stateWith("binary"), calibrationTemperature: false}, "val"), null);
});

test("previewOf: multiclass says argmax, with log loss, Brier and ECE before and after", () => {
  const p = previewOf(stateWith("multiclass", {cutoff: 0.4}), "val");
  assert.equal(p.argmax, true);
  assert.equal(p.cutoff, 0.4);
  assert.deepEqual(p.probabilistic.map((r) => [r.key, r.before, r.after]),
    [["log_loss", 0.5, 0.4], ["brier_score", 0.2, 0.18], ["ece", 0.08, 0.01]]);
  assert.equal(previewOf({...stateWith("multiclass"), calibrationTemperature: false}, "val"), null);
});

test("decisionRows and reportMatrix read the two reports", () => {
  const state = stateWith("binary");
  const requests = previewRequests(state, "val");
  const report = (f1) => ({confusion_matrix: [[1, 2], [3, 4]], metrics: {f1: {binary: f1}, log_loss: 9}});
  state.temperatureReports = {[cacheKey(state, requests.before)]: {report: report(0.5), at: 1},
    [cacheKey(state, requests.after)]: {report: report(0.6), at: 2}};
  const p = previewOf(state, "val");
  const catalogue = {metrics: [{key: "f1", label: "F1", tasks: ["binary"], headline: true, decision: true},
    {key: "log_loss", label: "Log loss", tasks: ["binary"], headline: true, decision: false}]};
  const headline = (v) => (typeof v === "number" ? v : v?.binary ?? null);
  assert.deepEqual(decisionRows(catalogue, "binary", p, headline), [{key: "f1", label: "F1", before: 0.5, after: 0.6, better: "higher"}]);
  assert.deepEqual(reportMatrix(p.after, 0), [[1, 2], [3, 4]]);
  assert.deepEqual(reportMatrix({label_confusion_matrices: [[[1]], [[2]]]}, 1), [[2]]);
});

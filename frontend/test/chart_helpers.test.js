// The pure parts of the charts: axis ticks and fitted domains (scale.js), the best epoch of a
// series (epochs_view.js) and the note saying whose AUC the curves' legend shows (curves_view.js).
import {test} from "node:test";
import assert from "node:assert/strict";
import {fitDomain, niceTicks, tickFormat, tickStep} from "../src/scale.js";
import {bestPoint, fittedYRange, seriesPoints, yRange} from "../src/epochs_view.js";
import {curvesScope} from "../src/curves_view.js";

test("tickStep(low, high) is 1, 2 or 5 times a power of ten", () => {
  assert.equal(tickStep(0, 1, 5), 0.2);
  assert.equal(tickStep(0.95, 0.99, 4), 0.01);
  assert.equal(tickStep(0, 100, 4), 20);
  assert.equal(tickStep(3, 3, 4), 1, "an empty range");
});

test("niceTicks(low, high) lists round values inside the range", () => {
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.944, 0.996, 4), [0.95, 0.96, 0.97, 0.98, 0.99]);
});

test("tickFormat(step) shows as many decimals as the step needs", () => {
  assert.equal(tickFormat(0.01)(0.97), "0.97");
  assert.equal(tickFormat(0.005)(0.965), "0.965");
  assert.equal(tickFormat(20)(40), "40");
  assert.equal(tickFormat(0.1)(-1e-17), "0.0");
});

test("fitDomain(values) wraps values between 0.95 and 0.99 closely, not 0 to 1", () => {
  const [low, high] = fitDomain([0.951, 0.97, 0.989], {bounds: [-1, 1]});
  assert.ok(low > 0.9 && low <= 0.951, `low ${low}`);
  assert.ok(high >= 0.989 && high <= 1, `high ${high}`);
  assert.deepEqual(fitDomain([0.99, 0.999, 1], {bounds: [-1, 1]})[1], 1, "a score never above 1");
  assert.ok(fitDomain([0.2, 0.3], {bounds: [0, Infinity]})[0] >= 0, "a loss never below 0");
  const [a, b] = fitDomain([0.5]);
  assert.ok(a < 0.5 && b > 0.5, "one value gets a band around it");
  assert.deepEqual(fitDomain([]), [0, 1]);
});

test("fittedYRange fits, yRange (the unticked toggle) draws a score on 0 to 1", () => {
  const f1 = {key: "f1", higher_is_better: true};
  assert.deepEqual(yRange(f1, [0.95, 0.99]), [0, 1]);
  const [low, high] = fittedYRange(f1, [0.95, 0.99]);
  assert.ok(high - low < 0.1);
  const loss = {key: "log_loss", higher_is_better: false};
  assert.ok(fittedYRange(loss, [0.2, 0.25])[0] > 0.1);
});

test("bestPoint picks the highest value, or the lowest for a loss; ties go to the earliest step", () => {
  const points = [{x: 0, y: 0.5}, {x: 1, y: 0.9}, {x: 2, y: 0.9}, {x: 3, y: 0.7}];
  assert.deepEqual(bestPoint(points, true), {x: 1, y: 0.9});
  assert.deepEqual(bestPoint(points, false), {x: 0, y: 0.5});
  assert.equal(bestPoint([], true), null);
  assert.deepEqual(bestPoint([{x: 0, y: NaN}, {x: 4, y: 0.1}], true), {x: 4, y: 0.1});
});

test("seriesPoints reads a metric per step from the epochs route, the positive class's for binary", () => {
  const series = [{step: 0, metrics: {f1: {binary: 0.4, macro: 0.3}}}, {step: 1, metrics: null}, {step: 2, metrics: {f1: 0.8}}];
  assert.deepEqual(seriesPoints(series, "f1"), [{x: 0, y: 0.4}, {x: 2, y: 0.8}]);
});

test("the curves' note says the legend's AUC is one class's, the table's the macro average", () => {
  assert.match(curvesScope({binary: false, labels: false, className: "cat"}), /class \u201ccat\u201d \(one-vs-rest.*macro average over every class/);
  assert.match(curvesScope({binary: false, labels: true, className: "tech"}), /label \u201ctech\u201d.*macro average over every label/);
  assert.match(curvesScope({binary: true, className: "fraud"}), /Positive class \u201cfraud\u201d: the legend's AUC and AP are the Metrics table's/);
});

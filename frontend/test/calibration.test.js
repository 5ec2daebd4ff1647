import {test} from "node:test";
import assert from "node:assert/strict";
import {chosenClass, classChoices, errorNames, errorText, formatTemperature, frame, layoutSeries, scales,
  scopeText} from "../src/calibration.js";
import {calibrationRequest, statsKey} from "../src/selection.js";
import {INITIAL_STATE} from "../src/state.js";
import {createSync} from "../src/sync.js";
import {createLoader} from "../src/loader.js";
import {fakeApi, fakeTimers, settle, testStore} from "./fakes.js";

const answer = (over = {}) => ({
  strategy: "equal_width", n_bins: 4, ece: 0.0625, mce: 0.25, scope: "top_1", class: null,
  bins: {edges: [0, 0.25, 0.5, 0.75, 1], count: [0, 2, 6, 8], confidence: [null, 0.4, 0.6, 0.9],
    accuracy: [null, 0.5, 0.5, 0.875], gap: [null, 0.1, -0.1, -0.025]},
  ...over,
});

test("classChoices: the whole step as the catalogue bins it first, then each class one-vs-rest (each label)", () => {
  assert.deepEqual(classChoices("multiclass", ["cat", "dog"]),
    [["", "Top-1 (every class)"], ["0", "\u201ccat\u201d vs the rest"], ["1", "\u201cdog\u201d vs the rest"]]);
  assert.deepEqual(classChoices("binary", ["legit", "fraud"])[0], ["", "Positive class \u201cfraud\u201d"]);
  assert.deepEqual(classChoices("multilabel", ["a"]), [["", "All labels pooled"], ["0", "Label \u201ca\u201d"]]);
  assert.deepEqual(classChoices(null, ["a"]), []);
});

test("chosenClass: the picked class only for the tag it was picked for", () => {
  assert.equal(chosenClass({tag: "t", calibrationClass: {tag: "t", index: 2}}), 2);
  assert.equal(chosenClass({tag: "u", calibrationClass: {tag: "t", index: 2}}), null);
  assert.equal(chosenClass({tag: "t", calibrationClass: null}), null);
});

test("errorText: ECE and MCE for equal-width bins, adaptive ECE for equal-mass bins, then the temperature's numbers", () => {
  assert.equal(errorText(answer()), "ECE 0.0625 \u00b7 MCE 0.2500");
  assert.equal(errorNames("equal_mass").ece, "Adaptive ECE");
  assert.equal(errorText(answer({strategy: "equal_mass", ece: 0.01})), "Adaptive ECE 0.0100 \u00b7 MCE (equal mass) 0.2500");
  const scaled = answer({temperature_scaling: {temperature: 1.23456, ece: 0.02, log_loss_before: 0.5, log_loss: 0.4}});
  assert.match(errorText(scaled), /T = 1\.23: ECE 0\.0200, log loss 0\.5000 \u2192 0\.4000$/);
  assert.equal(errorText(answer({ece: null, mce: null})), "ECE \u2013 \u00b7 MCE \u2013");
  assert.equal(formatTemperature(NaN), "\u2013");
});

test("scopeText: names the class or label of a one-vs-rest diagram", () => {
  assert.match(scopeText(answer({scope: "one_vs_rest", class: 1}), ["cat", "dog"]), /class \u201cdog\u201d/);
  assert.match(scopeText(answer({scope: "label", class: 0}), ["a"]), /label \u201ca\u201d/);
  assert.match(scopeText(answer(), ["a"]), /top probability/);
});

test("layoutSeries: a point per non-empty bin at (mean confidence, accuracy), histogram columns by share", () => {
  const f = frame({width: 400, plot: 200, hist: 50, left: 40, top: 10});
  const {x, y} = scales(f);
  const [one] = layoutSeries([{run: "r", color: "red", answer: answer()}], f);
  assert.deepEqual(one.points.map((p) => p.bin), [1, 2, 3]);
  assert.equal(one.points[0].cx, x(0.4));
  assert.equal(one.points[0].cy, y(0.5));
  assert.equal(one.path.split(" ").length, 3);
  // the fullest bin (8 of 16) is as tall as the histogram; an empty bin has no height
  assert.equal(one.columns[3].height, 50);
  assert.equal(one.columns[2].height, 50 * 6 / 8);
  assert.equal(one.columns[0].height, 0);
  assert.equal(one.columns[3].y + one.columns[3].height, f.histTop + f.hist);
  // bars span each bin's edges and reach the x axis
  assert.equal(one.bars[0].x, x(0.25));
  assert.equal(one.bars[0].y + one.bars[0].height, y(0));
});

test("layoutSeries: two runs share each bin's width side by side, on one share scale", () => {
  const f = frame({width: 400, plot: 200});
  const other = answer({bins: {...answer().bins, count: [4, 4, 4, 4]}});
  const [a, b] = layoutSeries([{run: "a", answer: answer()}, {run: "b", answer: other}], f);
  assert.ok(b.columns[1].x > a.columns[1].x);
  assert.ok(a.columns[1].width <= (scales(f).x(0.5) - scales(f).x(0.25)) / 2);
  assert.equal(b.columns[0].height, f.hist * 0.25 / 0.5);
});

const tags = {train: {animals: {task: "multiclass", class_names: ["cat", "dog", "owl"]}}};
const base = {...INITIAL_STATE, tags, tag: "animals", runs: ["train"], steps: {train: [{step: 0}, {step: 3}]}, step: 3};

test("calibrationRequest: the run's shown step with the bins, strategy, class of this tag and temperature", () => {
  assert.deepEqual(calibrationRequest(base, "train"),
    {run: "train", tag: "animals", step: 3, bins: 15, strategy: "equal_width"});
  const picked = {...base, calibrationBins: 20, calibrationStrategy: "equal_mass",
    calibrationClass: {tag: "animals", index: 2}, calibrationTemperature: true,
    stats: {[statsKey("train", "animals", 3)]: {stats: {task: "multiclass", storage: "exact"}}}};
  assert.deepEqual(calibrationRequest(picked, "train"),
    {run: "train", tag: "animals", step: 3, bins: 20, strategy: "equal_mass", class: 2, temperature: "fit"});
  assert.equal(calibrationRequest({...picked, calibrationClass: {tag: "other", index: 2}}, "train").class, undefined);
  assert.equal(calibrationRequest({...picked, calibrationClass: {tag: "animals", index: 3}}, "train").class, undefined);
  assert.equal(calibrationRequest({...base, step: null}, "train"), null);
  assert.equal(calibrationRequest({...base, steps: {train: []}}, "train"), null);
});

test("sync asks the calibration route once per run and stores the answer under its request's key", async () => {
  const timers = fakeTimers();
  const {api, calls} = fakeApi();
  const asked = [];
  api.calibration = (params) => new Promise((resolve) => asked.push({params, resolve}));
  const store = testStore({...base, catalogue: {}, stats: {}});
  const sync = createSync(store, api, createLoader(store, timers), {url: null, ...timers});
  sync(store.get());
  sync(store.get());
  assert.equal(asked.length, 1);
  assert.deepEqual(asked[0].params, {run: "train", tag: "animals", step: 3, bins: 15, strategy: "equal_width"});
  asked[0].resolve(answer());
  await settle();
  const entries = Object.values(store.get().calibration);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].answer.ece, 0.0625);
  store.set({calibrationStrategy: "equal_mass"});
  sync(store.get());
  assert.equal(asked.length, 2);
  assert.equal(asked[1].params.strategy, "equal_mass");
  assert.ok(calls.every((c) => c.route !== "calibration"));
});

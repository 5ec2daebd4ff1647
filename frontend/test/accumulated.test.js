// Tags whose steps are accumulated sums (tasks.js storage "counts": segmentation): what the panel asks
// for and what it says, without ever asking the server for what such a step cannot answer.
import {test} from "node:test";
import assert from "node:assert/strict";
import {ACCUMULATED_BINS, ACCUMULATED_NOTE, calibrationChoices} from "../src/calibration.js";
import {EXAMPLES_PAGE, calibrationRequest, examplesNotice, examplesRequest, statsKey} from "../src/selection.js";
import {INITIAL_STATE} from "../src/state.js";
import {TASKS, isAccumulated} from "../src/tasks.js";
import {countsText, imagesTotalText, unitsOf} from "../src/units.js";
import {serverCatalogue} from "./fixtures.js";

const CLASSES = ["background", "circle", "square"];

function stateOf(task, patch = {}) {
  return {...INITIAL_STATE, tags: {val: {pixels: {task, class_names: CLASSES}}}, tag: "pixels", runs: ["val"],
    steps: {val: [{step: 0}, {step: 2}]}, step: 2, selected: {run: "val", true: 1, pred: 0, label: 0}, ...patch};
}

test("isAccumulated and unitsOf follow the registry's storage and examples fields, not the names", () => {
  const served = serverCatalogue().tasks;
  for (const task of TASKS) {
    const python = served.find((t) => t.name === task.name);
    assert.equal(isAccumulated(task.name), python.storage === "counts", task.name);
    assert.equal(unitsOf(task.name).examples, python.examples, task.name);
  }
  assert.ok(isAccumulated("segmentation"));
  assert.deepEqual(unitsOf("segmentation"), {examples: "images", elements: "pixels"});
  assert.deepEqual(unitsOf("multiclass"), {examples: "examples", elements: null});
});

test("countsText: images and their pixels for per-pixel steps, examples otherwise, singular for one", () => {
  assert.equal(countsText({task: "segmentation", numExamples: 12, numElements: 4800}), "12 images \u00b7 4,800 pixels");
  assert.equal(countsText({task: "segmentation", numExamples: 1, numElements: 1}), "1 image \u00b7 1 pixel");
  assert.equal(countsText({task: "segmentation", numExamples: 3, numElements: 955.5}, true), "3 images \u00b7 955.5 pixels (weighted)");
  assert.equal(countsText({task: "multiclass", numExamples: 500, numElements: null}), "500 examples");
  assert.equal(countsText({task: "binary", numExamples: 400}, true), "400 examples (weighted)");
});

test("imagesTotalText: N images, M pixels; at the argmax when a cutoff is set; empty for exact tasks", () => {
  const page = {total: 6, elements: 12, examples: []};
  assert.equal(imagesTotalText("segmentation", page), "6 images, 12 pixels");
  assert.match(imagesTotalText("segmentation", page, 0.5), /^6 images, 12 pixels at the argmax \(/);
  assert.equal(imagesTotalText("segmentation", {total: 1, elements: 1}), "1 image, 1 pixel");
  assert.equal(imagesTotalText("multiclass", {total: 6, likely_issues: 0}), "");
  assert.equal(imagesTotalText("segmentation", null), "");
});

test("examplesRequest never asks an accumulated step for the likely-mislabeled order", () => {
  const page = {run: "val", tag: "pixels", step: 2, true: 1, pred: 0, offset: 0, limit: EXAMPLES_PAGE};
  assert.deepEqual(examplesRequest(stateOf("segmentation", {examplesOrder: "likely_mislabeled"})), page);
  assert.deepEqual(examplesRequest(stateOf("segmentation", {cutoff: 0.4})), {...page, cutoff: 0.4});
  // the same state on a multiclass tag asks for it
  assert.equal(examplesRequest(stateOf("multiclass", {examplesOrder: "likely_mislabeled"})).order, "likely_mislabeled");
});

test("the below-cutoff column of an accumulated step: a notice instead of a request", () => {
  const below = stateOf("segmentation", {cutoff: 0.5, selected: {run: "val", true: 1, pred: CLASSES.length, label: 0}});
  assert.equal(examplesRequest(below), null);
  assert.match(examplesNotice(below), /argmax only/);
  assert.match(examplesNotice(below), /below cutoff/);
  assert.equal(examplesNotice(stateOf("segmentation")), null);
  assert.equal(examplesNotice(stateOf("segmentation", {selected: null})), null);
  assert.equal(examplesNotice(stateOf("segmentation", {runs: ["train"]})), null); // its run is no longer shown
  // multiclass lists the below-cutoff column's examples
  const multiclass = stateOf("multiclass", {cutoff: 0.5, selected: below.selected});
  assert.equal(examplesNotice(multiclass), null);
  assert.equal(examplesRequest(multiclass).pred, CLASSES.length);
});

test("calibration of an accumulated step asks for its 15 equal-width top-1 bins whatever the card's choices", () => {
  const chosen = {calibrationBins: 10, calibrationStrategy: "equal_mass", calibrationClass: {tag: "pixels", index: 1},
    calibrationTemperature: true};
  const accumulated = stateOf("segmentation", chosen);
  assert.deepEqual(calibrationRequest(accumulated, "val"),
    {run: "val", tag: "pixels", step: 2, bins: ACCUMULATED_BINS, strategy: "equal_width"});
  assert.deepEqual(calibrationChoices(accumulated, "segmentation"),
    {bins: 15, strategy: "equal_width", class: null, temperature: false, fixed: true, topOnly: true,
      note: ACCUMULATED_NOTE});
  assert.equal(ACCUMULATED_NOTE, "accumulated step: 15 equal-width bins of the top-1 probability");
  // The state keeps the choices: a multiclass tag asks for them again.
  const stats = {[statsKey("val", "pixels", 2)]: {stats: {task: "multiclass", storage: "exact"}}};
  assert.deepEqual(calibrationRequest(stateOf("multiclass", {...chosen, stats}), "val"),
    {run: "val", tag: "pixels", step: 2, bins: 10, strategy: "equal_mass", class: 1, temperature: "fit"});
  assert.equal(calibrationChoices(stateOf("multiclass", chosen), "multiclass").fixed, false);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {runOrder, stepForRun} from "../src/selection.js";

test("runOrder: train, validation, test first (by the last path part), then by name", () => {
  assert.deepEqual(["alpha", "test", "b/validation", "zeta", "train"].sort(runOrder), ["train", "b/validation", "test", "alpha", "zeta"]);
});

test("stepForRun: the same step, else the last earlier one, else the first (later) one", () => {
  const steps = [{step: 2}, {step: 5}, {step: 9}];
  assert.equal(stepForRun(steps, 5), 5);
  assert.equal(stepForRun(steps, 7), 5);
  assert.equal(stepForRun(steps, 1), 2);
  assert.equal(stepForRun(steps, 12), 9);
  assert.equal(stepForRun([], 3), null);
});

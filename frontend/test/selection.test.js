import {test} from "node:test";
import assert from "node:assert/strict";
import {runOrder} from "../src/selection.js";

test("runOrder: train, validation, test first (by the last path part), then by name", () => {
  assert.deepEqual(["alpha", "test", "b/validation", "zeta", "train"].sort(runOrder), ["train", "b/validation", "test", "alpha", "zeta"]);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {checkThreshold} from "../src/threshold_input.js";

test("checkThreshold accepts a number from 0 to 1, ends included", () => {
  for (const [text, value] of [["0", 0], ["1", 1], ["0.37", 0.37], [".5", 0.5], [" 0.25 ", 0.25], ["1e-1", 0.1]]) {
    assert.deepEqual(checkThreshold(text), {value}, text);
  }
});

test("checkThreshold rejects 1.5, -1 and non-numbers with a message naming the allowed range", () => {
  for (const text of ["1.5", "-1", "1.0001", "-0.01"]) {
    const {error, value} = checkThreshold(text);
    assert.equal(value, undefined, text);
    assert.match(error, /^Threshold must be a number from 0 to 1; .* is out of range\.$/, text);
    assert.ok(error.includes(text), text);
  }
  for (const text of ["abc", "0x1", "Infinity", "NaN", "1,5", "<b>1</b>"]) {
    assert.equal(checkThreshold(text).error, "Threshold must be a number from 0 to 1.", text);
  }
  assert.match(checkThreshold("2", {name: "Confidence cutoff"}).error, /^Confidence cutoff must be a number from 0 to 1/);
});

test("checkThreshold: a blank box is still being typed, unless the browser could not read its text", () => {
  assert.deepEqual(checkThreshold(""), {empty: true});
  assert.deepEqual(checkThreshold("  "), {empty: true});
  assert.match(checkThreshold("", {badInput: true}).error, /from 0 to 1/);
});

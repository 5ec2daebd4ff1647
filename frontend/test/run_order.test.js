import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {SPLIT_ORDER, runOrder} from "../src/selection.js";

// Shared with tests/test_run_order.py, which sorts the same names with Python's run_order.
const fixture = JSON.parse(readFileSync(new URL("../../tests/fixtures/run_order.json", import.meta.url), "utf8"));

test("runOrder sorts the shared fixture's runs into its expected order (Python's run_order)", () => {
  assert.deepEqual([...fixture.runs].sort(runOrder), fixture.sorted);
});

test("runOrder groups an experiment's runs by directory, splits first within each", () => {
  const runs = ["mnist/validation", "cifar/train", "mnist/train", "cifar/validation", "cifar/extra", "test"];
  assert.deepEqual(runs.sort(runOrder),
    ["test", "cifar/train", "cifar/validation", "cifar/extra", "mnist/train", "mnist/validation"]);
});

test("runOrder ranks splits in SPLIT_ORDER's order whatever their case", () => {
  const shuffled = [...SPLIT_ORDER].reverse().map((name, i) => (i % 2 ? name.toUpperCase() : name));
  assert.deepEqual(["zz", ...shuffled, "AA"].sort(runOrder).map((run) => run.toLowerCase()), [...SPLIT_ORDER, "aa", "zz"]);
});

test("runOrder compares names by code points, not by locale or UTF-16 units", () => {
  assert.deepEqual(["a", "B", "_x", "\u00e9", "z"].sort(runOrder), ["B", "_x", "a", "z", "\u00e9"]);
  // U+FF5E is one UTF-16 unit above the emoji's first surrogate, but its code point is below the emoji's.
  assert.deepEqual(["\u{1F600}", "\uFF5E"].sort(runOrder), ["\uFF5E", "\u{1F600}"]);
  assert.ok(runOrder("ab", "abc") < 0 && runOrder("abc", "ab") > 0 && runOrder("x/ab", "x/ab") === 0);
});

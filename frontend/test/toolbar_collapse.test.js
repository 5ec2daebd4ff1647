import {test} from "node:test";
import assert from "node:assert/strict";
import {COLLAPSED_HEIGHT, shouldCollapse} from "../src/toolbar_view.js";

test("shouldCollapse: once the expanded toolbar would show less than the one-line one", () => {
  const toolbar = {top: 16, height: 200};
  const limit = 16 + 200 - COLLAPSED_HEIGHT;
  assert.equal(shouldCollapse({...toolbar, scrollY: 0}), false);
  assert.equal(shouldCollapse({...toolbar, scrollY: limit}), false);
  assert.equal(shouldCollapse({...toolbar, scrollY: limit + 5}), true);
  assert.equal(shouldCollapse({...toolbar, scrollY: 2000}), true);
});

test("shouldCollapse keeps its state within 4 px of the switch point", () => {
  const toolbar = {top: 16, height: 200};
  const limit = 16 + 200 - COLLAPSED_HEIGHT;
  assert.equal(shouldCollapse({...toolbar, scrollY: limit + 2, current: false}), false);
  assert.equal(shouldCollapse({...toolbar, scrollY: limit - 2, current: true}), true);
  assert.equal(shouldCollapse({...toolbar, scrollY: limit - 5, current: true}), false);
});

test("shouldCollapse: a toolbar not measured yet collapses only after a small scroll", () => {
  assert.equal(shouldCollapse({top: 0, height: 0, scrollY: 5}), false);
  assert.equal(shouldCollapse({top: 0, height: 0, scrollY: 20}), true);
});

import {test} from "node:test";
import assert from "node:assert/strict";
import {OVERSCAN, ROW_HEIGHT, rowWindow} from "../src/per_class_table.js";

test("rowWindow renders the visible rows plus the overscan, clamped to the table", () => {
  const view = {viewportHeight: 300, rowHeight: 30, count: 1000, overscan: 5};
  assert.deepEqual(rowWindow({...view, scrollTop: 0}), {first: 0, last: 15});
  assert.deepEqual(rowWindow({...view, scrollTop: 3000}), {first: 95, last: 115});
  assert.deepEqual(rowWindow({...view, scrollTop: 3015}), {first: 95, last: 116});
  assert.deepEqual(rowWindow({...view, scrollTop: 30000 - 300}), {first: 985, last: 1000});
  assert.deepEqual(rowWindow({...view, scrollTop: 1e9}), {first: 1000, last: 1000});
});

test("rowWindow: a header above the rows shifts the window, a small table renders whole", () => {
  const view = {viewportHeight: 300, rowHeight: 30, count: 1000, overscan: 0};
  assert.deepEqual(rowWindow({...view, scrollTop: 330, headHeight: 30}), {first: 10, last: 20});
  assert.deepEqual(rowWindow({viewportHeight: 360, rowHeight: 30, count: 8, scrollTop: 0}), {first: 0, last: 8});
  assert.deepEqual(rowWindow({viewportHeight: 360, rowHeight: 30, count: 0, scrollTop: 0}), {first: 0, last: 0});
  // Unknown row height: the default one; every visible row is inside the window.
  const {first, last} = rowWindow({viewportHeight: 360, rowHeight: 0, count: 1000, scrollTop: 6000});
  assert.equal(first, Math.floor(6000 / ROW_HEIGHT) - OVERSCAN);
  assert.equal(last, Math.ceil(6360 / ROW_HEIGHT) + OVERSCAN);
});

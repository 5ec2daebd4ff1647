import {test} from "node:test";
import assert from "node:assert/strict";
import {chartKeyAction, nearestPoints, nearestX, zoomRange} from "../src/chart_interaction.js";

test("chartKeyAction moves by one, or ten with Shift, and jumps to the ends", () => {
  assert.deepEqual(chartKeyAction({key: "ArrowRight"}), {move: 1});
  assert.deepEqual(chartKeyAction({key: "ArrowDown", shiftKey: true}), {move: -10});
  assert.deepEqual(chartKeyAction({key: "Home"}), {to: "first"});
  assert.deepEqual(chartKeyAction({key: "End"}), {to: "last"});
  assert.deepEqual(chartKeyAction({key: "Escape"}), {hide: true});
});

test("chartKeyAction leaves modified keys, Enter without a pick and zoom keys without zoom alone", () => {
  assert.equal(chartKeyAction({key: "ArrowRight", ctrlKey: true}), null);
  assert.equal(chartKeyAction({key: "Enter"}), null);
  assert.deepEqual(chartKeyAction({key: "Enter"}, {pickable: true}), {pick: true});
  assert.equal(chartKeyAction({key: "+"}), null);
  assert.deepEqual(chartKeyAction({key: "+"}, {zoom: true}), {zoom: 0.5});
  assert.deepEqual(chartKeyAction({key: "-"}, {zoom: true}), {zoom: 2});
  assert.deepEqual(chartKeyAction({key: "0"}, {zoom: true}), {reset: true});
  assert.equal(chartKeyAction({key: " "}, {zoom: true, pickable: true}), null);
});

test("nearestX picks the closest x of every series, the first one on ties", () => {
  const series = [{x: [0, 2, 4]}, {x: [1, 3]}];
  assert.equal(nearestX(series, 2.4), 2);
  assert.equal(nearestX(series, 2.5), 2);
  assert.equal(nearestX(series, 9), 4);
  assert.equal(nearestX([], 1), null);
});

test("nearestPoints gives each series' visible point closest in pixels, -1 when none is visible", () => {
  const series = [{x: [0, 1, 2], y: [0, 1, 0]}, {x: [5], y: [5]}];
  const toPixel = (x, y) => ({x: 10 * x, y: 10 * y});
  const visible = (x) => x < 4;
  assert.deepEqual(nearestPoints(series, {px: 11, py: 9}, toPixel, visible), [1, -1]);
  assert.deepEqual(nearestPoints(series, {px: 19, py: 1}, toPixel, () => true), [2, 0]);
});

test("zoomRange scales around the centre and never leaves the home range", () => {
  assert.deepEqual(zoomRange([0, 1], [0, 1], 0.5, 0.5), [0.25, 0.75]);
  assert.deepEqual(zoomRange([0, 1], [0, 1], 0.9, 0.5), [0.5, 1]);
  assert.deepEqual(zoomRange([0.25, 0.75], [0, 1], 0.5, 4), [0, 1]);
});

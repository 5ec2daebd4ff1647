import {test} from "node:test";
import assert from "node:assert/strict";
import {drawAxes} from "../src/chart_axes.js";

function recorder() {
  const texts = [];
  const noop = () => {};
  return {texts, context: {fillText: (text, x, y) => texts.push({text, x, y}), beginPath: noop, moveTo: noop,
    lineTo: noop, stroke: noop, save: noop, restore: noop, translate: noop, rotate: noop}};
}

const base = {size: {width: 300, height: 200}, margin: {left: 50, right: 10, top: 10, bottom: 30}, font: "11px x",
  colors: {grid: "#eee", muted: "#555"}, sx: (x) => 50 + 240 * x, sy: (y) => 170 - 160 * y};

test("drawAxes labels the y grid and the spec's own x ticks, then both captions", () => {
  const {texts, context} = recorder();
  const spec = {xTicks: [0, 0.5, 1], formatX: (x) => `s${x}`, xLabel: "step", yLabel: "F1"};
  drawAxes(context, {...base, spec, view: {x: [0, 1], y: [0, 1]}, zoomed: false});
  const labels = texts.map((t) => t.text);
  assert.deepEqual(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "s0", "s0.5", "s1", "step", "F1"]);
});

test("drawAxes uses nice ticks of the visible range once zoomed, not the spec's", () => {
  const {texts, context} = recorder();
  const spec = {xTicks: [0, 1], xLabel: "recall", yLabel: "precision"};
  drawAxes(context, {...base, spec, view: {x: [0.2, 0.4], y: [0.9, 1]}, zoomed: true});
  const xLabels = texts.filter((t) => t.y === 200 - 30 + 5).map((t) => Number(t.text));
  assert.ok(xLabels.length >= 2 && xLabels.every((x) => x >= 0.2 && x <= 0.4), xLabels.join(" "));
});

// A chart's grid, tick labels and axis captions on its canvas: y grid lines with their values, x tick
// values (the spec's own ticks unless zoomed), the x caption below and the y caption rotated at the left.

import {niceTicks, tickFormat, tickStep} from "./scale.js";

/** Draw the axes of `spec` for the visible `view` ({x, y} domains); `sx`, `sy` map data to pixels. */
export function drawAxes(context, {spec, view, zoomed, size, margin, font, colors, sx, sy}) {
  const {x: xView, y: yView} = view;
  context.font = font;
  context.strokeStyle = colors.grid;
  context.fillStyle = colors.muted;
  context.lineWidth = 1;
  const formatY = spec.formatY || tickFormat(tickStep(yView[0], yView[1], 4));
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (const y of niceTicks(yView[0], yView[1], 4)) {
    context.beginPath();
    context.moveTo(margin.left, Math.round(sy(y)) + 0.5);
    context.lineTo(size.width - margin.right, Math.round(sy(y)) + 0.5);
    context.stroke();
    context.fillText(formatY(y), margin.left - 6, sy(y));
  }
  context.textAlign = "center";
  context.textBaseline = "top";
  const xTicks = zoomed || !spec.xTicks ? niceTicks(xView[0], xView[1], 4) : spec.xTicks;
  const formatX = spec.formatX || tickFormat(tickStep(xView[0], xView[1], 4));
  for (const x of xTicks) context.fillText(formatX(x), sx(x), size.height - margin.bottom + 5);
  context.fillText(spec.xLabel || "", (margin.left + size.width - margin.right) / 2, size.height - 14);
  context.save();
  context.translate(10, (margin.top + size.height - margin.bottom) / 2);
  context.rotate(-Math.PI / 2);
  context.textBaseline = "middle";
  context.fillText(spec.yLabel || "", 0, 0);
  context.restore();
}

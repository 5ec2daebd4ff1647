// Export the matrix and metrics: CSV (matrix + metrics), and the matrix drawn as SVG or PNG from
// one layout (a list of rectangles and texts) so both pictures are the same.

import {cellColor} from "./colors.js";
import {cellShares, colorDomain, displayValue, totals} from "./matrix_math.js";
import {cellText} from "./cell_text.js";
import {headline} from "./metric_value.js";
import {headlineMetrics, tableColumns} from "./catalogue.js";
import {taskInfo} from "./tasks.js";

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula
 * (starting with = + - @ tab or CR) gets a leading apostrophe. Numbers are written as is. */
export function csvField(value) {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields) => fields.map(csvField).join(",");

/** The confusion matrix (counts) and every metric as one CSV document: per class the catalogue's
 * compact and full columns (those of the CLI's wide table), then the summary's metrics as the panel
 * shows them (headline numbers). */
export function reportCsv(model, catalogue, {run, tag, step, threshold, cutoff, labelThresholds = null}) {
  const lines = [];
  lines.push(csvLine(["run", run]), csvLine(["tag", tag]), csvLine(["step", step]));
  lines.push(csvLine(decisionFields(taskInfo(model.task).decision, {threshold, cutoff, labelThresholds})));
  lines.push("");
  lines.push(csvLine(["actual \\ predicted", ...model.columnNames]));
  model.matrix.forEach((row, i) => lines.push(csvLine([model.classNames[i], ...row])));
  lines.push("");
  const names = model.labelNames || model.classNames;
  const m = model.metrics;
  const columns = tableColumns(catalogue, model.task, {wide: true}).map((metric) => metric.key)
    .filter((key) => m[key] && typeof m[key] === "object");
  lines.push(csvLine(["class", ...columns]));
  names.forEach((name, i) => lines.push(csvLine([name, ...columns.map((key) => m[key].per_class?.[i])])));
  for (const average of ["macro", "micro", "weighted"]) {
    lines.push(csvLine([`${average} avg`, ...columns.map((key) => m[key][average])]));
  }
  lines.push("");
  lines.push(csvLine(["metric", "value"]));
  for (const {key} of headlineMetrics(catalogue, model.task)) lines.push(csvLine([key, headline(m[key])]));
  return `${lines.join("\r\n")}\r\n`;
}

/** The CSV's line naming the decision the matrix is at. */
function decisionFields(decision, {threshold, cutoff, labelThresholds}) {
  if (decision === "cutoff") return ["cutoff", cutoff ?? 0];
  if (decision === "per_label" && labelThresholds) return ["thresholds", ...labelThresholds];
  return ["threshold", threshold];
}

// Text widths without a canvas: an upper estimate for the sans-serif fonts of the pictures (average
// glyph about 0.55 em; 0.62 em leaves room for wide letters).
const EM = 0.62;
const textWidth = (text, size) => Math.ceil(String(text).length * size * EM);
const AXIS_CAPTION = "actual \u2193 / predicted \u2192";

/** `text` shortened with an ellipsis to at most `width` pixels at font `size` (textWidth's estimate). */
export function fitText(text, width, size) {
  const value = String(text);
  const chars = Math.max(1, Math.floor(width / (size * EM)));
  return value.length <= chars ? value : `${value.slice(0, Math.max(0, chars - 1))}\u2026`;
}

/** {width, height, shapes}: rects {x, y, w, h, fill} and texts {x, y, text, anchor, size, fill, rotate, bold}.
 * Everything lies inside width x height: the margins fit the class names (names longer than 220
 * pixels are shortened with an ellipsis), the axis caption and the title. */
export function matrixLayout(model, {order, normalization, theme = "light", title = ""}) {
  const sums = totals(model.matrix);
  const domain = colorDomain(model.matrix, sums, normalization);
  const columns = model.columnNames.length > model.classNames.length ? [...order, model.classNames.length] : order;
  const cell = order.length > 60 ? 12 : order.length > 25 ? 22 : 56;
  const nameSize = Math.min(12, cell - 2);
  const widest = (names) => Math.max(0, ...names.map((name) => textWidth(name, nameSize)));
  const rowLabel = Math.min(220, widest(order.map((i) => model.classNames[i])));
  const columnLabel = Math.min(220, widest(columns.map((j) => model.columnNames[j])));
  const captionWidth = textWidth(AXIS_CAPTION, 10);
  const top = 40 + Math.max(columnLabel + 8, 16);
  const left = Math.max(12 + rowLabel + 6, 12 + captionWidth + 8);
  const width = Math.max(left + columns.length * cell + 16, 12 + textWidth(title, 14) + 12);
  const ink = theme === "dark" ? "#e8eaed" : "#202124";
  const muted = theme === "dark" ? "#9aa0a6" : "#5f6368";
  const shapes = [{type: "rect", x: 0, y: 0, w: width, h: top + order.length * cell + 16,
    fill: theme === "dark" ? "#282a2e" : "#ffffff"}];
  shapes.push({type: "text", x: 12, y: 22, text: title, anchor: "start", size: 14, fill: ink, bold: true});
  shapes.push({type: "text", x: left - 8, y: top - 8, text: AXIS_CAPTION, anchor: "end", size: 10, fill: muted});
  order.forEach((i, r) => {
    shapes.push({type: "text", x: left - 6, y: top + r * cell + cell / 2 + 4, text: fitText(model.classNames[i], rowLabel, nameSize),
      anchor: "end", size: nameSize, fill: ink});
    columns.forEach((j, c) => {
      const shares = cellShares(model.matrix, sums, i, j);
      const value = displayValue(shares, normalization);
      const diagonal = i === j;
      const color = cellColor(value / (diagonal ? domain.diagonal : domain.error), {diagonal, theme});
      shapes.push({type: "rect", x: left + c * cell, y: top + r * cell, w: cell - 1, h: cell - 1, fill: color.fill});
      if (cell >= 40) {
        shapes.push({type: "text", x: left + c * cell + cell / 2, y: top + r * cell + cell / 2 + 4, text: cellText(value, normalization),
          anchor: "middle", size: 11, fill: color.text});
      }
    });
  });
  columns.forEach((j, c) => shapes.push({type: "text", x: left + c * cell + cell / 2 + 4, y: top - 6,
    text: fitText(model.columnNames[j], columnLabel, nameSize), anchor: "start", size: nameSize, fill: ink, rotate: -90}));
  return {width: shapes[0].w, height: shapes[0].h, shapes};
}

/** The box {left, right, top, bottom} a layout's text takes, by textWidth's estimate (for tests). */
export function textExtent(shape) {
  const w = textWidth(shape.text, shape.size);
  const start = shape.anchor === "end" ? -w : shape.anchor === "middle" ? -w / 2 : 0;
  if (shape.rotate === -90) return {left: shape.x - shape.size, right: shape.x, top: shape.y - start - w, bottom: shape.y - start};
  return {left: shape.x + start, right: shape.x + start + w, top: shape.y - shape.size, bottom: shape.y + shape.size * 0.3};
}

const xmlEscapes = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"};
/** Text made safe inside an XML element or attribute. */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (ch) => xmlEscapes[ch]);
}

/** A standalone SVG document of a layout. */
export function layoutSvg({width, height, shapes}) {
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Roboto, 'Helvetica Neue', Arial, sans-serif">`];
  for (const s of shapes) {
    if (s.type === "rect") parts.push(`<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" fill="${s.fill}"/>`);
    else {
      const transform = s.rotate ? ` transform="rotate(${s.rotate} ${s.x} ${s.y})"` : "";
      parts.push(`<text x="${s.x}" y="${s.y}" font-size="${s.size}" fill="${s.fill}" text-anchor="${s.anchor}"${s.bold ? ' font-weight="bold"' : ""}${transform}>${escapeXml(s.text)}</text>`);
    }
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** Draw a layout on a 2D canvas context (for the PNG). */
export function drawLayout(context, {shapes}) {
  for (const s of shapes) {
    if (s.type === "rect") {
      context.fillStyle = s.fill;
      context.fillRect(s.x, s.y, s.w, s.h);
      continue;
    }
    context.save();
    context.fillStyle = s.fill;
    context.font = `${s.bold ? "bold " : ""}${s.size}px Roboto, "Helvetica Neue", Arial, sans-serif`;
    context.textAlign = s.anchor === "middle" ? "center" : s.anchor === "end" ? "right" : "left";
    context.translate(s.x, s.y);
    if (s.rotate) context.rotate((s.rotate * Math.PI) / 180);
    context.fillText(s.text, 0, 0);
    context.restore();
  }
}

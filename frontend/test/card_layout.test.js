import {test} from "node:test";
import assert from "node:assert/strict";
import {CARD_CHROME, COMFORTABLE_CELL, GAP, MIN_CELL, SPACING, TABLE_MAX_CLASSES, cardLayout, matrixFit, maxCell}
  from "../src/card_layout.js";

// Texts as measured in Chromium at 12 px: "eight" ~30 px, "o29" ~22 px, "1,234" ~32 px.
const tenClasses = {columns: 11, classes: 10, labelWidth: 30, headerWidth: 30, totalWidth: 32};
const thirtyClasses = {columns: 31, classes: 30, labelWidth: 22, headerWidth: 22, totalWidth: 32};
const binary = {columns: 2, classes: 2, labelWidth: 30, headerWidth: 30, totalWidth: 32};
const SIDE = 300;

function fits(layout, width) {
  const cardWidth = (width - (layout.perRow - 1) * GAP) / layout.perRow;
  assert.ok(layout.fit.width <= cardWidth - CARD_CHROME, `${layout.fit.width} > ${cardWidth - CARD_CHROME}`);
}

test("matrixFit: the table's width is its labels, cells, totals and spacing, and never exceeds the card", () => {
  for (const inner of [200, 266, 442, 582, 934, 1214]) {
    for (const matrix of [binary, tenClasses, thirtyClasses]) {
      const fit = matrixFit({inner, ...matrix});
      assert.equal(fit.width, fit.label + fit.total + (matrix.columns + 3) * SPACING + fit.cell * matrix.columns);
      if (fit.cell > 0 && fit.cell < maxCell(matrix.columns)) assert.ok(fit.width <= inner, `${inner} ${fit.width}`);
      assert.ok(fit.cell <= maxCell(matrix.columns));
    }
  }
});

test("matrixFit: small cells get a smaller font, rotated headers and short numbers", () => {
  const wide = matrixFit({inner: 1200, ...binary});
  assert.equal(wide.cell, 112);
  assert.equal(wide.rotate, false);
  assert.equal(wide.compact, false);
  const narrow = matrixFit({inner: 934, ...thirtyClasses});
  assert.ok(narrow.cell >= MIN_CELL && narrow.cell < COMFORTABLE_CELL, String(narrow.cell));
  assert.equal(narrow.rotate, true);
  assert.equal(narrow.compact, true);
  assert.ok(narrow.font <= 10);
  assert.ok(narrow.headerHeight > 0 && narrow.headerHeight <= 96);
});

test("row names longer than a fifth of the card are cut (the tooltip has them)", () => {
  const fit = matrixFit({inner: 500, ...tenClasses, labelWidth: 400});
  assert.equal(fit.label, 100);
});

test("cardLayout: 10 classes with 4 runs at 1280 px go two per row, with cells of 30 px or more", () => {
  const width = 1280 - 32;
  const layout = cardLayout({width, runs: 4, matrix: tenClasses, sideMin: SIDE});
  assert.equal(layout.perRow, 2);
  assert.ok(layout.fit.cell >= COMFORTABLE_CELL);
  fits(layout, width);
});

test("cardLayout: 30 classes with 4 runs at 1280 px, and with 2 runs at 1000 px, go one per row as tables", () => {
  for (const [width, runs] of [[1280 - 32, 4], [1000 - 32, 2]]) {
    const layout = cardLayout({width, runs, matrix: thirtyClasses, sideMin: SIDE});
    assert.equal(layout.perRow, 1);
    assert.ok(layout.fit && layout.fit.cell >= MIN_CELL, JSON.stringify(layout));
    fits(layout, width);
  }
});

test("cardLayout: rows stay balanced (4 runs: 4, 2 or 1 per row)", () => {
  for (let width = 300; width <= 3000; width += 10) {
    const {perRow} = cardLayout({width, runs: 4, matrix: binary, sideMin: SIDE});
    assert.ok([1, 2, 4].includes(perRow), `${width}: ${perRow}`);
  }
  assert.equal(cardLayout({width: 1600, runs: 4, matrix: binary, sideMin: SIDE}).perRow, 4);
});

test("cardLayout: the per-class table's minimum width limits the cards per row", () => {
  const width = 1280 - 32;
  assert.equal(cardLayout({width, runs: 4, matrix: binary, sideMin: 0}).perRow, 4);
  assert.equal(cardLayout({width, runs: 4, matrix: binary, sideMin: SIDE}).perRow, 2);
});

test("cardLayout: more than 30 classes, or too narrow for 18 px cells, is the canvas", () => {
  const many = {...thirtyClasses, columns: TABLE_MAX_CLASSES + 2, classes: TABLE_MAX_CLASSES + 1};
  const canvas = cardLayout({width: 1248, runs: 2, matrix: many, sideMin: SIDE});
  assert.equal(canvas.fit, null);
  assert.equal(canvas.perRow, 2);
  assert.equal(cardLayout({width: 500, runs: 1, matrix: thirtyClasses, sideMin: SIDE}).fit, null);
});

test("cardLayout: one run takes the whole width", () => {
  const layout = cardLayout({width: 968, runs: 1, matrix: tenClasses, sideMin: SIDE});
  assert.equal(layout.perRow, 1);
  assert.equal(layout.inner, 968 - CARD_CHROME);
});

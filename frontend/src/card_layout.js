// How the run cards share the width: how many cards per row, and the size of a matrix table's cells,
// font and labels so that the whole table (class names, cells, totals) fits its card without a
// horizontal scrollbar. Pure arithmetic on pixel widths; the caller measures the texts (text_width.js).
//
// A matrix table's width with C columns (border-spacing 2 px on each side of every column):
//   label + C * cell + total + (C + 3) * SPACING
// The number of cards per row is the largest that keeps cells at least COMFORTABLE px wide and leaves
// the per-class table its minimum width; rows are kept balanced (4 runs: 4, 2 or 1 per row, never 3 + 1).

/** Cells narrower than this are only used when one card per row is not wide enough either. */
export const COMFORTABLE_CELL = 28;
/** Below this a table cannot show its numbers: the canvas matrix takes over. */
export const MIN_CELL = 18;
/** Above this many classes, the canvas matrix (as before, whatever the width). */
export const TABLE_MAX_CLASSES = 30;
/** Horizontal border-spacing of table.matrix (style.css). */
export const SPACING = 2;
/** A card's padding and border (style.css .card: 16 px padding, 1 px border on each side). */
export const CARD_CHROME = 34;
/** The gap between cards (style.css .run-grid). */
export const GAP = 16;
/** The canvas matrix needs at least this much width to be useful. */
export const CANVAS_MIN_WIDTH = 440;

/** The widest a cell gets: big cells for 2x2, smaller as the classes grow. */
export function maxCell(columns) {
  return columns <= 3 ? 112 : columns <= 7 ? 72 : 60;
}

/** Font size (px) of the numbers inside a cell `cell` px wide. */
export function cellFont(cell) {
  return cell >= 100 ? 17 : cell >= 56 ? 13 : cell >= 40 ? 12 : cell >= 28 ? 11 : 10;
}

/** The geometry of one matrix table in `inner` px: `columns` cell columns, the natural widths of the
 * widest row name (`labelWidth`), column name (`headerWidth`) and total (`totalWidth`), all in px. */
export function matrixFit({inner, columns, labelWidth, headerWidth, totalWidth}) {
  // Row names get at most a fifth of the card (ellipsis beyond, full name in the tooltip).
  const label = Math.ceil(Math.max(24, Math.min(labelWidth + 10, Math.max(56, inner * 0.2))));
  const total = Math.ceil(Math.max(28, totalWidth + 10));
  const spacing = (columns + 3) * SPACING;
  const room = Math.floor((inner - label - total - spacing) / columns);
  const cell = Math.max(0, Math.min(maxCell(columns), room));
  const font = cellFont(cell);
  // Column names that do not fit across a cell are written upwards (at most 96 px tall).
  const rotate = headerWidth + 6 > cell;
  const headerHeight = rotate ? Math.min(96, Math.ceil(headerWidth + 8)) : 0;
  const height = Math.max(22, Math.min(64, Math.round(cell * 0.7)));
  // How many characters fit in a cell: fewer than "99.9%" and the numbers are shortened ("1.2k", "12%").
  const chars = Math.floor((cell - 4) / (font * 0.62));
  return {cell, height, font, label, total, rotate, headerHeight, compact: chars < 6,
    width: label + total + spacing + cell * columns};
}

/** The card grid for `runs` cards in `width` px. `matrix` is {columns, classes, labelWidth,
 * headerWidth, totalWidth} (null before the tags load); `sideMin` is the per-class table's minimum
 * width. Returns {perRow, inner, fit}: fit is a matrixFit, or null for the canvas matrix. */
export function cardLayout({width, runs, matrix = null, sideMin = 0}) {
  const count = Math.max(1, runs);
  const innerOf = (perRow) => Math.floor((width - (perRow - 1) * GAP) / perRow) - CARD_CHROME;
  const table = matrix !== null && matrix.classes <= TABLE_MAX_CLASSES;
  let previous = null;
  for (let rows = 1; rows <= count; rows++) {
    const perRow = Math.ceil(count / rows);
    if (perRow === previous) continue;
    previous = perRow;
    const inner = innerOf(perRow);
    if (inner < sideMin) continue;
    if (!table) {
      if (inner >= CANVAS_MIN_WIDTH) return {perRow, inner, fit: null};
      continue;
    }
    const fit = matrixFit({inner, ...matrix});
    if (fit.cell >= COMFORTABLE_CELL) return {perRow, inner, fit};
  }
  const inner = innerOf(1);
  if (!table) return {perRow: 1, inner, fit: null};
  const fit = matrixFit({inner, ...matrix});
  return {perRow: 1, inner, fit: fit.cell >= MIN_CELL ? fit : null};
}

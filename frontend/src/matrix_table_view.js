// The confusion matrix as an HTML table, for up to 30 classes: every number and class name is real
// text (selectable, read by screen readers); arrow keys move between cells. Its geometry (cell size,
// font, label widths, rotated column names) comes from card_layout.js so that it fits its card.
// Above 10 classes a "Find class" box (class_search.js) marks the matching names and the found
// class's row and column. With "Likely label issues" ticked (label_issue_marks.js), a cell with likely
// label errors gets their count in a corner badge (a sibling of the cell's button: the cell's text stays
// its value) and in its tooltip.

import {h, setText} from "./dom.js";
import {cellColor} from "./colors.js";
import {cellShares, colorDomain, displayValue, totals} from "./matrix_math.js";
import {cellLines, cellText, compactCount} from "./cell_text.js";
import {formatCount} from "./number_format.js";
import {hideTooltip, showTooltip} from "./tooltip.js";
import {createClassSearch} from "./class_search.js";
import {createLabelIssuesControl, issuesAt, issuesText} from "./label_issue_marks.js";

/** {element, update({model, order, normalization, selected, theme, fit})}; onSelect(trueIndex, predIndex).
 * `fit` is card_layout.js matrixFit (null: the default sizes). */
export function createMatrixTable({onSelect}) {
  const scroller = h("div", {class: "matrix-scroll"});
  let matches = null; // class indices matching the search box, or null
  let found = null; // the class found with the search box, or null
  const search = createClassSearch({
    onMatches: (next) => { matches = next; if (!next) found = null; mark(); },
    onFind: (i) => { found = i; mark(); reveal(i); },
  });
  const issuesControl = createLabelIssuesControl();
  const element = h("div", {class: "matrix-table-wrap"}, search.element, issuesControl.element, scroller);
  let rowHeads = [];
  let columnHeads = [];
  let structureKey = null;
  let cells = [];
  let rowTotals = [];
  let columnTotals = [];
  let grandTotal = null;
  let focus = {row: 0, column: 0};
  let current = null;
  let table = null;
  let chars = Infinity;

  function build(model, order) {
    const columns = [...order, ...model.columnNames.slice(model.classNames.length).map((_, k) => model.classNames.length + k)];
    cells = [];
    const moveFocus = (row, column) => {
      focus = {row: Math.max(0, Math.min(order.length - 1, row)), column: Math.max(0, Math.min(columns.length - 1, column))};
      cells.flat().forEach((cell) => (cell.button.tabIndex = -1));
      const target = cells[focus.row][focus.column].button;
      target.tabIndex = 0;
      target.focus();
    };
    const headerCells = columns.map((j) => h("th", {scope: "col", class: "column-name", title: model.columnNames[j]},
      h("span", {}, model.columnNames[j])));
    const bodyRows = order.map((i, r) => {
      const rowCells = columns.map((j, c) => {
        const button = h("button", {
          class: "cell",
          tabindex: r === 0 && c === 0 ? 0 : -1,
          dataset: {true: i, pred: j},
          onclick: () => {
            focus = {row: r, column: c};
            onSelect(i, j);
          },
          onkeydown: (event) => {
            const moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
            if (moves[event.key]) {
              event.preventDefault();
              event.stopPropagation();
              moveFocus(r + moves[event.key][0], c + moves[event.key][1]);
            }
          },
          onmouseenter: (event) => current && showTooltip(tooltipLines(i, j), event.clientX, event.clientY),
          onmousemove: (event) => current && showTooltip(tooltipLines(i, j), event.clientX, event.clientY),
          onmouseleave: hideTooltip,
          onfocus: (event) => {
            const box = event.target.getBoundingClientRect();
            if (current && event.target.matches(":focus-visible")) showTooltip(tooltipLines(i, j), box.right, box.bottom);
          },
          onblur: hideTooltip,
        });
        const mark = h("span", {class: "issue-mark", "aria-hidden": "true", hidden: true});
        return {button, mark, i, j};
      });
      cells.push(rowCells);
      const total = h("td", {class: "total"});
      rowTotals.push(total);
      const head = h("th", {scope: "row", class: "row-name", title: model.classNames[i]}, model.classNames[i]);
      rowHeads.push({head, i});
      return h("tr", {}, head, rowCells.map((cell) => h("td", {class: "matrix-td"}, cell.button, cell.mark)), total);
    });
    columnTotals = columns.map(() => h("td", {class: "total"}));
    grandTotal = h("td", {class: "total grand"});
    table = h("table", {class: "matrix", role: "grid"},
      h("caption", {class: "axis-label"}, "Actual \u2193 \u00b7 Predicted \u2192"),
      h("thead", {},
        h("tr", {}, h("th", {class: "corner"}), headerCells, h("th", {scope: "col", class: "total-head"}, "Total"))),
      h("tbody", {}, bodyRows),
      h("tfoot", {}, h("tr", {}, h("th", {scope: "row", class: "total-head"}, "Total"), columnTotals, grandTotal)));
    columnHeads = headerCells.map((head, c) => ({head, j: columns[c]}));
    scroller.replaceChildren(table);
  }

  /** Classes on the matching and found names and on the found class's row and column cells. */
  function mark() {
    for (const {head, i} of rowHeads) {
      head.classList.toggle("match", Boolean(matches?.has(i)));
      head.classList.toggle("found", i === found);
    }
    for (const {head, j} of columnHeads) {
      head.classList.toggle("match", Boolean(matches?.has(j)));
      head.classList.toggle("found", j === found);
    }
    for (const row of cells) for (const cell of row) cell.button.classList.toggle("found-line", cell.i === found || cell.j === found);
    if (found === null) delete element.dataset.found;
    else element.dataset.found = String(found);
  }

  /** Scroll class i's diagonal cell into view and make it the cell Tab reaches. */
  function reveal(i) {
    const row = cells.findIndex((rowCells) => rowCells[0]?.i === i);
    const column = row < 0 ? -1 : cells[row].findIndex((cell) => cell.j === i);
    if (column < 0) return;
    cells.flat().forEach((cell) => (cell.button.tabIndex = -1));
    focus = {row, column};
    cells[row][column].button.tabIndex = 0;
    cells[row][column].button.scrollIntoView({block: "nearest", inline: "nearest"});
  }

  function tooltipLines(i, j) {
    const {model, sums} = current;
    return withIssues(cellLines(model.classNames[i], model.columnNames[j], cellShares(model.matrix, sums, i, j)), model, i, j);
  }

  /** Cell size, font and labels from the layout (CSS custom properties of the table). */
  function applyFit(fit) {
    const sizes = fit || {cell: 56, height: 40, font: 13, label: 160, total: 48, rotate: false, headerHeight: 0, compact: false};
    const style = table.style;
    const set = (name, value) => { if (style.getPropertyValue(name) !== value) style.setProperty(name, value); };
    set("--cell-w", `${sizes.cell}px`);
    set("--cell-h", `${sizes.height}px`);
    set("--cell-font", `${sizes.font}px`);
    set("--label-w", `${sizes.label}px`);
    set("--total-w", `${sizes.total}px`);
    set("--head-h", `${sizes.headerHeight}px`);
    table.toggleAttribute("data-rotate", sizes.rotate);
    chars = sizes.compact ? Math.max(1, Math.floor((sizes.cell - 4) / (sizes.font * 0.62))) : Infinity;
  }

  function update({model, order, normalization, selected, theme, fit = null}) {
    const key = [model.columnNames.length, ...order, "|", ...model.columnNames].join("\u0000");
    if (search.update(model.classNames, order)) found = null; // other classes (another tag)
    element.classOrder = order; // the rows' classes, top to bottom (read by the browser tests)
    if (key !== structureKey) {
      rowTotals = [];
      rowHeads = [];
      build(model, order);
      structureKey = key;
      mark();
    }
    applyFit(fit);
    const sums = totals(model.matrix);
    current = {model, sums};
    const domain = colorDomain(model.matrix, sums, normalization);
    const issues = model.labelIssues?.shown && model.labelIssues.counts ? model.labelIssues : null;
    issuesControl.update(model.labelIssues);
    scroller.classList.toggle("issues-stale", Boolean(issues?.stale));
    for (const row of cells) {
      for (const cell of row) {
        const shares = cellShares(model.matrix, sums, cell.i, cell.j);
        const value = displayValue(shares, normalization);
        const diagonal = cell.i === cell.j;
        const {fill, text} = cellColor(value / (diagonal ? domain.diagonal : domain.error), {diagonal, theme}); // text: 4.5:1 or better
        const style = cell.button.style;
        if (style.backgroundColor !== fill) style.backgroundColor = fill;
        if (cell.color !== text) { style.color = text; cell.color = text; }
        setText(cell.button, cellText(value, normalization, chars));
        cell.button.setAttribute("aria-label", withIssues(cellLines(model.classNames[cell.i], model.columnNames[cell.j], shares),
          model, cell.i, cell.j).join(", "));
        const count = issues ? issuesAt(issues, cell.i, cell.j) : 0;
        if (issues) cell.button.dataset.issues = String(count);
        else delete cell.button.dataset.issues;
        cell.mark.hidden = count === 0;
        if (count) setText(cell.mark, compactCount(count));
        const isSelected = selected && selected.true === cell.i && selected.pred === cell.j;
        cell.button.classList.toggle("selected", Boolean(isSelected));
        cell.button.setAttribute("aria-pressed", isSelected ? "true" : "false");
      }
    }
    order.forEach((i, r) => setText(rowTotals[r], formatCount(sums.rows[i])));
    const columns = [...order, ...model.columnNames.slice(model.classNames.length).map((_, k) => model.classNames.length + k)];
    columns.forEach((j, c) => setText(columnTotals[c], formatCount(sums.columns[j])));
    setText(grandTotal, formatCount(sums.all));
  }

  return {element, update};
}

/** A cell's lines with its likely label issues added while they are shown. */
function withIssues(lines, model, i, j) {
  const issues = model.labelIssues;
  return issues?.shown && issues.counts ? [...lines, issuesText(issuesAt(issues, i, j))] : lines;
}

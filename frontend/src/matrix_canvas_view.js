// The confusion matrix on a canvas, for many classes (100 readable, 1000 usable): only the visible
// cells are drawn (with the model's non-zero `cells`, only the non-empty ones among them), the class names stay pinned on both axes while scrolling, and it zooms
// (buttons, ctrl+wheel, + and -). Arrow keys move a cursor cell, Enter opens its examples. The
// "Find class" box (class_search.js) marks matching names and brings a class's row and column into view.
// With "Likely label issues" ticked (label_issue_marks.js), a cell with likely label errors gets a corner
// mark, with their count once the cell is large enough, and the count in its tooltip.

import {h, setText} from "./dom.js";
import {cellColor} from "./colors.js";
import {cellShares, colorDomain, totals} from "./matrix_math.js";
import {cellLines, cellText, compactCount} from "./cell_text.js";
import {hideTooltip, showTooltip} from "./tooltip.js";
import {createClassSearch} from "./class_search.js";
import {createLabelIssuesControl, issuesAt, issuesText} from "./label_issue_marks.js";

const ZOOMS = [3, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32, 44, 56];
const LABEL_WIDTH = 132;
const LABEL_HEIGHT = 96;

/** {element, update(props)}: the same props and onSelect as the table view. */
export function createMatrixCanvas({onSelect}) {
  // The canvas sits under a transparent scroller whose spacer has the matrix's full size: the
  // scroller gives native scrolling, focus and events; the canvas redraws the visible part.
  const canvas = h("canvas", {class: "matrix-canvas", "aria-hidden": "true"});
  const spacer = h("div", {class: "matrix-spacer"});
  const viewport = h("div", {class: "matrix-viewport", tabindex: 0, role: "img"}, spacer);
  const stage = h("div", {class: "matrix-stage"}, canvas, viewport);
  const zoomLabel = h("span", {class: "zoom-label"});
  let zoom = null;
  const setZoom = (index) => {
    zoom = Math.max(0, Math.min(ZOOMS.length - 1, index));
    layout();
  };
  let matches = null; // class indices matching the search box, or null
  let found = null; // the class found with the search box, or null
  const search = createClassSearch({onMatches: (next) => { matches = next; if (!next) unfind(); draw(); }, onFind: (i) => findClass(i)});
  const toolbar = h("div", {class: "matrix-toolbar"}, search.element,
    h("button", {class: "icon-button", "aria-label": "Zoom out", title: "Zoom out (-)", onclick: () => setZoom(zoom - 1)}, "\u2212"),
    zoomLabel,
    h("button", {class: "icon-button", "aria-label": "Zoom in", title: "Zoom in (+)", onclick: () => setZoom(zoom + 1)}, "+"),
    h("button", {class: "text-button", onclick: () => setZoom(fitZoom())}, "Fit"));
  const issuesControl = createLabelIssuesControl();
  const element = h("div", {class: "matrix-canvas-wrap"}, toolbar, issuesControl.element, stage);
  element.issueMarks = []; // the marks of the last draw: [true, pred, count] (read by the browser tests)
  let props = null;
  let sums = null;
  let domain = null;
  let columnPosition = null; // column index -> display position (with the model's cells)
  let positionKey = null;
  let cursor = {row: 0, column: 0};
  let hover = null;

  // The viewport's size and scroll offsets, read from the DOM only after something may have changed
  // them (a resize, a scroll, a new spacer size). Reading them forces a synchronous layout: on a
  // cutoff slider step that layout fell between the other views' DOM writes, so each step laid the
  // page out twice.
  let measured = null;
  const viewBox = () => (measured ??= {width: viewport.clientWidth, height: viewport.clientHeight,
    left: viewport.scrollLeft, top: viewport.scrollTop});
  // The theme's colours (custom properties); reading computed style forces a style recalculation.
  let palette = null;
  const paletteFor = (theme) => {
    if (palette?.theme === theme) return palette;
    const styles = getComputedStyle(element);
    const read = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;
    const colours = {theme, background: read("--card", "#fff"), ink: read("--text", "#202124"),
      muted: read("--muted", "#5f6368"), accent: read("--accent", "#f57c00")};
    if (element.isConnected) palette = colours; // detached, it has no styles to keep
    return colours;
  };
  const cellSize = () => ZOOMS[zoom];
  const columnsOf = (p) => p.model.columnNames.length > p.model.classNames.length ? [...p.order, p.model.classNames.length] : p.order;
  function fitZoom() {
    const width = Math.max(200, viewport.clientWidth || 600) - LABEL_WIDTH;
    const n = props ? columnsOf(props).length : 100;
    let best = 0;
    ZOOMS.forEach((z, k) => { if (z * n <= width) best = k; });
    return best;
  }

  function layout() {
    if (!props) return;
    const size = cellSize();
    setText(zoomLabel, `${size}px`);
    const columns = columnsOf(props);
    const spacerWidth = `${LABEL_WIDTH + columns.length * size}px`;
    const spacerHeight = `${LABEL_HEIGHT + props.order.length * size}px`;
    if (spacer.style.width !== spacerWidth || spacer.style.height !== spacerHeight) {
      spacer.style.width = spacerWidth;
      spacer.style.height = spacerHeight;
      stage.style.height = `${Math.min(640, LABEL_HEIGHT + props.order.length * size + 16)}px`;
      measured = null; // the scroll offsets may be clamped, scroll bars come or go
    }
    draw();
  }

  function draw() {
    if (!props) return;
    const ratio = window.devicePixelRatio || 1;
    const {width, height, left, top} = viewBox();
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    const {model, order, normalization, selected, theme} = props;
    const {background, ink, muted, accent} = paletteFor(theme);
    context.fillStyle = background;
    context.fillRect(0, 0, width, height);
    const columns = columnsOf(props);
    const size = cellSize();
    const firstRow = Math.max(0, Math.floor(top / size));
    const lastRow = Math.min(order.length, Math.ceil((top + height - LABEL_HEIGHT) / size) + 1);
    const firstColumn = Math.max(0, Math.floor(left / size));
    const lastColumn = Math.min(columns.length, Math.ceil((left + width - LABEL_WIDTH) / size) + 1);
    const font = Math.max(9, Math.min(12, size * 0.42));
    context.font = `${font}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    const empty = cellColor(0, {diagonal: false, theme});
    context.fillStyle = empty.fill;
    context.fillRect(LABEL_WIDTH, LABEL_HEIGHT, Math.min(width, columns.length * size - left), Math.min(height, order.length * size - top));
    const paint = (r, c, i, j, count) => {
      const x = LABEL_WIDTH + c * size - left;
      const y = LABEL_HEIGHT + r * size - top;
      const value = normalization === "count" ? count : share(count, i, j, normalization);
      const diagonal = i === j;
      const {fill, text} = cellColor(value / (diagonal ? domain.diagonal : domain.error), {diagonal, theme});
      context.fillStyle = fill;
      context.fillRect(x, y, size - (size > 6 ? 1 : 0), size - (size > 6 ? 1 : 0));
      if (size >= 32 && value) {
        context.fillStyle = text;
        context.fillText(cellText(value, normalization), x + size / 2, y + size / 2, size - 4);
      }
    };
    // Empty cells keep the background (most of a large matrix).
    const cells = model.cells;
    if (cells) {
      // Visible rows, and in each only its non-empty cells that fall in the visible columns.
      for (let r = firstRow; r < lastRow; r++) {
        const i = order[r];
        for (let k = cells.rowStart[i]; k < cells.rowStart[i + 1]; k++) {
          const c = columnPosition[cells.columns[k]];
          if (c >= firstColumn && c < lastColumn) paint(r, c, i, cells.columns[k], cells.values[k]);
        }
      }
    } else {
      for (let r = firstRow; r < lastRow; r++) {
        const i = order[r];
        const row = model.matrix[i];
        for (let c = firstColumn; c < lastColumn; c++) {
          const j = columns[c];
          if (row[j] !== 0) paint(r, c, i, j, row[j]);
        }
      }
    }
    drawIssues(context, {order, columns, size, left, top, firstRow, lastRow, firstColumn, lastColumn, theme});
    const outline = (r, c, color, widthPx) => {
      context.strokeStyle = color;
      context.lineWidth = widthPx;
      context.strokeRect(LABEL_WIDTH + c * size - left + 0.5, LABEL_HEIGHT + r * size - top + 0.5, size - 1, size - 1);
    };
    if (found !== null) {
      // The found class: a band over its row and its column, its diagonal cell outlined.
      const r = order.indexOf(found);
      const c = columns.indexOf(found);
      context.globalAlpha = 0.14;
      context.fillStyle = ink;
      if (r >= 0) context.fillRect(LABEL_WIDTH, LABEL_HEIGHT + r * size - top, Math.min(width, columns.length * size - left), size);
      if (c >= 0) context.fillRect(LABEL_WIDTH + c * size - left, LABEL_HEIGHT, size, Math.min(height, order.length * size - top));
      context.globalAlpha = 1;
      if (r >= 0 && c >= 0) outline(r, c, ink, 2);
    }
    if (selected) {
      const r = order.indexOf(selected.true);
      const c = columns.indexOf(selected.pred);
      if (r >= 0 && c >= 0) outline(r, c, accent, 2);
    }
    if (document.activeElement === viewport) outline(cursor.row, cursor.column, ink, 1.5);
    // Pinned axes: row names on the left, column names on top, drawn over the scrolled cells.
    context.fillStyle = background;
    context.fillRect(0, 0, LABEL_WIDTH, height);
    context.fillRect(0, 0, width, LABEL_HEIGHT);
    context.fillStyle = muted;
    context.textAlign = "left";
    context.font = `11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    context.fillText("Actual \u2193", 6, LABEL_HEIGHT - 22);
    context.fillText("Predicted \u2192", 6, LABEL_HEIGHT - 8);
    if (matches || found !== null) {
      // A mark beside each matching name (also when the names are too small to draw).
      context.fillStyle = accent;
      for (let r = firstRow; r < lastRow; r++) {
        const y = LABEL_HEIGHT + r * size - top;
        if (y >= LABEL_HEIGHT - 1 && (matches?.has(order[r]) || order[r] === found)) context.fillRect(LABEL_WIDTH - 4, y, 3, size);
      }
      for (let c = firstColumn; c < lastColumn; c++) {
        const x = LABEL_WIDTH + c * size - left;
        if (x >= LABEL_WIDTH - 1 && (matches?.has(columns[c]) || columns[c] === found)) context.fillRect(x, LABEL_HEIGHT - 4, size, 3);
      }
    }
    if (size >= 9) {
      context.fillStyle = ink;
      const labelFont = `${Math.min(12, size - 2)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
      const matched = (i) => Boolean(matches?.has(i)) || i === found;
      const fontOf = (i) => (matched(i) ? `bold ${labelFont}` : labelFont);
      context.font = labelFont;
      context.textAlign = "right";
      for (let r = firstRow; r < lastRow; r++) {
        const y = LABEL_HEIGHT + r * size - top + size / 2;
        if (matched(order[r])) context.font = fontOf(order[r]);
        if (y > LABEL_HEIGHT) context.fillText(model.classNames[order[r]], LABEL_WIDTH - 6, y, LABEL_WIDTH - 10);
        if (matched(order[r])) context.font = labelFont;
      }
      context.textAlign = "left";
      for (let c = firstColumn; c < lastColumn; c++) {
        const x = LABEL_WIDTH + c * size - left + size / 2;
        if (x < LABEL_WIDTH) continue;
        context.save();
        context.translate(x, LABEL_HEIGHT - 6);
        context.rotate(-Math.PI / 2);
        context.font = fontOf(columns[c]);
        context.fillText(model.columnNames[columns[c]], 0, 0, LABEL_HEIGHT - 10);
        context.restore();
      }
    }
  }

  // Each visible cell's likely label issues: a triangle in its top-right corner, with the count beside it
  // when the cell is large enough to hold both.
  function drawIssues(context, {order, columns, size, left, top, firstRow, lastRow, firstColumn, lastColumn, theme}) {
    const issues = props.model.labelIssues;
    const marks = [];
    if (issues?.shown && issues.counts) {
      context.save();
      context.globalAlpha = issues.stale ? 0.45 : 1;
      const fill = theme === "dark" ? "#d9b8ec" : "#6a1b9a";
      const corner = Math.max(3, Math.min(10, Math.floor(size * 0.35)));
      context.font = `bold ${Math.min(11, Math.floor(size * 0.3))}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
      context.textAlign = "right";
      context.textBaseline = "top";
      for (let r = firstRow; r < lastRow; r++) {
        for (let c = firstColumn; c < lastColumn; c++) {
          const count = issuesAt(issues, order[r], columns[c]);
          if (!count) continue;
          marks.push([order[r], columns[c], count]);
          const x = LABEL_WIDTH + (c + 1) * size - left - (size > 6 ? 1 : 0);
          const y = LABEL_HEIGHT + r * size - top;
          context.fillStyle = fill;
          context.beginPath();
          context.moveTo(x - corner, y);
          context.lineTo(x, y);
          context.lineTo(x, y + corner);
          context.closePath();
          context.fill();
          if (size >= 44) { // below, the count would cover the cell's own number
            const text = compactCount(count);
            const width = context.measureText(text).width + 4;
            const height = Math.min(11, Math.floor(size * 0.3)) + 3;
            context.fillRect(x - corner - width, y, width, height);
            context.fillStyle = theme === "dark" ? "#1b1b1f" : "#ffffff";
            context.fillText(text, x - corner - 2, y + 1.5);
          }
        }
      }
      context.restore();
    }
    element.issueMarks = marks;
  }

  // A cell's share under a normalization (cellShares without looking the count up again).
  function share(count, i, j, normalization) {
    const total = normalization === "row" ? sums.rows[i] : normalization === "column" ? sums.columns[j] : sums.all;
    return total ? count / total : 0;
  }

  function cellAt(event) {
    const box = viewport.getBoundingClientRect();
    const x = event.clientX - box.left - LABEL_WIDTH + viewport.scrollLeft;
    const y = event.clientY - box.top - LABEL_HEIGHT + viewport.scrollTop;
    if (event.clientX - box.left < LABEL_WIDTH || event.clientY - box.top < LABEL_HEIGHT) return null;
    const row = Math.floor(y / cellSize());
    const column = Math.floor(x / cellSize());
    if (!props || row < 0 || column < 0 || row >= props.order.length || column >= columnsOf(props).length) return null;
    return {row, column, i: props.order[row], j: columnsOf(props)[column]};
  }

  function linesFor(i, j) {
    const {model} = props;
    const lines = cellLines(model.classNames[i], model.columnNames[j], model.cells ? cellShares(null, sums, i, j, model.cells)
      : cellShares(model.matrix, sums, i, j));
    const issues = model.labelIssues;
    return issues?.shown && issues.counts ? [...lines, issuesText(issuesAt(issues, i, j))] : lines;
  }

  viewport.addEventListener("scroll", () => { measured = null; requestAnimationFrame(draw); }, {passive: true});
  viewport.addEventListener("mousemove", (event) => {
    hover = cellAt(event);
    if (hover) showTooltip(linesFor(hover.i, hover.j), event.clientX, event.clientY);
    else hideTooltip();
    viewport.style.cursor = hover ? "pointer" : "default";
  });
  viewport.addEventListener("mouseleave", () => { hover = null; hideTooltip(); });
  viewport.addEventListener("click", (event) => {
    const cell = cellAt(event);
    if (cell) {
      cursor = {row: cell.row, column: cell.column};
      onSelect(cell.i, cell.j);
    }
  });
  viewport.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    setZoom(zoom + (event.deltaY < 0 ? 1 : -1));
  }, {passive: false});
  viewport.addEventListener("focus", draw);
  viewport.addEventListener("blur", () => { hideTooltip(); draw(); });
  viewport.addEventListener("keydown", (event) => {
    if (!props) return;
    const moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
    if (moves[event.key]) {
      event.preventDefault();
      event.stopPropagation();
      cursor = {
        row: Math.max(0, Math.min(props.order.length - 1, cursor.row + moves[event.key][0])),
        column: Math.max(0, Math.min(columnsOf(props).length - 1, cursor.column + moves[event.key][1])),
      };
      scrollIntoView();
      draw();
      const box = canvas.getBoundingClientRect();
      const size = cellSize();
      showTooltip(linesFor(props.order[cursor.row], columnsOf(props)[cursor.column]),
        box.left + LABEL_WIDTH + (cursor.column + 1) * size - viewport.scrollLeft,
        box.top + LABEL_HEIGHT + (cursor.row + 1) * size - viewport.scrollTop);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(props.order[cursor.row], columnsOf(props)[cursor.column]);
    } else if (event.key === "+" || event.key === "=") {
      setZoom(zoom + 1);
    } else if (event.key === "-") {
      setZoom(zoom - 1);
    }
  });

  /** Zoom to readable names (12 px) if smaller, centre class i's row and column, mark them. */
  function findClass(i) {
    if (!props) return;
    found = i;
    element.dataset.found = String(i);
    if (ZOOMS[zoom] < 12) setZoom(ZOOMS.indexOf(12));
    const row = props.order.indexOf(i);
    const column = columnsOf(props).indexOf(i);
    if (row < 0 || column < 0) return;
    cursor = {row, column};
    const size = cellSize();
    viewport.scrollTop = Math.max(0, (row + 0.5) * size - (viewport.clientHeight - LABEL_HEIGHT) / 2);
    viewport.scrollLeft = Math.max(0, (column + 0.5) * size - (viewport.clientWidth - LABEL_WIDTH) / 2);
    measured = null;
    draw();
  }

  function unfind() {
    found = null;
    delete element.dataset.found;
  }

  function scrollIntoView() {
    const size = cellSize();
    const x = cursor.column * size;
    const y = cursor.row * size;
    const width = viewport.clientWidth - LABEL_WIDTH;
    const height = viewport.clientHeight - LABEL_HEIGHT;
    if (x < viewport.scrollLeft) viewport.scrollLeft = x;
    else if (x + size > viewport.scrollLeft + width) viewport.scrollLeft = x + size - width;
    if (y < viewport.scrollTop) viewport.scrollTop = y;
    else if (y + size > viewport.scrollTop + height) viewport.scrollTop = y + size - height;
    measured = null;
  }

  if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => { measured = null; requestAnimationFrame(draw); }).observe(viewport);

  function update(next) {
    const first = props === null;
    if (search.update(next.model.classNames, next.order)) unfind(); // other classes (another tag)
    props = next;
    issuesControl.update(next.model.labelIssues);
    element.classOrder = next.order; // the rows' classes, top to bottom (read by the browser tests)
    const cells = next.model.cells;
    // With cells, never read model.matrix here: it would build the dense C x C matrix.
    sums = cells ? totals(null, cells) : totals(next.model.matrix);
    domain = cells ? colorDomain(null, sums, next.normalization, cells) : colorDomain(next.model.matrix, sums, next.normalization);
    if (cells) {
      const columns = columnsOf(next);
      const key = `${columns.length}:${next.order.join(",")}`;
      if (key !== positionKey) {
        positionKey = key;
        columnPosition = new Int32Array(cells.width).fill(-1);
        columns.forEach((j, c) => { columnPosition[j] = c; });
      }
    }
    viewport.setAttribute("aria-label", `Confusion matrix of ${next.order.length} classes. Arrow keys move between cells, Enter shows a cell's examples, plus and minus zoom.`);
    if (first) {
      // Readable by default (class names shown from 9px): scroll rather than shrink below 12px,
      // unless the matrix is huge, where seeing all of it first is more useful.
      zoom = ZOOMS.indexOf(12);
      requestAnimationFrame(() => setZoom(next.order.length > 200 ? fitZoom() : Math.max(fitZoom(), ZOOMS.indexOf(12))));
    }
    layout();
  }

  return {element, update};
}

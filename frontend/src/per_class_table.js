// Per-class metrics (the catalogue's "compact" columns) with macro, micro and weighted averages.
//
// Windowed: only the rows in view (plus a margin) exist in the DOM, between two spacer rows that
// keep the scroll height of the whole table, so a threshold drag at 1,000 classes rewrites ~40 rows
// instead of 1,000 (a full table re-layout per step cost ~30 ms). The table keeps one fixed column
// layout (no jitter while rows come and go), says how many rows it has (aria-rowcount, each row
// its aria-rowindex) and its scroller is keyboard-focusable (arrows, Page Up/Down, Home/End).
// Layout is never read during an update: the scroll position and the viewport and row heights
// come from the scroll event and a ResizeObserver, which run when layout is already clean.

import {h, setText} from "./dom.js";
import {formatCount, formatMetric} from "./number_format.js";

const AVERAGES = ["macro", "micro", "weighted"];
/** Row height in px until a rendered row is measured (matches .per-class tbody tr in style.css). */
export const ROW_HEIGHT = 30;
/** Viewport height in px until measured (the .table-scroll max-height). */
const VIEWPORT_HEIGHT = 360;
/** Rows rendered above and below the visible ones, so a scroll of a few rows needs no new rows. */
export const OVERSCAN = 12;

/** The rows [first, last) to render for a scroller at `scrollTop` showing `viewportHeight` px of
 * `count` rows of `rowHeight` px (below a header of `headHeight` px), `overscan` extra each side. */
export function rowWindow({scrollTop, viewportHeight, rowHeight, count, headHeight = 0, overscan = OVERSCAN}) {
  const height = rowHeight > 0 ? rowHeight : ROW_HEIGHT;
  const top = Math.max(0, scrollTop - headHeight);
  const firstVisible = Math.floor(top / height);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / height);
  const first = Math.max(0, Math.min(count, firstVisible - overscan));
  const last = Math.max(first, Math.min(count, lastVisible + overscan));
  return {first, last};
}

/** A cell's text: support is a count (the catalogue has no unit field), every other column a metric value. */
function columnText(column, value) {
  return column === "support" ? formatCount(value) : formatMetric(value);
}

/** {element, update(names, metrics, columns)}; `label` names the scrollable region for screen readers. */
export function createPerClassTable({label = "Per-class metrics"} = {}) {
  const element = h("div", {class: "table-scroll per-class", tabindex: 0, role: "region", "aria-label": label});
  const topSpacer = spacerRow();
  const bottomSpacer = spacerRow();
  let table = null;
  let tbody = null;
  let key = null;
  let names = [];
  let columns = [];
  let metrics = null;
  let averageRows = [];
  let rendered = new Map(); // class index -> {row, name, cells}
  let range = {first: 0, last: 0};
  const view = {scrollTop: 0, viewportHeight: VIEWPORT_HEIGHT, rowHeight: ROW_HEIGHT, headHeight: 0};

  function spacerRow() {
    const cell = h("td", {});
    return {row: h("tr", {class: "spacer", "aria-hidden": "true"}, cell), cell};
  }

  function build() {
    topSpacer.cell.colSpan = bottomSpacer.cell.colSpan = columns.length + 1;
    rendered = new Map();
    range = {first: 0, last: 0};
    averageRows = AVERAGES.map((average, k) => ({average,
      row: h("tr", {class: "average", "aria-rowindex": names.length + 2 + k}, h("th", {scope: "row"}, `${average} avg`)),
      cells: columns.map(() => h("td", {class: "num"}))}));
    averageRows.forEach((r) => r.row.append(...r.cells));
    tbody = h("tbody", {});
    table = h("table", {class: "metrics-table", "aria-rowcount": names.length + 1 + AVERAGES.length},
      h("colgroup", {}, h("col", {class: "name-column"}), columns.map(() => h("col", {class: "number-column"}))),
      h("thead", {}, h("tr", {"aria-rowindex": 1}, h("th", {scope: "col"}, "Class"),
        columns.map((column) => h("th", {scope: "col", class: "num"}, column.label)))),
      tbody,
      h("tfoot", {}, averageRows.map((r) => r.row)));
    element.replaceChildren(table);
  }

  function makeRow() {
    const name = h("th", {scope: "row"});
    const cells = columns.map(() => h("td", {class: "num"}));
    return {row: h("tr", {}, name, cells), name, cells, index: -1};
  }

  function fill(entry, i) {
    if (entry.index !== i) {
      entry.index = i;
      entry.row.setAttribute("aria-rowindex", String(i + 2));
      entry.row.dataset.index = String(i);
      setText(entry.name, names[i]);
      entry.name.title = names[i];
    }
    if (!metrics) return;
    columns.forEach(({key: column}, c) => setText(entry.cells[c], columnText(column, metrics[column]?.per_class?.[i])));
  }

  /** Render the rows of the current window: rows still in it keep their elements (only texts
   * change), rows that left are reused for those that came in. */
  function renderWindow() {
    if (!tbody) return;
    const next = rowWindow({...view, count: names.length});
    if (next.first === range.first && next.last === range.last && rendered.size === next.last - next.first) {
      for (const [i, entry] of rendered) fill(entry, i);
      return;
    }
    const spare = [];
    for (const [i, entry] of rendered) if (i < next.first || i >= next.last) { spare.push(entry); rendered.delete(i); }
    const rows = [];
    for (let i = next.first; i < next.last; i++) {
      let entry = rendered.get(i);
      if (!entry) {
        entry = spare.pop() || makeRow();
        rendered.set(i, entry);
      }
      fill(entry, i);
      rows.push(entry.row);
    }
    range = next;
    const above = next.first * view.rowHeight;
    const below = (names.length - next.last) * view.rowHeight;
    topSpacer.cell.style.height = `${above}px`;
    bottomSpacer.cell.style.height = `${below}px`;
    // A spacer exists only when it has a height: at the top, the first row is tbody's first row.
    tbody.replaceChildren(...(above > 0 ? [topSpacer.row] : []), ...rows, ...(below > 0 ? [bottomSpacer.row] : []));
  }

  element.addEventListener("scroll", () => {
    view.scrollTop = element.scrollTop;
    renderWindow();
  }, {passive: true});

  if (typeof ResizeObserver !== "undefined") {
    // After layout: the viewport height, and the real height of a row and of the header.
    new ResizeObserver(() => {
      if (!table) return;
      view.viewportHeight = element.clientHeight || VIEWPORT_HEIGHT;
      view.scrollTop = element.scrollTop;
      const head = table.tHead;
      if (head) view.headHeight = head.offsetHeight;
      const sample = rendered.values().next().value;
      const height = sample ? sample.row.getBoundingClientRect().height : 0;
      if (height > 0 && Math.abs(height - view.rowHeight) > 0.01) {
        view.rowHeight = height;
        range = {first: 0, last: 0}; // spacer heights change
      }
      renderWindow();
    }).observe(element);
  }

  /** names: class (or label) names; metrics: the model's metrics; columns: catalogue entries. */
  function update(nextNames, nextMetrics, nextColumns) {
    metrics = nextMetrics;
    const newColumns = !sameColumns(nextColumns, columns);
    if (nextNames !== names || newColumns) {
      const next = JSON.stringify(nextNames);
      names = nextNames;
      columns = nextColumns;
      if (next !== key || newColumns) {
        key = next;
        build();
      }
    }
    renderWindow();
    averageRows.forEach((row) => columns.forEach(({key: column}, c) => {
      setText(row.cells[c], columnText(column, metrics[column]?.[row.average]));
    }));
  }

  return {element, update};
}

function sameColumns(a, b) {
  return a.length === b.length && a.every((column, c) => column.key === b[c].key && column.label === b[c].label);
}

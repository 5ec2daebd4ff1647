// The run grid's layout for the state: measures the class names and totals of the selected tag
// (text_width.js) and asks card_layout.js how many cards go in a row and how big the cells are.

import {cardLayout} from "./card_layout.js";
import {PANEL_FONT, widestText} from "./text_width.js";
import {formatCount} from "./number_format.js";
import {tableColumns} from "./catalogue.js";
import {taskInfo} from "./tasks.js";

/** Matrix label and number font (style.css table.matrix th, td.total). */
const LABEL_FONT = `12px ${PANEL_FONT}`;
/** The per-class table: a name column of at least this many px, and one number column per metric. */
const SIDE_NAME = 72;
const SIDE_COLUMN = 66;
/** Width of the run grid's cards when nothing is known yet (before the tags load). */
const FALLBACK = {perRow: 1, inner: 0, fit: null};

/** {perRow, inner, fit} for `runViews` (app.js) in a grid `width` px wide; memoized on its inputs. */
export function createGridLayout() {
  let key = null;
  let result = FALLBACK;
  let namesKey = null;
  let names = {label: 0, header: 0};

  return function gridLayout(state, runViews, width) {
    const info = state.tags?.[state.runs[0]]?.[state.tag];
    if (!info || !info.task || !width) return FALLBACK;
    const task = taskInfo(info.task);
    const perLabel = task.matrix === "labels";
    // By superclass (class_groups.js), the cards show the groups: their count and names decide the layout.
    const grouped = runViews.find((r) => r.model?.grouped)?.model ?? null;
    const classNames = grouped ? grouped.classNames : info.class_names || [];
    // The widest grand total of the shown runs (its column holds the largest number).
    const largest = Math.max(0, ...runViews.map((r) => r.model?.numExamples || 0));
    const totalText = formatCount(largest || 9999);
    const nextNames = JSON.stringify([perLabel, classNames]);
    if (nextNames !== namesKey) {
      namesKey = nextNames;
      const rows = perLabel ? classNames.map((name) => `not ${name}`) : classNames;
      names = {label: widestText(rows, LABEL_FONT), header: widestText([...rows, ...(task.decision === "cutoff" ? ["below cutoff"] : [])], LABEL_FONT)};
    }
    const classes = perLabel ? 2 : grouped ? classNames.length : info.num_classes;
    // Room for the "below cutoff" column is kept even at cutoff 0, so moving the cutoff keeps the layout.
    const columns = classes + (task.decision === "cutoff" ? 1 : 0);
    const sideMin = SIDE_NAME + SIDE_COLUMN * Math.max(1, tableColumns(state.catalogue, info.task).length);
    const next = JSON.stringify([width, state.runs.length, columns, classes, names, totalText, sideMin]);
    if (next !== key) {
      key = next;
      result = cardLayout({width, runs: state.runs.length, sideMin, matrix: {columns, classes, labelWidth: names.label,
        headerWidth: names.header, totalWidth: widestText([totalText], LABEL_FONT)}});
    }
    return result;
  };
}

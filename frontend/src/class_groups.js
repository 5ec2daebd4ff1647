// "Group by: superclasses": a multiclass tag logged with class_groups (one group name per class, the tags
// route's `class_groups`) shows its matrix with classes summed into their groups, rows by the true class's
// group and columns by the predicted class's group; the "below cutoff" column stays its own. Groups come in
// the order of their first class. The metrics are computed from that grouped matrix exactly as the panel
// computes per-class ones (formulas.js), which is tb_confusion.groups.grouped_report's definition: the
// predicted group is the group of the predicted class (docs/groups.md). Pure functions.

import {BELOW_CUTOFF, withFields, withLazyMatrix} from "./model.js";
import {cellMetrics, countsFromCells} from "./formulas.js";

/** The choices of the control: [value, label]. */
export const GROUPINGS = [["classes", "classes"], ["groups", "superclasses"]];

/** The tag's class groups (one name per class) from its tags-route `info`, or null when it has none or
 * they do not fit its classes (a multiclass tag only). */
export function classGroupsOf(info) {
  const groups = info?.class_groups;
  if (!info || info.task !== "multiclass" || !Array.isArray(groups) || !groups.length) return null;
  return groups.length === (info.class_names?.length ?? -1) ? groups : null;
}

/** {names: group names in order of first appearance, index: Int32Array [C], the group of each class}. */
export function grouping(classGroups) {
  const position = new Map();
  const index = new Int32Array(classGroups.length);
  classGroups.forEach((group, k) => {
    if (!position.has(group)) position.set(group, position.size);
    index[k] = position.get(group);
  });
  return {names: [...position.keys()], index};
}

/** Non-zero cells (lookups.js multiclassCellsAt's shape) of a dense matrix [C][C or C + 1]. */
export function cellsOfMatrix(matrix) {
  const numClasses = matrix.length;
  const width = Math.max(numClasses, ...matrix.map((row) => row.length));
  const rows = [];
  const columns = [];
  const values = [];
  const rowStart = new Int32Array(numClasses + 1);
  matrix.forEach((row, t) => {
    rowStart[t] = values.length;
    row.forEach((value, j) => {
      if (value === 0) return;
      rows.push(t);
      columns.push(j);
      values.push(value);
    });
  });
  rowStart[numClasses] = values.length;
  return {numClasses, width, length: values.length, rows: Int32Array.from(rows), columns: Int32Array.from(columns),
    values: Float64Array.from(values), rowStart};
}

/** The grouped cells of class `cells`: G rows, G columns (G + 1 when the class cells have the "below
 * cutoff" column), each the sum of its classes' cells. O(non-zero cells + G * width). */
export function groupedCells(cells, classGroups) {
  const {names, index} = grouping(classGroups);
  if (index.length !== cells.numClasses) {
    throw new Error(`class_groups has ${index.length} entries; the matrix has ${cells.numClasses} classes`);
  }
  const g = names.length;
  const below = cells.width > cells.numClasses;
  const width = below ? g + 1 : g;
  const sums = new Float64Array(g * width);
  for (let t = 0; t < cells.numClasses; t++) {
    const row = index[t] * width;
    for (let k = cells.rowStart[t]; k < cells.rowStart[t + 1]; k++) {
      const j = cells.columns[k];
      sums[row + (j === cells.numClasses ? g : index[j])] += cells.values[k];
    }
  }
  const dense = Array.from({length: g}, (_, i) => Array.from(sums.subarray(i * width, (i + 1) * width)));
  return cellsOfMatrix(dense);
}

/** `model` (model.js modelAt / withReport, multiclass) with its matrix and metrics by group: classNames the
 * group names, columnNames with "below cutoff" when the matrix has it, counts and metrics from the grouped
 * cells (formulas.js cellMetrics), `grouped` {classNames, classGroups} (the classes behind it). Metrics that
 * need probabilities (ROC AUC, log loss, ...) are not defined by group and are left out. */
export function groupedModel(model, classGroups) {
  const cells = model.cells || cellsOfMatrix(model.matrix);
  const groupCells = groupedCells(cells, classGroups);
  const {names} = grouping(classGroups);
  const computed = cellMetrics(groupCells, names);
  const grouped = withFields(model, {classNames: names, columnNames: groupCells.width > names.length ? [...names, BELOW_CUTOFF] : names,
    cells: groupCells, counts: countsFromCells(groupCells), metrics: computed.metrics, undefined: computed.undefined,
    exact: model.exact, labelIssues: null, grouped: {classNames: model.classNames, classGroups}});
  return withLazyMatrix(grouped, groupCells);
}

/** The model a card shows: grouped when the state asks for superclasses and the tag has them. */
export function shownModel(model, state, info) {
  const groups = state.classGrouping === "groups" ? classGroupsOf(info) : null;
  return model && groups && model.task === "multiclass" ? groupedModel(model, groups) : model;
}

// What every view shows for one (run, tag, step) at the chosen threshold(s): the confusion matrix
// and its metrics, computed from the `stats` route's sufficient statistics in microseconds.

import {cellMetrics, countsFromCells, countsFromLabelMatrices, countsFromMatrix, labelMetrics, matrixMetrics} from "./formulas.js";
import {binaryMatrixAt, denseMatrix, multiclassCellsAt} from "./lookups.js";
import {reportedKeys} from "./catalogue.js";
import {taskInfo} from "./tasks.js";

export const BELOW_CUTOFF = "below cutoff";

/** The model for `stats` at {threshold (binary), cutoff (multiclass), labelThresholds (multilabel,
 * one per label)}: {task, classNames, columnNames, labelNames, matrix, cells, labelMatrices, counts,
 * metrics, undefined, numExamples, numElements}. Numbers equal build_report's for the same threshold. The
 * metrics that do not move with the threshold (the catalogue's decision: false) are the server's
 * report's at defaults, with their entries of `undefined` ("roc_auc.per_class.cat", "log_loss").
 * Multiclass also gives `cells`, the matrix's non-zero cells (lookups.js multiclassCellsAt): the
 * math and the canvas walk those instead of all C * C entries of `matrix` (null otherwise).
 * numElements: the elements (pixels) counted in the matrix of a step whose examples hold many (the
 * report's num_elements), else null. */
export function modelAt(stats, {threshold = 0.5, cutoff = 0, labelThresholds = null} = {}, catalogue = null) {
  const classNames = stats.class_names;
  const report = stats.report || {};
  let matrix;
  let cells = null;
  let labelMatrices = null;
  let counts;
  let computed;
  // Which statistics the server sent decides how the matrix is built (docs/http_api.md, `stats`).
  if (stats.binary) {
    const positiveClass = report.positive_class ?? 1;
    const [[tn, fp], [fn, tp]] = binaryMatrixAt(stats.binary, threshold);
    // Rows and columns in class order; the positive class is usually class 1.
    matrix = positiveClass === 1 ? [[tn, fp], [fn, tp]] : [[tp, fn], [fp, tn]];
    counts = countsFromMatrix(matrix);
    computed = matrixMetrics(matrix, classNames, {positiveClass});
  } else if (stats.labels) {
    const thresholds = labelThresholds || classNames.map(() => threshold);
    labelMatrices = stats.labels.map((binary, k) => binaryMatrixAt(binary, thresholds[k]));
    counts = countsFromLabelMatrices(labelMatrices);
    matrix = sumMatrices(labelMatrices);
    computed = labelMetrics(labelMatrices, classNames);
    // Exact-match accuracy needs every example: the server's, when it is for these thresholds.
    if (sameThresholds(report.threshold, thresholds)) computed.metrics.accuracy = report.metrics?.accuracy ?? null;
  } else {
    cells = multiclassCellsAt(stats.multiclass, classNames.length, cutoff);
    matrix = null; // dense on first read (see below): a slider drag over the canvas never needs it
    counts = countsFromCells(cells);
    computed = cellMetrics(cells, classNames);
  }
  const metrics = computed.metrics;
  const reported = reportedKeys(catalogue);
  for (const name of reported) if (report.metrics && name in report.metrics) metrics[name] = report.metrics[name];
  const reportedUndefined = (report.undefined || []).filter((name) => reported.has(name.split(".")[0]));
  const perLabel = taskInfo(stats.task).matrix === "labels";
  const width = cells ? cells.width : matrix[0].length;
  const columnNames = !perLabel && width > classNames.length ? [...classNames, BELOW_CUTOFF] : classNames;
  const model = {
    task: stats.task,
    classNames: perLabel ? ["negative", "positive"] : classNames,
    columnNames: perLabel ? ["negative", "positive"] : columnNames,
    labelNames: perLabel ? classNames : null,
    matrix,
    cells,
    labelMatrices,
    counts,
    metrics,
    undefined: [...computed.undefined, ...reportedUndefined],
    numExamples: stats.num_examples,
    numElements: report.num_elements ?? null,
  };
  return cells ? withLazyMatrix(model, cells) : model;
}

/** `model` with its `matrix` the dense form of `cells`, built on first read (a slider drag over the
 * canvas never reads it; at C = 1,000 it is a million numbers). Returns `model`. */
export function withLazyMatrix(model, cells) {
  let dense = null;
  return Object.defineProperty(model, "matrix", {enumerable: true, configurable: true,
    get: () => (dense ??= denseMatrix(cells)), set: (value) => { dense = value; }});
}

function sameThresholds(reported, thresholds) {
  return Array.isArray(reported) && reported.length === thresholds.length && reported.every((t, k) => t === thresholds[k]);
}

function sumMatrices(matrices) {
  const total = [[0, 0], [0, 0]];
  for (const m of matrices) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) total[i][j] += m[i][j];
  return total;
}

/** The operating point {fpr, tpr, precision, recall} of class k (one-vs-rest) from the counts. */
export function operatingPoint(model, k) {
  const c = model.counts[k];
  if (!c) return null;
  return {
    fpr: c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0,
    tpr: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0,
    precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0,
    recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0,
  };
}

/** `model` with `fields` added or replaced. Unlike a spread, it keeps the lazy dense `matrix` of a
 * multiclass model lazy: a spread reads every getter, and at C = 1,000 that builds a C x C matrix on
 * every slider step that nothing draws. */
export function withFields(model, fields) {
  return Object.defineProperties(Object.defineProperties({}, Object.getOwnPropertyDescriptors(model)),
    Object.getOwnPropertyDescriptors(fields));
}

/** The model with the server's exact numbers (the report route): all of them for thinned
 * statistics, else (per-label matrices: multilabel) the exact-match accuracy. */
export function withReport(model, report) {
  if (taskInfo(model.task).matrix === "labels") return withFields(model, {metrics: {...model.metrics, accuracy: report.metrics.accuracy}});
  const matrix = report.confusion_matrix;
  return withFields(model, {matrix, cells: null, counts: countsFromMatrix(matrix), metrics: report.metrics, undefined: report.undefined, exact: true});
}

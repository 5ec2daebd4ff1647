// What every view shows for one (run, tag, step) at the chosen threshold(s): the confusion matrix
// and its metrics, computed from the `stats` route's sufficient statistics in microseconds.

import {agreementMetrics, countsFromLabelMatrices, countsFromMatrix, perClassMetrics} from "./formulas.js";
import {binaryMatrixAt, multiclassMatrixAt} from "./lookups.js";

export const BELOW_CUTOFF = "below cutoff";

// Threshold-free metrics come from the server's report at defaults.
const RANKING_METRICS = ["roc_auc", "average_precision", "log_loss", "top_k_accuracy"];

/** The model for `stats` at {threshold (binary), cutoff (multiclass), thresholds (one per label)}:
 * {task, classNames, columnNames, matrix, labelMatrices, counts, metrics, undefined}. */
export function modelAt(stats, {threshold = 0.5, cutoff = 0, thresholds = null} = {}) {
  const classNames = stats.class_names;
  const numClasses = classNames.length;
  let matrix;
  let labelMatrices = null;
  let counts;
  if (stats.task === "binary") {
    matrix = binaryMatrixAt(stats.binary, threshold);
    counts = countsFromMatrix(matrix);
  } else if (stats.task === "multilabel") {
    labelMatrices = stats.labels.map((binary, k) => binaryMatrixAt(binary, thresholds ? thresholds[k] : threshold));
    counts = countsFromLabelMatrices(labelMatrices);
    matrix = sumMatrices(labelMatrices);
  } else {
    matrix = multiclassMatrixAt(stats.multiclass, numClasses, cutoff);
    counts = countsFromMatrix(matrix);
  }
  const perClass = perClassMetrics(counts);
  const agreement = agreementMetrics(matrix);
  const metrics = {...perClass.metrics, ...agreement.metrics};
  if (stats.task === "binary") {
    for (const name of ["precision", "recall", "f1", "specificity", "iou"]) metrics[name].binary = metrics[name].per_class[1];
  }
  const reportMetrics = stats.report?.metrics || {};
  for (const name of RANKING_METRICS) if (name in reportMetrics) metrics[name] = reportMetrics[name];
  const columnNames = matrix[0] && matrix[0].length > numClasses ? [...classNames, BELOW_CUTOFF] : classNames;
  return {
    task: stats.task,
    classNames: stats.task === "multilabel" ? ["negative", "positive"] : classNames,
    labelNames: stats.task === "multilabel" ? classNames : null,
    columnNames: stats.task === "multilabel" ? ["negative", "positive"] : columnNames,
    matrix,
    labelMatrices,
    counts,
    metrics,
    undefined: [...perClass.undefined, ...agreement.undefined],
    numExamples: stats.num_examples,
  };
}

function sumMatrices(matrices) {
  const total = [[0, 0], [0, 0]];
  for (const m of matrices) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) total[i][j] += m[i][j];
  return total;
}

/** The binary statistics behind one curve: the binary task itself, or label k of a multilabel tag. */
export function binaryStatsFor(stats, k = 0) {
  if (stats.task === "binary") return stats.binary;
  if (stats.task === "multilabel") return stats.labels[k];
  return null;
}

/** The operating point {fpr, tpr, precision, recall} of class k, from the model's per-class counts. */
export function operatingPoint(model, k) {
  const c = model.counts[k];
  if (!c) return null;
  return {
    fpr: c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0,
    tpr: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0,
    precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1,
    recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0,
  };
}


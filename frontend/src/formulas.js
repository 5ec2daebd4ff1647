// Classification metrics from a confusion matrix, with scikit-learn's zero_division=0 semantics:
// a ratio whose denominator is 0 is 0 and its name is listed in `undefined`.
//
// The browser's only copy of the metric formulas; frontend/test/formulas.test.js checks every number
// against tb_confusion.report.build_report to 1e-9.

/** Per-class counts {tp, fp, fn, tn, support} from a square confusion matrix (rows true, columns
 * predicted). An extra last column (multiclass "below cutoff") counts as a miss for its row and as
 * nobody's prediction. */
export function countsFromMatrix(matrix) {
  const numClasses = matrix.length;
  const predicted = new Float64Array(numClasses);
  const support = new Float64Array(numClasses);
  let total = 0;
  for (let i = 0; i < numClasses; i++) {
    const row = matrix[i];
    for (let j = 0; j < row.length; j++) {
      support[i] += row[j];
      if (j < numClasses) predicted[j] += row[j];
    }
    total += support[i];
  }
  const counts = [];
  for (let i = 0; i < numClasses; i++) {
    const tp = matrix[i][i];
    const fp = predicted[i] - tp;
    const fn = support[i] - tp;
    counts.push({tp, fp, fn, tn: total - tp - fp - fn, support: support[i]});
  }
  return counts;
}

/** Per-class counts from one 2x2 matrix per label [[TN, FP], [FN, TP]] (multilabel). */
export function countsFromLabelMatrices(labelMatrices) {
  return labelMatrices.map(([[tn, fp], [fn, tp]]) => ({tp, fp, fn, tn, support: tp + fn}));
}

function ratio(numerator, denominator, name, undefinedNames) {
  if (denominator === 0) {
    undefinedNames.add(name);
    return 0;
  }
  return numerator / denominator;
}

function averaged(perClass, counts, micro, name, undefinedNames) {
  const n = perClass.length;
  let sum = 0;
  let weightedSum = 0;
  let totalSupport = 0;
  for (let i = 0; i < n; i++) {
    sum += perClass[i];
    weightedSum += perClass[i] * counts[i].support;
    totalSupport += counts[i].support;
  }
  return {
    per_class: perClass,
    macro: n ? sum / n : 0,
    micro,
    weighted: ratio(weightedSum, totalSupport, `${name}.weighted`, undefinedNames),
  };
}

/** Precision, recall, F1, specificity, IoU (per class, macro, micro, weighted) and support from
 * per-class counts. `undefined` names every ratio that divided by zero (e.g. "precision[2]"). */
export function perClassMetrics(counts) {
  const undefinedNames = new Set();
  const per = (name, numerator, denominator) =>
    counts.map((c, i) => ratio(numerator(c), denominator(c), `${name}[${i}]`, undefinedNames));
  const sum = {tp: 0, fp: 0, fn: 0, tn: 0, support: 0};
  for (const c of counts) for (const key in sum) sum[key] += c[key];
  const micro = (name, numerator, denominator) =>
    ratio(numerator(sum), denominator(sum), `${name}.micro`, undefinedNames);
  const metric = (name, numerator, denominator) =>
    averaged(per(name, numerator, denominator), counts, micro(name, numerator, denominator), name, undefinedNames);
  const metrics = {
    precision: metric("precision", (c) => c.tp, (c) => c.tp + c.fp),
    recall: metric("recall", (c) => c.tp, (c) => c.tp + c.fn),
    f1: metric("f1", (c) => 2 * c.tp, (c) => 2 * c.tp + c.fp + c.fn),
    specificity: metric("specificity", (c) => c.tn, (c) => c.tn + c.fp),
    iou: metric("iou", (c) => c.tp, (c) => c.tp + c.fp + c.fn),
    support: {
      per_class: counts.map((c) => c.support),
      total: sum.support,
    },
  };
  return {metrics, undefined: [...undefinedNames]};
}

/** Accuracy, balanced accuracy, Cohen's kappa and MCC of a confusion matrix; an extra last column
 * ("below cutoff") is treated as one more predicted label that no example truly has. */
export function agreementMetrics(matrix) {
  const numClasses = matrix.length;
  const width = Math.max(numClasses, ...matrix.map((row) => row.length));
  const trueTotals = new Float64Array(width);
  const predTotals = new Float64Array(width);
  let total = 0;
  let correct = 0;
  for (let i = 0; i < numClasses; i++) {
    for (let j = 0; j < matrix[i].length; j++) {
      const v = matrix[i][j];
      trueTotals[i] += v;
      predTotals[j] += v;
      total += v;
      if (i === j) correct += v;
    }
  }
  const undefinedNames = new Set();
  let dotTruePred = 0;
  let dotTrue = 0;
  let dotPred = 0;
  let recallSum = 0;
  let classesWithSupport = 0;
  for (let k = 0; k < width; k++) {
    dotTruePred += trueTotals[k] * predTotals[k];
    dotTrue += trueTotals[k] * trueTotals[k];
    dotPred += predTotals[k] * predTotals[k];
    if (k < numClasses && trueTotals[k] > 0) {
      recallSum += matrix[k][k] / trueTotals[k];
      classesWithSupport += 1;
    }
  }
  // Cohen's kappa: 1 - observed disagreement / disagreement expected from the marginals.
  const expectedAgreement = total ? dotTruePred / total : 0;
  const kappaDenominator = total - expectedAgreement;
  // MCC (multiclass, Gorodkin): (c*s - t.p) / sqrt((s^2 - p.p) (s^2 - t.t)).
  const mccDenominator = (total * total - dotPred) * (total * total - dotTrue);
  return {
    metrics: {
      accuracy: ratio(correct, total, "accuracy", undefinedNames),
      balanced_accuracy: ratio(recallSum, classesWithSupport, "balanced_accuracy", undefinedNames),
      cohen_kappa: ratio(correct - expectedAgreement, kappaDenominator, "cohen_kappa", undefinedNames),
      mcc: mccDenominator === 0 ? (undefinedNames.add("mcc"), 0)
        : (correct * total - dotTruePred) / Math.sqrt(mccDenominator),
    },
    undefined: [...undefinedNames],
  };
}

// Classification metrics from confusion counts: the browser's only copy of the formulas.
// Same conventions as tb_confusion.report.build_report (checked to 1e-9 by frontend/test/):
// a 0/0 ratio is 0 (scikit-learn's zero_division=0) and named in `undefined`; accuracy, balanced
// accuracy and kappa are null when undefined; MCC is 0 then.

/** Per-class counts {tp, fp, fn, tn, support} from a confusion matrix (rows true, columns
 * predicted). An extra last column (multiclass "below cutoff") counts as a miss for its row and
 * as nobody's prediction. */
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

// metric -> [numerator, denominator] of per-class counts
const RATIOS = {
  precision: (c) => [c.tp, c.tp + c.fp],
  recall: (c) => [c.tp, c.tp + c.fn],
  f1: (c) => [2 * c.tp, c.tp + c.fn + (c.tp + c.fp)],
  specificity: (c) => [c.tn, c.tn + c.fp],
  iou: (c) => [c.tp, c.tp + c.fp + c.fn],
};

/** Precision, recall, F1, specificity and IoU as {per_class, macro, micro, weighted} plus support,
 * from per-class counts. Macro is the mean over every class; weighted uses true support (a plain
 * mean when no class has any); micro divides summed counts. `positiveClass` adds "binary". */
export function perClassMetrics(counts, classNames, {positiveClass = null} = {}) {
  const undefinedNames = [];
  const sum = {tp: 0, fp: 0, fn: 0, tn: 0};
  let totalSupport = 0;
  for (const c of counts) {
    for (const key in sum) sum[key] += c[key];
    totalSupport += c.support;
  }
  const metrics = {};
  for (const [name, ratio] of Object.entries(RATIOS)) {
    const perClass = counts.map((c, i) => {
      const [numerator, denominator] = ratio(c);
      if (denominator === 0) {
        undefinedNames.push(`${name}.per_class.${classNames[i]}`);
        return 0;
      }
      return numerator / denominator;
    });
    const [numerator, denominator] = ratio(sum);
    if (denominator === 0) undefinedNames.push(`${name}.micro`);
    metrics[name] = {
      per_class: perClass,
      macro: counts.length ? mean(perClass) : null,
      micro: denominator === 0 ? 0 : numerator / denominator,
      weighted: counts.length ? weightedMean(perClass, counts.map((c) => c.support), totalSupport) : null,
    };
  }
  metrics.support = {per_class: counts.map((c) => c.support), macro: totalSupport, micro: totalSupport, weighted: totalSupport};
  if (positiveClass !== null) for (const value of Object.values(metrics)) value.binary = value.per_class[positiveClass];
  return {metrics, undefined: undefinedNames};
}

function mean(values) {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

function weightedMean(values, weights, totalWeight) {
  if (totalWeight === 0) return mean(values);
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * weights[i];
  return total / totalWeight;
}

/** Accuracy, balanced accuracy, Cohen's kappa and MCC of a confusion matrix; an extra last column
 * ("below cutoff") is one more predicted label that no example truly has (as scikit-learn would
 * see it). `prefix` is appended to names in `undefined` (e.g. ".per_class.cat"). */
export function agreementMetrics(matrix, prefix = "") {
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
  let dotTruePred = 0;
  let dotTrue = 0;
  let dotPred = 0;
  let recallSum = 0;
  let present = 0;
  for (let k = 0; k < width; k++) {
    dotTruePred += trueTotals[k] * predTotals[k];
    dotTrue += trueTotals[k] * trueTotals[k];
    dotPred += predTotals[k] * predTotals[k];
    if (k < numClasses && trueTotals[k] !== 0) {
      recallSum += matrix[k][k] / trueTotals[k];
      present += 1;
    }
  }
  const undefinedNames = [];
  // Cohen's kappa = 1 - observed disagreement / disagreement expected from the marginals.
  const expectedDisagreement = total ? total - dotTruePred / total : 0;
  const kappa = expectedDisagreement === 0 ? null : 1 - (total - correct) / expectedDisagreement;
  if (kappa === null) undefinedNames.push(`cohen_kappa${prefix}`);
  // MCC (multiclass, Gorodkin): (c s - t.p) / sqrt((s^2 - p.p) (s^2 - t.t)); 0 when undefined.
  const product = (total * total - dotPred) * (total * total - dotTrue);
  if (product === 0) undefinedNames.push(`mcc${prefix}`);
  return {
    metrics: {
      accuracy: total ? correct / total : null,
      balanced_accuracy: present ? recallSum / present : null,
      cohen_kappa: kappa,
      mcc: product === 0 ? 0 : (correct * total - dotTruePred) / Math.sqrt(product),
    },
    undefined: undefinedNames,
  };
}

/** Every threshold metric of a confusion matrix (binary or multiclass, optional cutoff column). */
export function matrixMetrics(matrix, classNames, {positiveClass = null} = {}) {
  const perClass = perClassMetrics(countsFromMatrix(matrix), classNames, {positiveClass});
  const agreement = agreementMetrics(matrix);
  const undefinedNames = [...perClass.undefined];
  for (const name of ["accuracy", "balanced_accuracy"]) if (agreement.metrics[name] === null) undefinedNames.push(name);
  undefinedNames.push(...agreement.undefined);
  return {metrics: {...perClass.metrics, ...agreement.metrics}, undefined: undefinedNames};
}

/** The threshold metrics of a multilabel tag from its per-label 2x2 matrices. Balanced accuracy,
 * kappa and MCC are per label and averaged over the defined ones; hamming_loss is the share of
 * wrong (example, label) pairs. Exact-match accuracy needs every example, so it is null here. */
export function labelMetrics(labelMatrices, labelNames) {
  const counts = countsFromLabelMatrices(labelMatrices);
  const {metrics, undefined: undefinedNames} = perClassMetrics(counts, labelNames);
  const perLabel = labelMatrices.map((matrix, k) => agreementMetrics(matrix, `.per_class.${labelNames[k]}`));
  const total = counts.length ? counts[0].tp + counts[0].fp + counts[0].fn + counts[0].tn : 0;
  let wrong = 0;
  for (const c of counts) wrong += c.fp + c.fn;
  const kappas = perLabel.map((p) => p.metrics.cohen_kappa);
  const mccs = perLabel.map((p) => p.metrics.mcc);
  for (const p of perLabel) undefinedNames.push(...p.undefined);
  Object.assign(metrics, {
    accuracy: null,
    hamming_loss: total ? wrong / (total * counts.length) : null,
    balanced_accuracy: meanDefined(perLabel.map((p) => p.metrics.balanced_accuracy)),
    cohen_kappa: {per_class: kappas, macro: meanDefined(kappas)},
    mcc: {per_class: mccs, macro: meanDefined(mccs)},
  });
  return {metrics, undefined: undefinedNames};
}

function meanDefined(values) {
  const defined = values.filter((v) => v !== null);
  return defined.length ? mean(defined) : null;
}

// Classification metrics from confusion counts: the browser's only copy of the formulas.
// Same conventions as tb_confusion.report.build_report (checked to 1e-9 by frontend/test/):
// a 0/0 ratio is 0 (scikit-learn's zero_division=0) and named in `undefined`; accuracy, balanced
// accuracy and kappa are null when undefined; MCC is 0 then.

/** Per-class counts {tp, fp, fn, tn, support} from a confusion matrix (rows true, columns
 * predicted). An extra last column (multiclass "below cutoff") counts as a miss for its row and
 * as nobody's prediction. */
export function countsFromMatrix(matrix) {
  return countsFromMarginals(matrixMarginals(matrix));
}

/** countsFromMatrix for a matrix given as its non-zero cells (lookups.js multiclassCellsAt). */
export function countsFromCells(cells) {
  return countsFromMarginals(cellMarginals(cells));
}

// What every count and agreement metric needs: row sums (true), column sums (predicted, the extra
// column included), the diagonal and the total. O(C * width) from a dense matrix, O(non-zero cells +
// C) from cells.
function matrixMarginals(matrix) {
  const numClasses = matrix.length;
  let width = numClasses;
  for (const row of matrix) if (row.length > width) width = row.length;
  const trueTotals = new Float64Array(width);
  const predTotals = new Float64Array(width);
  const diagonal = new Float64Array(numClasses);
  let total = 0;
  for (let i = 0; i < numClasses; i++) {
    const row = matrix[i];
    let sum = 0;
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      sum += v;
      predTotals[j] += v;
    }
    trueTotals[i] = sum;
    diagonal[i] = row[i] ?? 0;
    total += sum;
  }
  return {numClasses, width, trueTotals, predTotals, diagonal, total};
}

function cellMarginals(cells) {
  const {numClasses, width, columns, values, rowStart} = cells;
  const trueTotals = new Float64Array(Math.max(width, numClasses));
  const predTotals = new Float64Array(Math.max(width, numClasses));
  const diagonal = new Float64Array(numClasses);
  let total = 0;
  for (let i = 0; i < numClasses; i++) {
    let sum = 0;
    for (let k = rowStart[i]; k < rowStart[i + 1]; k++) {
      const v = values[k];
      const j = columns[k];
      sum += v;
      predTotals[j] += v;
      if (j === i) diagonal[i] = v;
    }
    trueTotals[i] = sum;
    total += sum;
  }
  return {numClasses, width: Math.max(width, numClasses), trueTotals, predTotals, diagonal, total};
}

function countsFromMarginals({numClasses, trueTotals, predTotals, diagonal, total}) {
  const counts = [];
  for (let i = 0; i < numClasses; i++) {
    const tp = diagonal[i];
    const fp = predTotals[i] - tp;
    const fn = trueTotals[i] - tp;
    counts.push({tp, fp, fn, tn: total - tp - fp - fn, support: trueTotals[i]});
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
  return agreementFromMarginals(matrixMarginals(matrix), prefix);
}

function agreementFromMarginals({numClasses, width, trueTotals, predTotals, diagonal, total}, prefix = "") {
  let correct = 0;
  for (let i = 0; i < numClasses; i++) correct += diagonal[i];
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
      recallSum += diagonal[k] / trueTotals[k];
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
  return metricsFromMarginals(matrixMarginals(matrix), classNames, {positiveClass});
}

/** matrixMetrics for a matrix given as its non-zero cells (lookups.js multiclassCellsAt). */
export function cellMetrics(cells, classNames) {
  return metricsFromMarginals(cellMarginals(cells), classNames, {});
}

function metricsFromMarginals(marginals, classNames, {positiveClass = null}) {
  const perClass = perClassMetrics(countsFromMarginals(marginals), classNames, {positiveClass});
  const agreement = agreementFromMarginals(marginals);
  const undefinedNames = [...perClass.undefined];
  for (const name of ["accuracy", "balanced_accuracy"]) if (agreement.metrics[name] === null) undefinedNames.push(name);
  undefinedNames.push(...agreement.undefined);
  const extra = segmentationMetrics(perClass.metrics);
  if (extra.frequency_weighted_iou === null) undefinedNames.push("frequency_weighted_iou");
  return {metrics: {...perClass.metrics, ...agreement.metrics, ...extra}, undefined: undefinedNames};
}

/** The matrix metrics the catalogue lists for segmentation only (tasks without them ignore the keys):
 * frequency-weighted IoU (each class's IoU weighted by its true support) and Dice (each class's F1). */
function segmentationMetrics(metrics) {
  const support = metrics.support.per_class;
  const total = metrics.support.micro;
  let weighted = 0;
  for (let k = 0; k < support.length; k++) weighted += support[k] * metrics.iou.per_class[k];
  return {frequency_weighted_iou: total ? weighted / total : null, dice: {...metrics.f1}};
}

/** The threshold metrics of a multilabel tag from its per-label 2x2 matrices. Balanced accuracy,
 * kappa and MCC are per label and averaged over the defined ones (MCC also micro: the summed 2x2);
 * hamming_loss is the share of wrong (example, label) pairs. Exact-match accuracy needs every example, so it is null here. */
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
  // micro MCC: every (example, label) decision pooled in the summed 2x2
  const pooled = agreementMetrics(labelMatrices.reduce(([[a, b], [c, d]], [[e, f], [g, h]]) => [[a + e, b + f], [c + g, d + h]],
    [[0, 0], [0, 0]]), ".micro");
  undefinedNames.push(...pooled.undefined.filter((name) => name === "mcc.micro"));
  Object.assign(metrics, {
    accuracy: null,
    hamming_loss: total ? wrong / (total * counts.length) : null,
    balanced_accuracy: meanDefined(perLabel.map((p) => p.metrics.balanced_accuracy)),
    cohen_kappa: {per_class: kappas, macro: meanDefined(kappas)},
    mcc: {per_class: mccs, macro: meanDefined(mccs), micro: pooled.metrics.mcc},
  });
  return {metrics, undefined: undefinedNames};
}

function meanDefined(values) {
  const defined = values.filter((v) => v !== null);
  return defined.length ? mean(defined) : null;
}

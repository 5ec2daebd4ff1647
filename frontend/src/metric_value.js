// One headline number from a metric that may be a plain number or {per_class, macro, micro, weighted, binary}.

/** The binary (positive class) value when present, else the macro average, else the number itself. */
export function headline(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "object") return value.binary ?? value.macro ?? null;
  return null;
}

/** [key, label] of the metrics shown in summaries and over epochs. */
export const HEADLINE_METRICS = [
  ["accuracy", "Accuracy"],
  ["balanced_accuracy", "Balanced accuracy"],
  ["precision", "Precision"],
  ["recall", "Recall"],
  ["f1", "F1"],
  ["cohen_kappa", "Cohen\u2019s kappa"],
  ["mcc", "MCC"],
  ["roc_auc", "ROC AUC"],
  ["average_precision", "Average precision"],
  ["log_loss", "Log loss"],
];

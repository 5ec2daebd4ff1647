"""Pure-numpy metrics core shared by the report, the CLI and the plugin (no TensorFlow, no TensorBoard).

Modules, one job each: confusion (matrices), per_class (P/R/F1/specificity/IoU and averages), agreement
(kappa, MCC), ranking (binary counts kernel, ROC/PR, AUC, AP, downsample), sweep (all thresholds at once,
recommended thresholds), probabilistic (log loss, Brier score, top-k), calibration (ECE, MCE, adaptive ECE,
reliability diagrams). Every value equals scikit-learn 1.9's (calibration: torchmetrics' and netcal's).
"""

from tb_confusion.metrics.agreement import cohen_kappa, matthews_corrcoef
from tb_confusion.metrics.calibration import calibration_errors, reliability_diagram
from tb_confusion.metrics.confusion import (
    binary_confusion,
    binary_score,
    confusion_from_top,
    confusion_matrix,
    multiclass_confusion,
    multilabel_confusion,
    multilabel_predictions,
    normalize,
    top_class,
)
from tb_confusion.metrics.per_class import accuracy, balanced_accuracy, class_counts, fbeta, per_class_metrics
from tb_confusion.metrics.probabilistic import brier_score, log_loss, top_k_accuracy
from tb_confusion.metrics.ranking import (
    BinaryCounts,
    average_precision,
    binary_counts,
    counts_at,
    downsample_curve,
    micro_ranking,
    one_vs_rest_counts,
    pr_curve,
    roc_auc,
    roc_curve,
)
from tb_confusion.metrics.sweep import (
    rates,
    recommended_thresholds,
    sweep,
    threshold_for_precision,
    threshold_for_recall,
)

__all__ = [
    "BinaryCounts", "accuracy", "average_precision", "balanced_accuracy", "binary_confusion", "binary_counts",
    "binary_score", "brier_score", "calibration_errors", "class_counts", "cohen_kappa", "confusion_from_top", "confusion_matrix",
    "counts_at", "downsample_curve", "fbeta", "log_loss", "matthews_corrcoef", "micro_ranking",
    "multiclass_confusion", "multilabel_confusion", "multilabel_predictions", "normalize", "one_vs_rest_counts",
    "per_class_metrics", "pr_curve", "rates", "recommended_thresholds", "reliability_diagram", "roc_auc",
    "roc_curve", "sweep", "threshold_for_precision", "threshold_for_recall", "top_class", "top_k_accuracy",
]

"""The metric catalogue: every metric tb_confusion reports, one entry each, in the order views list them.

An entry says what a metric is called, which tasks have it, how its value is shaped (a number, or
per class with averages), whether it moves with the decision threshold, what 0/0 gives, and where it
shows. The report, the CLI, the CSV export, the over-epochs series and the panel (through the
`catalogue` route) read it instead of keeping lists of their own.

Undefined values, one convention everywhere: a metric whose value is 0/0 is either 0.0 (zero_division
"zero", scikit-learn's zero_division=0) or None (zero_division "null"); either way its name (with the
average or class: "f1.per_class.cat", "roc_auc.macro") is listed in the report's "undefined".

Adding a metric: one entry here with `compute` pointing at its formula in tb_confusion.metrics, and
the formula. build_report adds every entry that has `compute` (docs/architecture.md).
"""

import dataclasses
from typing import Callable, Optional

from tb_confusion.metrics import calibration, probabilistic
from tb_confusion.tasks import NAMES as ALL_TASKS

SINGLE_LABEL = ("binary", "multiclass")
# Tasks whose steps keep every example's probabilities (accumulated ones keep sums: tb_confusion.counts)
EXACT_TASKS = ("binary", "multiclass", "multilabel")


@dataclasses.dataclass(frozen=True)
class Metric:
    """One metric. `shape`: "scalar" (a number), "per_class" ({per_class, macro, micro, weighted
    [, binary, mean]}) or "per_k" ({"2": ..., "5": ...}). `decision`: whether it moves with the
    threshold / cutoff (the panel recomputes those in the browser; the others come from the server's
    report). `headline`: shown in summaries and over epochs. `column`: per-class table column,
    "compact" (every table) or "full" (the wide tables of the CLI and the CSV export) or None.
    `compute(statistics)`: (value, undefined) for metrics computed here rather than by the task."""

    key: str
    label: str
    tasks: tuple = ALL_TASKS
    shape: str = "scalar"
    decision: bool = True
    headline: bool = False
    column: Optional[str] = None
    zero_division: str = "null"
    higher_is_better: bool = True
    description: str = ""
    compute: Optional[Callable] = dataclasses.field(default=None, compare=False)

    def describe(self):
        """The entry as JSON for the panel (everything but `compute`)."""
        fields = dataclasses.asdict(self)
        fields.pop("compute")
        fields["tasks"] = list(self.tasks)
        return fields


def _brier(statistics):
    if statistics.kind == "compact":
        value = probabilistic.brier_of_sums(statistics.true_scores, statistics.facts.square_sum,
                                            len(statistics.class_names), sample_weight=statistics.weights)
        return value, value is None
    value = probabilistic.brier_score(statistics.labels, statistics.probabilities, task=statistics.task.name,
                          positive_class=statistics.positive_class, sample_weight=statistics.weights)
    return value, value is None


def _calibration(key):
    """compute() of one calibration error: the three share one memo of the step's pairs and bins."""

    def compute(statistics):
        errors = statistics.memo(("calibration", calibration.DEFAULT_BINS), lambda: _calibration_errors(statistics))
        return errors[key], errors[key] is None

    return compute


def _calibration_errors(statistics):
    if statistics.kind == "counts":  # the 15 equal-width bins were summed as the step was accumulated
        ece, mce = calibration.errors_of(statistics.counts.calibration_table())
        return {"ece": ece, "mce": mce, "adaptive_ece": None}
    top = statistics.top if statistics.task.name == "multiclass" else None
    confidence, outcome, weights = calibration.pairs(
        statistics.labels, statistics.probabilities if statistics.kind == "exact" else None, task=statistics.task.name,
        positive_class=statistics.positive_class, sample_weight=statistics.weights, top=top)
    return calibration.calibration_errors(confidence, outcome, sample_weight=weights)


_CALIBRATED = ("binary: the positive class's probability against the share of positives; multiclass: the top "
               "probability against the share predicted right; multilabel: every (example, label) pair")

METRICS = (
    Metric("accuracy", "Accuracy", headline=True,
           description="share of examples predicted right (multilabel: every label right; segmentation: "
                       "pixel accuracy)"),
    Metric("balanced_accuracy", "Balanced accuracy", headline=True,
           description="mean recall over the classes present"),
    Metric("precision", "Precision", shape="per_class", headline=True, column="compact", zero_division="zero"),
    Metric("recall", "Recall", shape="per_class", headline=True, column="compact", zero_division="zero"),
    Metric("f1", "F1", shape="per_class", headline=True, column="compact", zero_division="zero"),
    Metric("fbeta", "F-beta", shape="per_class", zero_division="zero",
           description="weighted harmonic mean of precision and recall, recall counting beta times as much "
                       "(the report's beta, 1 unless set)"),
    Metric("specificity", "Specificity", shape="per_class", column="full", zero_division="zero",
           description="true negative rate"),
    Metric("iou", "IoU", shape="per_class", headline=True, column="full", zero_division="zero",
           description="intersection over union (Jaccard index); its macro average is the mean IoU"),
    Metric("cohen_kappa", "Cohen\u2019s kappa", headline=True),
    Metric("mcc", "MCC", headline=True, zero_division="zero", description="Matthews correlation coefficient"),
    Metric("roc_auc", "ROC AUC", shape="per_class", decision=False, headline=True, column="full",
           description="area under the one-vs-rest ROC curve"),
    Metric("average_precision", "Average precision", shape="per_class", decision=False, headline=True,
           column="full", zero_division="zero", description="area under the precision-recall curve, as a step sum"),
    Metric("log_loss", "Log loss", decision=False, headline=True, higher_is_better=False,
           description="mean negative log-likelihood of the true labels"),
    Metric("brier_score", "Brier score", tasks=SINGLE_LABEL, decision=False, headline=True,
           higher_is_better=False, compute=_brier,
           description="mean squared distance between the probabilities and the one-hot truth "
                       "(halved for two classes, as scikit-learn's brier_score_loss)"),
    Metric("ece", "ECE", decision=False, headline=True, higher_is_better=False, compute=_calibration("ece"),
           description="expected calibration error: mean |accuracy - confidence| over 15 equal-width "
                       f"confidence bins, weighted by their share of examples ({_CALIBRATED})"),
    Metric("mce", "MCE", decision=False, headline=True, higher_is_better=False, compute=_calibration("mce"),
           description="maximum calibration error: the largest |accuracy - confidence| of the 15 "
                       "equal-width bins"),
    Metric("adaptive_ece", "Adaptive ECE", tasks=EXACT_TASKS, decision=False, headline=True, higher_is_better=False,
           compute=_calibration("adaptive_ece"),
           description="ECE over 15 equal-mass bins (each holding about as many examples)"),
    Metric("top_k_accuracy", "Top-k accuracy", tasks=("multiclass", "segmentation"), shape="per_k", decision=False,
           description="share of examples whose true class is among the k most probable"),
    Metric("frequency_weighted_iou", "Frequency-weighted IoU", tasks=("segmentation",), headline=True,
           description="IoU of each class weighted by its share of the pixels"),
    Metric("dice", "Dice", tasks=("segmentation",), shape="per_class", zero_division="zero",
           description="2 |A and B| / (|A| + |B|) per class: the F1 of its pixels"),
    Metric("hamming_loss", "Hamming loss", tasks=("multilabel",), higher_is_better=False,
           description="share of (example, label) pairs predicted wrong"),
    Metric("support", "Support", shape="per_class", column="compact", description="true examples per class"),
)

BY_KEY = {metric.key: metric for metric in METRICS}


def keys(**where):
    """Keys of the metrics whose fields equal `where`, in catalogue order, e.g. keys(headline=True)."""
    return tuple(metric.key for metric in METRICS if all(getattr(metric, k) == v for k, v in where.items()))


def columns(wide):
    """Per-class table columns: the compact ones, plus the "full" ones when `wide`."""
    wanted = ("compact", "full") if wide else ("compact",)
    return tuple(metric.key for metric in METRICS if metric.column in wanted)


def computed(task_name):
    """The metrics build_report adds from their `compute` for a task, in catalogue order."""
    return [metric for metric in METRICS if metric.compute is not None and task_name in metric.tasks]


def headline(value):
    """One number from a metric's value: the "binary" (positive class) entry when present, else the
    macro average, else the number itself (None when undefined or not a number)."""
    if isinstance(value, dict):
        return value["binary"] if "binary" in value else value.get("macro")
    return value


def describe():
    """The catalogue as JSON for the panel: {"metrics": [...]}."""
    return {"metrics": [metric.describe() for metric in METRICS]}

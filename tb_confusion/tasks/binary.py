"""Two classes, one score: positive when the positive class's probability >= the threshold."""

import threading
from collections.abc import Sequence

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.metrics._parallel import SORTS
from tb_confusion.tasks import panel_parts, report_parts
from tb_confusion.tasks._shapes import single_label_problem
from tb_confusion.tasks.base import Task


class PositiveKept(Sequence):
    """Both classes' one-vs-rest counts of a binary step, of which only the positive class's are kept once
    sorted: the matrix at a threshold, the curves and the panel read those, while the negative class's are
    read only for its per-class ROC AUC and average precision, memoized per step (and kept when the step is
    evicted from the server's cache). A step then holds one sorted copy, not two (~2.3 MB at N=100k).

    It holds the step's arrays, not its Statistics: a reference back would make a cycle, and an evicted step
    in a cycle waits for the cyclic garbage collector (TensorBoard's RSS then grew to 2.4x the cache flag)."""

    def __init__(self, statistics):
        self._labels, self._weights = statistics.labels, statistics.weights
        self._probabilities, self._positive = statistics.probabilities, statistics.positive_class
        self._kept = None
        self._lock = threading.Lock()

    def __len__(self):
        return 2

    def sorted(self):
        """Whether the positive class's counts are built (then a threshold is a bisection in them)."""
        return self._kept is not None

    def __getitem__(self, k):
        k = range(2)[k]  # IndexError past the end, as a list's
        if k != self._positive:
            return self._sort(k)
        with self._lock:
            if self._kept is None:
                self._kept = self._sort(k)
            return self._kept

    def _sort(self, k):
        score = m.binary_score(self._probabilities, self._positive) if k == self._positive else (
            # in float64: 1 - p in float32 rounds every p below 6e-8 to 1 and ties what the positive score ranks
            self._probabilities[:, k] if self._probabilities.ndim == 2 else 1 - self._probabilities.astype(np.float64))
        with SORTS:
            return m.binary_counts(self._labels == k, score, self._weights)


class Binary(Task, name="binary", label="Binary"):
    def check(self, labels, probabilities, num_classes):
        return single_label_problem(
            labels, probabilities, 2, num_classes == 2 and probabilities.shape[1:] in ((), (2,)),
            f"binary records need 2 class names and probabilities [N] or [N, 2]; got {num_classes} names "
            f"and shape {probabilities.shape}")

    def positive_class(self, stored):
        return stored

    def class_counts(self, statistics):
        return PositiveKept(statistics)

    def report(self, statistics, options):
        labels, probabilities, weights = statistics.labels, statistics.probabilities, statistics.weights
        names, positive_class, threshold = statistics.class_names, statistics.positive_class, options["threshold"]
        matrix = self.matrix_at(statistics, threshold)
        tp, fp, fn, tn = m.class_counts(matrix)
        metrics, undefined = report_parts.threshold_metrics(matrix, tp, fp, fn, tn, names, options, positive_class)
        metrics["cohen_kappa"], metrics["mcc"] = report_parts.agreement(matrix, undefined)
        metrics.update(report_parts.ranking_once(statistics, tp + fn, names, undefined))
        for name in ("roc_auc", "average_precision"):
            metrics[name]["binary"] = metrics[name]["per_class"][positive_class]
        metrics["log_loss"] = statistics.memo(("log_loss",), lambda: m.log_loss(
            labels, probabilities, task="binary", positive_class=positive_class, sample_weight=weights))
        metrics["top_k_accuracy"] = None
        metrics["iou"]["mean"] = metrics["iou"]["macro"]
        report = {
            "positive_class": positive_class, "threshold": threshold, "cutoff": None,
            "beta": report_parts.beta(options),
            "confusion_matrix": matrix, "predicted_labels": names,
            "metrics": metrics, "undefined": undefined,
            "recommended_thresholds": statistics.memo(
                ("recommended", options["cost_fp"], options["cost_fn"]),
                lambda: m.recommended_thresholds(statistics.class_counts[positive_class], cost_fp=options["cost_fp"],
                                                 cost_fn=options["cost_fn"])),
        }
        if options["curves"]:
            report["curves"] = report_parts.curves([statistics.class_counts[positive_class]], [names[positive_class]],
                                                   [threshold], None, options)
        return report

    def matrix_at(self, statistics, threshold):
        """The 2x2 matrix in class order at `threshold`: positive when score >= threshold in float64, as
        metrics.binary_confusion decides. Looked up in the positive class's sorted counts when they are built
        or the step is weighted (the same sums in the same order at every threshold); otherwise one pass over
        the examples, which needs no sort (integer counts: the same numbers either way)."""
        positive_class, counts = statistics.positive_class, statistics.class_counts
        if statistics.weights is None and not counts.sorted():
            return m.binary_confusion(statistics.labels, statistics.probabilities, threshold,
                                      positive_class=positive_class).astype(np.int64)
        tp, fp = statistics.counts_at(positive_class, threshold)
        fn, tn = counts[positive_class].positives - tp, counts[positive_class].negatives - fp
        matrix = np.array([[tn, fp], [fn, tp]] if positive_class == 1 else [[tp, fn], [fp, tn]])
        return matrix.astype(np.int64) if statistics.weights is None else matrix

    def panel_stats(self, statistics, report):
        binary = panel_parts.binary_stats(statistics.class_counts[statistics.positive_class], statistics.weights)
        return {"binary": binary, "exact": binary.pop("exact")}

    def cell_assignment(self, statistics, *, threshold=None, cutoff=None, label=None):
        threshold = 0.5 if threshold is None else threshold
        probabilities, pos = statistics.probabilities, statistics.positive_class
        p = m.binary_score(probabilities, pos).astype(np.float64)
        positive = p >= threshold
        pred = np.where(positive, pos, 1 - pos)
        if probabilities.ndim == 2:
            score = probabilities[np.arange(len(pred)), pred].astype(np.float64)
        else:
            score = np.where(positive, p, 1.0 - p)
        return np.asarray(statistics.labels, dtype=np.int64), pred, score

    def example_scores(self, statistics, rows, *, true, pred, label=None):
        probabilities = statistics.probabilities
        if probabilities.ndim == 2:
            of_class = lambda k: probabilities[rows, k].astype(np.float64)  # noqa: E731
        else:
            positive = probabilities[rows].astype(np.float64)
            of_class = lambda k: positive if k == statistics.positive_class else 1.0 - positive  # noqa: E731
        runner_up = 1 - pred
        return of_class(true), np.full(len(rows), runner_up), of_class(runner_up)

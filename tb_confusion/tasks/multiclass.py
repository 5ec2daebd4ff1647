"""One of C classes: the predicted class is the argmax; a cutoff sends rows whose top probability is
below it to a "below cutoff" column."""

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.tasks import panel_parts, report_parts
from tb_confusion.tasks._shapes import single_label_problem
from tb_confusion.tasks.base import Task

TOP_K = (2, 5)
BELOW_CUTOFF = "below cutoff"


class Multiclass(Task, name="multiclass", label="Multiclass", decision="cutoff"):
    def check(self, labels, probabilities, num_classes):
        return single_label_problem(
            labels, probabilities, num_classes, probabilities.shape[1:] == (num_classes,),
            f"multiclass probabilities must have shape [N, {num_classes}]; got {probabilities.shape}")

    def class_counts(self, statistics):
        return m.one_vs_rest_counts(statistics.labels, statistics.probabilities, statistics.weights)

    def report(self, statistics, options):
        labels, weights = statistics.labels, statistics.weights
        probabilities = statistics.probabilities if statistics.kind != "compact" else None
        names, cutoff = statistics.class_names, options["cutoff"]
        compact = statistics.kind == "compact"  # no probabilities: the kept facts give the same numbers
        if compact:
            pred, top = statistics.top
            matrix = m.confusion_from_top(labels, pred, top, len(names), cutoff=cutoff, sample_weight=weights)
        else:
            matrix = m.multiclass_confusion(labels, probabilities, cutoff=cutoff, sample_weight=weights)
        tp, fp, fn, tn = m.class_counts(matrix)
        metrics, undefined = report_parts.threshold_metrics(matrix, tp, fp, fn, tn, names, options)
        metrics["cohen_kappa"], metrics["mcc"] = report_parts.agreement(matrix, undefined)
        metrics.update(report_parts.ranking_once(statistics, tp + fn, names, undefined))
        report_parts.micro_ranking(statistics, metrics, undefined)
        # from each example's true-class probability and rank: what log_loss and top_k_accuracy compute from
        # the probabilities, and all a compact step keeps of them
        metrics["log_loss"] = log_loss(statistics)
        ks = [k for k in TOP_K if k < len(names)]
        top_k = statistics.memo(("top_k",), lambda: m.probabilistic.top_k_of_ranks(
            statistics.true_ranks, ks, sample_weight=weights))
        metrics["top_k_accuracy"] = {str(k): v for k, v in top_k.items()}
        metrics["iou"]["mean"] = metrics["iou"]["macro"]
        total = matrix.sum()
        coverage = (1.0 - float(matrix[:, -1].sum() / total) if cutoff is not None else 1.0) if total else None
        report = {
            "threshold": None, "cutoff": cutoff, "coverage": coverage, "beta": report_parts.beta(options),
            **({"binned": {"roc_auc_error_bound": statistics.memo(("auc_bound",), statistics.auc_error_bound)}}
               if compact else {}),
            "confusion_matrix": matrix,
            "predicted_labels": names + ([BELOW_CUTOFF] if cutoff is not None else []),
            "metrics": metrics, "undefined": undefined, "recommended_thresholds": None,
        }
        if options["curves"]:
            report["curves"] = report_parts.curves(statistics.class_counts, names, [None] * len(names),
                                                   _operating_points(tp, fp, fn, tn), options)
        return report

    def class_curves(self, statistics, k, curve_points):
        """Class k's one-vs-rest {"roc": [entry], "pr": [entry]} as build_report(curves=True) gives them, with `auc` and
        `average_precision` attached, for the `curves` route: the panel draws one class at a time, so only that
        class's curves are made and sent (from the step's kept class counts and memoized ranking numbers), not
        every class's with each step's statistics (at C=10 most of a cold `stats`, at C=1,000 5.3 MB of 7.9)."""
        names, labels, weights = statistics.class_names, statistics.labels, statistics.weights
        def argmax_counts():
            if statistics.kind == "compact":
                pred, top = statistics.top
                matrix = m.confusion_from_top(labels, pred, top, len(names), sample_weight=weights)
            else:
                matrix = m.multiclass_confusion(labels, statistics.probabilities, sample_weight=weights)
            return m.class_counts(matrix)  # four arrays [C]: kept, unlike the C x C matrix

        tp, fp, fn, tn = statistics.memo(("argmax_counts",), argmax_counts)
        point = _operating_points(tp[k : k + 1], fp[k : k + 1], fn[k : k + 1], tn[k : k + 1])
        if statistics.kind == "exact" and "class_counts" not in vars(statistics):
            # class k alone: one sort of N, not C of them (an exact step too large for the server's cache has its
            # classes' counts built for every request), and its areas by the report's per-class formulas
            counts = m.binary_counts(labels == k, statistics.probabilities[:, k], weights)
            areas = {"roc_auc": [m.roc_auc(counts)], "average_precision": [m.average_precision(counts)[0]]}
        else:
            counts = statistics.class_counts[k]
            ranking = report_parts.ranking_once(statistics, tp + fn, names, [])
            areas = {name: ranking[name]["per_class"][k : k + 1] for name in ("roc_auc", "average_precision")}
        curves = report_parts.curves([counts], [names[k]], [None], point, {"curve_points": curve_points})
        return _with_areas(curves, {"metrics": {name: {"per_class": values} for name, values in areas.items()}})

    def panel_stats(self, statistics, report):
        pred, top = statistics.top
        cells = panel_parts.cell_stats(statistics.labels, pred, top, statistics.weights,
                                          len(statistics.class_names))
        return {"multiclass": cells, "exact": cells.pop("exact")}

    def cell_bounds(self, num_classes):
        return num_classes - 1, num_classes

    def cell_assignment(self, statistics, *, threshold=None, cutoff=None, label=None):
        pred, score = statistics.top
        score = score.astype(np.float64)
        if cutoff is not None and cutoff > 0:
            pred = np.where(score < cutoff, len(statistics.class_names), pred)
        return np.asarray(statistics.labels, dtype=np.int64), pred, score

    def example_scores(self, statistics, rows, *, true, pred, label=None):
        # true, pred: the cell's classes, or each row's (a cell of superclasses); below the cutoff
        # (pred == C) the runner-up is the argmax class
        c, at = len(statistics.class_names), np.arange(len(rows))
        true, pred = np.broadcast_to(true, rows.shape), np.broadcast_to(pred, rows.shape)
        below = pred >= c
        if statistics.kind == "compact":
            f = statistics.facts
            return (f.true_score[rows].astype(np.float64),
                    np.where(below, f.pred[rows], f.runner_up[rows]).astype(np.int64),
                    np.where(below, f.top[rows], f.runner_up_score[rows]).astype(np.float64))
        p = statistics.probabilities[rows].astype(np.float64)
        true_scores = p[at, true]
        p[at[~below], pred[~below]] = -np.inf
        runner_up = p.argmax(axis=1)
        return true_scores, runner_up, p[at, runner_up]


def _operating_points(tp, fp, fn, tn):
    """Each class's (FPR, TPR, precision) at the argmax (+ cutoff) decision: its one-vs-rest curves' operating
    points."""
    return [(f / (f + t) if f + t else 0.0, p / (p + n) if p + n else 0.0, p / (p + f) if p + f else 0.0)
            for p, f, n, t in zip(tp, fp, fn, tn)]


def log_loss(statistics):
    """The step's log loss, from each example's true-class probability (all a compact step keeps of the
    probabilities), computed once per step: the report and the `epochs` route's decision table share it."""
    return statistics.memo(("log_loss",), lambda: m.probabilistic.log_loss_of_true(
        statistics.true_scores, sample_weight=statistics.weights))


def _with_areas(curves, report):
    """The report's one-vs-rest curves with each class's ROC AUC and average precision attached."""
    aucs = report["metrics"]["roc_auc"]["per_class"]
    aps = report["metrics"]["average_precision"]["per_class"]
    return {
        "roc": [dict(curve, auc=auc) for curve, auc in zip(curves["roc"], aucs, strict=True)],
        "pr": [dict(curve, average_precision=ap) for curve, ap in zip(curves["pr"], aps, strict=True)],
    }

"""Record + threshold -> the report dict: the JSON contract shared by `tb-confusion report` and the plugin.

Schema: docs/report.md. Values are JSON-ready (int, float, str, list, dict, None); undefined values are
None or, where scikit-learn's zero_division=0 applies, 0, and their names are listed in "undefined".
"""

import math

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.jsonable import jsonable
from tb_confusion.metrics._checks import check_nonnegative, check_thresholds, check_unit_interval, check_weights
from tb_confusion.metrics._parallel import parallel_map

DEFAULT_THRESHOLD = 0.5
TOP_K = (2, 5)
BELOW_CUTOFF = "below cutoff"


def build_report(record, *, threshold=None, thresholds=None, cutoff=None, curves=False, cost_fp=1.0,
                 cost_fn=1.0, curve_points=200):
    """The report dict of one Record (see docs/report.md).

    threshold: binary decision threshold (default 0.5; positive when score >= threshold, in float64); for a
    multilabel record a scalar threshold applies to every label. thresholds: multilabel per-label list.
    cutoff: multiclass confidence cutoff (rows whose top probability is below it are "below cutoff").
    Arguments that do not apply to the record's task are checked but ignored, so one call fits every tag.
    curves: add downsampled ROC and PR curves (at most `curve_points` points each) with operating points.
    cost_fp, cost_fn: costs of a false positive / negative for the min_cost recommended threshold.
    """
    threshold = DEFAULT_THRESHOLD if threshold is None else check_unit_interval("threshold", threshold)
    cutoff = None if cutoff is None else check_unit_interval("cutoff", cutoff)
    options = dict(cost_fp=check_nonnegative("cost_fp", cost_fp), cost_fn=check_nonnegative("cost_fn", cost_fn),
                   curves=curves, curve_points=curve_points)
    if curves and (isinstance(curve_points, bool) or not isinstance(curve_points, int) or curve_points < 2):
        raise ValueError(f"curve_points must be an int >= 2; got {curve_points!r}")
    labels, probabilities = np.asarray(record.labels), np.asarray(record.probabilities)
    weights = check_weights(record.weights, len(labels))
    names = [str(name) for name in record.class_names]
    _check_record(record.task, labels, probabilities, names)
    report = {
        "run": record.run, "tag": record.tag, "step": record.step, "wall_time": record.wall_time,
        "task": record.task, "class_names": names, "num_examples": int(len(labels)),
        "weighted": weights is not None,
    }
    if record.task == "binary":
        report.update(_binary(labels, probabilities, weights, names, record.positive_class, threshold, options))
    elif record.task == "multiclass":
        report.update(_multiclass(labels, probabilities, weights, names, cutoff, options))
    else:
        per_label = check_thresholds(thresholds if thresholds is not None else threshold, len(names))
        report.update(_multilabel(labels, probabilities, weights, names, per_label, options))
    return jsonable(report)


def _check_record(task, labels, probabilities, names):
    c = len(names)
    if task not in ("binary", "multiclass", "multilabel"):
        raise ValueError(f"task must be 'binary', 'multiclass' or 'multilabel'; got {task!r}")
    if task == "multilabel":
        expected = (len(labels), c)
        if labels.shape != expected or probabilities.shape != expected:
            raise ValueError(f"multilabel labels and probabilities must have shape {expected}; "
                             f"got {labels.shape} and {probabilities.shape}")
    elif labels.ndim != 1 or len(probabilities) != len(labels):
        raise ValueError(f"labels must have shape [N] matching probabilities; got {labels.shape} "
                         f"and {probabilities.shape}")
    if task == "binary" and (c != 2 or probabilities.shape[1:] not in ((), (2,))):
        raise ValueError(f"binary records need 2 class names and probabilities [N] or [N, 2]; got {c} "
                         f"names and shape {probabilities.shape}")
    if task == "multiclass" and probabilities.shape[1:] != (c,):
        raise ValueError(f"multiclass probabilities must have shape [N, {c}]; got {probabilities.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= (2 if task != "multiclass" else c)):
        raise ValueError(f"labels must lie in [0, {2 if task != 'multiclass' else c}); "
                         f"got values from {labels.min()} to {labels.max()}")


def _ranking_average(values, support, undefined_name, undefined):
    """{"per_class", "macro", "micro": None, "weighted"} like scikit-learn's _average_binary_score:
    macro is undefined when any class is; weighted ignores classes without support."""
    macro = None if any(v is None for v in values) else float(np.mean(values))
    support = np.asarray(support, dtype=np.float64)
    if math.isclose(support.sum(), 0.0, abs_tol=1e-8):
        weighted = 0.0
    else:
        kept = [0.0 if s == 0 else v for v, s in zip(values, support)]
        weighted = None if any(v is None for v in kept) else float(np.average(kept, weights=support))
    for key, value in (("macro", macro), ("weighted", weighted)):
        if value is None:
            undefined.append(f"{undefined_name}.{key}")
    return {"per_class": values, "macro": macro, "micro": None, "weighted": weighted}


def _ranking_metrics(all_counts, support, names, undefined):
    """roc_auc and average_precision objects from one BinaryCounts per class."""
    aucs = [m.roc_auc(c) for c in all_counts]
    aps = [m.average_precision(c) for c in all_counts]
    for name, auc, (_, ap_undefined) in zip(names, aucs, aps):
        if auc is None:
            undefined.append(f"roc_auc.per_class.{name}")
        if ap_undefined:
            undefined.append(f"average_precision.per_class.{name}")
    return {
        "roc_auc": _ranking_average(aucs, support, "roc_auc", undefined),
        "average_precision": _ranking_average([v for v, _ in aps], support, "average_precision", undefined),
    }


def _micro_ranking(labels, probabilities, weights, result, undefined):
    """Micro ROC AUC and AP over every (example, label) pair, like scikit-learn's average="micro"."""
    counts = m.binary_counts(labels.reshape(-1), probabilities.reshape(-1),
                             None if weights is None else np.repeat(weights, labels.shape[1]))
    auc = m.roc_auc(counts)
    ap, ap_undefined = m.average_precision(counts)
    result["roc_auc"]["micro"] = auc
    result["average_precision"]["micro"] = ap
    if auc is None:
        undefined.append("roc_auc.micro")
    if ap_undefined:
        undefined.append("average_precision.micro")


def _agreement(matrix, undefined, prefix=""):
    kappa = m.cohen_kappa(matrix)
    mcc, mcc_undefined = m.matthews_corrcoef(matrix)
    if kappa is None:
        undefined.append(f"cohen_kappa{prefix}")
    if mcc_undefined:
        undefined.append(f"mcc{prefix}")
    return kappa, mcc


def _threshold_metrics(matrix, tp, fp, fn, tn, names, positive_class=None):
    metrics, undefined = m.per_class_metrics(tp, fp, fn, tn, names, positive_class=positive_class)
    metrics["accuracy"] = m.accuracy(matrix)
    metrics["balanced_accuracy"] = m.balanced_accuracy(matrix)
    for name in ("accuracy", "balanced_accuracy"):
        if metrics[name] is None:
            undefined.append(name)
    return metrics, undefined


def _binary(labels, probabilities, weights, names, positive_class, threshold, options):
    negative_class = 1 - positive_class
    score = m.binary_score(probabilities, positive_class)
    # In float64: 1 - p in float32 rounds every p below 6e-8 to 1 and ties what the positive score ranks.
    other = probabilities[:, negative_class] if probabilities.ndim == 2 else 1 - probabilities.astype(np.float64)
    matrix = m.binary_confusion(labels, probabilities, threshold, positive_class=positive_class,
                                sample_weight=weights)
    tp, fp, fn, tn = m.class_counts(matrix)
    metrics, undefined = _threshold_metrics(matrix, tp, fp, fn, tn, names, positive_class)
    metrics["cohen_kappa"], metrics["mcc"] = _agreement(matrix, undefined)
    scores = {positive_class: score, negative_class: other}
    all_counts = parallel_map(lambda k: m.binary_counts(labels == k, scores[k], weights), (0, 1))
    metrics.update(_ranking_metrics(all_counts, tp + fn, names, undefined))
    for name in ("roc_auc", "average_precision"):
        metrics[name]["binary"] = metrics[name]["per_class"][positive_class]
    metrics["log_loss"] = m.log_loss(labels, probabilities, task="binary", positive_class=positive_class,
                                     sample_weight=weights)
    metrics["top_k_accuracy"] = None
    metrics["iou"]["mean"] = metrics["iou"]["macro"]
    counts = all_counts[positive_class]
    report = {
        "positive_class": positive_class, "threshold": threshold, "cutoff": None,
        "confusion_matrix": matrix, "predicted_labels": names,
        "metrics": metrics, "undefined": undefined,
        "recommended_thresholds": m.recommended_thresholds(counts, cost_fp=options["cost_fp"],
                                                           cost_fn=options["cost_fn"]),
    }
    if options["curves"]:
        report["curves"] = _curves([counts], [names[positive_class]], [threshold], None, options)
    return report


def _multiclass(labels, probabilities, weights, names, cutoff, options):
    matrix = m.multiclass_confusion(labels, probabilities, cutoff=cutoff, sample_weight=weights)
    tp, fp, fn, tn = m.class_counts(matrix)
    metrics, undefined = _threshold_metrics(matrix, tp, fp, fn, tn, names)
    metrics["cohen_kappa"], metrics["mcc"] = _agreement(matrix, undefined)
    all_counts = m.one_vs_rest_counts(labels, probabilities, weights)
    metrics.update(_ranking_metrics(all_counts, tp + fn, names, undefined))
    metrics["log_loss"] = m.log_loss(labels, probabilities, task="multiclass", sample_weight=weights)
    ks = [k for k in TOP_K if k < len(names)]
    top_k = m.top_k_accuracy(labels, probabilities, ks, sample_weight=weights)
    metrics["top_k_accuracy"] = {str(k): v for k, v in top_k.items()}
    metrics["iou"]["mean"] = metrics["iou"]["macro"]
    total = matrix.sum()
    coverage = (1.0 - float(matrix[:, -1].sum() / total) if cutoff is not None else 1.0) if total else None
    report = {
        "threshold": None, "cutoff": cutoff, "coverage": coverage,
        "confusion_matrix": matrix,
        "predicted_labels": names + ([BELOW_CUTOFF] if cutoff is not None else []),
        "metrics": metrics, "undefined": undefined, "recommended_thresholds": None,
    }
    if options["curves"]:
        # the operating point of each one-vs-rest curve is the argmax (+ cutoff) decision's
        points = [(f / (f + t) if f + t else 0.0, p / (p + n) if p + n else 0.0, p / (p + f) if p + f else 0.0)
                  for p, f, n, t in zip(tp, fp, fn, tn)]
        report["curves"] = _curves(all_counts, names, [None] * len(names), points, options)
    return report


def _multilabel(labels, probabilities, weights, names, per_label, options):
    y = labels.astype(bool, copy=False)
    predicted = m.multilabel_predictions(probabilities, per_label)
    matrices = m.confusion.label_matrices(y, predicted, weights)
    tn, fp, fn, tp = (matrices[:, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    metrics, undefined = m.per_class_metrics(tp, fp, fn, tn, names)
    exact = (y == predicted).all(axis=1)
    total = len(y) if weights is None else weights.sum()
    metrics["accuracy"] = float(np.average(exact, weights=weights)) if total else None
    metrics["hamming_loss"] = float((fp + fn).sum() / (total * len(names))) if total else None
    per_label_balanced = [m.balanced_accuracy(x) for x in matrices]
    metrics["balanced_accuracy"] = _mean_defined(per_label_balanced)
    kappas, mccs = [], []
    for name, x in zip(names, matrices):
        kappa, mcc = _agreement(x, undefined, prefix=f".per_class.{name}")
        kappas.append(kappa)
        mccs.append(mcc)
    metrics["cohen_kappa"] = {"per_class": kappas, "macro": _mean_defined(kappas)}
    metrics["mcc"] = {"per_class": mccs, "macro": _mean_defined(mccs)}
    for name in ("accuracy", "hamming_loss", "balanced_accuracy"):
        if metrics[name] is None:
            undefined.append(name)
    all_counts = m.one_vs_rest_counts(labels, probabilities, weights)
    metrics.update(_ranking_metrics(all_counts, tp + fn, names, undefined))
    _micro_ranking(labels, probabilities, weights, metrics, undefined)
    metrics["log_loss"] = m.log_loss(labels, probabilities, task="multilabel", sample_weight=weights)
    metrics["top_k_accuracy"] = None
    metrics["iou"]["mean"] = metrics["iou"]["macro"]
    report = {
        "threshold": per_label.tolist(), "cutoff": None,
        "confusion_matrix": matrices.sum(axis=0), "predicted_labels": ["negative", "positive"],
        "label_confusion_matrices": matrices,
        "metrics": metrics, "undefined": undefined,
        "recommended_thresholds": [
            m.recommended_thresholds(c, cost_fp=options["cost_fp"], cost_fn=options["cost_fn"]) for c in all_counts
        ],
    }
    if options["curves"]:
        report["curves"] = _curves(all_counts, names, per_label.tolist(), None, options)
    return report


def _mean_defined(values):
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def _curves(all_counts, names, thresholds, points, options):
    """{"roc": [...], "pr": [...]}: one downsampled curve per class with its operating point; classes
    are spread over the cores when large (1000 classes of 50k thresholds: a second of array work)."""

    def both(k):
        counts, name, threshold = all_counts[k], names[k], thresholds[k]
        if threshold is not None:
            tp, fp = m.counts_at(counts, threshold)
            p, n = counts.positives, counts.negatives
            point = (fp / n if n else 0.0, tp / p if p else 0.0, tp / (tp + fp) if tp + fp else 0.0)
        else:
            point = points[k]
        roc = _curve(m.roc_curve(counts), ("fpr", "tpr"), name, threshold,
                     {"fpr": point[0], "tpr": point[1]}, options["curve_points"])
        curve = m.pr_curve(counts)
        curve = None if curve is None else (curve[1], curve[0], curve[2])
        pr = _curve(curve, ("recall", "precision"), name, threshold,
                    {"recall": point[1], "precision": point[2]}, options["curve_points"])
        return roc, pr

    # below ~1e6 thresholds in all the threads' hand-offs cost more than they save
    spread = sum(len(counts.tps) for counts in all_counts) >= 1_000_000
    pairs = (parallel_map if spread else lambda fn, items: list(map(fn, items)))(both, range(len(all_counts)))
    return {"roc": [roc for roc, _ in pairs], "pr": [pr for _, pr in pairs]}


def _curve(curve, axes, name, threshold, point, max_points):
    entry = {"class": name, axes[0]: None, axes[1]: None, "thresholds": None,
             "operating_point": {"threshold": threshold, **point}}
    if curve is not None:
        x, y, t = curve
        keep = m.downsample_curve(x, y, max_points)
        entry.update({axes[0]: x[keep], axes[1]: y[keep], "thresholds": t[keep]})
    return entry

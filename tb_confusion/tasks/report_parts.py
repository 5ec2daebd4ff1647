"""The pieces of the report dict that several tasks assemble: ranking averages, agreement, threshold
metrics and downsampled curves. The JSON contract is docs/report.md; the tasks (tb_confusion.tasks)
decide which pieces apply to them."""

import copy
import math

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.metrics._parallel import parallel_map
from tb_confusion.metrics.per_class import DEFAULT_BETA


def ranking_average(values, support, undefined_name, undefined):
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


def ranking_metrics(all_counts, support, names, undefined):
    """roc_auc and average_precision objects from one BinaryCounts per class (each class's read once:
    a binary step sorts its negative class's on each read)."""
    aucs, aps = [], []
    for counts in all_counts:
        aucs.append(m.roc_auc(counts))
        aps.append(m.average_precision(counts))
    return ranking_from_areas(aucs, aps, support, names, undefined)


def ranking_from_areas(aucs, aps, support, names, undefined):
    """ranking_metrics from each class's ROC AUC (None when undefined) and (AP, AP undefined)."""
    for name, auc, (_, ap_undefined) in zip(names, aucs, aps):
        if auc is None:
            undefined.append(f"roc_auc.per_class.{name}")
        if ap_undefined:
            undefined.append(f"average_precision.per_class.{name}")
    return {
        "roc_auc": ranking_average(aucs, support, "roc_auc", undefined),
        "average_precision": ranking_average([v for v, _ in aps], support, "average_precision", undefined),
    }


def ranking_once(statistics, support, names, undefined):
    """ranking_metrics of a step's class counts, computed once per step (they do not move with the
    threshold) and copied out, so callers may add entries. Statistics that give every class's areas at
    once (`ranking_areas`: a compact step's one sort) are read from those instead of a loop over classes,
    so the report and the `epochs` route's decision table show the same numbers."""
    metrics, names_undefined = statistics.memo(("ranking",), lambda: _ranking(statistics, support, names))
    undefined.extend(names_undefined)
    return copy.deepcopy(metrics)


def _ranking(statistics, support, names):
    undefined = []
    areas = getattr(statistics, "ranking_areas", None)
    if areas is None:
        return ranking_metrics(statistics.class_counts, support, names, undefined), undefined
    auc, ap, ap_undefined = areas()
    aucs = [None if math.isnan(v) else v for v in auc.tolist()]
    return ranking_from_areas(aucs, list(zip(ap.tolist(), ap_undefined.tolist())), support, names, undefined), undefined


def micro_ranking(statistics, result, undefined):
    """Micro ROC AUC and AP over every (example, class or label) pair, like scikit-learn's
    average="micro" (multiclass: over the one-hot truth), computed once per step."""
    auc, (ap, ap_undefined) = statistics.memo(("micro_ranking",), lambda: _micro(statistics))
    result["roc_auc"]["micro"] = auc
    result["average_precision"]["micro"] = ap
    if auc is None:
        undefined.append("roc_auc.micro")
    if ap_undefined:
        undefined.append("average_precision.micro")


def _micro(statistics):
    if statistics.kind == "compact":
        counts = statistics.micro_counts()
        return m.roc_auc(counts), m.average_precision(counts)
    labels, weights = statistics.labels, statistics.weights
    if labels.ndim == 1:
        return m.micro_ranking(labels, statistics.probabilities, weights)
    counts = m.binary_counts(labels.reshape(-1), statistics.probabilities.reshape(-1),
                             None if weights is None else np.repeat(weights, labels.shape[1]))
    return m.roc_auc(counts), m.average_precision(counts)


def agreement(matrix, undefined, prefix=""):
    """(Cohen's kappa, MCC) of a matrix; their undefined names go to `undefined`."""
    kappa = m.cohen_kappa(matrix)
    mcc, mcc_undefined = m.matthews_corrcoef(matrix)
    if kappa is None:
        undefined.append(f"cohen_kappa{prefix}")
    if mcc_undefined:
        undefined.append(f"mcc{prefix}")
    return kappa, mcc


def beta(options):
    """The F-beta's beta of a report's options (DEFAULT_BETA when the caller set none)."""
    return options.get("beta", DEFAULT_BETA)


def with_fbeta(metrics, undefined, tp, fp, fn, tn, names, options, positive_class=None):
    """Add "fbeta" at the options' beta after "f1" (the catalogue's order)."""
    value, fbeta_undefined = m.fbeta(tp, fp, fn, tn, names, beta(options), positive_class=positive_class)
    undefined.extend(fbeta_undefined)
    ordered = {}
    for key, item in metrics.items():
        ordered[key] = item
        if key == "f1":
            ordered["fbeta"] = value
    ordered.setdefault("fbeta", value)
    metrics.clear()
    metrics.update(ordered)


def threshold_metrics(matrix, tp, fp, fn, tn, names, options, positive_class=None):
    """(per-class metrics with F-beta, accuracy and balanced accuracy, undefined names) of one matrix."""
    metrics, undefined = m.per_class_metrics(tp, fp, fn, tn, names, positive_class=positive_class)
    with_fbeta(metrics, undefined, tp, fp, fn, tn, names, options, positive_class)
    metrics["accuracy"] = m.accuracy(matrix)
    metrics["balanced_accuracy"] = m.balanced_accuracy(matrix)
    for name in ("accuracy", "balanced_accuracy"):
        if metrics[name] is None:
            undefined.append(name)
    return metrics, undefined


def mean_defined(values):
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def curves(all_counts, names, thresholds, points, options):
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

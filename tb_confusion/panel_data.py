"""What the browser needs from one Record: sufficient statistics, example lists, per-epoch metrics.

The math (cumulative counts, curves, metrics) lives in tb_confusion.metrics and tb_confusion.report;
this module arranges their results for the panel (see docs/http_api.md for the shapes).
"""

import numpy as np

from tb_confusion import metrics

# Above this many distinct thresholds (binary/multilabel) or examples (multiclass) the statistics are
# thinned and marked "exact": false; the browser then asks the `report` route for exact numbers.
MAX_EXACT_POINTS = 200_000
EPOCH_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "cohen_kappa", "mcc",
                 "roc_auc", "average_precision", "log_loss")


# -- sufficient statistics ---------------------------------------------------------------------------


def stats(record, report):
    """The `stats` route's object for one step.

    `report` is build_report(record) at default arguments; for multiclass records pass it with
    curves=True: its one-vs-rest curves move to "curves", so the embedded report is the default one.
    """
    report = dict(report)
    curves = report.pop("curves", None)
    out = {
        "run": record.run,
        "tag": record.tag,
        "step": record.step,
        "wall_time": record.wall_time,
        "task": record.task,
        "class_names": list(record.class_names),
        "num_examples": record.num_examples,
        "weighted": record.weights is not None,
        "exact": True,
        "report": report,
    }
    if record.task == "binary":
        score = metrics.binary_score(record.probabilities, record.positive_class)
        truth = np.asarray(record.labels) == record.positive_class
        out["binary"] = binary_stats(truth, score, record.weights)
        out["exact"] = out["binary"].pop("exact")
    elif record.task == "multilabel":
        out["labels"] = [
            binary_stats(record.labels[:, k] == 1, record.probabilities[:, k], record.weights)
            for k in range(record.num_classes)
        ]
        out["exact"] = all([label.pop("exact") for label in out["labels"]])
    else:
        out["multiclass"] = multiclass_stats(record)
        out["exact"] = out["multiclass"].pop("exact")
        out["curves"] = _with_areas(curves, report) if curves else None
    return out


def binary_stats(y_true, score, weights=None):
    """{thresholds, tps, fps, positives, negatives, exact} for one binary problem."""
    counts = metrics.binary_counts(y_true, score, sample_weight=weights)
    thresholds, tps, fps = counts
    exact = len(thresholds) <= MAX_EXACT_POINTS
    if not exact:
        keep = _spread(len(thresholds), MAX_EXACT_POINTS)
        thresholds, tps, fps = thresholds[keep], tps[keep], fps[keep]
    return {
        "thresholds": np.asarray(thresholds, dtype=np.float64),
        "tps": _counts(tps, weights),
        "fps": _counts(fps, weights),
        "positives": _counts(counts.positives, weights).item(),
        "negatives": _counts(counts.negatives, weights).item(),
        "exact": exact,
    }


def multiclass_stats(record):
    """Examples grouped by matrix cell (true-major, cell = true * C + argmax), top scores ascending
    within each cell, so the browser finds a cell's count above a cutoff with one binary search."""
    c, n = record.num_classes, record.num_examples
    pred, top = metrics.top_class(record.probabilities)
    top = top.astype(np.float64)
    cell = np.asarray(record.labels, dtype=np.int64) * c + pred
    order = np.lexsort((top, cell))
    counts = np.bincount(cell, minlength=c * c)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    top_sorted = top[order]
    weights = record.weights
    totals = counts if weights is None else np.bincount(cell, weights=weights, minlength=c * c)
    exact = n <= MAX_EXACT_POINTS
    cum = None
    if weights is not None or not exact:
        cum = _cumsum_within(np.ones(n) if weights is None else weights[order], offsets)
    if not exact:
        # Keep evenly spread examples plus every cell's last one; cum_weights then carry the counts.
        keep = np.union1d(_spread(n, MAX_EXACT_POINTS), offsets[1:][counts > 0] - 1)
        offsets = np.searchsorted(keep, offsets)
        top_sorted, cum = top_sorted[keep], cum[keep]
    return {
        "cell_offsets": offsets.astype(np.int64),
        "top_scores": top_sorted,
        "cum_weights": cum,
        "cell_totals": _counts(totals, weights),
        "exact": exact,
    }


def _with_areas(curves, report):
    """The report's one-vs-rest curves with each class's ROC AUC and average precision attached."""
    aucs = report["metrics"]["roc_auc"]["per_class"]
    aps = report["metrics"]["average_precision"]["per_class"]
    return {
        "roc": [dict(curve, auc=auc) for curve, auc in zip(curves["roc"], aucs, strict=True)],
        "pr": [dict(curve, average_precision=ap) for curve, ap in zip(curves["pr"], aps, strict=True)],
    }


# -- examples ------------------------------------------------------------------------------------------


def cell_assignment(record, *, threshold=None, cutoff=None, label=None):
    """(true [N], pred [N], score [N]) for the task; score is the probability of the predicted class.

    binary: classes are indices into class_names, positive when its probability >= threshold (0.5);
    multiclass: pred is the argmax, or C ("below cutoff") when its probability < cutoff;
    multilabel: label `label`, true/pred in {0, 1}.
    """
    if record.task == "multiclass":
        pred, score = metrics.top_class(record.probabilities)
        score = score.astype(np.float64)
        if cutoff is not None and cutoff > 0:
            pred = np.where(score < cutoff, record.num_classes, pred)
        return np.asarray(record.labels, dtype=np.int64), pred, score
    threshold = 0.5 if threshold is None else threshold
    if record.task == "binary":
        p = metrics.binary_score(record.probabilities, record.positive_class).astype(np.float64)
        pos = record.positive_class
        positive = p >= threshold
        pred = np.where(positive, pos, 1 - pos)
        if record.probabilities.ndim == 2:
            score = record.probabilities[np.arange(len(pred)), pred].astype(np.float64)
        else:
            score = np.where(positive, p, 1.0 - p)
        return np.asarray(record.labels, dtype=np.int64), pred, score
    p = record.probabilities[:, label].astype(np.float64)
    positive = p >= threshold
    truth = np.asarray(record.labels[:, label], dtype=np.int64)
    return truth, positive.astype(np.int64), np.where(positive, p, 1.0 - p)


def examples(record, *, true, pred, threshold=None, cutoff=None, label=None, offset=0, limit=50):
    """One page of the examples in matrix cell (true, pred), most confident first."""
    truth, predicted, score = cell_assignment(record, threshold=threshold, cutoff=cutoff, label=label)
    index = np.flatnonzero((truth == true) & (predicted == pred))
    index = index[np.lexsort((index, -score[index]))]  # ties: lower index first
    page = index[offset:offset + limit]
    return {
        "total": int(len(index)),
        "offset": offset,
        "limit": limit,
        "examples": [
            {"index": int(i), "id": record.example_id(int(i)), "true": int(true), "pred": int(pred),
             "score": float(score[i])}
            for i in page
        ],
    }


# -- epochs --------------------------------------------------------------------------------------------


def epoch_metrics(report):
    """The headline numbers of one report: per-class metrics as their macro average, or for binary
    tags the positive class's value (the "binary" entry)."""
    values = report["metrics"]
    out = {}
    for name in EPOCH_METRICS:
        value = values.get(name)
        if isinstance(value, dict):
            value = value["binary"] if "binary" in value else value.get("macro")
        out[name] = value
    return out


# -- helpers -------------------------------------------------------------------------------------------


def _spread(n, points):
    """Sorted unique indices: about `points` evenly spread over range(n), always with the last."""
    return np.unique(np.linspace(0, n - 1, points).round().astype(np.int64))


def _counts(values, weights):
    # Unweighted counts go out as JSON integers.
    values = np.asarray(values)
    return values.astype(np.int64) if weights is None else values.astype(np.float64)


def _cumsum_within(values, offsets):
    """Cumulative sums restarting at each cell offset."""
    total = np.cumsum(values)
    starts = offsets[:-1]
    base = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0)
    return total - np.repeat(base, np.diff(offsets))

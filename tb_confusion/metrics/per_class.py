"""Per-class precision, recall, F1, specificity, IoU and support with macro, micro and weighted averages,
plus accuracy and balanced accuracy: all from per-class counts, so from the confusion matrix alone.

Undefined ratios (0/0) are 0 like scikit-learn's zero_division=0, and their names are reported.
"""

import numpy as np

# metric -> (numerator, denominator) as functions of per-class (tp, fp, fn, tn)
RATIOS = {
    "precision": lambda tp, fp, fn, tn: (tp, tp + fp),
    "recall": lambda tp, fp, fn, tn: (tp, tp + fn),
    # 2 tp / (true + predicted), in the order scikit-learn computes it
    "f1": lambda tp, fp, fn, tn: (2.0 * tp, (tp + fn) * 1.0 + (tp + fp)),
    "specificity": lambda tp, fp, fn, tn: (tn, tn + fp),
    "iou": lambda tp, fp, fn, tn: (tp, tp + fp + fn),
}
PER_CLASS_METRICS = tuple(RATIOS) + ("support",)
DEFAULT_BETA = 1.0  # the F-beta of a report that sets no beta is F1


def class_counts(matrix):
    """(tp, fp, fn, tn) per class from a [C, C] matrix or a [C, C + 1] one whose last column holds
    rejected rows (below the cutoff: a miss for their true class, a prediction for no class)."""
    m = np.asarray(matrix)
    c = m.shape[0]
    tp = np.diagonal(m[:, :c]).copy()
    fp = m[:, :c].sum(axis=0) - tp
    fn = m.sum(axis=1) - tp
    tn = m.sum() - tp - fp - fn
    return tp, fp, fn, tn


def divide(numerator, denominator):
    """(numerator / denominator with 0 where the denominator is 0, mask of those 0/0 entries)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    undefined = denominator == 0
    shape = np.broadcast(numerator, denominator).shape
    return np.divide(numerator, denominator, out=np.zeros(shape), where=~undefined), undefined


def weighted_mean(values, weights):
    """np.average weighted by support; a plain mean when every weight is 0 (scikit-learn's rule)."""
    weights = np.asarray(weights, dtype=np.float64)
    if not weights.any():
        return float(np.mean(values))
    return float(np.average(values, weights=weights))


def per_class_metrics(tp, fp, fn, tn, class_names, *, positive_class=None):
    """({metric: {"per_class", "macro", "micro", "weighted"[, "binary"]}}, undefined names).

    Averages follow scikit-learn with labels=range(C): macro = mean over every class, micro from summed
    counts, weighted by true support. `positive_class` adds "binary" (sklearn's average="binary").
    """
    counts = [np.asarray(a) for a in (tp, fp, fn, tn)]
    support = counts[0] + counts[2]
    sums = [a.sum() for a in counts]
    metrics, undefined = {}, []
    for name, ratio in RATIOS.items():
        metrics[name] = _ratio_metric(name, ratio, counts, sums, support, class_names, undefined)
    total = to_number(support.sum())
    metrics["support"] = {
        "per_class": [to_number(v) for v in support],
        "macro": total,
        "micro": total,
        "weighted": total,
    }
    if positive_class is not None:
        for value in metrics.values():
            value["binary"] = value["per_class"][positive_class]
    return metrics, undefined


def _ratio_metric(name, ratio, counts, sums, support, class_names, undefined):
    values, bad = divide(*ratio(*counts))
    micro, micro_bad = divide(*ratio(*sums))
    undefined += [f"{name}.per_class.{class_names[i]}" for i in np.flatnonzero(bad)]
    if micro_bad:
        undefined.append(f"{name}.micro")
    return {
        "per_class": [float(v) for v in values],
        "macro": float(np.mean(values)) if len(values) else None,
        "micro": float(micro),
        "weighted": weighted_mean(values, support) if len(values) else None,
    }


def fbeta(tp, fp, fn, tn, class_names, beta, *, positive_class=None):
    """(F-beta as {"per_class", "macro", "micro", "weighted"[, "binary"]}, undefined names), like
    scikit-learn's fbeta_score with zero_division=0: (1 + b^2) tp / (b^2 (tp + fn) + tp + fp),
    recall counting beta times as much as precision (beta 1 is F1, beta 0 precision)."""
    b2 = float(beta) ** 2
    counts = [np.asarray(a) for a in (tp, fp, fn, tn)]
    sums = [a.sum() for a in counts]
    undefined = []

    def ratio(tp, fp, fn, tn):
        # b^2 (true) + (predicted): the order scikit-learn computes it in, so beta 1 gives f1's numbers
        return (1 + b2) * tp, b2 * (tp + fn) + (tp + fp)

    value = _ratio_metric("fbeta", ratio, counts, sums, counts[0] + counts[2], class_names, undefined)
    if positive_class is not None:
        value["binary"] = value["per_class"][positive_class]
    return value, undefined


def accuracy(matrix):
    """Share of (weighted) rows on the diagonal; rejected rows count as wrong. None when empty."""
    m = np.asarray(matrix)
    return accuracy_of_sums(np.trace(m[:, : m.shape[0]]), m.sum())


def accuracy_of_sums(correct, total):
    """accuracy from the matrix's trace and total; of many matrices at once (arrays [S]: NaN where total is 0)."""
    if np.ndim(total):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total != 0, correct / np.where(total != 0, total, 1), np.nan)
    return float(correct / total) if total else None


def balanced_accuracy(matrix):
    """Mean recall over classes with true support (scikit-learn's balanced_accuracy_score)."""
    m = np.asarray(matrix)
    return balanced_accuracy_of_sums(np.diagonal(m[:, : m.shape[0]]), m.sum(axis=1))


def balanced_accuracy_of_sums(correct, true_sum):
    """balanced_accuracy from the matrix's diagonal [C] and row sums [C]; of many matrices at once from
    [S, C] arrays (values [S], NaN where no class has true support)."""
    if np.ndim(true_sum) == 2:
        present = true_sum != 0
        every = present.all(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.mean(correct / true_sum, axis=1)  # the same sum as below when every class is present
        for row in np.flatnonzero(~every):
            value = balanced_accuracy_of_sums(correct[row], true_sum[row])
            values[row] = np.nan if value is None else value
        return values
    present = true_sum != 0
    if not present.any():
        return None
    return float(np.mean(correct[present] / true_sum[present]))


def to_number(x):
    """A numpy scalar as a JSON-able int (integral dtypes) or float."""
    return int(x) if np.issubdtype(np.asarray(x).dtype, np.integer) else float(x)

"""Calibration: how far the probabilities are from the frequencies they claim, read from bins of
confidence. Expected and maximum calibration error over equal-width bins (ECE, MCE), adaptive ECE
over equal-mass bins, and the reliability diagram all three are read from.

What is binned (`pairs`), as torchmetrics' BinaryCalibrationError / MulticlassCalibrationError:
binary: the positive class's probability against "the label is the positive class" (not top-label);
multiclass: the top-1 probability against "the argmax is the label"; multilabel: every (example,
label) decision as one binary problem (micro). With `class_index`, one class one-vs-rest (one label).

Bins: equal-width edges k / n_bins, a confidence c in bin i when edge[i] <= c < edge[i + 1], the last
bin closed at 1 (Guo et al. 2017, netcal); edges are rounded to the probabilities' precision (float32
as stored), so a stored 0.2 lies on the edge 0.2. torchmetrics 1.9 gives a confidence of exactly 1 a
bin of its own (torchmetrics issue #3510) and rounds its edges as torch.linspace does on the CPU at
hand; elsewhere the numbers are its numbers. Equal-mass edges are the linear-interpolation quantiles
of the confidences (numpy's default) with the outer edges at 0 and 1, netcal's
ECE(equal_intervals=False). Sample weights weigh every per-bin mean and share (an integer
weight counts like that many copies of the example); equal-mass edges are then weighted quantiles.
"""

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.metrics._checks import check_weights

DEFAULT_BINS = 15
STRATEGIES = ("equal_width", "equal_mass")


def pairs(labels, probabilities, *, task, positive_class=1, class_index=None, sample_weight=None, top=None):
    """(confidence [M], outcome [M] bool, weights [M] or None): what calibration bins (module docstring).

    `top`: a precomputed (argmax [N], top probability [N]) of multiclass rows (Statistics.top)."""
    y = np.asarray(labels)
    w = check_weights(sample_weight, len(y))
    if task == "multiclass" and class_index is None and top is not None:  # the probabilities are not needed
        predicted, confidence = top
        return confidence, np.asarray(predicted) == y, w
    p = np.asarray(probabilities)
    if task == "multilabel":
        if class_index is not None:
            return p[:, class_index], y[:, class_index].astype(bool), w
        return p.reshape(-1), y.reshape(-1).astype(bool), None if w is None else np.repeat(w, p.shape[1])
    if task == "binary":
        k = positive_class if class_index is None else class_index
        if p.ndim == 2:
            return p[:, k], y == k, w
        # [N] holds the positive class's probability; the other class's is 1 - p, in float64
        return (p, y == k, w) if k == positive_class else (1.0 - p.astype(np.float64), y == k, w)
    if class_index is not None:
        return p[:, class_index], y == class_index, w
    predicted, confidence = top if top is not None else (p.argmax(axis=1), p.max(axis=1))
    return confidence, np.asarray(predicted) == y, w


def check_bins(n_bins):
    """`n_bins` as an int >= 1, or errors.BadArgument naming it."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise BadArgument(f"n_bins must be an int >= 1; got {n_bins!r}")
    return int(n_bins)


def _edges(confidence, weights, n_bins, strategy):
    if strategy == "equal_width":
        return np.linspace(0.0, 1.0, n_bins + 1)
    q = np.linspace(0.0, 1.0, n_bins + 1)
    if weights is None:
        # on the float32 values themselves when stored so, as netcal computes its quantiles
        edges = np.quantile(confidence, q).astype(np.float64)
    else:
        edges = _weighted_quantiles(confidence.astype(np.float64), weights, q)
    edges[0], edges[-1] = 0.0, 1.0
    return edges


def _weighted_quantiles(values, weights, q):
    # numpy's linear method places the j-th smallest of n at plotting position j / (n - 1); with
    # weights, at (weight up to and excluding it) / (total weight - the largest value's weight),
    # which is the same for equal weights.
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    below = np.cumsum(w) - w
    span = below[-1]
    if span <= 0:
        return np.full(len(q), v[-1])
    return np.interp(q, below / span, v)


def bins(confidence, outcome, *, n_bins=DEFAULT_BINS, strategy="equal_width", sample_weight=None):
    """The reliability table: {"strategy", "edges" [n_bins + 1], "count" [n_bins] (weighted sums when
    weighted), "confidence" [n_bins] and "accuracy" [n_bins] (mean confidence and share of positive
    outcomes per bin, None where a bin is empty)}. Rows with weight 0 are left out."""
    n_bins = check_bins(n_bins)
    if strategy not in STRATEGIES:
        raise BadArgument(f"strategy must be 'equal_width' or 'equal_mass'; got {strategy!r}")
    c = np.asarray(confidence)
    stored = c.dtype if c.dtype in (np.float16, np.float32) else np.dtype(np.float64)
    if c.dtype != np.float32:
        c = c.astype(np.float64)
    hit = np.asarray(outcome, dtype=bool)
    w = check_weights(sample_weight, len(c))
    if w is not None and not w.all():
        keep = w != 0
        c, hit, w = c[keep], hit[keep], w[keep]
    edges = _edges(c, w, n_bins, strategy) if len(c) else np.linspace(0.0, 1.0, n_bins + 1)
    # Edges in the probabilities' own precision: a float32 0.2 as stored is the 0.2 its writer meant,
    # so it lies on the edge 0.2 (as in netcal, whose binning rounds the edges to the data's dtype).
    edges = edges.astype(stored).astype(np.float64)
    c64 = c.astype(np.float64)
    index = np.clip(np.searchsorted(edges, c64, side="right") - 1, 0, n_bins - 1)
    count = np.bincount(index, weights=w, minlength=n_bins)
    total_confidence = np.bincount(index, weights=c64 if w is None else c64 * w, minlength=n_bins)
    hits = hit.astype(np.float64) if w is None else hit * w
    total_hits = np.bincount(index, weights=hits, minlength=n_bins)
    filled = count > 0
    safe = np.where(filled, count, 1.0)
    return {
        "strategy": strategy,
        "edges": edges,
        "count": count.astype(np.int64) if w is None else count,
        "confidence": [float(x) if f else None for x, f in zip(total_confidence / safe, filled)],
        "accuracy": [float(x) if f else None for x, f in zip(total_hits / safe, filled)],
    }


def errors_of(table):
    """(ECE, MCE) of a bins() table: the share-weighted mean and the largest |accuracy - confidence|
    over the non-empty bins; (None, None) when every bin is empty."""
    count = np.asarray(table["count"], dtype=np.float64)
    total = count.sum()
    if total <= 0:
        return None, None
    gaps = np.array([abs(a - c) if n > 0 else 0.0
                     for a, c, n in zip(table["accuracy"], table["confidence"], count)])
    return float(np.dot(count / total, gaps)), float(gaps.max())


def calibration_errors(confidence, outcome, *, n_bins=DEFAULT_BINS, sample_weight=None):
    """{"ece", "mce", "adaptive_ece"} of (confidence, outcome) pairs; None values when there is no
    (weighted) example. ece / mce over equal-width bins, adaptive_ece = ECE over equal-mass bins."""
    ece, mce = errors_of(bins(confidence, outcome, n_bins=n_bins, sample_weight=sample_weight))
    adaptive, _ = errors_of(bins(confidence, outcome, n_bins=n_bins, strategy="equal_mass",
                                 sample_weight=sample_weight))
    return {"ece": ece, "mce": mce, "adaptive_ece": adaptive}


def reliability_diagram(labels, probabilities, *, task, positive_class=1, class_index=None,
                        n_bins=DEFAULT_BINS, strategy="equal_width", sample_weight=None, top=None):
    """The reliability diagram of one step, JSON-ready: bins() of its pairs() (the overall one, or one
    class / label with `class_index`) plus "n_bins", "ece" and "mce" of those bins (for "equal_mass"
    bins, "ece" is the adaptive ECE). Edges and means are floats; counts ints (floats when weighted)."""
    confidence, outcome, weights = pairs(labels, probabilities, task=task, positive_class=positive_class,
                                         class_index=class_index, sample_weight=sample_weight, top=top)
    table = bins(confidence, outcome, n_bins=n_bins, strategy=strategy, sample_weight=weights)
    ece, mce = errors_of(table)
    return {**table, "n_bins": int(n_bins), "edges": [float(e) for e in table["edges"]],
            "count": table["count"].tolist(), "ece": ece, "mce": mce}

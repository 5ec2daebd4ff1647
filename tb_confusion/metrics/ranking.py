"""The binary counts kernel and everything ranked by score: ROC and PR curves, ROC AUC, average precision,
operating points, one-vs-rest per class, and a shape-preserving curve downsample."""

from typing import NamedTuple

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.metrics._checks import check_weights
from tb_confusion.metrics._parallel import columns, parallel_map

_UNSIGNED = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


class BinaryCounts(NamedTuple):
    """Cumulative (weighted) counts at every distinct score, highest first.

    tps[i] / fps[i]: positives / negatives with score >= thresholds[i]. The last entries are the totals,
    so true negatives are fps[-1] - fps and false negatives tps[-1] - tps (as in scikit-learn).
    """

    thresholds: np.ndarray
    tps: np.ndarray
    fps: np.ndarray

    @property
    def positives(self):
        return float(self.tps[-1]) if len(self.tps) else 0.0

    @property
    def negatives(self):
        return float(self.fps[-1]) if len(self.fps) else 0.0


def binary_counts(y_true, score, sample_weight=None):
    """(thresholds descending distinct, tps, fps): cumulative weighted counts of score >= threshold.

    Equals scikit-learn's confusion_matrix_at_thresholds / _binary_clf_curve (rows with weight 0 are
    dropped first, so they create no threshold). y_true: [N], nonzero = positive. score: [N] floats.
    One sort and one cumulative sum; tps and fps are float64.
    """
    y = np.asarray(y_true).astype(bool, copy=False)
    s = np.asarray(score)
    if s.dtype == np.float16:
        s = s.astype(np.float32)
    w = check_weights(sample_weight, len(y))
    if w is not None and not w.all():
        keep = w != 0
        y, s, w = y[keep], s[keep], w[keep]
    if len(s) == 0:
        return BinaryCounts(s[:0], np.zeros(0), np.zeros(0))
    bits = _nonnegative_bits(s)
    if bits is not None and w is None:
        return _packed_counts(y, bits, s.dtype)
    order = _descending_order(s, bits)
    s, y = s[order], y[order]
    ends = _group_ends(s)
    if w is None:
        tps = np.cumsum(y, dtype=np.int64)[ends].astype(np.float64)
        fps = 1.0 + ends - tps
    else:
        w = w[order]
        tps = np.cumsum(w * y)[ends]
        fps = np.cumsum(w * ~y)[ends]
    return BinaryCounts(s[ends], tps, fps)


def _nonnegative_bits(s):
    """The scores' bit patterns as unsigned ints when every score is finite and >= +0.0 (so the bits
    sort like the floats and have a free top bit), else None."""
    unsigned = _UNSIGNED.get(s.dtype)
    if unsigned is None:
        return None
    bits = np.ascontiguousarray(s).view(unsigned)
    infinity = np.array(np.inf, dtype=s.dtype).view(unsigned)
    return bits if bits.max() < infinity else None


def _packed_counts(y, bits, dtype):
    # Sort one unsigned key per row, ~(score bits << 1 | label): inverting the bits makes the ascending
    # sort run from the highest score down, and the sorted keys hold both scores and labels, so there
    # is no argsort and no gather. Then, as in scikit-learn, each distinct score ends a group at
    # index i and the rows with score >= it are rows 0..i:  tps = cumsum(labels)[i],  fps = i + 1 - tps.
    one = bits.dtype.type(1)
    key = bits << one
    key |= y
    np.invert(key, out=key)
    key.sort()
    np.invert(key, out=key)
    values = key >> one
    n = len(key)
    last = np.empty(n, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=last[:-1])
    last[-1] = True
    ends = np.flatnonzero(last)
    key &= one
    # a uint32 running count is exact below 2**32 rows and twice as fast as int64
    positives = np.cumsum(key, dtype=np.uint32 if n < 2**32 else np.uint64)
    tps = positives[ends].astype(np.float64)
    return BinaryCounts(values[ends].view(dtype), tps, 1.0 + ends - tps)


def _descending_order(s, bits):
    if bits is not None and bits.dtype == np.uint32 and len(s) < 2**32:
        # one sort of (score bits << 32 | index) is faster than argsort and is stable
        key = bits.astype(np.uint64) << np.uint64(32)
        key |= np.arange(len(s), dtype=np.uint64)
        key.sort()
        return (key & np.uint64(0xFFFFFFFF)).astype(np.intp)[::-1]
    return np.argsort(s, kind="stable")[::-1]


def _group_ends(sorted_scores):
    ends = np.flatnonzero(sorted_scores[1:] != sorted_scores[:-1])
    return np.concatenate([ends, [len(sorted_scores) - 1]])


def one_vs_rest_counts(labels, probabilities, sample_weight=None):
    """BinaryCounts per class (one sort each, spread over the cores).

    labels: class indices [N] (multiclass) or a 0/1 indicator [N, C] (multilabel)."""
    y = np.asarray(labels)
    scores = columns(np.asarray(probabilities))
    truth = columns(y) if y.ndim == 2 else None

    def counts(k):
        positive = truth[k] if truth is not None else y == k
        return binary_counts(positive, scores[k], sample_weight)

    return parallel_map(counts, range(len(scores)))


def counts_at(counts, threshold):
    """(tp, fp) with score >= threshold (float64 comparison); arrays when `threshold` is an array."""
    t = np.asarray(threshold, dtype=np.float64)
    above = _count_at_least(counts.thresholds, t.reshape(-1)).reshape(t.shape)
    has = above > 0
    last = np.maximum(above - 1, 0)
    return np.where(has, counts.tps[last] if len(counts.tps) else 0.0, 0.0), \
        np.where(has, counts.fps[last] if len(counts.fps) else 0.0, 0.0)


def _count_at_least(descending, t):
    """How many of the descending thresholds are >= each t: a vectorized bisection over all t at once,
    which compares in float64 and, unlike searchsorted, copies nothing of the (large) thresholds."""
    n = len(descending)
    if len(t) > 4096:
        return n - np.searchsorted(descending[::-1].astype(np.float64), t, side="left")
    lo = np.zeros(len(t), dtype=np.intp)
    hi = np.full(len(t), n, dtype=np.intp)
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        at_least = np.zeros(len(t), dtype=bool)
        at_least[open_] = descending[mid[open_]] >= t[open_]
        lo = np.where(open_ & at_least, mid + 1, lo)
        hi = np.where(open_ & ~at_least, mid, hi)


def _dot(a, b):
    # Not np.dot: OpenBLAS splits a long dot product over its own threads, and when the cores are busy
    # (our pool sorting other classes, other processes) waiting for them cost 0.2-12 ms instead of
    # ~20 us for 50k values; einsum's loop is as fast on one core and waits for nobody.
    return np.einsum("i,i->", a, b)


def roc_curve(counts):
    """(fpr, tpr, thresholds) like scikit-learn's roc_curve(drop_intermediate=False): starts at (0, 0)
    with threshold +inf. None when the data has no positives or no negatives."""
    if counts.positives <= 0 or counts.negatives <= 0:
        return None
    fpr = np.concatenate([[0.0], counts.fps]) / counts.negatives
    tpr = np.concatenate([[0.0], counts.tps]) / counts.positives
    return fpr, tpr, np.concatenate([[np.inf], counts.thresholds.astype(np.float64)])


def roc_auc(counts):
    """Area under the ROC curve (trapezoids, so tied scores count half), None when undefined."""
    if counts.positives <= 0 or counts.negatives <= 0:
        return None
    # sum of trapezoids (fps[i] - fps[i-1]) * (tps[i] + tps[i-1]) / 2 from (0, 0), as two dot products
    step = np.diff(counts.fps, prepend=0.0)
    twice_area = _dot(step, counts.tps) + _dot(step[1:], counts.tps[:-1])
    return float(twice_area / (2.0 * counts.positives * counts.negatives))


def pr_curve(counts):
    """(precision, recall, thresholds), highest threshold first: scikit-learn's precision_recall_curve
    reversed, so its end point (recall 0, precision 1) comes first, here with threshold +inf.
    None when there are no positives."""
    if counts.positives <= 0:
        return None
    precision = counts.tps / (counts.tps + counts.fps)
    recall = counts.tps / counts.positives
    return (
        np.concatenate([[1.0], precision]),
        np.concatenate([[0.0], recall]),
        np.concatenate([[np.inf], counts.thresholds.astype(np.float64)]),
    )


def average_precision(counts):
    """(AP, undefined): sum over thresholds of (recall step) x precision, scikit-learn's
    average_precision_score. With no positives AP is 0 and undefined is True."""
    if counts.positives <= 0:
        return 0.0, True
    precision = counts.tps / (counts.tps + counts.fps)
    ap = _dot(np.diff(counts.tps, prepend=0.0), precision) / counts.positives
    return float(max(0.0, ap)), False


def downsample_curve(x, y, max_points):
    """Indices of at most `max_points` points of the polyline (x, y) that keep its shape.

    First drops interior points collinear with their neighbours (no visible change), then, if still too
    many, keeps the first and last point and one point per bucket: the one spanning the largest triangle
    with the previous kept point and the next bucket's mean (largest-triangle-three-buckets). The indices
    are increasing, so monotone curves stay monotone. Use as x[i], y[i], thresholds[i].
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if max_points < 2:
        raise BadArgument(f"max_points must be an int >= 2; got {max_points!r}")
    n = len(x)
    if n <= 2:
        return np.arange(n)
    # repeated points first (a zero-length step hides the turn around it), then collinear ones
    dx, dy = x[1:] - x[:-1], y[1:] - y[:-1]
    moved = (dx != 0) | (dy != 0)
    distinct = None  # every point when no step repeats one (the usual case: no gather then)
    if not moved.all():
        moved = np.flatnonzero(moved) + 1
        distinct = np.concatenate([[0], moved[moved < n - 1], [n - 1]])
        dx, dy = np.diff(x[distinct]), np.diff(y[distinct])
    turns = np.flatnonzero(dx[:-1] * dy[1:] - dy[:-1] * dx[1:] != 0) + 1
    keep = np.concatenate([[0], turns if distinct is None else distinct[turns], [n - 1]])
    if len(keep) <= max_points:
        return keep
    return keep[_largest_triangles(x[keep], y[keep], max_points)]


def _largest_triangles(x, y, max_points):
    """Largest-triangle-three-buckets without a Python loop over buckets; the same points as the
    sequential algorithm.

    Sequentially, bucket b keeps its point P maximizing |(P - A) x (N - A)|, A the point kept in bucket
    b - 1 and N the mean of bucket b + 1, so each choice depends on the previous one. Here every bucket
    is first chosen at once with the previous bucket's mean for A, then re-chosen, all at once, only where
    the previous bucket's choice changed, until nothing changes. The result is a fixed point of "choice =
    best given the previous choice", and there is only one (bucket 0's A is point 0, then by induction),
    the sequential result. The lowest bucket still to redo rises each round, so at most one round per
    bucket; on ROC/PR curves it takes 5-16 rounds of a few array operations instead of 200 iterations.
    """
    n = len(x)
    if max_points == 2:
        return np.array([0, n - 1])
    edges = np.linspace(1, n - 1, max_points - 1).astype(np.intp)  # n > max_points: strictly increasing
    starts, sizes = edges[:-1], np.diff(edges)
    buckets = len(starts)
    # the mean of each bucket's next bucket; the last bucket's next is the end point
    next_x = np.append((np.add.reduceat(x[1 : n - 1], starts - 1) / sizes)[1:], x[-1])
    next_y = np.append((np.add.reduceat(y[1 : n - 1], starts - 1) / sizes)[1:], y[-1])

    def best(todo, ax, ay):
        """Per bucket in `todo`, the first index of the largest triangle with its A = (ax, ay)."""
        lengths = sizes[todo]
        offsets = np.cumsum(lengths) - lengths
        index = np.arange(offsets[-1] + lengths[-1]) + np.repeat(starts[todo] - offsets, lengths)
        ax, ay = np.repeat(ax, lengths), np.repeat(ay, lengths)
        # the sequential algorithm's expression, term for term, so ties and rounding agree
        area = np.abs((x[index] - ax) * (np.repeat(next_y[todo], lengths) - ay)
                      - (np.repeat(next_x[todo], lengths) - ax) * (y[index] - ay))
        top = np.repeat(np.maximum.reduceat(area, offsets), lengths)
        return np.minimum.reduceat(np.where(area == top, index, n), offsets)

    todo = np.arange(buckets)
    chosen = best(todo, np.append(x[0], next_x[:-1]), np.append(y[0], next_y[:-1]))
    while len(todo):
        previous = np.append(0, chosen[:-1])[todo]
        again = best(todo, x[previous], y[previous])
        changed = todo[again != chosen[todo]]
        chosen[todo] = again
        todo = changed[changed < buckets - 1] + 1
    return np.concatenate([[0], chosen, [n - 1]])


def micro_ranking(labels, probabilities, sample_weight=None):
    """(ROC AUC, (AP, undefined)) of every (example, class) pair of [N] class indices and [N, C]
    probabilities ranked together: scikit-learn's average="micro" over the one-hot truth.

    Unweighted, without an N x C argsort: the N true-class scores are the positives, and the pooled
    count of pairs scored >= s (or > s) at each distinct positive score s is a bisection into one
    value sort of every probability. AP then sums (positives at s) x precision at s; AUC is the
    Mann-Whitney sum over the positives of (negatives below s + half the negatives tied at s).
    Weighted: binary_counts of the flattened pairs (each row's weight on each of its C pairs)."""
    y = np.asarray(labels).astype(np.intp, copy=False)
    p = np.asarray(probabilities)
    w = check_weights(sample_weight, len(y))
    if p.dtype == np.float16:
        p = p.astype(np.float32)
    n, c = p.shape
    if w is not None:
        truth = (y[:, None] == np.arange(c)).reshape(-1)
        counts = binary_counts(truth, p.reshape(-1), np.repeat(w, c))
        return roc_auc(counts), average_precision(counts)
    if n == 0:
        return None, (0.0, True)
    pooled = np.sort(p, axis=None)
    score, at = np.unique(p[np.arange(n), y], return_counts=True)  # ascending distinct positive scores
    at = at[::-1].astype(np.float64)
    score = score[::-1]
    tps = np.cumsum(at)
    fps = len(pooled) - np.searchsorted(pooled, score, side="left") - tps
    fps_above = len(pooled) - np.searchsorted(pooled, score, side="right") - (tps - at)
    negatives = float(n * (c - 1))
    ap = float(max(0.0, _dot(at, tps / (tps + fps)) / n))
    auc = float(_dot(at, negatives - 0.5 * (fps + fps_above)) / (n * negatives)) if negatives > 0 else None
    return auc, (ap, False)

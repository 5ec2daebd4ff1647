"""Every class's one-vs-rest ranking of a compact step from one sort (the reading side of docs/storage.md).

Class k's one-vs-rest problem holds its positives (the true class's probability of its examples), its
exact negatives (examples whose argmax or runner-up is k) and its binned negatives (the histogram of the
other examples' p_k, each bin at its center). Instead of one sort per class (1,000 calls of numpy at
ImageNet size), every (class, score) entry of every class is keyed by class first, then by score
descending, and sorted once; each class's distinct thresholds and cumulative counts are then one
segment of the same arrays, and ROC AUC and average precision of every class are a few array operations
(`areas`). `counts(k)` gives class k's BinaryCounts, equal to metrics.binary_counts of the same entries.

Float32 scores and the bins' float64 centers are compared exactly: a center gets the key of the largest
float32 below it plus a half step, or the float32's own key when it is one (the floor bin's 2^-21).
"""

from typing import NamedTuple

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.compact import facts as compact_facts

_CENTERS = compact_facts.bin_centers()


def _center_keys():
    """uint64 [NUM_BINS]: twice the float32 bits at or below each center, + 1 when strictly below."""
    below = _CENTERS.astype(np.float32)  # nearest: step down where it rounded up
    up = below.astype(np.float64) > _CENTERS
    below[up] = np.nextafter(below[up], np.float32(0))
    keys = below.view(np.uint32).astype(np.uint64) << np.uint64(1)
    return keys + (below.astype(np.float64) != _CENTERS)


_CENTER_KEYS = _center_keys()
_SCORE_BITS = 32  # twice the bits of a float32 in [0, 1] (< 0x7F000002) fit in 31 bits


class Ranked(NamedTuple):
    """Every class's distinct thresholds (descending within a class) and cumulative counts; class k's
    are [starts[k]:starts[k + 1]]."""

    starts: np.ndarray
    thresholds: np.ndarray
    tps: np.ndarray
    fps: np.ndarray

    def counts(self, k):
        """Class k's BinaryCounts (views into the shared arrays)."""
        part = slice(self.starts[k], self.starts[k + 1])
        return m.BinaryCounts(self.thresholds[part], self.tps[part], self.fps[part])

    def totals(self):
        """(positives [C], negatives [C]): each class's last cumulative counts (0 for an empty class)."""
        ends = self.starts[1:] - 1
        filled = self.starts[1:] > self.starts[:-1]
        return (np.where(filled, self.tps[np.maximum(ends, 0)], 0.0) if len(self.tps) else np.zeros(len(ends)),
                np.where(filled, self.fps[np.maximum(ends, 0)], 0.0) if len(self.fps) else np.zeros(len(ends)))

    def areas(self):
        """(ROC AUC [C] (NaN where undefined), average precision [C], AP undefined [C] bool), by the
        formulas of metrics.roc_auc and metrics.average_precision (trapezoids; recall steps x precision),
        summed per class in another order: equal for unweighted counts' AUC (sums of integers), within a
        few ulps otherwise."""
        c = len(self.starts) - 1
        owner = np.repeat(np.arange(c), np.diff(self.starts))
        first = np.zeros(len(self.tps), dtype=bool)
        first[self.starts[:-1][self.starts[:-1] < self.starts[1:]]] = True
        prev_tps = np.where(first, 0.0, np.roll(self.tps, 1))
        prev_fps = np.where(first, 0.0, np.roll(self.fps, 1))
        positives, negatives = self.totals()
        twice = np.bincount(owner, (self.fps - prev_fps) * (self.tps + prev_tps), minlength=c)
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = twice / (2.0 * positives * negatives)
            precision = self.tps / (self.tps + self.fps)
            ap = np.bincount(owner, (self.tps - prev_tps) * precision, minlength=c) / positives
        auc[(positives <= 0) | (negatives <= 0)] = np.nan
        undefined = positives <= 0
        ap = np.where(undefined, 0.0, np.maximum(ap, 0.0))
        return auc, ap, undefined


class Entries(NamedTuple):
    """The one-vs-rest entries of a compact step in two parts, each (class, sort key, score, weight):
    `exact` (positives first, then argmax and runner-up negatives; `positives` of them), and `binned`
    (the histograms' bins, in their stored order: by class, keys ascending). The sort key is twice the
    float32 bits of the score, + 1 for a center between two float32 values."""

    exact: tuple
    positives: int
    binned: tuple
    integral: bool = False  # every weight a whole number (no sample weights): running sums need no check


def entries(facts, labels, weights):
    """The Entries of a compact step (weights [N] float64 or None); entries of weight 0 are left out,
    as metrics.binary_counts leaves them out."""
    y = np.asarray(labels).astype(np.int64)
    pred, runner = facts.pred.astype(np.int64), facts.runner_up.astype(np.int64)
    wrong = pred != y
    runner_distinct = (runner != y) & (runner != pred)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    scores = np.concatenate([facts.true_score, facts.top[wrong], facts.runner_up_score[runner_distinct]])
    scores = np.ascontiguousarray(scores, dtype=np.float32) + np.float32(0.0)  # -0.0 -> +0.0
    exact = [np.concatenate([y, pred[wrong], runner[runner_distinct]]),
             scores.view(np.uint32).astype(np.uint64) << np.uint64(1), scores.astype(np.float64),
             np.concatenate([w, w[wrong], w[runner_distinct]])]
    positives = len(y)
    if weights is not None and not exact[3].all():
        keep = exact[3] != 0
        positives = int(keep[:len(y)].sum())
        exact = [a[keep] for a in exact]
    rows = facts.others_rows
    key = facts.others_keys.astype(np.int64)
    binned = [np.repeat(np.arange(len(rows) - 1), np.diff(rows)), _CENTER_KEYS[key], _CENTERS[key],
              np.asarray(facts.others_counts, dtype=np.float64)]
    if not binned[3].all():
        binned = [a[binned[3] != 0] for a in binned]
    return Entries(tuple(exact), positives, tuple(binned), integral=weights is None)


def rank(entries, num_classes, *, pooled=False, thresholds=True):
    """The Ranked of every class (pooled: one problem of every entry, num_classes ignored, as
    `starts` [0, T]): entries sorted by (class, score descending), groups of equal keys, cumulative sums.
    thresholds=False leaves Ranked.thresholds None (ROC AUC and AP do not need them).

    Per class, only the exact entries are sorted: the bins are already in order (by class, ascending
    within one, so reversed within each class), and the two sorted runs are merged by one bisection."""
    c = 1 if pooled else num_classes
    exact, binned = entries.exact, entries.binned
    n = len(exact[0]) + len(binned[0])
    truth = np.zeros(n, dtype=bool)
    if pooled:
        composite = _TOP - np.concatenate([exact[1], binned[1]])
        order = np.argsort(composite)
        composite = composite[order]
        truth = order < entries.positives
        weight = np.concatenate([exact[3], binned[3]])[order]
        score = np.concatenate([exact[2], binned[2]])[order] if thresholds else None
        owner = np.zeros(n, dtype=np.int64)
    else:
        key1, order = _sorted_with_order(_composite(exact[0], exact[1]), c)
        rows = np.searchsorted(binned[0], np.arange(c + 1))
        # the bins of class k reversed: key ascending -> score descending
        reverse = np.repeat(rows[:-1] + rows[1:] - 1, np.diff(rows)) - np.arange(len(binned[0]))
        key2 = _composite(binned[0], binned[1])[reverse]
        at2 = np.arange(len(key2)) + np.searchsorted(key1, key2, side="right")
        from_exact = np.ones(n, dtype=bool)
        from_exact[at2] = False
        at1 = np.flatnonzero(from_exact)
        composite = np.empty(n, dtype=np.uint64)
        composite[at1], composite[at2] = key1, key2
        truth[at1] = order < entries.positives
        weight = np.empty(n)
        weight[at1], weight[at2] = exact[3][order], binned[3][reverse]
        score = None
        if thresholds:
            score = np.empty(n)
            score[at1], score[at2] = exact[2][order], binned[2][reverse]
        owner = (composite >> np.uint64(_SCORE_BITS)).astype(np.int64)
    ends = np.flatnonzero(np.append(composite[1:] != composite[:-1], True)) if n else np.zeros(0, np.intp)
    end_owner = owner[ends]
    starts = np.searchsorted(end_owner, np.arange(c + 1))
    # cumulative sums within each class, read at the group ends only
    total_w, total_p = _running(weight), _running(np.where(truth, weight, 0.0))
    entry_starts = np.searchsorted(owner, np.arange(c))
    before = np.maximum(entry_starts - 1, 0)  # each class's running sums start after the classes before it
    base_w = np.where(entry_starts > 0, total_w[before] if n else 0.0, 0.0)[end_owner]
    base_p = np.where(entry_starts > 0, total_p[before] if n else 0.0, 0.0)[end_owner]
    tps = total_p[ends] - base_p
    fps = (total_w[ends] - base_w) - tps
    exact_sums = not n or float(total_w[-1]) < 2**53 if entries.integral else _exact_sums(weight, total_w)
    if not exact_sums:
        tps, fps = _segmented(truth, weight, owner, ends, c)
    return Ranked(starts, None if score is None else score[ends], tps, fps)


def integral_areas(entries, num_classes):
    """rank(entries, num_classes).areas() for entries of whole-number weights (`entries.integral`: no sample
    weights), equal bit for bit, without ranking every entry: only the positives are grouped, and each
    group's negatives at or above it are counted by bisection in the exact negatives (sorted) and the bins
    (already in order). ROC AUC's twice-area is then the sum over positive groups of (positives in the
    group) x (negatives below + negatives at or below), a sum of whole numbers like the trapezoids'; AP's
    terms are the same numbers as Ranked.areas' non-zero ones, added in the same order."""
    if not entries.integral:
        raise ValueError("integral_areas needs entries of whole-number weights (Entries.integral)")
    c = num_classes
    exact, binned, p = entries.exact, entries.binned, entries.positives
    bounds = np.arange(c + 1, dtype=np.uint64) << np.uint64(_SCORE_BITS)  # where each class's keys start
    positive = np.sort(_composite(exact[0][:p], exact[1][:p]))
    negative = np.sort(_composite(exact[0][p:], exact[1][p:]))  # each of weight 1
    rows = np.searchsorted(binned[0], np.arange(c + 1))
    reverse = np.repeat(rows[:-1] + rows[1:] - 1, np.diff(rows)) - np.arange(len(binned[0]))
    bins = _composite(binned[0], binned[1])[reverse]
    bin_sums = np.concatenate([[0.0], np.cumsum(binned[3][reverse])])
    ends = np.flatnonzero(np.append(positive[1:] != positive[:-1], True)) if p else np.zeros(0, np.intp)
    keys = positive[ends]
    owner = (keys >> np.uint64(_SCORE_BITS)).astype(np.intp)
    pos_starts = np.searchsorted(positive, bounds)
    neg_starts = np.searchsorted(negative, bounds)
    bin_starts = bin_sums[np.searchsorted(bins, bounds)]
    tps = (ends + 1 - pos_starts[owner]).astype(np.float64)  # positives at or above each group, in its class
    # negatives at or above (composite <= key) and strictly above (composite < key) each group, in its class
    at_least = (np.searchsorted(negative, keys, side="right") - neg_starts[owner]
                + (bin_sums[np.searchsorted(bins, keys, side="right")] - bin_starts[owner]))
    above = (np.searchsorted(negative, keys, side="left") - neg_starts[owner]
             + (bin_sums[np.searchsorted(bins, keys, side="left")] - bin_starts[owner]))
    step = np.diff(tps, prepend=0.0)
    first = np.ones(len(ends), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    step[first] = tps[first]
    positives = np.diff(pos_starts).astype(np.float64)
    negatives = np.diff(neg_starts) + np.diff(bin_starts)
    twice = np.bincount(owner, step * (2.0 * negatives[owner] - at_least - above), minlength=c)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = twice / (2.0 * positives * negatives)
        ap = np.bincount(owner, step * (tps / (tps + at_least)), minlength=c) / positives
    auc[(positives <= 0) | (negatives <= 0)] = np.nan
    undefined = positives <= 0
    return auc, np.where(undefined, 0.0, np.maximum(ap, 0.0)), undefined


def _running(values):
    return np.cumsum(values) if len(values) else np.zeros(0)


def _exact_sums(weight, total):
    """Whether running sums over every class are exact: integer weights whose total stays below 2**53.
    Otherwise (sample weights) a running total over every class would cost small classes precision."""
    return not len(weight) or (float(total[-1]) < 2**53 and bool(np.all(weight == np.round(weight))))


def _segmented(truth, weight, owner, ends, c):
    """(tps, fps) at the group ends, one cumulative sum per class."""
    starts = np.searchsorted(owner, np.arange(c + 1))
    positive, negative = np.where(truth, weight, 0.0), np.where(truth, 0.0, weight)
    tps, fps = np.empty(len(weight)), np.empty(len(weight))
    for a, b in zip(starts[:-1], starts[1:]):
        np.cumsum(positive[a:b], out=tps[a:b])
        np.cumsum(negative[a:b], out=fps[a:b])
    return tps[ends], fps[ends]


_TOP = np.uint64((1 << _SCORE_BITS) - 1)


def _sorted_with_order(composite, num_classes):
    """(composite sorted, the order that sorts it). When the entries' indices fit in the bits the
    composite keys leave free (below 2^(64 - 32 - bits of the class): ~4M entries at 1,000 classes), one
    sort of (key << index bits | index), ~3x faster than argsort; ties come out in index order."""
    n = len(composite)
    index_bits = max(int(n - 1).bit_length(), 1)
    if n and _SCORE_BITS + max(int(num_classes - 1).bit_length(), 1) + index_bits <= 64:
        packed = composite << np.uint64(index_bits)
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << index_bits) - 1)).astype(np.intp)
        return packed >> np.uint64(index_bits), order
    order = np.argsort(composite)
    return composite[order], order


def _composite(owner, key):
    """uint64 keys ordering by class, then by score descending."""
    composite = _TOP - key
    composite |= owner.astype(np.uint64) << np.uint64(_SCORE_BITS)
    return composite

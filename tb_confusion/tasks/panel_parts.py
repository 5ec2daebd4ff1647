"""Sufficient statistics the browser needs for one problem (see docs/http_api.md, `stats`): cumulative
counts of a binary problem, examples grouped by matrix cell for argmax decisions."""

import numpy as np

# Above this many distinct thresholds (binary/multilabel) or examples (multiclass) the statistics are
# thinned and marked "exact": false; the browser then asks the `report` route for exact numbers.
MAX_EXACT_POINTS = 200_000
# From this many classes on, the cells go out as the non-empty ones only when that is smaller (at C=1000
# the dense arrays hold 2M entries for some 20-45k non-empty cells); below it the dense form is a few KB.
SPARSE_FROM_CLASSES = 64


def binary_stats(counts, weights=None):
    """{thresholds, tps, fps, positives, negatives, exact} for one binary problem's BinaryCounts."""
    thresholds, tps, fps = counts
    exact = len(thresholds) <= MAX_EXACT_POINTS
    if not exact:
        keep = spread(len(thresholds), MAX_EXACT_POINTS)
        thresholds, tps, fps = thresholds[keep], tps[keep], fps[keep]
    return {
        "thresholds": np.asarray(thresholds, dtype=np.float64),
        "tps": as_counts(tps, weights),
        "fps": as_counts(fps, weights),
        "positives": as_counts(counts.positives, weights).item(),
        "negatives": as_counts(counts.negatives, weights).item(),
        "exact": exact,
    }


def cell_stats(labels, predicted, top, weights, num_classes, sparse=None):
    """Examples grouped by matrix cell (true-major, cell = true * C + predicted), top scores ascending
    within each cell, so the browser finds a cell's count above a cutoff with one binary search.

    Dense: cell_offsets [C*C+1] and cell_totals [C*C] index every cell. Sparse (`sparse` True, or None
    with at least SPARSE_FROM_CLASSES classes and fewer entries): `cells` [M], the non-empty cells
    ascending, with cell_offsets [M+1] and cell_totals [M] indexed like it."""
    c, n = num_classes, len(labels)
    top = top.astype(np.float64)
    cell = np.asarray(labels, dtype=np.int64) * c + predicted
    order = np.lexsort((top, cell))
    counts = np.bincount(cell, minlength=c * c)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    top_sorted = top[order]
    totals = counts if weights is None else np.bincount(cell, weights=weights, minlength=c * c)
    exact = n <= MAX_EXACT_POINTS
    cum = None
    if weights is not None or not exact:
        cum = _cumsum_within(np.ones(n) if weights is None else weights[order], offsets)
    if not exact:
        # Keep evenly spread examples plus every cell's last one; cum_weights then carry the counts.
        keep = np.union1d(spread(n, MAX_EXACT_POINTS), offsets[1:][counts > 0] - 1)
        offsets = np.searchsorted(keep, offsets)
        top_sorted, cum = top_sorted[keep], cum[keep]
    totals = as_counts(totals, weights)
    non_empty = np.flatnonzero(counts)
    if sparse is None:
        sparse = c >= SPARSE_FROM_CLASSES and 3 * len(non_empty) < 2 * c * c
    if sparse:
        # Empty cells between two non-empty ones share their offset, so offsets[cell + 1] of a non-empty
        # cell is the next non-empty cell's start: the kept offsets still bound each cell.
        return {
            "cells": non_empty.astype(np.int64),
            "cell_offsets": np.append(offsets[non_empty], offsets[-1]).astype(np.int64),
            "top_scores": top_sorted,
            "cum_weights": cum,
            "cell_totals": totals[non_empty],
            "exact": exact,
        }
    return {
        "cell_offsets": offsets.astype(np.int64),
        "top_scores": top_sorted,
        "cum_weights": cum,
        "cell_totals": totals,
        "exact": exact,
    }


def spread(n, points):
    """Sorted unique indices: about `points` evenly spread over range(n), always with the last."""
    return np.unique(np.linspace(0, n - 1, points).round().astype(np.int64))


def as_counts(values, weights):
    # Unweighted counts go out as JSON integers.
    values = np.asarray(values)
    return values.astype(np.int64) if weights is None else values.astype(np.float64)


def _cumsum_within(values, offsets):
    """Cumulative sums restarting at each cell offset."""
    total = np.cumsum(values)
    starts = offsets[:-1]
    base = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0)
    return total - np.repeat(base, np.diff(offsets))

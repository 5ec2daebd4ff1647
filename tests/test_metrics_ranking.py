"""The binary counts kernel, ROC/PR curves, AUC, AP and downsampling against scikit-learn 1.9."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from _metrics_cases import all_close, close, quiet, scores, weights
from tb_confusion import metrics as m

SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def ranked(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 60))
    s = draw(scores(n, rng))
    # every code path: packed float32 keys, index-packed sort (weights), float64 and negative scores
    s = draw(st.sampled_from([
        lambda s: s,
        lambda s: s.astype(np.float64),
        lambda s: (s - 0.5).astype(np.float32),
        lambda s: s.astype(np.float16),
    ]))(s)
    y = (rng.random(n) < draw(st.sampled_from([0.0, 0.5, 1.0, 0.1]))).astype(int)
    return y, s, draw(weights(n, rng, allow_zero=True))


@SETTINGS
@given(ranked())
def test_binary_counts_equal_confusion_matrix_at_thresholds(case):
    y, s, w = case
    counts = m.binary_counts(y, s, w)
    _, fps, _, tps, thresholds = quiet(sk.confusion_matrix_at_thresholds, y, s, pos_label=1, sample_weight=w)
    np.testing.assert_array_equal(counts.thresholds, thresholds)
    np.testing.assert_allclose(counts.tps, tps, rtol=1e-12)
    np.testing.assert_allclose(counts.fps, fps, rtol=1e-12)
    assert counts.thresholds.dtype == s.dtype or s.dtype == np.float16


@SETTINGS
@given(ranked())
def test_auc_ap_and_curves_equal_scikit_learn(case):
    y, s, w = case
    counts = m.binary_counts(y, s, w)
    close(m.roc_auc(counts), quiet(sk.roc_auc_score, y, s, sample_weight=w) if len(set(y)) == 2 else np.nan)
    ap, undefined = m.average_precision(counts)
    close(ap, quiet(sk.average_precision_score, y, s, sample_weight=w))
    assert undefined == (counts.positives == 0)
    curve = m.roc_curve(counts)
    fpr, tpr, thresholds = quiet(sk.roc_curve, y, s, sample_weight=w, drop_intermediate=False)
    if np.isnan(fpr).any() or np.isnan(tpr).any():
        assert curve is None
    else:
        all_close(curve[0], fpr)
        all_close(curve[1], tpr)
        np.testing.assert_array_equal(curve[2], thresholds)
    pr = m.pr_curve(counts)
    precision, recall, thresholds = quiet(sk.precision_recall_curve, y, s, sample_weight=w)
    if counts.positives == 0:
        assert pr is None
    else:
        all_close(pr[0], precision[::-1])
        all_close(pr[1], recall[::-1])
        np.testing.assert_array_equal(pr[2][1:], thresholds[::-1])


@SETTINGS
@given(ranked(), st.floats(-1, 1.5))
def test_counts_at_a_threshold_equal_counting_rows(case, t):
    y, s, w = case
    counts = m.binary_counts(y, s, w)
    w = np.ones(len(y)) if w is None else w
    for threshold in (t, float(s[0]), 0.0, 1.0):
        tp, fp = m.counts_at(counts, threshold)
        chosen = s.astype(np.float64) >= threshold
        close(tp, np.sum(w * (chosen & (y == 1))))
        close(fp, np.sum(w * (chosen & (y == 0))))


def test_one_vs_rest_counts_match_per_class_kernels():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(4), 500).astype(np.float32)
    y = rng.integers(0, 4, 500)
    for k, counts in enumerate(m.one_vs_rest_counts(y, p)):
        expected = m.binary_counts(y == k, p[:, k])
        np.testing.assert_array_equal(counts.tps, expected.tps)
        np.testing.assert_array_equal(counts.thresholds, expected.thresholds)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 400), st.integers(2, 60))
def test_downsample_keeps_ends_order_and_bound(seed, n, max_points):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.integers(0, 3, n)).astype(float)
    y = np.cumsum(rng.integers(0, 3, n)).astype(float)
    keep = m.downsample_curve(x, y, max_points)
    assert keep[0] == 0 and keep[-1] == n - 1
    assert np.all(np.diff(keep) > 0)
    assert len(keep) <= max(max_points, 2)
    # with room for every point, only collinear points go: each dropped point lies on its kept segment
    keep = m.downsample_curve(x, y, n)
    segment = np.minimum(np.searchsorted(keep, np.arange(n), side="right") - 1, len(keep) - 2)
    for i in range(n):
        a, b = keep[segment[i]], keep[segment[i] + 1]
        cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
        assert cross == 0 and min(x[a], x[b]) <= x[i] <= max(x[a], x[b]), i


def _sequential_largest_triangles(x, y, max_points):
    """Reference: largest-triangle-three-buckets one bucket at a time."""
    n = len(x)
    edges = np.linspace(1, n - 1, max_points - 1).astype(np.intp)
    # Bucket means summed left to right, as the kernel's reduceat does: np.mean sums pairwise, and one
    # ulp of difference in a mean can flip a near-tie between two triangles (a choice, not an error).
    sums_x, sums_y = np.add.reduceat(x[1 : n - 1], edges[:-1] - 1), np.add.reduceat(y[1 : n - 1], edges[:-1] - 1)
    chosen = [0]
    for b in range(max_points - 2):
        lo, hi = edges[b], edges[b + 1]
        if b + 2 < len(edges):
            nx, ny = sums_x[b + 1] / (edges[b + 2] - edges[b + 1]), sums_y[b + 1] / (edges[b + 2] - edges[b + 1])
        else:
            nx, ny = x[-1], y[-1]
        ax, ay = x[chosen[-1]], y[chosen[-1]]
        chosen.append(lo + int(np.argmax(np.abs((x[lo:hi] - ax) * (ny - ay) - (nx - ax) * (y[lo:hi] - ay)))))
    return np.array(chosen + [n - 1])


@st.composite
def curves(draw):
    """An ROC or PR curve (x ascending) of random scores with ties, or a staircase with repeated points."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(2, 3000))
    kind = draw(st.sampled_from(["roc", "pr", "staircase"]))
    if kind == "staircase":
        return np.cumsum(rng.integers(0, 3, n)).astype(float), np.cumsum(rng.integers(0, 3, n)).astype(float)
    y = (rng.random(n) < draw(st.floats(0.02, 0.98))).astype(int)
    y[0], y[-1] = 0, 1
    s = np.round(rng.random(n) + y * rng.random() * 2, draw(st.integers(1, 6))).astype(np.float32)
    counts = m.binary_counts(y, s)
    if kind == "roc":
        return m.roc_curve(counts)[:2]
    precision, recall, _ = m.pr_curve(counts)
    return recall, precision


@settings(max_examples=80, deadline=None)
@given(curves(), st.integers(2, 300))
def test_downsample_picks_the_sequential_largest_triangles(curve, max_points):
    x, y = curve
    everything = m.downsample_curve(x, y, len(x))  # only repeated and collinear points dropped
    if len(everything) <= max_points:
        return
    expected = everything[_sequential_largest_triangles(x[everything], y[everything], max_points)]
    np.testing.assert_array_equal(m.downsample_curve(x, y, max_points), expected)


@settings(max_examples=80, deadline=None)
@given(curves(), st.sampled_from([100, 200]))
def test_downsample_keeps_endpoints_and_the_area_under_the_curve(curve, max_points):
    x, y = curve
    keep = m.downsample_curve(x, y, max_points)
    assert keep[0] == 0 and keep[-1] == len(x) - 1 and len(keep) <= max_points
    if x[-1] > 0 and np.all(np.diff(x) >= 0):  # ROC and PR curves: the area the plot shows
        scale = x[-1] * max(np.max(y), 1e-300)
        assert abs(np.trapezoid(y[keep], x[keep]) - np.trapezoid(y, x)) <= 0.005 * scale


def test_downsample_a_smooth_curve_stays_close():
    x = np.linspace(0, 1, 100000)
    y = np.sqrt(x)
    keep = m.downsample_curve(x, y, 100)
    assert len(keep) == 100
    assert np.max(np.abs(np.interp(x, x[keep], y[keep]) - y)) < 0.02


def test_downsample_rejects_bad_max_points():
    with pytest.raises(ValueError, match="max_points must be an int >= 2; got 1"):
        m.downsample_curve([0, 1], [0, 1], 1)

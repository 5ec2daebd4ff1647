"""Every class's one-vs-rest counts of a compact step from one sort (compact.ranking) equal
metrics.binary_counts of that class's entries taken one class at a time, and so do the areas, the micro
counts and the AUC error bound."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion import metrics as m
from tb_confusion.compact import facts as compact_facts
from tb_confusion.statistics import of as statistics_of
from test_compact import both


def per_class_entries(statistics):
    """[(truth, score, weight)] of each class, one class at a time: positives, argmax and runner-up
    negatives at their scores, the histograms' bins at their centers."""
    f, y = statistics.facts, statistics.labels.astype(np.int64)
    w = np.ones(len(y)) if statistics.weights is None else statistics.weights
    centers = compact_facts.bin_centers()
    runner_distinct = (f.runner_up != y) & (f.runner_up != f.pred)
    wrong = f.pred != y
    out = []
    for k in range(len(statistics.class_names)):
        keys, counts = f.others(k)
        rows = (y == k, wrong & (f.pred == k), runner_distinct & (f.runner_up == k))
        scores = np.concatenate([f.true_score[rows[0]], f.top[rows[1]], f.runner_up_score[rows[2]]])
        truth = np.zeros(len(scores) + len(keys), bool)
        truth[:rows[0].sum()] = True
        out.append((truth, np.concatenate([scores.astype(np.float64), centers[keys.astype(np.int64)]]),
                    np.concatenate([w[rows[0]], w[rows[1]], w[rows[2]], counts])))
    return out


def quantized(seed, n, c, levels, weighted):
    """Probabilities on few levels (many ties, some at exactly 2^-21, the floor bin's center)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    raw = rng.integers(0, levels, (n, c)).astype(np.float64) + 1.0
    p = (raw / raw.sum(1, keepdims=True)).astype(np.float32)
    p[rng.random((n, c)) < 0.2] = 2.0 ** -21  # tied with the floor bin's center
    weights = None
    if weighted:
        weights = rng.random(n) * 3
        weights[rng.random(n) < 0.2] = 0.0
    return labels.astype(np.uint8), p, weights


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), c=st.integers(3, 30),
       levels=st.sampled_from([2, 5, 1000]), weighted=st.booleans())
def test_one_sort_equals_one_sort_per_class(seed, n, c, levels, weighted):
    labels, p, weights = quantized(seed, n, c, levels, weighted)
    _, compact = both(labels, p, weights)
    statistics = statistics_of(compact)
    entries = per_class_entries(statistics)
    auc, ap, ap_undefined = statistics.ranking_areas()
    for k, parts in enumerate(entries):
        want, got = m.binary_counts(*parts), statistics.class_counts[k]
        assert np.array_equal(want.thresholds, got.thresholds)
        if weights is None:
            assert np.array_equal(want.tps, got.tps) and np.array_equal(want.fps, got.fps)
        else:
            assert np.allclose(want.tps, got.tps, rtol=1e-12, atol=0) and np.allclose(want.fps, got.fps, rtol=1e-12,
                                                                                    atol=0)
        want_auc = m.roc_auc(want)
        assert (want_auc is None) == bool(np.isnan(auc[k]))
        if want_auc is not None:
            assert abs(want_auc - auc[k]) <= 1e-12
        want_ap, want_undefined = m.average_precision(want)
        assert abs(want_ap - ap[k]) <= 1e-12 and want_undefined == ap_undefined[k]
    pooled = m.binary_counts(*(np.concatenate([part[i] for part in entries]) for i in range(3)))
    micro = statistics.micro_counts()
    assert np.array_equal(pooled.thresholds, micro.thresholds)
    assert np.allclose(pooled.tps, micro.tps, rtol=1e-12, atol=0)
    assert np.allclose(pooled.fps, micro.fps, rtol=1e-12, atol=0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), c=st.integers(3, 20), weighted=st.booleans())
def test_the_auc_error_bound_counts_positive_and_binned_pairs_of_one_bin(seed, n, c, weighted):
    labels, p, weights = quantized(seed, n, c, 1000, weighted)
    _, compact = both(labels, p, weights)
    statistics = statistics_of(compact)
    w = np.ones(n) if weights is None else weights
    for k, (truth, _, weight) in enumerate(per_class_entries(statistics)):
        positives, negatives = weight[truth].sum(), weight[~truth].sum()
        got = statistics.auc_error_bound()[k]
        if positives <= 0 or negatives <= 0:
            assert got is None
            continue
        mine = labels == k
        shared = np.bincount(compact_facts.keys(statistics.facts.true_score[mine]), w[mine],
                             minlength=compact_facts.NUM_BINS)
        keys, counts = statistics.facts.others(k)
        want = float(np.dot(shared[keys.astype(np.int64)], counts) / (positives * negatives))
        assert abs(got - want) <= 1e-12 * max(1.0, want)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), classes=st.integers(1, 2000),
       levels=st.integers(1, 50))
def test_the_packed_sort_sorts_as_argsort_does(seed, n, classes, levels):
    """compact.ranking sorts entries by one sort of (key, index) when the bits fit, else by argsort: the
    same sorted keys, and an order that sorts them (ties in index order)."""
    from tb_confusion.compact import ranking

    rng = np.random.default_rng(seed)
    composite = ranking._composite(rng.integers(0, classes, n), rng.integers(0, levels, n).astype(np.uint64) * 997)
    for num_classes in (classes, 2**40):  # 2**40 classes leave no bits for the index: argsort
        keys, order = ranking._sorted_with_order(composite.copy(), num_classes)
        assert np.array_equal(keys, np.sort(composite)) and np.array_equal(composite[order], keys)
        assert np.array_equal(np.sort(order), np.arange(n))
    keys, order = ranking._sorted_with_order(composite.copy(), classes)
    assert np.array_equal(order, np.argsort(composite, kind="stable"))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), c=st.integers(3, 30),
       levels=st.sampled_from([2, 5, 1000]))
def test_integral_areas_equal_the_ranked_areas_bit_for_bit(seed, n, c, levels):
    """Unweighted steps take their areas from the positives' groups alone (compact.ranking.integral_areas):
    the same bits as ranking every entry, ties between positives, exact negatives and bins included."""
    from tb_confusion.compact import ranking

    labels, p, _ = quantized(seed, n, c, levels, False)
    _, compact = both(labels, p, None)
    statistics = statistics_of(compact)
    entries = statistics._entries()
    want = ranking.rank(entries, c, thresholds=False).areas()
    got = ranking.integral_areas(entries, c)
    for w, g in zip(want, got):
        assert np.array_equal(w, g, equal_nan=True), (w, g)
    assert np.array_equal(statistics.ranking_areas()[1], want[1])

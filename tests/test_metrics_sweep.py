"""All-thresholds sweep and recommended thresholds against scikit-learn at each threshold."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from _metrics_cases import all_close, binary_cases, close, quiet
from tb_confusion import metrics as m

SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(binary_cases(), st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_sweep_equals_scikit_learn_at_every_threshold(case, extra):
    y, p, w, threshold, pos = case
    score = p if p.ndim == 1 else p[:, pos]
    positive = (y == pos).astype(int)
    counts = m.binary_counts(positive, score, w)
    thresholds = np.array([threshold, 0.0, 1.0, *extra, *score[:3].astype(np.float64)])
    table = m.sweep(counts, thresholds, cost_fp=2.0, cost_fn=3.0)
    for i, t in enumerate(thresholds):
        y_pred = (score.astype(np.float64) >= t).astype(int)
        (tn, fp), (fn, tp) = sk.confusion_matrix(positive, y_pred, labels=[0, 1], sample_weight=w)
        all_close([table[k][i] for k in ("tp", "fp", "fn", "tn")], [tp, fp, fn, tn], f"counts at {t}")
        kw = dict(sample_weight=w, zero_division=0)
        close(table["precision"][i], quiet(sk.precision_score, positive, y_pred, **kw), "precision")
        close(table["recall"][i], quiet(sk.recall_score, positive, y_pred, **kw), "recall")
        close(table["f1"][i], quiet(sk.f1_score, positive, y_pred, **kw), "f1")
        close(table["accuracy"][i], sk.accuracy_score(positive, y_pred, sample_weight=w), "accuracy")
        close(table["mcc"][i], quiet(sk.matthews_corrcoef, positive, y_pred, sample_weight=w), "mcc")
        close(table["balanced_accuracy"][i], quiet(sk.balanced_accuracy_score, positive, y_pred, sample_weight=w),
              "balanced_accuracy")
        close(table["cost"][i], 2.0 * fp + 3.0 * fn, "cost")


@SETTINGS
@given(binary_cases(), st.floats(0, 1))
def test_threshold_for_recall_and_precision_are_the_extremes_meeting_the_target(case, target):
    y, p, w, _, pos = case
    score = p if p.ndim == 1 else p[:, pos]
    positive = (y == pos).astype(int)
    counts = m.binary_counts(positive, score, w)
    candidates = sorted(set(score[w > 0] if w is not None else score), reverse=True)
    kw = dict(sample_weight=w, zero_division=0)
    meets_recall = [t for t in candidates if quiet(sk.recall_score, positive, score >= t, **kw) >= target]
    meets_precision = [t for t in candidates if quiet(sk.precision_score, positive, score >= t, **kw) >= target]
    found = m.threshold_for_recall(counts, target)
    if counts.positives == 0 or not meets_recall:
        assert found is None
    else:
        assert found["threshold"] == meets_recall[0]
    found = m.threshold_for_precision(counts, target)
    if counts.positives == 0 or not meets_precision:
        assert found is None
    else:
        assert found["threshold"] == meets_precision[-1]


@SETTINGS
@given(binary_cases(), st.floats(0.1, 10), st.floats(0.1, 10))
def test_recommended_thresholds_beat_every_other_threshold(case, cost_fp, cost_fn):
    y, p, w, _, pos = case
    score = (p if p.ndim == 1 else p[:, pos]).astype(np.float64)
    positive = (y == pos).astype(int)
    counts = m.binary_counts(positive, score, w)
    rec = m.recommended_thresholds(counts, cost_fp=cost_fp, cost_fn=cost_fn)
    candidates = list(counts.thresholds) + [np.inf]
    costs, f1s = [], []
    for t in candidates:
        (tn, fp), (fn, tp) = sk.confusion_matrix(positive, (score >= t).astype(int), labels=[0, 1], sample_weight=w)
        costs.append(cost_fp * fp + cost_fn * fn)
        f1s.append(quiet(sk.f1_score, positive, (score >= t).astype(int), sample_weight=w, zero_division=0))
    close(rec["min_cost"]["cost"], min(costs))
    if counts.positives > 0:
        close(rec["max_f1"]["f1"], max(f1s))
        chosen = (score >= rec["max_f1"]["threshold"]).astype(int)
        close(quiet(sk.f1_score, positive, chosen, sample_weight=w, zero_division=0), max(f1s))
    else:
        assert rec["max_f1"] is None


def test_counts_at_many_thresholds_match_one_at_a_time():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 3000)
    s = (rng.integers(0, 50, 3000) / 49).astype(np.float32)
    counts = m.binary_counts(y, s)
    many = np.concatenate([np.linspace(-0.1, 1.1, 5000), s[:100].astype(np.float64)])  # > 4096: searchsorted
    tp, fp = m.counts_at(counts, many)
    chosen = s.astype(np.float64)[None, :] >= many[:, None]
    np.testing.assert_array_equal(tp, (chosen & (y == 1)).sum(1))
    np.testing.assert_array_equal(fp, (chosen & (y == 0)).sum(1))
    few_tp, few_fp = m.counts_at(counts, many[:4000])  # bisection
    np.testing.assert_array_equal(few_tp, tp[:4000])
    np.testing.assert_array_equal(few_fp, fp[:4000])

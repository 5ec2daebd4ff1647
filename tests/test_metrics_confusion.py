"""Confusion matrices, the fast argmax, normalization, per-class stats and kappa/MCC vs scikit-learn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from _metrics_cases import all_close, binary_cases, close, multiclass_cases, multilabel_cases, quiet
from tb_confusion import metrics as m

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.sampled_from([2, 3, 10, 33, 200]), st.integers(1, 3000),
       st.sampled_from([2, 5, 0]))
def test_top_class_equals_argmax_and_max_including_ties(seed, c, n, levels):
    rng = np.random.default_rng(seed)
    p = (rng.integers(0, levels + 1, (n, c)) / max(levels, 1) if levels else rng.random((n, c))).astype(np.float32)
    arg, top = m.top_class(p)
    np.testing.assert_array_equal(arg, p.argmax(1))
    np.testing.assert_array_equal(top, p.max(1))


@SETTINGS
@given(multiclass_cases(max_classes=40))
def test_multiclass_confusion_with_and_without_cutoff(case):
    y, p, w, cutoff = case
    c = p.shape[1]
    y_pred = p.argmax(1)
    if cutoff is not None:
        y_pred = np.where(p.max(1).astype(np.float64) < cutoff, c, y_pred)
    expected = sk.confusion_matrix(y, y_pred, labels=range(c + 1), sample_weight=w)[:c]
    if cutoff is None:
        expected = expected[:, :c]
    np.testing.assert_array_equal(m.multiclass_confusion(y, p, cutoff=cutoff, sample_weight=w), expected)


@SETTINGS
@given(binary_cases())
def test_binary_confusion_is_score_at_least_threshold_in_float64(case):
    y, p, w, threshold, pos = case
    score = (p if p.ndim == 1 else p[:, pos]).astype(np.float64)
    y_pred = np.where(score >= threshold, pos, 1 - pos)
    np.testing.assert_array_equal(
        m.binary_confusion(y, p, threshold, positive_class=pos, sample_weight=w),
        sk.confusion_matrix(y, y_pred, labels=[0, 1], sample_weight=w),
    )


def test_threshold_is_compared_in_float64_not_float32():
    p = np.array([0.1], dtype=np.float32)  # float32(0.1) > 0.1
    assert m.binary_confusion([1], p, 0.1)[1, 1] == 1
    assert m.binary_confusion([1], p, float(np.float32(0.1)) + 1e-12)[1, 1] == 0


@SETTINGS
@given(multilabel_cases())
def test_multilabel_confusion_equals_scikit_learn(case):
    y, p, w, thresholds = case
    y_pred = (p.astype(np.float64) >= np.array(thresholds)).astype(int)
    np.testing.assert_array_equal(m.multilabel_confusion(y, p, thresholds, sample_weight=w),
                                  sk.multilabel_confusion_matrix(y, y_pred, sample_weight=w))


@st.composite
def decimal_weighted_multilabel(draw):
    """Weights like 0.1 (not exact in binary) and labels that are always predicted or always present,
    so some per-label cells are exactly 0."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, c = draw(st.integers(1, 30)), draw(st.integers(2, 5))
    y = (rng.random((n, c)) < 0.5).astype(np.uint8)
    p = rng.random((n, c)).astype(np.float32)
    for k in range(c):
        rule = draw(st.sampled_from(["random", "always predicted", "never predicted", "always present"]))
        if rule == "always predicted":
            p[:, k] = 1.0
        elif rule == "never predicted":
            p[:, k] = 0.0
        elif rule == "always present":
            y[:, k] = 1
    w = rng.choice([0.1, 0.2, 0.3, 0.7, 1.1], n)
    return y, p, w


@settings(max_examples=100, deadline=None)
@given(decimal_weighted_multilabel())
def test_weighted_multilabel_zero_cells_are_exactly_zero(case):
    # TN used to be total - TP - FP - FN: a ~1e-16 residue where it is 0, so MCC read ~1e-8 or NaN
    y, p, w = case
    y_pred = (p >= 0.5).astype(int)
    matrices = m.multilabel_confusion(y, p, [0.5] * p.shape[1], sample_weight=w)
    for k in range(p.shape[1]):
        expected = sk.confusion_matrix(y[:, k], y_pred[:, k], labels=[0, 1], sample_weight=w)
        np.testing.assert_array_equal(matrices[k] == 0, expected == 0)
        all_close(matrices[k].ravel(), expected.ravel(), f"label {k}")
        mcc, undefined = m.matthews_corrcoef(matrices[k])
        theirs = quiet(sk.matthews_corrcoef, y[:, k], y_pred[:, k], sample_weight=w)
        if np.isnan(theirs):  # scikit-learn's covariances round below 0 where MCC is 0/0
            assert undefined and mcc == 0.0, f"mcc {k}: ours {mcc}, scikit-learn's NaN"
        else:
            close(mcc, theirs, f"mcc {k}")
        close(m.cohen_kappa(matrices[k]), quiet(sk.cohen_kappa_score, y[:, k], y_pred[:, k], sample_weight=w),
              f"kappa {k}")


@SETTINGS
@given(multiclass_cases())
def test_per_class_kappa_mcc_from_the_matrix(case):
    y, p, w, cutoff = case
    c = p.shape[1]
    matrix = m.multiclass_confusion(y, p, cutoff=cutoff, sample_weight=w)
    y_pred = p.argmax(1)
    if cutoff is not None:
        y_pred = np.where(p.max(1).astype(np.float64) < cutoff, -1, y_pred)
    metrics, _ = m.per_class_metrics(*m.class_counts(matrix), [str(k) for k in range(c)])
    for average in ("macro", "micro", "weighted"):
        ref = quiet(sk.f1_score, y, y_pred, labels=range(c), average=average, sample_weight=w, zero_division=0)
        close(metrics["f1"][average], ref, f"f1.{average}")
    close(m.cohen_kappa(matrix), quiet(sk.cohen_kappa_score, y, y_pred, sample_weight=w))
    close(m.matthews_corrcoef(matrix)[0], quiet(sk.matthews_corrcoef, y, y_pred, sample_weight=w))
    close(m.accuracy(matrix), sk.accuracy_score(y, y_pred, sample_weight=w))


@SETTINGS
@given(multiclass_cases(), st.sampled_from(["true", "pred", "all"]))
def test_normalize_equals_scikit_learn(case, how):
    y, p, w, _ = case
    c = p.shape[1]
    matrix = m.multiclass_confusion(y, p, sample_weight=w)
    expected = quiet(sk.confusion_matrix, y, p.argmax(1), labels=range(c), sample_weight=w, normalize=how)
    all_close(m.normalize(matrix, how).ravel(), np.nan_to_num(expected).ravel())


def test_normalize_rejects_unknown_mode():
    with pytest.raises(ValueError, match="normalize must be one of .*; got 'rows'"):
        m.normalize(np.eye(2), "rows")


def test_single_class_matrix_gives_defined_and_undefined_values():
    matrix = np.array([[5, 0], [0, 0]])
    metrics, undefined = m.per_class_metrics(*m.class_counts(matrix), ["a", "b"])
    assert metrics["precision"]["per_class"] == [1.0, 0.0]
    assert undefined == ["precision.per_class.b", "recall.per_class.b", "f1.per_class.b",
                         "specificity.per_class.a", "iou.per_class.b"]
    assert m.cohen_kappa(matrix) is None
    assert m.matthews_corrcoef(matrix) == (0.0, True)


def test_chunk_and_span_boundaries_of_the_column_wise_kernels():
    # 140001 rows of 10 float32 columns: two spans, each several 32768-row chunks and a partial one
    rng = np.random.default_rng(7)
    n, c = 140_001, 10
    y = rng.integers(0, c, n)
    p = (rng.integers(0, 3, (n, c)) / 2).astype(np.float32)  # many ties
    w = rng.integers(1, 5, n) / 4.0
    np.testing.assert_array_equal(m.top_class(p)[0], p.argmax(1))
    np.testing.assert_array_equal(m.multiclass_confusion(y, p, sample_weight=w),
                                  sk.confusion_matrix(y, p.argmax(1), labels=range(c), sample_weight=w))
    rejected = np.where(p.max(1) < 1.0, c, p.argmax(1))
    np.testing.assert_array_equal(m.multiclass_confusion(y, p, cutoff=1.0),
                                  sk.confusion_matrix(y, rejected, labels=range(c + 1))[:c])


@pytest.mark.parametrize("c, dtype", [(17, np.uint8), (30, np.uint8), (256, np.uint8), (300, np.uint16)])
@pytest.mark.parametrize("cutoff", [None, 0.2])
def test_stored_label_dtypes_do_not_overflow_the_cell_index(c, dtype, cutoff):
    # Labels come back from the logs as uint8 (C <= 256) or uint16: label * width must not wrap.
    rng = np.random.default_rng(c)
    n = 3000
    y = rng.integers(0, c, n).astype(dtype)
    p = rng.dirichlet(np.ones(c) * 0.3, n).astype(np.float32)
    y_pred = p.argmax(1)
    if cutoff is not None:
        y_pred = np.where(p.max(1).astype(np.float64) < cutoff, -1, y_pred)
    expected = sk.confusion_matrix(y.astype(np.int64), y_pred, labels=list(range(c)) + [-1])
    expected = expected[:c] if cutoff is not None else expected[:c, :c]
    np.testing.assert_array_equal(m.multiclass_confusion(y, p, cutoff=cutoff), expected)

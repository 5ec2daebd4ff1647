"""Log loss, Brier score and top-k accuracy against scikit-learn 1.9."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from _metrics_cases import binary_cases, close, multiclass_cases, quiet
from tb_confusion import metrics as m
from tb_confusion.metrics.probabilistic import brier_score

SETTINGS = settings(max_examples=50, deadline=None)


@SETTINGS
@given(multiclass_cases(max_classes=40))
def test_top_k_equals_scikit_learn_with_ties(case):
    y, p, w, _ = case
    c = p.shape[1]
    ks = [1, 2, 3, c - 1]
    for k, value in m.top_k_accuracy(y, p, ks, sample_weight=w).items():
        close(value, quiet(sk.top_k_accuracy_score, y, p, k=k, labels=range(c), sample_weight=w), f"top {k}")


@SETTINGS
@given(multiclass_cases(), st.sampled_from([np.float32, np.float64, np.float16]))
def test_log_loss_equals_scikit_learn_after_its_clip(case, dtype):
    y, p, w, _ = case
    p = p.astype(dtype)
    # scikit-learn computes in the input's float dtype (clipping at its eps); we clip alike, log in float64
    work = dtype
    eps = np.finfo(work).eps
    clipped = np.clip(p.astype(work), eps, work(1) - eps).astype(np.float64)
    ours = m.log_loss(y, p, task="multiclass", sample_weight=w)
    close(ours, quiet(sk.log_loss, y, clipped, labels=range(p.shape[1]), sample_weight=w))
    assert np.isclose(ours, quiet(sk.log_loss, y, p, labels=range(p.shape[1]), sample_weight=w), rtol=1e-5 if dtype != np.float16 else 2e-3)


def test_log_loss_of_certain_mistakes_is_clipped_not_infinite():
    p = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    value = m.log_loss(np.array([1, 1]), p, task="multiclass")
    eps = float(np.finfo(np.float32).eps)
    close(value, (-np.log(eps) - np.log(1 - eps)) / 2)


def test_chunk_boundaries_of_large_inputs():
    rng = np.random.default_rng(5)
    for c in (4, 40):
        y = rng.integers(0, c, 20001)
        p = (rng.integers(0, 3, (20001, c)) / 2).astype(np.float32)  # many ties
        for k, value in m.top_k_accuracy(y, p, [1, 3]).items():
            close(value, quiet(sk.top_k_accuracy_score, y, p, k=k, labels=range(c)), f"top {k}, C={c}")
        expected = sk.confusion_matrix(y, p.argmax(1), labels=range(c))
        np.testing.assert_array_equal(m.multiclass_confusion(y, p), expected)
        np.testing.assert_array_equal(m.top_class(p)[0], p.argmax(1))


@SETTINGS
@given(multiclass_cases(max_classes=8))
def test_multiclass_brier_score_equals_scikit_learn(case):
    y, p, w, _ = case
    if w is not None and not w.sum():
        assert brier_score(y, p, task="multiclass", sample_weight=w) is None
        return
    # in float64 on both sides: scikit-learn keeps float32 inputs in float32 (documented difference)
    expected = quiet(sk.brier_score_loss, y, p.astype(np.float64), labels=range(p.shape[1]), sample_weight=w)
    close(brier_score(y, p, task="multiclass", sample_weight=w), expected)


@SETTINGS
@given(binary_cases())
def test_binary_brier_score_equals_scikit_learn_for_either_positive_class(case):
    y, p, w, _, positive_class = case
    if w is not None and not w.sum():
        assert brier_score(y, p, task="binary", positive_class=positive_class, sample_weight=w) is None
        return
    ours = brier_score(y, p, task="binary", positive_class=positive_class, sample_weight=w)
    if p.ndim == 2:  # both columns, halved, like scikit-learn with labels [0, 1]
        expected = quiet(sk.brier_score_loss, y, p.astype(np.float64), labels=[0, 1], sample_weight=w)
    else:
        expected = quiet(sk.brier_score_loss, y == positive_class, p.astype(np.float64), pos_label=True,
                         sample_weight=w)
    close(ours, expected)


def test_brier_score_chunks_cover_every_row_and_multilabel_has_none():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 300, 5000)
    p = rng.dirichlet(np.ones(300), 5000)
    close(brier_score(y, p, task="multiclass"), sk.brier_score_loss(y, p, labels=range(300)))
    assert brier_score(np.zeros((3, 2)), np.zeros((3, 2)), task="multilabel") is None

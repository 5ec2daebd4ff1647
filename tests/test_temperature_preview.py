"""The temperature-scaling preview's numbers against scikit-learn on the scaled probabilities: the Brier score
before and after (calibration_data.temperature_scaling), and the identity the panel draws the scaled matrix
with: a score scaled by T (sigmoid(logit(p) / T)) is >= t exactly when p >= sigmoid(T logit(t)), so the
matrix after scaling at threshold t is build_report's at that threshold (frontend/src/temperature_preview.js)."""

import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as sk
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tb_confusion.report import build_report
from tb_confusion.server import calibration_data
from tb_confusion.statistics import Statistics
from tb_confusion.storage.payload import Record


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def scaled_threshold(t, temperature):
    """The panel's threshold on the stored scores that equals threshold t on the scaled ones."""
    if t <= 0 or t >= 1:
        return t
    return 1.0 / (1.0 + math.exp(-temperature * (math.log(t) - math.log1p(-t))))


def sigmoid_scaled(p, temperature):
    q = np.asarray(p, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-(np.log(q) - np.log1p(-q)) / temperature))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 80), temperature=st.floats(0.05, 20), t=st.floats(0.001, 0.999), labels=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_the_matrix_after_scaling_is_the_report_at_the_scaled_threshold(n, temperature, t, labels, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(1e-4, 1 - 1e-4, (n, labels) if labels > 1 else n).astype(np.float32)
    y = rng.integers(0, 2, p.shape)
    after = sigmoid_scaled(p, temperature)
    assume(np.min(np.abs(after - t)) > 1e-9)  # a score on the threshold itself is a tie of rounding
    t_star = scaled_threshold(t, temperature)
    if labels == 1:
        report = build_report(Record("binary", y, p, ["no", "yes"]), threshold=t_star)
        assert report["confusion_matrix"] == sk.confusion_matrix(y, after >= t, labels=[0, 1]).tolist()
        assert report["metrics"]["f1"]["binary"] == pytest.approx(
            quiet(sk.f1_score, y, after >= t, zero_division=0), abs=1e-12)
    else:
        report = build_report(Record("multilabel", y.astype(np.uint8), p, [f"l{k}" for k in range(labels)]),
                              thresholds=[t_star] * labels)
        assert report["label_confusion_matrices"] == sk.multilabel_confusion_matrix(y, after >= t).tolist()


@pytest.mark.parametrize("kind", ["binary", "binary2", "multiclass", "multilabel"])
def test_brier_before_and_after_scaling_equal_scikit_learn_on_the_scaled_probabilities(kind):
    rng = np.random.default_rng(5)
    n, c = 400, 4
    if kind == "multiclass":
        y = rng.integers(0, c, n)
        z = rng.normal(0, 1, (n, c)) * 3 + 2 * np.eye(c)[y]
        p = (np.exp(z) / np.exp(z).sum(1, keepdims=True)).astype(np.float32)
        record = Record("multiclass", y, p, [f"c{k}" for k in range(c)])
    elif kind == "multilabel":
        y = rng.integers(0, 2, (n, 3)).astype(np.uint8)
        p = rng.uniform(0.01, 0.99, (n, 3)).astype(np.float32)
        record = Record("multilabel", y, p, ["a", "b", "c"])
    else:
        y = rng.integers(0, 2, n)
        q = np.clip(0.5 + (y - 0.5) * rng.uniform(0, 1.9, n), 0.001, 0.999)  # overconfident
        p = q.astype(np.float32) if kind == "binary" else np.stack([1 - q, q], axis=1).astype(np.float32)
        record = Record("binary", y, p, ["no", "yes"])
    scaled = calibration_data.answer(Statistics(record), n_bins=15, strategy="equal_width",
                                     temperature="fit")["temperature_scaling"]
    if kind == "multilabel":
        assert scaled["brier_before"] is None and scaled["brier"] is None
        return
    after = calibration_data.scale(record.task, p, scaled["temperature"]).astype(np.float64)
    columns = {"labels": list(range(p.shape[1]))} if p.ndim == 2 else {}
    assert scaled["brier_before"] == pytest.approx(quiet(sk.brier_score_loss, y, p.astype(np.float64), **columns),
                                                   rel=1e-9)
    assert scaled["brier"] == pytest.approx(quiet(sk.brier_score_loss, y, after, **columns), rel=1e-9)
    # scikit-learn renormalises float32 rows that do not sum to 1 exactly: agreement to 1e-5
    assert scaled["log_loss"] == pytest.approx(quiet(sk.log_loss, y, after, **columns), rel=1e-5)
    assert scaled["log_loss"] < scaled["log_loss_before"]

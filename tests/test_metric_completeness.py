"""The numbers scikit-learn has that the report used to leave null: micro ROC AUC and average precision
of multiclass steps, MCC of multilabel steps (micro), F-beta, and the Brier score of every task that
has one; each against scikit-learn (and torchmetrics where it defines the multilabel case)."""

import warnings

import numpy as np
import pytest
import sklearn.metrics as sk
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion import catalogue, metrics, statistics
from tb_confusion.metrics.ranking import micro_ranking
from tb_confusion.report import build_report
from tb_confusion.storage.payload import Record


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def close(actual, expected, what=""):
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        assert actual is None, what
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12), what


def _multiclass(rng, n, c, ties, absent):
    p = rng.random((n, c)).astype(np.float32)
    if ties:
        p = np.round(p, 1).astype(np.float32)
    p /= np.maximum(p.sum(axis=1, keepdims=True), np.float32(1e-6))
    y = rng.integers(0, c, n)
    if absent and c > 2:
        y[y == c - 1] = 0
    return y, p


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 80), c=st.integers(2, 6), ties=st.booleans(), absent=st.booleans(), weighted=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_multiclass_micro_roc_auc_and_average_precision_equal_scikit_learn(n, c, ties, absent, weighted, seed):
    rng = np.random.default_rng(seed)
    y, p = _multiclass(rng, n, c, ties, absent)
    w = rng.uniform(0, 3, n) * (rng.random(n) < 0.9) if weighted else None
    auc, (ap, ap_undefined) = micro_ranking(y, p, w)
    one_hot = (y[:, None] == np.arange(c)).astype(int)  # label_binarize, also for two classes
    if n == 0 or (w is not None and not w.sum()):
        assert auc is None and ap_undefined
        return
    close(auc, quiet(sk.roc_auc_score, one_hot, p, average="micro", sample_weight=w), "roc_auc.micro")
    close(ap, quiet(sk.average_precision_score, one_hot, p, average="micro", sample_weight=w), "ap.micro")
    assert not ap_undefined
    # the report carries them, and float64 probabilities rank the same way
    record = Record("multiclass", y, p.astype(np.float64), [f"c{k}" for k in range(c)], weights=w)
    report = build_report(record)["metrics"]
    close(report["roc_auc"]["micro"], auc, "report roc_auc.micro")
    close(report["average_precision"]["micro"], ap, "report average_precision.micro")


def test_micro_ranking_of_label_binarize_for_many_classes():
    from sklearn.preprocessing import label_binarize

    rng = np.random.default_rng(0)
    y, p = _multiclass(rng, 3000, 40, ties=False, absent=False)
    expected_auc = sk.roc_auc_score(label_binarize(y, classes=range(40)), p, average="micro")
    expected_ap = sk.average_precision_score(label_binarize(y, classes=range(40)), p, average="micro")
    auc, (ap, _) = micro_ranking(y, p)
    close(auc, expected_auc)
    close(ap, expected_ap)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), c=st.integers(1, 5), threshold=st.floats(0, 1), weighted=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_multilabel_micro_mcc_is_matthews_of_the_flattened_label_matrix(n, c, threshold, weighted, seed):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, c)) < 0.3).astype(np.uint8)
    p = rng.random((n, c)).astype(np.float32)
    w = rng.uniform(0.1, 2, n) if weighted else None
    report = build_report(Record("multilabel", y, p, [f"l{k}" for k in range(c)], weights=w), threshold=threshold)
    predicted = (p.astype(np.float64) >= threshold).astype(int)
    expected = quiet(sk.matthews_corrcoef, y.reshape(-1), predicted.reshape(-1),
                     sample_weight=None if w is None else np.repeat(w, c)) if n else 0.0
    close(report["metrics"]["mcc"]["micro"], expected, "mcc.micro")
    each = np.ones((n, 1)) if w is None else w[:, None]
    pooled = np.array([[np.sum(((y == a) & (predicted == b)) * each) for b in (0, 1)] for a in (0, 1)])
    undefined = metrics.matthews_corrcoef(pooled)[1]
    assert ("mcc.micro" in report["undefined"]) == undefined


def test_multilabel_micro_mcc_equals_torchmetrics():
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import multilabel_matthews_corrcoef

    rng = np.random.default_rng(2)
    y = (rng.random((400, 5)) < 0.3).astype(np.int64)
    p = rng.random((400, 5)).astype(np.float32)
    report = build_report(Record("multilabel", y, p, list("abcde")), threshold=0.4)
    expected = float(multilabel_matthews_corrcoef(torch.from_numpy(p), torch.from_numpy(y), num_labels=5,
                                                  threshold=0.4))
    assert report["metrics"]["mcc"]["micro"] == pytest.approx(expected, abs=1e-6)


def _report_at(record, **options):
    """A task's report at options that build_report does not take yet (beta), through the task itself."""
    stats = statistics.Statistics(record)
    base = {"threshold": 0.5, "cutoff": None, "cost_fp": 1.0, "cost_fn": 1.0, "curves": False, "curve_points": 200}
    base["thresholds"] = np.full(len(record.class_names), base["threshold"])
    return stats.task.report(stats, {**base, **options})


@settings(max_examples=60, deadline=None)
@given(task=st.sampled_from(["binary", "multiclass", "multilabel"]), n=st.integers(0, 60), c=st.integers(2, 5),
       beta=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7]), weighted=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_fbeta_equals_scikit_learn_at_every_beta(task, n, c, beta, weighted, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 2, n) if weighted else None
    if task == "binary":
        y, p = rng.integers(0, 2, n), rng.random(n).astype(np.float32)
        record, predicted, names = Record("binary", y, p, ["no", "yes"], weights=w), (p >= 0.5).astype(int), ["no", "yes"]
    elif task == "multiclass":
        y, p = _multiclass(rng, n, c, ties=False, absent=True)
        names = [f"c{k}" for k in range(c)]
        record, predicted = Record("multiclass", y, p, names, weights=w), p.argmax(axis=1)
    else:
        y, p = (rng.random((n, c)) < 0.3).astype(np.uint8), rng.random((n, c)).astype(np.float32)
        names = [f"l{k}" for k in range(c)]
        record, predicted = Record("multilabel", y, p, names, weights=w), (p >= 0.5).astype(np.uint8)
    report = _report_at(record, beta=beta)
    fbeta = report["metrics"]["fbeta"]
    assert report["beta"] == beta
    labels = None if task == "multilabel" else list(range(len(names)))
    for average in ("macro", "micro", "weighted"):
        expected = quiet(sk.fbeta_score, y, predicted, beta=beta, labels=labels, average=average, sample_weight=w,
                         zero_division=0) if n else (0.0 if average != "weighted" else None)
        if n:
            close(fbeta[average], expected, f"fbeta.{average}")
    if n:
        per_class = quiet(sk.fbeta_score, y, predicted, beta=beta, labels=labels, average=None, sample_weight=w,
                          zero_division=0)
        np.testing.assert_allclose(fbeta["per_class"], per_class, rtol=1e-9, atol=1e-12)
    if task == "binary":
        assert fbeta["binary"] == fbeta["per_class"][1]
    # 0/0 is 0 and named, the catalogue's rule for F-beta
    for name in [u for u in report["undefined"] if u.startswith("fbeta.")]:
        kind, _, where = name.partition(".")[2].partition(".")
        value = fbeta["per_class"][names.index(where)] if kind == "per_class" else fbeta[kind]
        assert value == 0.0


def test_without_a_beta_the_report_gives_f1_as_fbeta():
    rng = np.random.default_rng(4)
    y, p = _multiclass(rng, 200, 4, ties=False, absent=False)
    report = build_report(Record("multiclass", y, p, list("abcd")))
    assert report["beta"] == 1.0
    assert report["metrics"]["fbeta"] == report["metrics"]["f1"]
    assert list(report["metrics"]).index("fbeta") == list(report["metrics"]).index("f1") + 1


@settings(max_examples=60, deadline=None)
@given(task=st.sampled_from(["binary", "binary2", "multiclass"]), n=st.integers(1, 60), c=st.integers(3, 6),
       positive_class=st.integers(0, 1), weighted=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_brier_score_of_every_task_that_has_one_equals_scikit_learn(task, n, c, positive_class, weighted, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 2, n) if weighted else None
    if task == "binary":
        y, p = rng.integers(0, 2, n), rng.random(n).astype(np.float32)
        record = Record("binary", y, p, ["no", "yes"], weights=w, positive_class=positive_class)
        expected = quiet(sk.brier_score_loss, y == positive_class, p.astype(np.float64), pos_label=True,
                         sample_weight=w)
    elif task == "binary2":  # [N, 2]: scikit-learn >= 1.7 halves the sum over the two columns
        y, q = rng.integers(0, 2, n), rng.random(n)
        p = np.stack([1 - q, q], axis=1).astype(np.float32)
        record = Record("binary", y, p, ["no", "yes"], weights=w, positive_class=positive_class)
        expected = quiet(sk.brier_score_loss, y, p.astype(np.float64), labels=[0, 1], sample_weight=w)
    else:  # scikit-learn >= 1.7: the sum over the C columns, not halved
        y, p = _multiclass(rng, n, c, ties=False, absent=False)
        record = Record("multiclass", y, p, [f"c{k}" for k in range(c)], weights=w)
        expected = quiet(sk.brier_score_loss, y, p.astype(np.float64), labels=range(c), sample_weight=w)
    close(build_report(record)["metrics"]["brier_score"], expected, "brier_score")


def test_multilabel_has_no_brier_score_as_scikit_learn_has_none():
    # brier_score_loss takes a label matrix only as one-hot rows (it sums over the columns)
    assert "multilabel" not in catalogue.BY_KEY["brier_score"].tasks
    report = build_report(Record("multilabel", np.eye(3, dtype=np.uint8), np.full((3, 3), 0.5, np.float32), list("abc")))
    assert "brier_score" not in report["metrics"]

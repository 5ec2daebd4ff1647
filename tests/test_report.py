"""build_report equals scikit-learn 1.9 on every metric, for every task, on random hard cases."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from sklearn import metrics as sk
from sklearn.preprocessing import label_binarize

from _metrics_cases import all_close, binary_cases, close, multiclass_cases, multilabel_cases, quiet
from tb_confusion.storage.payload import Record
from tb_confusion.report import build_report

SETTINGS = settings(max_examples=60, deadline=None)
AVERAGES = ("macro", "micro", "weighted")


def _check_json(report):
    text = json.dumps(report, allow_nan=False)  # raises on NaN or infinity
    assert json.loads(text) == report


def _check_set_metrics(metrics, y, y_pred, w, c, names, undefined):
    """precision/recall/f1/iou/specificity/support, accuracy, kappa, MCC against scikit-learn."""
    labels = list(range(c))
    support = None
    for average in (None,) + AVERAGES:
        p, r, f, s = quiet(sk.precision_recall_fscore_support, y, y_pred, labels=labels, average=average,
                           sample_weight=w, zero_division=0)
        key = "per_class" if average is None else average
        if average is None:
            support = s
        for name, ref in (("precision", p), ("recall", r), ("f1", f)):
            (all_close if average is None else close)(metrics[name][key], ref, f"{name}.{key}")
        iou = quiet(sk.jaccard_score, y, y_pred, labels=labels, average=average, sample_weight=w,
                    zero_division=0)
        (all_close if average is None else close)(metrics["iou"][key], iou, f"iou.{key}")
    all_close(metrics["support"]["per_class"], support, "support")
    mcm = sk.multilabel_confusion_matrix(y, y_pred, labels=labels, sample_weight=w)
    tn, fp = mcm[:, 0, 0].astype(float), mcm[:, 0, 1].astype(float)
    spec = np.divide(tn, tn + fp, out=np.zeros(c), where=tn + fp != 0)
    all_close(metrics["specificity"]["per_class"], spec, "specificity")
    close(metrics["specificity"]["macro"], spec.mean(), "specificity.macro")
    close(metrics["specificity"]["micro"], tn.sum() / (tn.sum() + fp.sum()), "specificity.micro")
    close(metrics["accuracy"], sk.accuracy_score(y, y_pred, sample_weight=w), "accuracy")
    close(metrics["balanced_accuracy"], quiet(sk.balanced_accuracy_score, y, y_pred, sample_weight=w),
          "balanced_accuracy")
    close(metrics["cohen_kappa"], quiet(sk.cohen_kappa_score, y, y_pred, sample_weight=w), "cohen_kappa")
    close(metrics["mcc"], quiet(sk.matthews_corrcoef, y, y_pred, sample_weight=w), "mcc")
    # every 0/0 per-class ratio is named in "undefined"
    pred_sum = mcm[:, 0, 1] + mcm[:, 1, 1]
    for k in range(c):
        assert (f"precision.per_class.{names[k]}" in undefined) == (pred_sum[k] == 0)


@SETTINGS
@given(binary_cases())
def test_binary_report_equals_scikit_learn(case):
    y, p, w, threshold, pos = case
    names = ["neg", "pos"] if pos == 1 else ["pos", "neg"]
    report = build_report(Record("binary", y, p, names, weights=w, positive_class=pos), threshold=threshold)
    _check_json(report)
    score = (p if p.ndim == 1 else p[:, pos]).astype(np.float64)
    y_pred = np.where(score >= threshold, pos, 1 - pos)
    assert report["threshold"] == threshold
    np.testing.assert_array_equal(report["confusion_matrix"],
                                  sk.confusion_matrix(y, y_pred, labels=[0, 1], sample_weight=w))
    metrics = report["metrics"]
    _check_set_metrics(metrics, y, y_pred, w, 2, names, report["undefined"])
    for name, fn in (("precision", sk.precision_score), ("recall", sk.recall_score), ("f1", sk.f1_score)):
        close(metrics[name]["binary"], quiet(fn, y, y_pred, pos_label=pos, sample_weight=w, zero_division=0),
              f"{name}.binary")
    positive = (y == pos).astype(int)
    close(metrics["roc_auc"]["binary"], quiet(sk.roc_auc_score, positive, score, sample_weight=w), "roc_auc")
    close(metrics["average_precision"]["binary"],
          quiet(sk.average_precision_score, positive, score, sample_weight=w), "average_precision")
    # log loss: scikit-learn clips float32 at float32 eps; compare in float64 after that same clip
    p1 = p if p.ndim == 2 else (p if pos == 1 else 1 - p)
    p1 = p1 if p1.ndim == 2 else np.stack([1 - p1, p1], 1)
    eps = np.finfo(np.float32).eps
    clipped = np.clip(p1, eps, np.float32(1) - eps).astype(np.float64)
    close(metrics["log_loss"], quiet(sk.log_loss, y, clipped, labels=[0, 1], sample_weight=w), "log_loss")
    assert np.isclose(metrics["log_loss"], quiet(sk.log_loss, y, p1, labels=[0, 1], sample_weight=w), rtol=1e-5)


@SETTINGS
@given(multiclass_cases())
def test_multiclass_report_equals_scikit_learn(case):
    y, p, w, cutoff = case
    c = p.shape[1]
    names = [f"class {k}" for k in range(c)]
    report = build_report(Record("multiclass", y, p, names, weights=w), cutoff=cutoff)
    _check_json(report)
    y_pred = p.argmax(1)
    if cutoff is not None:
        y_pred = np.where(p.max(1).astype(np.float64) < cutoff, -1, y_pred)
    full = sk.confusion_matrix(y, y_pred, labels=list(range(c)) + [-1], sample_weight=w)
    expected = full[:c] if cutoff is not None else full[:c, :c]
    np.testing.assert_array_equal(report["confusion_matrix"], expected)
    assert report["predicted_labels"][-1] == ("below cutoff" if cutoff is not None else names[-1])
    total = len(y) if w is None else w.sum()
    close(report["coverage"], 1 - full[:c, c].sum() / total, "coverage")
    metrics = report["metrics"]
    _check_set_metrics(metrics, y, y_pred, w, c, names, report["undefined"])
    onehot = label_binarize(y, classes=list(range(c)))
    auc = quiet(sk.roc_auc_score, onehot, p, average=None, sample_weight=w)
    all_close(metrics["roc_auc"]["per_class"], auc, "roc_auc")
    for average in ("macro", "weighted"):
        close(metrics["roc_auc"][average],
              quiet(sk.roc_auc_score, y, p, multi_class="ovr", labels=list(range(c)), average=average,
                    sample_weight=w), f"roc_auc.{average}")
        close(metrics["average_precision"][average],
              quiet(sk.average_precision_score, onehot, p, average=average, sample_weight=w), f"ap.{average}")
    all_close(metrics["average_precision"]["per_class"],
              quiet(sk.average_precision_score, onehot, p, average=None, sample_weight=w), "ap")
    eps = np.finfo(np.float32).eps
    clipped = np.clip(p, eps, np.float32(1) - eps).astype(np.float64)
    close(metrics["log_loss"], quiet(sk.log_loss, y, clipped, labels=list(range(c)), sample_weight=w), "log_loss")
    for k, value in metrics["top_k_accuracy"].items():
        close(value, quiet(sk.top_k_accuracy_score, y, p, k=int(k), labels=list(range(c)), sample_weight=w),
              f"top_{k}")
    assert sorted(metrics["top_k_accuracy"]) == sorted(str(k) for k in (2, 5) if k < c)


@SETTINGS
@given(multilabel_cases())
def test_multilabel_report_equals_scikit_learn(case):
    y, p, w, thresholds = case
    c = p.shape[1]
    names = [f"label {k}" for k in range(c)]
    report = build_report(Record("multilabel", y, p, names, weights=w), thresholds=thresholds)
    _check_json(report)
    y_pred = (p.astype(np.float64) >= np.array(thresholds)).astype(int)
    mcm = sk.multilabel_confusion_matrix(y, y_pred, sample_weight=w)
    np.testing.assert_array_equal(report["label_confusion_matrices"], mcm)
    np.testing.assert_array_equal(report["confusion_matrix"], mcm.sum(0))
    metrics = report["metrics"]
    for average in (None,) + AVERAGES:
        prf = quiet(sk.precision_recall_fscore_support, y, y_pred, average=average, sample_weight=w,
                    zero_division=0)
        key = "per_class" if average is None else average
        for name, ref in zip(("precision", "recall", "f1"), prf):
            (all_close if average is None else close)(metrics[name][key], ref, f"{name}.{key}")
        iou = quiet(sk.jaccard_score, y, y_pred, average=average, sample_weight=w, zero_division=0)
        (all_close if average is None else close)(metrics["iou"][key], iou, f"iou.{key}")
    close(metrics["accuracy"], sk.accuracy_score(y, y_pred, sample_weight=w), "subset accuracy")
    close(metrics["hamming_loss"], sk.hamming_loss(y, y_pred, sample_weight=w), "hamming_loss")
    per_label = [quiet(sk.balanced_accuracy_score, y[:, k], y_pred[:, k], sample_weight=w) for k in range(c)]
    close(metrics["balanced_accuracy"], np.mean(per_label), "balanced_accuracy")
    kappas = [quiet(sk.cohen_kappa_score, y[:, k], y_pred[:, k], sample_weight=w) for k in range(c)]
    all_close(metrics["cohen_kappa"]["per_class"], kappas, "kappa")
    mccs = [quiet(sk.matthews_corrcoef, y[:, k], y_pred[:, k], sample_weight=w) for k in range(c)]
    all_close(metrics["mcc"]["per_class"], mccs, "mcc")
    for average in (None, "macro", "weighted", "micro"):
        key = "per_class" if average is None else average
        auc = quiet(sk.roc_auc_score, y, p, average=average, sample_weight=w)
        ap = quiet(sk.average_precision_score, y, p, average=average, sample_weight=w)
        if c == 1 and average is None:
            auc, ap = [auc], [ap]
        (all_close if average is None else close)(metrics["roc_auc"][key], auc, f"roc_auc.{key}")
        (all_close if average is None else close)(metrics["average_precision"][key], ap, f"ap.{key}")
    # per label, scikit-learn forms [1 - p, p] and clips in float32; we then compare in float64
    eps = np.finfo(np.float32).eps
    columns = [np.clip(np.stack([1 - p[:, k], p[:, k]], 1), eps, np.float32(1) - eps) for k in range(c)]
    bce = [sk.log_loss(y[:, k], columns[k].astype(np.float64), labels=[0, 1], sample_weight=w) for k in range(c)]
    close(metrics["log_loss"], np.mean(bce), "log_loss")
    assert len(report["recommended_thresholds"]) == c


def test_weighted_multilabel_mcc_is_zero_where_true_negatives_are_exactly_zero():
    # label 0 is predicted for every row, so TN = FN = 0: MCC is 0 and undefined, not ~1e-8 or NaN
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0]], dtype=np.uint8)
    p = np.array([[1.0, 0.2], [1.0, 0.9], [1.0, 0.7], [1.0, 0.1], [1.0, 0.6]], dtype=np.float32)
    w = np.array([0.1, 0.1, 0.2, 0.7, 0.1])
    report = build_report(Record("multilabel", y, p, ["a", "b"], weights=w), thresholds=[0.5, 0.5])
    assert report["label_confusion_matrices"][0][0][0] == 0.0
    y_pred = (p >= 0.5).astype(int)
    mccs = [quiet(sk.matthews_corrcoef, y[:, k], y_pred[:, k], sample_weight=w) for k in range(2)]
    assert mccs[0] == 0.0
    all_close(report["metrics"]["mcc"]["per_class"], mccs, "mcc")
    assert "mcc.per_class.a" in report["undefined"]
    assert "mcc.per_class.b" not in report["undefined"]


def test_curves_only_when_asked_and_operating_point_lies_on_the_curve():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5000)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(np.float32)
    record = Record("binary", y, s, ["no", "yes"])
    assert "curves" not in build_report(record)
    report = build_report(record, threshold=0.42, curves=True, curve_points=50)
    roc = report["curves"]["roc"][0]
    assert len(roc["fpr"]) <= 50 and roc["fpr"][0] == 0 and roc["fpr"][-1] == 1 and roc["thresholds"][0] is None
    assert np.all(np.diff(roc["fpr"]) >= 0) and np.all(np.diff(roc["tpr"]) >= 0)
    (tn, fp), (fn, tp) = report["confusion_matrix"]
    point = roc["operating_point"]
    assert point["threshold"] == 0.42
    close(point["tpr"], tp / (tp + fn))
    close(point["fpr"], fp / (fp + tn))
    close(report["curves"]["pr"][0]["operating_point"]["precision"], report["metrics"]["precision"]["binary"])


def test_recommended_thresholds_are_the_best_of_every_threshold():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = (np.round(rng.random(300) * 40) / 40 * 0.6 + 0.4 * y).astype(np.float32)
    report = build_report(Record("binary", y, s, ["a", "b"]), cost_fp=1.0, cost_fn=5.0)
    rec = report["recommended_thresholds"]
    candidates = np.unique(s.astype(np.float64))
    f1 = [sk.f1_score(y, s >= t, zero_division=0) for t in candidates]
    close(rec["max_f1"]["f1"], max(f1))
    assert sk.f1_score(y, s >= rec["max_f1"]["threshold"]) == pytest.approx(max(f1), rel=1e-12)
    costs = [sk.confusion_matrix(y, s >= t, labels=[0, 1]).ravel() for t in candidates]
    best = min(min(fp + 5 * fn for _, fp, fn, _ in costs), 5 * y.sum())
    close(rec["min_cost"]["cost"], best)
    j = [sk.recall_score(y, s >= t) - (1 - sk.recall_score(y, s >= t, pos_label=0)) for t in candidates]
    close(rec["youden_j"]["youden_j"], max(j))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": 1.5}, "threshold must be a number in [0, 1]; got 1.5"),
        ({"threshold": "0.5"}, "threshold must be a number in [0, 1]; got '0.5'"),
        ({"cutoff": -0.1}, "cutoff must be a number in [0, 1]; got -0.1"),
        ({"cost_fp": -1}, "cost_fp must be a finite number >= 0; got -1"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs, message):
    record = Record("binary", np.array([0, 1]), np.array([0.2, 0.8], np.float32), ["a", "b"])
    with pytest.raises(ValueError) as error:
        build_report(record, **kwargs)
    assert str(error.value) == message


def test_multilabel_thresholds_must_match_labels():
    record = Record("multilabel", np.zeros((3, 2), np.uint8), np.zeros((3, 2), np.float32), ["a", "b"])
    with pytest.raises(ValueError, match=r"thresholds must have one value per label \(2\); got 3"):
        build_report(record, thresholds=[0.1, 0.2, 0.3])
    report = build_report(record, threshold=0.25)
    assert report["threshold"] == [0.25, 0.25]


def test_labels_out_of_range_are_rejected():
    record = Record("multiclass", np.array([0, 3]), np.full((2, 3), 1 / 3, np.float32), ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\); got values from 0 to 3"):
        build_report(record)


def test_tiny_float32_sigmoids_rank_both_binary_classes_alike():
    # 1 - p in float32 would turn every p below 6e-8 into 1.0 and tie the negative class's scores.
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([1e-9, 2e-9, 3e-9, 4e-9, 0.9, 0.1], np.float32)
    metrics = build_report(Record("binary", y, p, ["a", "b"]))["metrics"]
    auc = sk.roc_auc_score(y, p.astype(np.float64))
    assert metrics["roc_auc"]["per_class"] == pytest.approx([auc, auc], rel=1e-12)
    assert metrics["average_precision"]["per_class"][0] == pytest.approx(
        sk.average_precision_score(y == 0, 1 - p.astype(np.float64)), rel=1e-12)

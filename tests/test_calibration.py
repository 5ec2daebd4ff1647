"""Calibration errors and reliability diagrams against torchmetrics' CalibrationError (l1 = ECE, max =
MCE) and netcal's ECE / MCE (equal-width and equal-mass bins), on random inputs."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torchmetrics.functional.classification import binary_calibration_error, multiclass_calibration_error

from tb_confusion import catalogue, statistics
from tb_confusion.errors import BadArgument
from tb_confusion.metrics import calibration
from tb_confusion.report import build_report
from tb_confusion.storage.payload import Record

TOLERANCE = 2e-6  # torchmetrics sums in float32


def _inside_bins(rng, n, n_bins):
    """float32 probabilities in [0, 1), none within 1e-3 of a bin's width of an edge but some exactly 0:
    torchmetrics builds its edges with torch.linspace, whose last bit depends on the CPU's vector width."""
    u = rng.random(n) * n_bins
    whole = np.floor(u)
    p = ((whole + np.clip(u - whole, 1e-3, 1 - 1e-3)) / n_bins).astype(np.float32)
    p[rng.random(n) < 0.05] = 0.0
    return p


def _clear_of_edges(confidence, n_bins):
    scaled = np.asarray(confidence, dtype=np.float64) * n_bins
    return bool(np.all(np.abs(scaled - np.round(scaled)) > 1e-4) and np.all(np.asarray(confidence) < 1))


def _torchmetrics_binary(p, y, n_bins, norm):
    p, y = np.ascontiguousarray(p), np.ascontiguousarray(y, dtype=np.int64)
    return float(binary_calibration_error(torch.from_numpy(p), torch.from_numpy(y),
                                          n_bins=n_bins, norm=norm))


def _softmax(rng, n, c, sharpness):
    logits = rng.normal(0, sharpness, (n, c))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), n_bins=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_binary_ece_and_mce_equal_torchmetrics(n, n_bins, seed):
    rng = np.random.default_rng(seed)
    p = _inside_bins(rng, n, n_bins)
    y = (rng.random(n) < p).astype(np.int64) if seed % 2 else rng.integers(0, 2, n)
    confidence, outcome, _ = calibration.pairs(y, p, task="binary")
    ece, mce = calibration.errors_of(calibration.bins(confidence, outcome, n_bins=n_bins))
    assert ece == pytest.approx(_torchmetrics_binary(p, y, n_bins, "l1"), abs=TOLERANCE)
    assert mce == pytest.approx(_torchmetrics_binary(p, y, n_bins, "max"), abs=TOLERANCE)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), c=st.integers(2, 8), n_bins=st.integers(1, 30), sharpness=st.floats(0.1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_multiclass_ece_and_mce_equal_torchmetrics(n, c, n_bins, sharpness, seed):
    rng = np.random.default_rng(seed)
    p = _softmax(rng, n, c, sharpness)
    y = rng.integers(0, c, n)
    assume(_clear_of_edges(p.max(axis=1), n_bins))
    confidence, outcome, _ = calibration.pairs(y, p, task="multiclass")
    ece, mce = calibration.errors_of(calibration.bins(confidence, outcome, n_bins=n_bins))
    preds, target = torch.from_numpy(p), torch.from_numpy(y)
    for ours, norm in ((ece, "l1"), (mce, "max")):
        expected = float(multiclass_calibration_error(preds, target, num_classes=c, n_bins=n_bins, norm=norm))
        assert ours == pytest.approx(expected, abs=TOLERANCE), norm


@settings(max_examples=30, deadline=None)
@given(task=st.sampled_from(["binary", "multiclass", "multilabel"]), n=st.integers(1, 200), seed=st.integers(0, 2**32 - 1))
def test_the_report_holds_torchmetrics_numbers_at_15_bins(task, n, seed):
    rng = np.random.default_rng(seed)
    if task == "binary":
        p, y = _inside_bins(rng, n, 15), rng.integers(0, 2, n)
        expected = {norm: _torchmetrics_binary(p, y, 15, norm) for norm in ("l1", "max")}
        record = Record("binary", y, p, ["no", "yes"])
    elif task == "multiclass":
        p, y = _softmax(rng, n, 4, 2.0), rng.integers(0, 4, n)
        assume(_clear_of_edges(p.max(axis=1), 15))
        expected = {norm: float(multiclass_calibration_error(torch.from_numpy(p), torch.from_numpy(y), num_classes=4,
                                                             norm=norm)) for norm in ("l1", "max")}
        record = Record("multiclass", y, p, list("abcd"))
    else:
        # every (example, label) decision pooled: torchmetrics' binary metric of the flattened matrix
        p, y = _inside_bins(rng, n * 3, 15).reshape(n, 3), (rng.random((n, 3)) < 0.4).astype(np.uint8)
        expected = {norm: _torchmetrics_binary(p.reshape(-1), y.reshape(-1), 15, norm) for norm in ("l1", "max")}
        record = Record("multilabel", y, p, ["x", "y", "z"])
    metrics = build_report(record)["metrics"]
    assert metrics["ece"] == pytest.approx(expected["l1"], abs=TOLERANCE)
    assert metrics["mce"] == pytest.approx(expected["max"], abs=TOLERANCE)
    assert 0 <= metrics["adaptive_ece"] <= 1


def test_a_confidence_of_exactly_one_stays_in_the_last_bin_where_torchmetrics_gives_it_a_bin_of_its_own():
    # torchmetrics issue #3510: bucketize(right=True) sends 1.0 to a hidden 16th bin
    p, y = np.array([0.95, 1.0], dtype=np.float32), np.array([1, 0])
    ece = calibration.calibration_errors(*calibration.pairs(y, p, task="binary")[:2])["ece"]
    assert ece == pytest.approx(abs(0.5 - 0.975))  # one bin [14/15, 1]: accuracy 1/2, confidence 0.975
    assert _torchmetrics_binary(p, y, 15, "l1") == pytest.approx(0.5 * 0.05 + 0.5 * 1.0)


netcal = pytest.importorskip("netcal.metrics")


def _netcal_consistent(confidence, n_bins):
    """Whether netcal agrees with itself on these float32 confidences: it counts each bin's examples with
    float64 edges (np.histogramdd) but averages them with the edges rounded to float32 (scipy's
    binned_statistic_dd), so a confidence between an edge and its float32 rounding (a quantile landing
    1e-16 above the example it should equal) is counted in one bin and averaged in the next."""
    for edges in (np.linspace(0, 1, n_bins + 1), np.quantile(confidence, np.linspace(0, 1, n_bins + 1))):
        edges[0], edges[-1] = 0.0, 1.0
        wide = np.searchsorted(edges, confidence.astype(np.float64), side="right")
        rounded = np.searchsorted(edges.astype(np.float32).astype(np.float64), confidence.astype(np.float64),
                                  side="right")
        if (wide != rounded).any():
            return False
    return True


@settings(max_examples=40, deadline=None)
@given(task=st.sampled_from(["binary", "multiclass"]), n=st.integers(5, 300), n_bins=st.integers(1, 20),
       seed=st.integers(0, 2**32 - 1))
def test_ece_mce_and_adaptive_ece_equal_netcal(task, n, n_bins, seed):
    rng = np.random.default_rng(seed)
    if task == "binary":
        p, y = rng.random(n).astype(np.float32), rng.integers(0, 2, n)
    else:
        p, y = _softmax(rng, n, 5, 2.0), rng.integers(0, 5, n)
        assume(len(np.unique(y)) >= 3)  # with <= 2 labels present netcal switches to its binary definition
    confidence, outcome, _ = calibration.pairs(y, p, task=task)
    assume(_netcal_consistent(confidence, n_bins))
    ece, mce = calibration.errors_of(calibration.bins(confidence, outcome, n_bins=n_bins))
    adaptive, _ = calibration.errors_of(calibration.bins(confidence, outcome, n_bins=n_bins, strategy="equal_mass"))
    assert ece == pytest.approx(netcal.ECE(n_bins).measure(p, y), abs=1e-6)
    assert mce == pytest.approx(netcal.MCE(n_bins).measure(p, y), abs=1e-6)
    assert adaptive == pytest.approx(netcal.ECE(n_bins, equal_intervals=False).measure(p, y), abs=1e-6)


def _adaptive_ece_by_definition(confidence, outcome, n_bins):
    """Equal-mass bins written out: edges at the confidences' quantiles (0 and 1 outside) in the
    confidences' own precision (as every edge: see calibration.bins), then sum over bins of (share of
    examples) x |accuracy - mean confidence|."""
    c = np.asarray(confidence, dtype=np.float64)
    stored = np.asarray(confidence).dtype
    edges = np.quantile(np.asarray(confidence), np.linspace(0, 1, n_bins + 1)).astype(stored).astype(np.float64)
    edges[0], edges[-1] = 0.0, 1.0
    total = 0.0
    for i in range(n_bins):
        inside = (c >= edges[i]) & ((c < edges[i + 1]) if i < n_bins - 1 else (c <= 1.0))
        if inside.any():
            total += inside.mean() * abs(outcome[inside].mean() - c[inside].mean())
    return total


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 200), n_bins=st.integers(1, 20), ties=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_adaptive_ece_equals_its_definition(n, n_bins, ties, seed):
    rng = np.random.default_rng(seed)
    p = rng.random(n).astype(np.float32)
    if ties:
        p = (np.round(p * 4) / 4).astype(np.float32)
    y = rng.integers(0, 2, n).astype(bool)
    table = calibration.bins(p, y, n_bins=n_bins, strategy="equal_mass")
    assert calibration.errors_of(table)[0] == pytest.approx(_adaptive_ece_by_definition(p, y, n_bins), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 100), seed=st.integers(0, 2**32 - 1))
def test_integer_weights_count_like_copies_and_zero_weights_like_absent_rows(n, seed):
    rng = np.random.default_rng(seed)
    p, y = rng.random(n).astype(np.float32), rng.integers(0, 2, n).astype(bool)
    w = rng.integers(0, 4, n).astype(np.float64)
    weighted = calibration.calibration_errors(p, y, sample_weight=w)
    copies = calibration.calibration_errors(np.repeat(p, w.astype(int)), np.repeat(y, w.astype(int)))
    for key in ("ece", "mce"):
        assert weighted[key] == pytest.approx(copies[key], abs=1e-12) if copies[key] is not None \
            else weighted[key] is None
    kept = w > 0
    dropped = calibration.calibration_errors(p[kept], y[kept], sample_weight=w[kept])
    assert weighted == pytest.approx(dropped, abs=1e-12) if kept.any() else all(v is None for v in weighted.values())
    # the same weight everywhere is no weight at all, equal-mass edges included
    assert calibration.calibration_errors(p, y, sample_weight=np.full(n, 2.5)) == pytest.approx(
        calibration.calibration_errors(p, y), abs=1e-12)


def test_no_example_or_no_weight_leaves_every_error_undefined():
    empty = calibration.calibration_errors(np.zeros(0, np.float32), np.zeros(0, bool))
    assert empty == {"ece": None, "mce": None, "adaptive_ece": None}
    assert calibration.calibration_errors(np.array([0.3]), np.array([True]), sample_weight=[0.0])["ece"] is None
    report = build_report(Record("binary", np.zeros(0, np.int64), np.zeros(0, np.float32), ["a", "b"]))
    assert {"ece", "mce", "adaptive_ece"} <= set(report["undefined"])
    assert report["metrics"]["ece"] is None


def test_reliability_diagram_bins_add_up_and_give_the_reported_ece():
    rng = np.random.default_rng(3)
    p, y = _softmax(rng, 500, 4, 2.0), rng.integers(0, 4, 500)
    record = Record("multiclass", y, p, list("abcd"))
    diagram = calibration.reliability_diagram(y, p, task="multiclass")
    assert diagram["n_bins"] == 15 and len(diagram["edges"]) == 16 and sum(diagram["count"]) == 500
    assert diagram["edges"][0] == 0.0 and diagram["edges"][-1] == 1.0
    for lower, upper, mean, count in zip(diagram["edges"], diagram["edges"][1:], diagram["confidence"],
                                         diagram["count"]):
        assert (mean is None) == (count == 0)
        assert mean is None or lower <= mean <= upper
    assert diagram["ece"] == pytest.approx(build_report(record)["metrics"]["ece"], abs=1e-12)
    mass = calibration.reliability_diagram(y, p, task="multiclass", strategy="equal_mass", n_bins=10)
    assert max(mass["count"]) - min(mass["count"]) <= 1  # distinct confidences: equal mass
    assert mass["ece"] == pytest.approx(build_report(record)["metrics"]["adaptive_ece"], abs=0.05)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_one_class_of_the_diagram_is_that_class_one_vs_rest(task):
    rng = np.random.default_rng(5)
    if task == "binary":
        p, y = _inside_bins(rng, 300, 15), rng.integers(0, 2, 300)
        column, truth = 1.0 - p.astype(np.float64), y == 0  # class 0 of [N] positive-class probabilities
    elif task == "multiclass":
        p, y = _softmax(rng, 300, 3, 1.0), rng.integers(0, 3, 300)
        column, truth = p[:, 0], y == 0
    else:
        p, y = rng.random((300, 3)).astype(np.float32), (rng.random((300, 3)) < 0.5).astype(np.uint8)
        column, truth = p[:, 0], y[:, 0] == 1
    class_index = 0
    diagram = calibration.reliability_diagram(y, p, task=task, class_index=class_index)
    assert diagram["ece"] == pytest.approx(_torchmetrics_binary(column, truth, 15, "l1"), abs=1e-5)
    assert diagram["mce"] == pytest.approx(_torchmetrics_binary(column, truth, 15, "max"), abs=1e-5)


def test_calibration_is_threshold_free_and_computed_once_per_step():
    for key in ("ece", "mce", "adaptive_ece"):
        metric = catalogue.BY_KEY[key]
        assert not metric.decision and metric.headline and not metric.higher_is_better
    rng = np.random.default_rng(1)
    stats = statistics.Statistics(Record("binary", rng.integers(0, 2, 100), rng.random(100).astype(np.float32),
                                         ["a", "b"]))
    first = build_report(stats, threshold=0.2)["metrics"]
    memo = stats.memo(("calibration", calibration.DEFAULT_BINS), lambda: pytest.fail("computed twice"))
    second = build_report(stats, threshold=0.9)["metrics"]
    assert memo["ece"] == first["ece"] == second["ece"] and first["adaptive_ece"] == second["adaptive_ece"]


@pytest.mark.parametrize("n_bins", [0, -1, 2.5, True, "15"])
def test_bad_bin_counts_are_named(n_bins):
    with pytest.raises(BadArgument, match="n_bins"):
        calibration.bins(np.array([0.5]), np.array([True]), n_bins=n_bins)


def test_a_bad_strategy_is_named():
    with pytest.raises(BadArgument, match="strategy"):
        calibration.bins(np.array([0.5]), np.array([True]), strategy="quantile")
    with pytest.raises(BadArgument, match="strategy"):
        calibration.reliability_diagram(np.zeros(0, np.int64), np.zeros(0, np.float32), task="binary", strategy="")

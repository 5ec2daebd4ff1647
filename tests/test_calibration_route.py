"""The `calibration` route through TensorBoard's WSGI app: its bins and errors equal
metrics.calibration.reliability_diagram on the record tb_confusion.read returns, its ECE / MCE / adaptive
ECE equal build_report's, bad parameters are 400s naming them, and the temperature fitted with
temperature=fit is scipy's minimiser of scikit-learn's log loss."""

import numpy as np
import pytest
from scipy import optimize
from sklearn.metrics import log_loss
from test_plugin_routes import error, make_client, ok, write_logdir

import tb_confusion
from tb_confusion.metrics import calibration
from tb_confusion.report import build_report
from tb_confusion.server import calibration_data
from tb_confusion.statistics import Statistics
from tb_confusion.storage.payload import Record

# tags of test_plugin_routes.write_logdir: binary, digits (multiclass, weighted), tags (multilabel),
# pair (binary softmax pairs, float16, weighted)
TAGS = ("binary", "digits", "tags", "pair")


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_logdir(tmp_path_factory.mktemp("calibration_logs"))


@pytest.fixture(scope="module")
def client(logdir):
    return make_client(logdir)


def record_of(logdir, tag, step=1, run="validation"):
    (record,) = tb_confusion.read(str(logdir), run=run, tag=tag, step=step)
    return record


def reference(record, **options):
    return calibration.reliability_diagram(record.labels, record.probabilities, task=record.task,
                                           positive_class=record.positive_class, sample_weight=record.weights,
                                           **options)


def assert_same_diagram(body, expected):
    bins = body["bins"]
    assert bins["edges"] == pytest.approx(expected["edges"], abs=1e-12)
    assert bins["count"] == pytest.approx(expected["count"], rel=1e-12)
    for key in ("confidence", "accuracy"):
        assert [v is None for v in bins[key]] == [v is None for v in expected[key]]
        assert [v for v in bins[key] if v is not None] == pytest.approx(
            [v for v in expected[key] if v is not None], abs=1e-12)
    gaps = [None if a is None else a - c for a, c in zip(expected["accuracy"], expected["confidence"])]
    assert [g is None for g in bins["gap"]] == [g is None for g in gaps]
    assert body["ece"] == pytest.approx(expected["ece"], abs=1e-12)
    assert body["mce"] == pytest.approx(expected["mce"], abs=1e-12)


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("strategy", ["equal_width", "equal_mass"])
def test_the_whole_step_equals_the_metrics_and_the_report(client, logdir, tag, strategy):
    body = ok(client, "calibration", run="validation", tag=tag, step=1, strategy=strategy)
    record = record_of(logdir, tag)
    assert_same_diagram(body, reference(record, strategy=strategy))
    assert body["n_bins"] == 15 and len(body["bins"]["count"]) == 15 and body["strategy"] == strategy
    assert body["scope"] == {"binary": "positive_class", "multiclass": "top_1",
                             "multilabel": "pooled_labels"}[record.task]
    report = build_report(record)["metrics"]
    if strategy == "equal_width":
        assert body["ece"] == pytest.approx(report["ece"], abs=1e-12)
        assert body["mce"] == pytest.approx(report["mce"], abs=1e-12)
        assert "adaptive_ece" not in body
    else:
        assert body["adaptive_ece"] == body["ece"] == pytest.approx(report["adaptive_ece"], abs=1e-12)
    weights = np.ones(len(record.labels)) if record.weights is None else record.weights
    pairs = record.probabilities.shape[1] if record.task == "multilabel" else 1
    assert sum(body["bins"]["count"]) == pytest.approx(weights.sum() * pairs)


@pytest.mark.parametrize("tag, k", [("digits", 3), ("digits", 0), ("tags", 2), ("binary", 0), ("pair", 1)])
def test_one_class_one_vs_rest_and_one_label(client, logdir, tag, k):
    body = ok(client, "calibration", run="train", tag=tag, step=2, bins=10, **{"class": k})
    record = record_of(logdir, tag, step=2, run="train")
    assert_same_diagram(body, reference(record, class_index=k, n_bins=10))
    assert body["class"] == k and len(body["bins"]["edges"]) == 11
    assert body["scope"] == ("label" if tag == "tags" else "one_vs_rest")


def test_multilabel_pools_every_label_and_differs_from_one_label(client, logdir):
    pooled = ok(client, "calibration", run="validation", tag="tags", step=0, bins=20)
    record = record_of(logdir, "tags", step=0)
    n, c = record.probabilities.shape
    assert sum(pooled["bins"]["count"]) == n * c
    one = ok(client, "calibration", run="validation", tag="tags", step=0, bins=20, **{"class": 1})
    assert sum(one["bins"]["count"]) == n
    assert one["bins"]["count"] != pooled["bins"]["count"]


@pytest.mark.parametrize("params, name, value", [
    ({"bins": "0"}, "bins", '"0"'), ({"bins": "abc"}, "bins", '"abc"'), ({"bins": "101"}, "bins", '"101"'),
    ({"strategy": "quantile"}, "strategy", '"quantile"'), ({"class": "4"}, "class", '"4"'),
    ({"class": "-1"}, "class", '"-1"'), ({"temperature": "2"}, "temperature", '"2"'),
    ({"step": "x"}, "step", '"x"'),
])
def test_bad_parameters_are_400_naming_the_parameter_and_value(client, params, name, value):
    message = error(client, "calibration", 400, run="validation", tag="digits", **params)
    assert f"'{name}'" in message and value in message


def test_unknown_run_is_404_and_bad_bins_are_checked_first(client):
    error(client, "calibration", 404, run="nope", tag="digits")
    error(client, "calibration", 400, run="nope", tag="digits", bins="-3")


def test_answers_are_cached_per_parameters(client):
    first = ok(client, "calibration", run="validation", tag="binary", step=0, bins=12)
    assert ok(client, "calibration", run="validation", tag="binary", step=0, bins=12) == first
    other = ok(client, "calibration", run="validation", tag="binary", step=0, bins=12, strategy="equal_mass")
    assert other["bins"]["edges"] != first["bins"]["edges"]


def _scipy_temperature(record):
    """The reference fit: scipy's bounded scalar minimiser of scikit-learn's log loss over log T."""
    p = np.asarray(record.probabilities, dtype=np.float64)
    y, w = record.labels, record.weights
    classes = np.arange(p.shape[1]) if p.ndim == 2 else None

    def nll(log_t):
        return log_loss(y, calibration_data.scale(record.task, p, np.exp(log_t)), sample_weight=w,
                        labels=classes)

    found = optimize.minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-9})
    return float(np.exp(found.x)), float(found.fun)


@pytest.mark.parametrize("tag", ["digits", "binary", "pair"])
def test_temperature_fit_minimises_the_log_loss_as_scipy_does(client, logdir, tag):
    body = ok(client, "calibration", run="validation", tag=tag, step=2, temperature="fit")
    record = record_of(logdir, tag, step=2)
    scaled = body["temperature_scaling"]
    t, loss = _scipy_temperature(record)
    assert scaled["temperature"] == pytest.approx(t, rel=1e-4)
    assert scaled["log_loss"] == pytest.approx(loss, rel=1e-6)
    assert scaled["log_loss"] <= scaled["log_loss_before"] + 1e-12
    assert scaled["log_loss_before"] == pytest.approx(build_report(record)["metrics"]["log_loss"], rel=1e-9)
    after = calibration_data.scale(record.task, record.probabilities, scaled["temperature"])
    expected = calibration.reliability_diagram(record.labels, after, task=record.task,
                                               positive_class=record.positive_class,
                                               sample_weight=record.weights)
    assert_same_diagram(scaled, expected)


def test_temperature_undoes_a_known_overconfidence():
    """Probabilities made 3x too sharp (logits / (1/3)) are fitted back to T near 3 and the ECE drops."""
    rng = np.random.default_rng(3)
    n, c = 4000, 5
    labels = rng.integers(0, c, n)
    logits = rng.normal(0, 1, (n, c)) + 1.5 * np.eye(c)[labels]
    true_p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    drawn = np.array([rng.choice(c, p=row) for row in true_p])  # labels drawn from the calibrated model
    sharp = calibration_data.scale("multiclass", true_p, 1 / 3)
    record = Record(task="multiclass", labels=drawn, probabilities=sharp.astype(np.float32),
                    class_names=[str(k) for k in range(c)])
    answer = calibration_data.answer(Statistics(record), n_bins=15, strategy="equal_width", temperature="fit")
    scaled = answer["temperature_scaling"]
    assert scaled["temperature"] == pytest.approx(3.0, rel=0.1)
    assert scaled["ece"] < answer["ece"] / 3


def test_a_large_step_is_fitted_on_evenly_spaced_rows_and_scaled_in_its_stored_precision():
    """3M probabilities (N=300k, C=10) sharpened 2x: fitted on every 2nd row, T near 2, the scaled
    probabilities float32 like the stored ones, each row summing to 1."""
    rng = np.random.default_rng(8)
    n, c = 300_000, 10
    logits = rng.normal(0, 1, (n, c)) + 1.0 * np.eye(c)[rng.integers(0, c, n)]
    true_p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    drawn = (true_p.cumsum(1) > rng.random((n, 1))).argmax(1)
    sharp = calibration_data.scale("multiclass", true_p.astype(np.float32), 0.5)
    assert sharp.dtype == np.float32 and np.allclose(sharp.sum(1), 1, atol=1e-5)
    record = Record(task="multiclass", labels=drawn, probabilities=sharp, class_names=[str(k) for k in range(c)])
    scaled = calibration_data.temperature_scaling(Statistics(record), n_bins=15, strategy="equal_width")
    assert scaled["fit_examples"] == n // 2 == len(range(*calibration_data.fit_rows(n, c).indices(n)))
    assert scaled["temperature"] == pytest.approx(2.0, rel=0.03)
    assert scaled["log_loss"] < scaled["log_loss_before"]

"""The metric catalogue is the one list of metrics: every report key is in it, every entry is reported,
and undefined values follow its 0/0 rule."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tb_confusion as tbc
from tb_confusion import catalogue, tasks
from tb_confusion.server import panel_data
from tb_confusion.cli import resolve
from tb_confusion.storage.payload import Record
from tb_confusion.report import build_report


def _record(task, rng, n, c):
    if task == "binary":
        return Record("binary", rng.integers(0, 2, n), rng.random(n).astype(np.float32), ["no", "yes"])
    if task == "multiclass":
        p = rng.random((n, c)).astype(np.float32)
        return Record("multiclass", rng.integers(0, c, n), p / p.sum(1, keepdims=True), [f"c{k}" for k in range(c)])
    if task == "segmentation":  # n images of 2 x 3 pixels (at least one: an empty step is not written)
        p = rng.random((max(n, 1), 2, 3, c)).astype(np.float32)
        accumulator = tbc.Accumulator("pixels", class_names=[f"c{k}" for k in range(c)])
        accumulator.update(rng.integers(0, c, (max(n, 1), 2, 3)), p / p.sum(-1, keepdims=True))
        return accumulator.record()
    labels = (rng.random((n, c)) < 0.3).astype(np.uint8)
    return Record("multilabel", labels, rng.random((n, c)).astype(np.float32), [f"l{k}" for k in range(c)])


@settings(max_examples=40, deadline=None)
@given(task=st.sampled_from(tasks.NAMES), n=st.integers(0, 12), c=st.integers(2, 4), seed=st.integers(0, 2**32 - 1),
       threshold=st.floats(0, 1))
def test_reports_hold_exactly_the_catalogue_metrics_of_their_task(task, n, c, seed, threshold):
    report = build_report(_record(task, np.random.default_rng(seed), n, c), threshold=threshold)
    expected = {metric.key for metric in catalogue.METRICS if task in metric.tasks}
    # top_k_accuracy is null for tasks without it (a key kept for one shape of report across tasks)
    assert set(report["metrics"]) - {"top_k_accuracy"} == expected - {"top_k_accuracy"}
    for key, value in report["metrics"].items():
        metric = catalogue.BY_KEY[key]
        if task not in metric.tasks:
            assert value is None
        elif metric.shape == "per_class":
            assert isinstance(value, dict) and len(value["per_class"]) == len(report["class_names"])
        elif metric.shape == "scalar" and isinstance(value, dict):  # kappa and MCC per label, multilabel
            assert task == "multilabel" and set(value) == {"per_class", "macro"} | ({"micro"} if key == "mcc" else set())
        elif metric.shape == "scalar":
            assert value is None or isinstance(value, (int, float))
        else:
            assert set(value) <= {"2", "5"}
    # one convention for 0/0: the catalogue's value, and the name listed in "undefined"
    for name in report["undefined"]:
        metric = catalogue.BY_KEY[name.split(".")[0]]
        assert resolve(report, name) == (0.0 if metric.zero_division == "zero" else None), name


def test_headline_metrics_are_the_over_epochs_series():
    assert panel_data.EPOCH_METRICS == catalogue.keys(headline=True)
    assert panel_data.EPOCH_METRICS[:3] == ("accuracy", "balanced_accuracy", "precision")


def test_per_class_columns_put_support_last_and_compact_ones_first():
    assert catalogue.columns(wide=False) == ("precision", "recall", "f1", "support")
    wide = catalogue.columns(wide=True)
    assert wide[-1] == "support" and set(catalogue.columns(wide=False)) < set(wide)


def test_every_entry_is_well_formed():
    keys = [metric.key for metric in catalogue.METRICS]
    assert len(keys) == len(set(keys))
    for metric in catalogue.METRICS:
        assert metric.label and set(metric.tasks) <= set(tasks.NAMES)
        assert metric.shape in ("scalar", "per_class", "per_k")
        assert metric.zero_division in ("zero", "null")
        assert metric.column in (None, "compact", "full")
        described = metric.describe()
        assert "compute" not in described and described["key"] == metric.key


@pytest.mark.parametrize("value, expected", [
    (None, None), (0.5, 0.5), ({"binary": 0.2, "macro": 0.4}, 0.2), ({"macro": 0.4, "micro": 0.1}, 0.4),
    ({"2": 0.9}, None),
])
def test_headline_picks_the_positive_class_then_the_macro_average(value, expected):
    assert catalogue.headline(value) == expected

"""One Statistics per step: the report, the panel's statistics and the examples share its sorts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion import metrics, tasks
from tb_confusion.server import json_http, panel_data
from tb_confusion.storage.payload import Record
from tb_confusion.report import build_report
from tb_confusion.statistics import Statistics


@pytest.fixture
def sorts(monkeypatch):
    """Counts calls of the binary counts kernel (the one sort per class) made through the metrics package."""
    calls = []
    kernel = metrics.ranking.binary_counts

    def counted(*args, **kwargs):
        calls.append(1)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(metrics.ranking, "binary_counts", counted)
    monkeypatch.setattr(metrics, "binary_counts", counted)
    return calls


def _binary(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return Record("binary", rng.integers(0, 2, n), rng.random(n).astype(np.float32), ["no", "yes"])


def test_report_and_panel_statistics_of_one_step_sort_once(sorts):
    statistics = Statistics(_binary())
    report = build_report(statistics)
    panel_data.stats(statistics, report)
    build_report(statistics, threshold=0.3, curves=True)
    assert len(sorts) == 2  # one per class, for all three answers


def test_a_record_passed_directly_sorts_again(sorts):
    record = _binary()
    build_report(record)
    panel_data.stats(record, build_report(record))
    assert len(sorts) == 6


@settings(max_examples=25, deadline=None)
@given(task=st.sampled_from(tasks.NAMES), seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60))
def test_shared_statistics_give_the_same_answers_as_fresh_ones(task, seed, n):
    rng = np.random.default_rng(seed)
    if task == "binary":
        record = _binary(n, seed)
    elif task == "multiclass":
        p = rng.random((n, 4))
        record = Record(task, rng.integers(0, 4, n), p / p.sum(1, keepdims=True), list("abcd"))
    else:
        record = Record(task, rng.integers(0, 2, (n, 3)), rng.random((n, 3)), list("xyz"), weights=rng.random(n))
    shared = Statistics(record)
    curves = shared.task.panel_needs_curves()
    for _ in range(2):  # the second round reads what the first built
        assert json_http.json_bytes(build_report(shared, curves=curves)) == \
            json_http.json_bytes(build_report(record, curves=curves))
        assert json_http.json_bytes(panel_data.stats(shared, build_report(shared, curves=curves))) == \
            json_http.json_bytes(panel_data.stats(record, build_report(record, curves=curves)))


def test_the_size_bound_covers_every_part_once_built():
    rng = np.random.default_rng(1)
    statistics = Statistics(Record("multiclass", rng.integers(0, 5, 5000), rng.random((5000, 5)), list("abcde")))
    statistics.class_counts, statistics.top  # noqa: B018  (build both)
    held = sum(a.nbytes for counts in statistics.class_counts for a in counts)
    held += sum(a.nbytes for a in statistics.top) + statistics.labels.nbytes + statistics.probabilities.nbytes
    assert statistics.nbytes_bound() >= held

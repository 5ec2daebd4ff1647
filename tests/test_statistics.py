"""One Statistics per step: the report, the panel's statistics and the examples share its sorts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _metrics_cases import binary_cases
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
    assert len(sorts) == 2 + 2 + 1  # each report both classes, the panel's numbers the positive class


@settings(max_examples=25, deadline=None)
@given(task=st.sampled_from([t for t in tasks.NAMES if tasks.get(t).storage == "exact"]), seed=st.integers(0, 2**32 - 1),
       n=st.integers(1, 60))
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
    for _ in range(2):  # the second round reads what the first built
        assert json_http.json_bytes(build_report(shared, curves=True)) == \
            json_http.json_bytes(build_report(record, curves=True))
        assert json_http.json_bytes(panel_data.step_stats(shared)) == json_http.json_bytes(panel_data.step_stats(record))


def test_the_size_bound_covers_every_part_once_built():
    rng = np.random.default_rng(1)
    statistics = Statistics(Record("multiclass", rng.integers(0, 5, 5000), rng.random((5000, 5)), list("abcde")))
    statistics.class_counts, statistics.top  # noqa: B018  (build both)
    held = sum(a.nbytes for counts in statistics.class_counts for a in counts)
    held += sum(a.nbytes for a in statistics.top) + statistics.labels.nbytes + statistics.probabilities.nbytes
    assert statistics.nbytes_bound() >= held


@settings(max_examples=60, deadline=None)
@given(binary_cases())
def test_binary_matrix_looked_up_in_the_counts_equals_a_pass_over_the_examples(case):
    y, p, w, threshold, positive_class = case
    statistics = Statistics(Record("binary", y, p, ["a", "b"], weights=w, positive_class=positive_class))
    looked_up = tasks.get("binary").matrix_at(statistics, threshold)
    counted = metrics.binary_confusion(y, p, threshold, positive_class=positive_class, sample_weight=w)
    if w is None:
        assert looked_up.dtype == np.int64 and np.array_equal(looked_up, counted)
    else:
        np.testing.assert_allclose(looked_up, counted, rtol=1e-12, atol=1e-9)


def test_a_new_threshold_recomputes_only_what_moves_with_it(sorts, monkeypatch):
    ranked = []
    roc_auc = metrics.ranking.roc_auc
    monkeypatch.setattr(metrics, "roc_auc", lambda counts: ranked.append(1) or roc_auc(counts))
    statistics = Statistics(_binary())
    first = build_report(statistics, threshold=0.5)
    assert len(sorts) == 2 and len(ranked) == 2
    second = build_report(statistics, threshold=0.25)
    assert len(sorts) == 2 and len(ranked) == 2  # ranking metrics, log loss, recommendations: kept
    assert second["metrics"]["roc_auc"] == first["metrics"]["roc_auc"]
    assert second["confusion_matrix"] != first["confusion_matrix"]
    assert second == build_report(_binary(), threshold=0.25)  # the same answer as a fresh step's


def test_a_step_evicted_with_its_memo_kept_answers_a_new_threshold_without_sorting(sorts):
    """What the server does with an evicted step (reading.provider keeps its small memoized numbers): the
    report at a new threshold or cutoff then sorts nothing, and equals the first step's."""
    rng = np.random.default_rng(3)
    multiclass = Record("multiclass", rng.integers(0, 4, 3000), rng.dirichlet(np.ones(4), 3000).astype(np.float32),
                        list("abcd"))
    for record, option in ((_binary(), "threshold"), (multiclass, "cutoff")):
        first = Statistics(record)
        build_report(first)
        again = Statistics(record)
        for key, value in first.memoized().items():
            again.memo(key, lambda value=value: value)
        sorted_before = len(sorts)
        for decision in (0.2, 0.5, 0.81):
            assert build_report(again, **{option: decision}) == build_report(first, **{option: decision})
        assert len(sorts) == sorted_before, record.task


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), levels=st.sampled_from([3, 50, 10**6]),
       positive_class=st.sampled_from([0, 1]), two_columns=st.booleans())
def test_a_binary_matrix_before_and_after_the_sort_is_the_same(seed, n, levels, positive_class, two_columns):
    """Unsorted, the matrix at a threshold is a pass over the examples; sorted, a bisection in the counts."""
    rng = np.random.default_rng(seed)
    p = (rng.integers(0, levels + 1, n) / levels).astype(np.float32)
    probabilities = np.stack([1 - p, p], axis=1) if two_columns else p
    record = Record("binary", rng.integers(0, 2, n), probabilities, ["no", "yes"],
                    positive_class=positive_class if two_columns else 1)
    unsorted, ranked = Statistics(record), Statistics(record)
    ranked.class_counts[ranked.positive_class]
    task = tasks.get("binary")
    for threshold in [0.0, 0.5, 1.0, float(p[0]), float(rng.random())]:
        before = task.matrix_at(unsorted, threshold)
        assert not unsorted.class_counts.sorted()
        assert before.dtype == np.int64 and (before == task.matrix_at(ranked, threshold)).all()


def test_a_binary_step_keeps_one_sorted_class():
    """Only the positive class's counts are kept: the negative class's are sorted again when read, and only
    ranking metrics read them (memoized), so a step at a new threshold sorts nothing."""
    statistics = Statistics(_binary())
    counts = statistics.class_counts
    assert counts[1] is counts[1] and counts[0] is not counts[0]
    assert len(counts) == 2 and list(counts)[1] is counts[-1]
    with pytest.raises(IndexError):
        counts[2]


def test_a_step_dropped_by_the_cache_is_freed_without_the_cycle_collector():
    """An evicted step's arrays go when its last reference does: a reference cycle would keep them until the
    cyclic collector runs, and TensorBoard's memory would outgrow the cache flag."""
    import gc
    import weakref

    statistics = Statistics(_binary())
    report = build_report(statistics, curves=True)
    panel_data.stats(statistics, report)
    panel_data.examples(statistics, true=1, pred=0, threshold=0.3)
    gone = weakref.ref(statistics)
    gc.disable()
    try:
        del statistics
        assert gone() is None
    finally:
        gc.enable()


def test_parts_of_different_steps_are_built_at_the_same_time(monkeypatch):
    """A server sorts two steps on two threads at once: building one step's `top` must not wait for another
    step's (functools.cached_property on Python 3.11 holds one lock for every instance)."""
    import threading

    first_started, second_done = threading.Event(), threading.Event()
    top_class, overlapped = metrics.top_class, []

    def slow_for_the_first(probabilities):
        if not first_started.is_set():
            first_started.set()
            overlapped.append(second_done.wait(5))  # False when the second step's top waited for this one
        return top_class(probabilities)

    monkeypatch.setattr(metrics, "top_class", slow_for_the_first)
    rng = np.random.default_rng(1)
    steps = [Statistics(Record("multiclass", rng.integers(0, 3, 50), rng.dirichlet(np.ones(3), 50), ["a", "b", "c"]))
             for _ in range(2)]
    first = threading.Thread(target=lambda: steps[0].top)
    first.start()
    assert first_started.wait(10)
    second = steps[1].top  # on this thread, while the first build is still running
    second_done.set()
    first.join(10)
    assert overlapped == [True]
    np.testing.assert_array_equal(second[0], top_class(steps[1].probabilities)[0])
    assert steps[0].top is steps[0].top  # built once, then a plain lookup

"""The over-epochs series from decision tables equals the report's headline numbers at every decision."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion.decision_table import DecisionTable, headlines, supports
from tb_confusion.report import build_report
from tb_confusion.server import panel_data
from tb_confusion.statistics import Statistics, of as statistics_of
from tb_confusion.storage.payload import Record
from test_compact import both, predictions  # at import: importing it inside a @given test nests its @given


@st.composite
def steps(draw):
    """A binary or multiclass Record with ties, float16 or float32 scores, weights or none, and
    decisions that include stored scores themselves (the boundary of >= and <)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 300))
    dtype = draw(st.sampled_from([np.float32, np.float16]))
    levels = draw(st.sampled_from([3, 17, 10_000]))  # few levels: many ties
    if draw(st.booleans()):
        shape = draw(st.sampled_from(["[N]", "[N, 2]"]))
        p = (rng.integers(0, levels + 1, n) / levels).astype(dtype)
        probabilities = p if shape == "[N]" else np.stack([1 - p, p], axis=1).astype(dtype)
        record = Record("binary", rng.integers(0, 2, n), probabilities, ["no", "yes"],
                        positive_class=draw(st.sampled_from([0, 1])) if shape == "[N, 2]" else 1)
        scores = p
    else:
        c = draw(st.integers(2, 12))
        raw = rng.integers(0, levels, (n, c)).astype(np.float64) + 1e-3
        probabilities = (raw / raw.sum(axis=1, keepdims=True)).astype(dtype)
        record = Record("multiclass", rng.integers(0, c, n), probabilities, [f"c{k}" for k in range(c)])
        scores = probabilities.max(axis=1)
    if draw(st.booleans()):
        record.weights = rng.random(n) * draw(st.sampled_from([0.0, 1.0, 3.0]))
    picks = [float(scores[i]) for i in rng.integers(0, n, 3)]
    decisions = [None, 0.0, 1.0, 0.5, *picks, min(1.0, float(np.nextafter(picks[0], 2))), float(rng.random())]
    return record, decisions


def _close(expected):
    return {k: v if v is None else pytest.approx(v, rel=1e-9, abs=1e-12) for k, v in expected.items()}


@settings(max_examples=150, deadline=None)
@given(steps())
def test_headline_numbers_equal_the_reports_at_every_decision(case):
    record, decisions = case
    statistics = Statistics(record)
    table = DecisionTable(statistics)
    name = "threshold" if record.task == "binary" else "cutoff"
    for decision in decisions:
        options = {} if decision is None else {name: decision}
        report = build_report(statistics, **options)
        assert (table.matrix(**options) == np.asarray(report["confusion_matrix"])).all() \
            if record.weights is None else np.allclose(table.matrix(**options), report["confusion_matrix"])
        expected = panel_data.epoch_metrics(report)
        got = table.headline(**options)
        assert got == (expected if record.weights is None else _close(expected)), (decision, options)


@settings(max_examples=40, deadline=None)
@given(st.lists(steps(), min_size=1, max_size=6), st.sampled_from([None, 0.0, 0.3, 0.5, 0.9]))
def test_the_headlines_of_many_steps_at_once_equal_each_steps_report(cases, decision):
    """What `epochs` sends: every step's numbers computed in one stack (steps of either task and of several class
    counts mixed, as a run whose tags changed would hand over) equal each step's own report."""
    records = [record for record, _ in cases]
    options = [{} if decision is None else {"threshold" if r.task == "binary" else "cutoff": decision} for r in records]
    binary = {} if decision is None else {"threshold": decision}
    multiclass = {} if decision is None else {"cutoff": decision}
    tables = [DecisionTable(Statistics(record)) for record in records]
    got = {"binary": headlines([t for t in tables if t.task == "binary"], **binary),
           "multiclass": headlines([t for t in tables if t.task == "multiclass"], **multiclass)}
    for record, option in zip(records, options):
        expected = panel_data.epoch_metrics(build_report(Statistics(record), **option))
        assert got[record.task].pop(0) == (expected if record.weights is None else _close(expected))


def test_the_table_is_a_few_bytes_per_example():
    n = 100_000
    rng = np.random.default_rng(0)
    record = Record("binary", rng.integers(0, 2, n), rng.random(n).astype(np.float32), ["no", "yes"])
    statistics = Statistics(record)
    assert DecisionTable(statistics).nbytes() < 6 * n < statistics.nbytes_bound() / 4


def test_multilabel_steps_have_no_table():
    record = Record("multilabel", np.zeros((3, 2), np.uint8), np.full((3, 2), 0.5, np.float32), ["a", "b"])
    assert not supports("multilabel")
    with pytest.raises(ValueError, match="multilabel"):
        DecisionTable(Statistics(record))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), c=st.integers(3, 40), weighted=st.booleans(),
       cutoff=st.sampled_from([None, 0.0, 0.2, 0.5, 0.95]))
def test_a_compact_steps_table_equals_its_report(seed, n, c, weighted, cutoff):
    """Its threshold-free numbers come from every class's areas at once, as the report's do, and its
    matrix-wide numbers from the matrix's sums: unweighted, the same numbers bit for bit; weighted, up to
    the order of the sums."""
    labels, p, weights = predictions(seed, n, c, weighted=weighted)
    _, compact = both(labels, p, weights)
    statistics = statistics_of(compact)
    table = DecisionTable(statistics)
    options = {} if cutoff is None else {"cutoff": cutoff}
    report = build_report(statistics_of(compact), **options)
    assert (table.matrix(**options) == np.asarray(report["confusion_matrix"])).all() if weights is None else \
        np.allclose(table.matrix(**options), report["confusion_matrix"])
    expected = panel_data.epoch_metrics(report)
    got = table.headline(**options)
    assert got == _close(expected)
    if weights is None:  # integer counts: the table's sums and the report's matrix give the same bits
        assert got == expected

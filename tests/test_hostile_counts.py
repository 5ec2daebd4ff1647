"""Accumulated (per-pixel) steps written by a foreign writer or damaged: the decoder checks every array as
strictly as the Accumulator builds them, and a real tensorboard never answers them with a 5xx."""

import urllib.parse

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tb_confusion as tbc
from tb_confusion import errors
from tb_confusion.report import build_report
from tb_confusion.server import panel_data
from tb_confusion.statistics import of as statistics_of
from tb_confusion.storage import metadata, payload
from tb_confusion.storage.events import EventWriter
from hostile import counts_steps, summary
from test_hostile_data import _status
from tb_process import running_tensorboard


def _accepted(content, data):
    try:
        return payload.decode(data, metadata.parse_plugin_data(content), run="r", tag="t", step=0)
    except errors.Unreadable:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(step=counts_steps())
def test_a_hostile_accumulated_step_is_unreadable_or_safe_to_compute_on(step):
    record = _accepted(*step)
    if record is None:
        return
    state = record.counts
    for array in (state.cells, state.scores, state.calibration, state.top_k):
        assert np.isfinite(array).all() and (array >= 0).all()
    statistics = statistics_of(record)
    for cutoff in (None, 0.5):
        build_report(statistics, curves=True, cutoff=cutoff)
    panel_data.stats(statistics, build_report(statistics, curves=True))
    c = len(record.class_names)
    for true in range(c):
        for pred in range(c):
            page = panel_data.examples(statistics, true=true, pred=pred)
            assert all(isinstance(example["id"], str) for example in page["examples"])


def test_a_flipped_byte_and_disagreeing_arrays_are_unreadable():
    rng = np.random.default_rng(0)
    accumulator = tbc.Accumulator("p")
    accumulator.update(rng.integers(0, 3, (2, 4, 4)), rng.dirichlet(np.ones(3), (2, 4, 4)))
    value = accumulator.summary_pb().value[0]
    plugin_data = metadata.parse_plugin_data(value.metadata.plugin_data.content)
    data = value.tensor.string_val[0]
    damaged = data[:40] + bytes([data[40] ^ 1]) + data[41:]
    with pytest.raises(errors.Unreadable, match="checksum does not match"):
        payload.decode(damaged, plugin_data)
    accumulator.state.scores[0, 1, 5] += 1  # a positive the matrix does not hold
    with pytest.raises(errors.Unreadable, match="disagree with each other"):
        payload.decode(accumulator.encode(), plugin_data)


def _routes(base, run):
    where = {"run": run, "tag": "p"}
    for route, extra in [("steps", {}), ("stats", {"step": 0}), ("report", {"step": 0, "cutoff": 0.4}),
                         ("examples", {"step": 0, "true": 0, "pred": 1}), ("calibration", {"step": 0}),
                         ("label_issues", {"step": 0}), ("epochs", {})]:
        yield route, f"{base}/data/plugin/tb_confusion/{route}?{urllib.parse.urlencode({**where, **extra})}"


@pytest.mark.slow
@pytest.mark.parametrize("loader", ["--load_fast=true", "--load_fast=false"])
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(counts_steps(), min_size=25, max_size=25))
def test_real_tensorboard_answers_hostile_accumulated_steps_without_a_5xx(tmp_path_factory, loader, steps):
    logdir = tmp_path_factory.mktemp("hostile_counts")
    for i, (content, data) in enumerate(steps):
        with EventWriter(str(logdir / f"r{i:02d}")) as writer:
            writer.add_summary(summary("p", content, data), step=0)
    with EventWriter(str(logdir / "healthy")) as writer:
        rng = np.random.default_rng(0)
        accumulator = tbc.Accumulator("p")
        accumulator.update(rng.integers(0, 3, (2, 4, 4)), rng.dirichlet(np.ones(3), (2, 4, 4)))
        writer.add_summary(accumulator.summary_pb(), step=0)
    with running_tensorboard(logdir, loader) as base:
        for i, (content, data) in enumerate(steps):
            accepted = _accepted(content, data) is not None
            for route, url in _routes(base, f"r{i:02d}"):
                status = _status(url)
                assert status < 500, (route, status, content, data)
                if route in ("stats", "report") and not accepted:
                    assert status in (404, 422), (route, status)
        statuses = {route: _status(url) for route, url in _routes(base, "healthy")}
        assert statuses == {"steps": 200, "stats": 200, "report": 200, "examples": 200, "calibration": 200,
                            "label_issues": 422, "epochs": 200}

"""Hostile and damaged steps: every reader answers them with errors.Unreadable (a 422 over HTTP), never a
traceback, and what it does accept is safe to compute on."""

import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import steps, summary
from tb_confusion import errors
from tb_confusion.report import build_report
from tb_confusion.server import panel_data
from tb_confusion.statistics import Statistics
from tb_confusion.storage import metadata, payload
from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import predictions_pb
from tb_process import running_tensorboard


def _accepted(content, data):
    """The Record a reader makes of (PluginData content, payload bytes), or None when it is Unreadable."""
    try:
        plugin_data = metadata.parse_plugin_data(content)
        return payload.decode(data, plugin_data, run="r", tag="t", step=0)
    except errors.Unreadable:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(step=steps())
def test_a_hostile_step_is_unreadable_or_safe_to_compute_on(step):
    record = _accepted(*step)
    if record is None:
        return
    labels, p = np.asarray(record.labels), np.asarray(record.probabilities)
    assert labels.dtype.kind in "ui" and p.dtype.kind == "f"
    assert ((0 <= p) & (p <= 1)).all()
    statistics = Statistics(record)  # the writers' checks hold: no BadArgument here
    report = build_report(statistics, curves=True, threshold=0.3, cutoff=0.4 if record.task == "multiclass" else None)
    panel_data.step_stats(statistics)
    panel_data.epoch_metrics(report)
    true_high, pred_high = statistics.task.cell_bounds(record.num_classes)
    for true in range(true_high + 1):
        for pred in range(pred_high + 1):
            page = panel_data.examples(statistics, true=true, pred=pred, label=0, cutoff=0.4)
            assert all(isinstance(example["id"], str) for example in page["examples"])


@pytest.mark.parametrize("shape_varint", [2**64 - 1, 2**63, 2**40])
def test_a_huge_shape_is_unreadable_not_an_overflow(shape_varint):
    from tb_confusion.storage import _proto

    message = _proto.Payload(version=1)
    message.labels.dtype, message.labels.data = "|u1", b"\x00"
    message.labels.shape.append(shape_varint)
    message.probabilities.dtype, message.probabilities.data = "<f4", b"\x00" * 4
    message.probabilities.shape.append(1)
    content = metadata.create_summary_metadata(task="binary", class_names=["a", "b"], dtype="float32")
    with pytest.raises(errors.Unreadable, match="labels"):
        payload.decode(message.SerializeToString(), metadata.parse_plugin_data(content.plugin_data.content))


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def _routes(base, run, tag):
    where = {"run": run, "tag": tag}
    for route, extra in [("steps", {}), ("stats", {"step": 0}), ("report", {"step": 0}),
                         ("report", {"step": 0, "curves": "true", "threshold": 0.3}),
                         ("examples", {"step": 0, "true": 0, "pred": 0, "label": 0}),
                         ("examples", {"step": 0, "true": 1, "pred": 1, "label": 0}), ("epochs", {})]:
        yield route, f"{base}/data/plugin/tb_confusion/{route}?{urllib.parse.urlencode({**where, **extra})}"


@pytest.mark.slow
@pytest.mark.parametrize("loader", ["--load_fast=true", "--load_fast=false"])
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(steps(), min_size=30, max_size=30))
def test_real_tensorboard_answers_hostile_steps_without_a_5xx(tmp_path_factory, loader, steps):
    logdir = tmp_path_factory.mktemp("hostile")
    for i, (content, data) in enumerate(steps):
        with EventWriter(str(logdir / f"r{i:02d}")) as writer:
            writer.add_summary(summary("p", content, data), step=0)
    with EventWriter(str(logdir / "healthy")) as writer:
        rng = np.random.default_rng(0)
        writer.add_summary(predictions_pb("p", rng.integers(0, 3, 40), rng.dirichlet(np.ones(3), 40)), step=0)
    with running_tensorboard(logdir, loader) as base:
        assert _status(f"{base}/data/plugin/tb_confusion/tags") == 200
        for i, (content, data) in enumerate(steps):
            expected_ok = _accepted(content, data) is not None
            for route, url in _routes(base, f"r{i:02d}", "p"):
                status = _status(url)
                assert status < 500, (route, status, content, data)
                if route in ("stats", "report") and not expected_ok:
                    assert status in (404, 422), (route, status)  # 404: the loader dropped the tag
        for route, url in _routes(base, "healthy", "p"):
            assert _status(url) == 200, route


@pytest.mark.slow
@pytest.mark.parametrize("loader", ["--load_fast=true", "--load_fast=false"])
def test_names_with_quotes_backslashes_and_tabs_are_served_by_both_loaders(tmp_path, loader):
    rng = np.random.default_rng(1)
    names = {'a"b': "p", "c\\d": "p", "e\tf": "p", "plain": 't"ag'}
    for run, tag in names.items():
        with EventWriter(str(tmp_path / run)) as writer:
            writer.add_summary(predictions_pb(tag, rng.integers(0, 3, 30), rng.dirichlet(np.ones(3), 30)), 0)
    with running_tensorboard(tmp_path, loader) as base:
        for run, tag in names.items():
            for route, url in _routes(base, run, tag):
                assert _status(url) == 200, (run, tag, route)

"""The `curves` route: one class's one-vs-rest curves of a multiclass step, equal to the report's for that class (the
`stats` answer carries none: the panel asks for the class it shows)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_compact import both, predictions  # at import: importing it inside a @given test nests its @given
from test_plugin_routes import error, make_client, ok
import tb_confusion
from tb_confusion import slices
from tb_confusion.report import build_report
from tb_confusion.server import json_http, panel_data, slices_data
from tb_confusion.statistics import of as statistics_of
from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import predictions_pb


def _same(a, b):
    return json_http.json_bytes(a) == json_http.json_bytes(b)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), c=st.sampled_from([2, 3, 7, 12, 70]),
       weighted=st.booleans(), compact=st.booleans())
def test_one_class_equals_the_reports_curves_of_that_class(seed, n, c, weighted, compact):
    """Exact and compact steps, weighted or not: the route's curves are the report's (curves=1) for that class,
    with the report's per-class ROC AUC and average precision; the stats answer carries no curves."""
    labels, p, weights = predictions(seed, n, c, weighted=weighted)
    record = both(labels, p, weights)[1 if compact else 0]
    fresh = statistics_of(record)  # an exact step whose class counts are not built sorts class k alone
    statistics = statistics_of(record)
    assert "curves" not in panel_data.step_stats(statistics)
    report = build_report(statistics, curves=True)
    for k in sorted({0, c // 2, c - 1}):
        for one in (panel_data.class_curves(fresh, k), panel_data.class_curves(statistics, k)):
            assert one["class_index"] == k
            assert _same(one["roc"], dict(report["curves"]["roc"][k], auc=report["metrics"]["roc_auc"]["per_class"][k]))
            assert _same(one["pr"], dict(report["curves"]["pr"][k],
                                         average_precision=report["metrics"]["average_precision"]["per_class"][k]))
    assert compact or "class_counts" not in vars(fresh)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("curves")
    rng = np.random.default_rng(5)
    with EventWriter(str(root / "validation")) as writer:
        for step in (0, 1):
            labels, p, _ = predictions(step, 500, 70)
            source = np.where(np.arange(500) % 3 == 0, "web", "scan")
            writer.add_summary(predictions_pb("many", labels, p, attributes={"source": source}), step)
            y = rng.integers(0, 2, 100)
            writer.add_summary(predictions_pb("binary", y, rng.random(100).astype(np.float32)), step)
            pixels = tb_confusion.Accumulator("pixels", class_names=["a", "b", "c"])
            pixels.update(rng.integers(0, 3, (2, 4, 4)), rng.dirichlet(np.ones(3), (2, 4, 4)).astype(np.float32))
            writer.add_summary(pixels.summary_pb(), step)
    client = make_client(root)
    client.logdir = str(root)
    return client


def test_the_route_answers_the_shown_class_of_a_many_class_step(client):
    stats = ok(client, "stats", run="validation", tag="many", step=1)
    assert "curves" not in stats
    answer = ok(client, "curves", run="validation", tag="many", step=1, **{"class": 5})
    report = ok(client, "report", run="validation", tag="many", step=1, curves=1)
    assert answer["class_index"] == 5 and answer["roc"]["class"] == report["curves"]["roc"][5]["class"]
    assert answer["roc"]["fpr"] == report["curves"]["roc"][5]["fpr"]
    assert answer["pr"]["precision"] == report["curves"]["pr"][5]["precision"]
    assert answer["roc"]["auc"] == report["metrics"]["roc_auc"]["per_class"][5]


def test_the_route_follows_the_slice(client):
    """`slice=source=web` gives the curves of the step's web examples alone."""
    answer = ok(client, "curves", run="validation", tag="many", step=1, slice="source=web", **{"class": 3})
    whole = ok(client, "curves", run="validation", tag="many", step=1, **{"class": 3})
    (record,) = tb_confusion.read(client.logdir, run="validation", tag="many", step=1)
    web = slices_data.apply(statistics_of(record), (slices.parse_filter("source=web"),))
    expected = json_http.json_bytes(panel_data.class_curves(web, 3))
    assert json_http.json_bytes(answer) == expected and answer != whole


@pytest.mark.parametrize("params, status, words", [
    ({"tag": "many", "step": 1}, 400, ["'class'"]),
    ({"tag": "many", "step": 1, "class": 70}, 400, ["'class'", "70"]),
    ({"tag": "many", "step": 1, "class": "x<b>"}, 400, ["'class'", "integer"]),
    ({"tag": "binary", "step": 0, "class": 0}, 400, ["validation/binary", "binary"]),
    ({"tag": "pixels", "step": 0, "class": 1}, 400, ["validation/pixels", "segmentation"]),
    ({"tag": "many", "step": 9, "class": 0}, 404, ["9"]),
])
def test_bad_requests_name_what_is_wrong(client, params, status, words):
    message = error(client, "curves", status, run="validation", **params)
    assert all(word in message for word in words), message

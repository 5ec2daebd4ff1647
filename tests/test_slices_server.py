"""tb_confusion.server.slices_data on steps served by TensorBoard's data provider: the `slice` parameter, the
`attributes` and `slices` answers, and bad input as JSON 400/422 through the plugin's own JSON responder."""

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from werkzeug import test as wtest, wrappers

import tb_confusion as tbc
from tensorboard import context
from tb_confusion.events import EventWriter
from tb_confusion.report import build_report
from tb_confusion.server import json_http, slices_data
from test_plugin_routes import make_client

N = 240


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, N)
    scores = rng.random(N).astype(np.float32)
    source = rng.choice(["web", "scan", "fax"], N, p=[0.6, 0.3, 0.1])
    with EventWriter(str(root / "validation")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("predictions", labels, scores, example_ids=[f"x{k}" for k in range(N)],
                                                      attributes={"source": source, "night": np.arange(N) % 2 == 0}), 4)
        writer.add_summary(tbc.summary.predictions_pb("big", rng.integers(0, 3, N), rng.dirichlet(np.ones(3), N),
                                                      storage="compact", attributes={"source": source}), 4)
    client = make_client(root)
    source_of_steps = client.plugin._source

    def statistics(tag):
        ctx = context.RequestContext()
        ref, plugin_data = source_of_steps.find_step(ctx, "", "validation", tag, 4)
        return source_of_steps.statistics(ctx, "", "validation", tag, ref, plugin_data)

    return statistics, labels, scores, source


def _request(**params):
    return wrappers.Request(wtest.EnvironBuilder(query_string=params).get_environ())


def test_the_slice_parameter_filters_the_step(served):
    statistics, labels, scores, source = served
    whole = statistics("predictions")
    request = _request(slice=["source=web", "night=True"])
    chosen = slices_data.filters(request)
    assert chosen == (("source", "web"), ("night", "True"))
    assert slices_data.apply(whole, ()) is whole
    part = slices_data.apply(whole, chosen)
    keep = np.flatnonzero((source == "web") & (np.arange(N) % 2 == 0))
    assert part.record.example_ids == [f"x{k}" for k in keep]
    report = build_report(part, threshold=0.4)
    predicted = (scores[keep].astype(np.float64) >= 0.4).astype(int)
    assert report["confusion_matrix"] == skm.confusion_matrix(labels[keep], predicted, labels=[0, 1]).tolist()


def test_the_attributes_answer_lists_values_counts_and_filters(served):
    statistics = served[0]
    source = served[3]
    answer = slices_data.attributes(statistics("predictions"))
    assert answer["num_examples"] == N and answer["sliceable"] and answer["slice"] == {}
    by_name = {a["name"]: a for a in answer["attributes"]}
    assert by_name["source"]["values"] == ["fax", "scan", "web"]
    assert by_name["source"]["counts"] == [int((source == v).sum()) for v in ("fax", "scan", "web")]
    assert by_name["night"] == {"name": "night", "kind": "bool", "values": [False, True],
                                "filters": ["night=False", "night=True"], "counts": [N // 2, N // 2]}
    chosen = (("source", "fax"),)
    narrowed = slices_data.attributes(slices_data.apply(statistics("predictions"), chosen), chosen)
    assert narrowed["num_examples"] == (source == "fax").sum() and narrowed["slice"] == {"source": "fax"}
    compact = slices_data.attributes(statistics("big"))
    assert compact["sliceable"] is False and compact["attributes"][0]["name"] == "source"


def test_the_slices_answer_is_the_slice_table(served):
    statistics, labels, scores, source = served
    options = slices_data.table_options(_request(by="source", metric="recall.binary", min_size="50"))
    assert options == {"by": "source", "metric": "recall.binary", "min_size": 50, "with_reports": False}
    answer = slices_data.table(statistics("predictions"), (), options, {"threshold": 0.5})
    assert (answer["run"], answer["tag"], answer["step"], answer["slice"]) == ("validation", "predictions", 4, {})
    predicted = (scores.astype(np.float64) >= 0.5).astype(int)
    assert answer["whole"]["metric_value"] == pytest.approx(skm.recall_score(labels, predicted))
    for row in answer["slices"]:
        keep = source == row["value"]
        assert row["metric_value"] == pytest.approx(skm.recall_score(labels[keep], predicted[keep], zero_division=0))
        assert row["small"] == (keep.sum() < 50) and "report" not in row
    request = _request(by="night", slice="source=scan", reports="1")
    chosen = slices_data.filters(request)
    within = slices_data.table(slices_data.apply(statistics("predictions"), chosen), chosen,
                               slices_data.table_options(request), {})
    assert within["slice"] == {"source": "scan"} and within["whole"]["count"] == (source == "scan").sum()
    assert all(row["report"]["num_examples"] == row["count"] for row in within["slices"])


class _App:
    """The plugin's JSON responder around slices_data, as plugin.py wires a route."""

    def __init__(self, statistics):
        self.statistics = statistics

    @json_http.json_route
    def slices(self, request):  # the order plugin.py follows: parameters first, then the step, then the answer
        options = slices_data.table_options(request)
        chosen = slices_data.filters(request)
        step = slices_data.apply(self.statistics(json_http.text(request, "tag")), chosen)
        return slices_data.table(step, chosen, options, {})


@pytest.mark.parametrize("params,status,message", [
    ({"tag": "predictions"}, 400, "missing parameter 'by'"),
    ({"tag": "predictions", "by": "device"}, 404, "attribute 'device' is not logged with this step"),
    ({"tag": "predictions", "by": "source", "slice": "source=tv"}, 404, "has no value 'tv'"),
    ({"tag": "predictions", "by": "source", "slice": "<b>web"}, 400, "parameter 'slice' must be NAME=VALUE"),
    ({"tag": "predictions", "by": "source", "min_size": "-1"}, 400, "parameter 'min_size' must be >= 0"),
    ({"tag": "predictions", "by": "source", "metric": "nope"}, 400, "metric 'nope' is not in a binary report"),
    ({"tag": "predictions", "by": "source", "slice": ["a=1"] * 9}, 400, "at most 8"),
    ({"tag": "big", "by": "source"}, 422, "this step is stored compact"),
])
def test_bad_input_is_a_json_error_naming_it(served, params, status, message):
    app = _App(served[0])
    response = wtest.Client(lambda environ, start_response: app.slices(environ, start_response)).get(
        "/slices", query_string=params)
    body = json.loads(response.get_data())
    assert response.status_code == status and message in body["error"], body

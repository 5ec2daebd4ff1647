"""tb_confusion.server.slices_data on steps served by TensorBoard's data provider: the `slice` parameter, the
`attributes` and `slices` answers, and bad input as JSON 400/422 through the plugin's own JSON responder."""

import types

import numpy as np
import pytest
from sklearn import metrics as skm
from werkzeug import test as wtest, wrappers

import tb_confusion as tbc
from tensorboard import context
from tb_confusion.events import EventWriter
from tb_confusion.report import build_report
from tb_confusion.server import slices_data
from test_plugin_routes import get, make_client, ok

N = 240


STEPS = (1, 2, 4)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Run `validation` (steps 1, 2, 4 of N examples with attributes source and night; step 1 has no 'fax'; a
    compact tag at step 4) and run `web` (the same steps holding only the examples whose source is 'web')."""
    root = tmp_path_factory.mktemp("served")
    rng = np.random.default_rng(11)
    ids = np.array([f"x{k}" for k in range(N)])
    night = np.arange(N) % 2 == 0
    with EventWriter(str(root / "validation")) as writer, EventWriter(str(root / "web")) as web_writer:
        for step in STEPS:
            labels = rng.integers(0, 2, N)
            scores = np.clip(labels * 0.25 + rng.random(N) * 0.75, 0, 1).astype(np.float32)
            values = ["web", "scan"] if step == 1 else ["web", "scan", "fax"]
            source = rng.choice(values, N, p=[0.6, 0.4] if step == 1 else [0.6, 0.3, 0.1])
            writer.add_summary(tbc.summary.predictions_pb("predictions", labels, scores, example_ids=list(ids),
                                                          attributes={"source": source, "night": night}), step)
            web = source == "web"
            web_writer.add_summary(tbc.summary.predictions_pb(
                "predictions", labels[web], scores[web], example_ids=list(ids[web]),
                attributes={"source": source[web], "night": night[web]}), step)
        writer.add_summary(tbc.summary.predictions_pb("big", rng.integers(0, 3, N), rng.dirichlet(np.ones(3), N),
                                                      storage="compact", attributes={"source": source}), 4)
    client = make_client(root)
    source_of_steps = client.plugin._source

    def statistics(tag):
        ctx = context.RequestContext()
        ref, plugin_data = source_of_steps.find_step(ctx, "", "validation", tag, 4)
        return source_of_steps.statistics(ctx, "", "validation", tag, ref, plugin_data)

    return types.SimpleNamespace(client=client, statistics=statistics, labels=labels, scores=scores, source=source)


def _request(**params):
    return wrappers.Request(wtest.EnvironBuilder(query_string=params).get_environ())


def test_the_slice_parameter_filters_the_step(served):
    statistics, labels, scores, source = served.statistics, served.labels, served.scores, served.source
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
    statistics, source = served.statistics, served.source
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
    statistics, labels, scores, source = served.statistics, served.labels, served.scores, served.source
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


@pytest.mark.parametrize("params,status,message", [
    ({"tag": "predictions"}, 400, "missing parameter 'by'"),
    ({"tag": "predictions", "by": "device"}, 404, "attribute 'device' is not logged with this step"),
    ({"tag": "predictions", "by": "source", "slice": "source=tv"}, 404, "has no value 'tv'"),
    ({"tag": "predictions", "by": "source", "slice": "<b>web"}, 400, "parameter 'slice' must be NAME=VALUE"),
    ({"tag": "predictions", "by": "source", "min_size": "-1"}, 400, "parameter 'min_size' must be >= 0"),
    ({"tag": "predictions", "by": "source", "metric": "nope"}, 400, "metric 'nope' is not in a binary report"),
    ({"tag": "predictions", "by": "source", "slice": ["a=1"] * 9}, 400, "at most 8"),
    ({"tag": "big", "by": "source"}, 422, "this step is stored compact"),
    ({"tag": "big", "by": "source", "slice": "source=web"}, 422, "this step is stored compact"),
])
def test_bad_input_is_a_json_error_naming_it(served, params, status, message):
    status_code, body = get(served.client, "slices", run="validation", step=4, **params)
    assert status_code == status and message in body["error"], body


@pytest.mark.parametrize("route", ["report", "stats", "attributes", "calibration", "epochs", "forgetting"])
def test_every_route_refuses_a_malformed_slice_naming_it(served, route):
    status_code, body = get(served.client, route, run="validation", tag="predictions", slice="<b>web")
    assert status_code == 400 and "parameter 'slice' must be NAME=VALUE" in body["error"], body


# "only this slice" is followed by every view: a route asked for slice source=web of run `validation` answers
# what the same route answers for run `web`, which holds just those examples (same ids, same steps)
SAME_AS_WEB_RUN = [
    ("report", {"threshold": "0.4"}),
    ("stats", {}),
    ("examples", {"true": "1", "pred": "0", "threshold": "0.3", "limit": "500"}),
    ("examples", {"true": "0", "pred": "1", "order": "likely_mislabeled"}),
    ("label_issues", {"threshold": "0.5"}),
    ("calibration", {"n_bins": "5", "temperature": "fit"}),
    ("epochs", {"threshold": "0.45"}),
    ("diff", {"step_b": "2", "flips": "forgotten"}),
    ("forgetting", {"limit": "50"}),
]


def _without_run(answer):
    if isinstance(answer, dict):
        return {k: _without_run(v) for k, v in answer.items() if k not in ("run", "run_b", "run_a", "slice", "wall_time")}
    if isinstance(answer, list):
        return [_without_run(v) for v in answer]
    return answer


@pytest.mark.parametrize("route,params", SAME_AS_WEB_RUN)
def test_every_view_follows_the_slice(served, route, params):
    step = {} if route in ("epochs", "forgetting") else {"step": "4"}
    status_a, sliced = get(served.client, route, run="validation", tag="predictions", slice="source=web",
                           **step, **params)
    status_b, web = get(served.client, route, run="web", tag="predictions", **step, **params)
    assert status_a == status_b == 200, (sliced, web)
    assert _without_run(sliced) == _without_run(web)


def test_the_report_route_of_a_slice_is_scikit_learns_on_its_examples(served):
    keep = (served.source == "scan") & (np.arange(N) % 2 == 0)
    report = ok(served.client, "report", run="validation", tag="predictions", step=4,
                slice=["source=scan", "night=True"], threshold="0.5")
    predicted = (served.scores[keep].astype(np.float64) >= 0.5).astype(int)
    assert report["num_examples"] == keep.sum()
    assert report["confusion_matrix"] == skm.confusion_matrix(served.labels[keep], predicted, labels=[0, 1]).tolist()


def test_the_attributes_and_slices_routes(served):
    answer = ok(served.client, "attributes", run="validation", tag="predictions", step=4)
    assert [a["name"] for a in answer["attributes"]] == ["night", "source"] or \
        [a["name"] for a in answer["attributes"]] == ["source", "night"]
    table = ok(served.client, "slices", run="validation", tag="predictions", step=4, by="source", threshold="0.5")
    predicted = (served.scores.astype(np.float64) >= 0.5).astype(int)
    for row in table["slices"]:
        keep = served.source == row["value"]
        assert row["count"] == keep.sum()
        assert row["metric_value"] == pytest.approx(skm.accuracy_score(served.labels[keep], predicted[keep]))


def test_epochs_answer_a_step_without_the_slice_value_with_null_and_why(served):
    answer = ok(served.client, "epochs", run="validation", tag="predictions", slice="source=fax")
    by_step = {entry["step"]: entry for entry in answer}
    assert by_step[4]["metrics"] is not None
    assert by_step[1]["metrics"] is None and "fax" in by_step[1]["error"]


def test_the_attributes_of_a_per_pixel_step_are_none_and_slicing_it_is_refused(tmp_path):
    rng = np.random.default_rng(3)
    accumulator = tbc.Accumulator("pixels", task="segmentation", class_names=["bg", "cat", "dog"])
    accumulator.update(rng.integers(0, 3, (2, 4, 4)), rng.dirichlet(np.ones(3), (2, 4, 4)).astype(np.float32))
    with EventWriter(str(tmp_path / "seg")) as writer:
        writer.add_summary(accumulator.summary_pb(), 1)
    client = make_client(tmp_path)
    answer = ok(client, "attributes", run="seg", tag="pixels")
    assert answer["attributes"] == [] and answer["sliceable"] is False
    status_code, body = get(client, "report", run="seg", tag="pixels", slice="source=web")
    assert status_code in (404, 422) and "error" in body, body

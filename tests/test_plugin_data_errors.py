"""A tag whose PluginData is damaged, foreign or newer, served by a real tensorboard (both loaders): every route
that reads the tag answers a JSON 4xx whose message names the run and the tag (as tbc.read and the CLI do),
never a 500, and a healthy tag beside it is served; the `tags` listing says why the tag is unreadable.
And the `slices` route's body is gzipped for a client that accepts it, like the other routes' bodies."""

import gzip
import json
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest
from hostile import summary as hostile_summary
from tb_process import running_tensorboard

import tb_confusion as tbc
from tb_confusion.storage import _proto, metadata
from tb_confusion.storage.events import EventWriter

pytestmark = pytest.mark.slow

RUN, OTHER_RUN = "eval <b>", "healthy"
N = 300
NAMES = ["cat", "dog", "fox", "owl", "elk"]


def _content(**change):
    fields = dict(version=2, task="multiclass", class_names=NAMES, dtype="float32", num_classes=len(NAMES))
    return _proto.PluginData(**{**fields, **change}).SerializeToString()


# tag -> (PluginData content, what the message says besides the run and tag)
DAMAGED = {
    "garbage": (b"\xff\xff\xff\xff\x0f", "cannot be parsed"),
    "foreign/task": (_content(task="regression"), "unknown task 'regression'"),
    "groups": (_content(class_groups=["x"]), "1 class_groups for 5 classes"),
    "names": (_content(class_names=["a", "a", "b", "c", "d"]), "unique class names"),
    "newer": (_content(version=metadata.FORMAT_VERSION + 1), "upgrade"),
}
ROUTES = [("report", {"step": 0}), ("stats", {"step": 0}), ("examples", {"step": 0, "true": 0, "pred": 0}),
          ("label_issues", {"step": 0}), ("calibration", {"step": 0}), ("epochs", {}), ("forgetting", {}),
          ("diff", {"step": 0, "step_b": 0}), ("attributes", {"step": 0}),
          ("slices", {"step": 0, "by": "source"})]


def _step(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(NAMES), N)
    z = rng.normal(0, 1, (N, len(NAMES))) + 1.5 * np.eye(len(NAMES))[labels]
    p = np.exp(z - z.max(1, keepdims=True))
    source = np.array([f"source {k:02d}" for k in rng.integers(0, 40, N)])  # 40 values: a slice table over 1 KiB
    return labels, (p / p.sum(1, keepdims=True)).astype(np.float32), source


def _write(logdir):
    labels, p, source = _step(0)
    good = tbc.summary.predictions_pb("t", labels, p, class_names=NAMES, attributes={"source": source})
    blob = good.value[0].tensor.string_val[0]  # a valid payload: only the tag's metadata is damaged
    with EventWriter(str(logdir / RUN)) as writer:
        for step in (0, 1):
            for tag, (content, _) in DAMAGED.items():
                writer.add_summary(hostile_summary(tag, content, blob), step=step)
    with EventWriter(str(logdir / OTHER_RUN)) as writer:
        for step in (0, 1):
            labels, p, source = _step(step)  # step 0 is the slices test's
            writer.add_summary(tbc.summary.predictions_pb("t", labels, p, class_names=NAMES,
                                                          attributes={"source": source}), step=step)
            for tag in DAMAGED:  # the same tags, healthy here: a diff across runs names the damaged side
                writer.add_summary(tbc.summary.predictions_pb(tag, labels, p, class_names=NAMES,
                                                              attributes={"source": source}), step=step)


def _get(base, route, headers=None, **params):
    """(status, headers, body bytes as sent) of a route."""
    url = f"{base}/data/plugin/tb_confusion/{route}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module", params=["--load_fast=true", "--load_fast=false"])
def served(request, tmp_path_factory):
    logdir = tmp_path_factory.mktemp("plugin_data_errors")
    _write(logdir)
    with running_tensorboard(logdir, request.param) as base:
        yield base


@pytest.mark.parametrize("tag", sorted(DAMAGED))
def test_a_route_on_damaged_plugin_data_is_a_4xx_naming_the_run_and_tag(served, tag):
    base = served
    _, says = DAMAGED[tag]
    status, _, body = _get(base, "tags")
    tags = json.loads(body)
    assert status == 200 and tags[RUN][tag]["task"] is None
    assert tags[RUN][tag]["error"].startswith(f"run {RUN!r} tag {tag!r}: ") and says in tags[RUN][tag]["error"]
    for route, params in ROUTES:
        status, headers, body = _get(base, route, run=RUN, tag=tag, **params)
        answer = json.loads(body)
        assert status == 422 and headers["Content-Type"].startswith("application/json"), (route, status, answer)
        assert set(answer) == {"error"}, (route, answer)
        assert answer["error"].startswith(f"run {RUN!r} tag {tag!r}: "), (route, answer)
        assert says in answer["error"], (route, answer)
    # A diff from the healthy run to the damaged one names the damaged side.
    status, _, body = _get(base, "diff", run=OTHER_RUN, tag=tag, step=0, run_b=RUN, step_b=0)
    assert status == 422 and json.loads(body)["error"].startswith(f"run {RUN!r} tag {tag!r}: "), body
    # The healthy run's tag of the same name is served.
    status, _, body = _get(base, "report", run=OTHER_RUN, tag=tag, step=0)
    assert status == 200 and json.loads(body)["num_examples"] == N


def test_the_slices_body_is_gzipped_for_a_client_that_accepts_it(served):
    base = served
    labels, p, source = _step(0)
    params = dict(run=OTHER_RUN, tag="t", step=0, by="source", metric="accuracy", min_size=5)
    status, headers, sent = _get(base, "slices", {"Accept-Encoding": "gzip"}, **params)
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    answer = json.loads(gzip.decompress(sent))
    # The same answer as for a client that takes no gzip (then sent plain), and the table of the logged values.
    status, plain_headers, plain = _get(base, "slices", {"Accept-Encoding": "identity"}, **params)
    assert status == 200 and plain_headers["Content-Encoding"] is None and json.loads(plain) == answer
    assert len(sent) < len(plain)
    values, counts = np.unique(source, return_counts=True)
    assert sorted((row["filter"], row["count"]) for row in answer["slices"]) == \
        sorted((f"source={v}", int(c)) for v, c in zip(values, counts))
    for row in answer["slices"]:
        keep = source == row["filter"].removeprefix("source=")
        assert row["metric_value"] == pytest.approx(float((p[keep].argmax(1) == labels[keep]).mean()), abs=1e-12)

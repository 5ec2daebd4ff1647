"""The plugin's HTTP routes through TensorBoard's own WSGI app, over logdirs written by our writers."""

import json

import numpy as np
import pytest
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider as mux_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug import test as wtest

from tb_confusion import assets, plugin
from tb_confusion.events import EventWriter
from tb_confusion.summary import predictions_pb

PREFIX = "/data/plugin/tb_confusion"
EVIL = "<img src=x onerror=alert(1)>"
STEPS = (0, 1, 2)


def _binary(rng, n=200):
    labels = rng.integers(0, 2, n)
    scores = np.clip(labels * 0.3 + rng.random(n) * 0.7, 0, 1).astype(np.float32)
    return labels, scores


def _multiclass(rng, n=300, c=4):
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 2.0 * np.eye(c)[labels]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return labels, p.astype(np.float32)


def _multilabel(rng, n=150, c=3):
    labels = (rng.random((n, c)) < 0.4).astype(int)
    p = np.clip(labels * 0.35 + rng.random((n, c)) * 0.65, 0, 1).astype(np.float32)
    return labels, p


def write_logdir(root):
    """runs train/validation with a binary, a multiclass (weighted, with ids) and a multilabel tag."""
    rng = np.random.default_rng(7)
    for run in ("train", "validation"):
        with EventWriter(str(root / run)) as writer:
            for step in STEPS:
                y, p = _binary(rng)
                writer.add_summary(predictions_pb("binary", y, p, class_names=["cat", "dog"]), step)
                y, p = _multiclass(rng)
                w = rng.random(len(y)) + 0.5
                ids = [f"img_{step}_{i}" for i in range(len(y))]
                writer.add_summary(
                    predictions_pb("digits", y, p, class_names=["a", "b", "c", EVIL], example_ids=ids,
                                   sample_weight=w, description="four classes"),
                    step,
                )
                y, p = _multilabel(rng)
                writer.add_summary(predictions_pb("tags", y, p, task="multilabel"), step)
    return root


def make_client(logdir, static_root=None):
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"tb_confusion": 0})
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = mux_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    context = base_plugin.TBContext(data_provider=provider, logdir=str(logdir), sampling_hints={})
    instance = plugin.ConfusionPlugin(context, static_root=static_root)
    return wtest.Client(application.TensorBoardWSGI([instance], data_provider=provider))


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_logdir(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def client(logdir):
    return make_client(logdir)


def get(client, route, **params):
    response = client.get(f"{PREFIX}/{route}", query_string=params)
    body = response.get_data()
    assert response.headers["Content-Type"].startswith("application/json"), (route, response.status)
    return response.status_code, json.loads(body)


def ok(client, route, **params):
    status, body = get(client, route, **params)
    assert status == 200, body
    return body


def error(client, route, status, **params):
    code, body = get(client, route, **params)
    assert code == status, (code, body)
    assert set(body) == {"error"} and isinstance(body["error"], str)
    return body["error"]


# -- loader and plugin ---------------------------------------------------------------------------------


class _Flags:
    def __init__(self, samples_per_plugin):
        self.samples_per_plugin = samples_per_plugin


@pytest.mark.parametrize(
    "hints, expected",
    [({}, {"tb_confusion": 0}), ({"tb_confusion": 5}, {"tb_confusion": 5}),
     ({"images": 3}, {"images": 3, "tb_confusion": 0})],
)
def test_loader_keeps_every_step_unless_the_user_says_otherwise(hints, expected):
    flags = _Flags(dict(hints))
    plugin.ConfusionLoader().fix_flags(flags)
    assert flags.samples_per_plugin == expected


def test_loader_leaves_an_unparsed_flag_alone():
    flags = _Flags("images=3")
    plugin.ConfusionLoader().fix_flags(flags)
    assert flags.samples_per_plugin == "images=3"


def test_frontend_metadata_and_activity(logdir):
    context = base_plugin.TBContext(data_provider=None, sampling_hints=None)
    instance = plugin.ConfusionLoader().load(context)
    assert instance.plugin_name == "tb_confusion"
    assert instance.is_active() is False
    assert instance.frontend_metadata().es_module_path == "/index.js"
    assert instance.frontend_metadata().tab_name == "Confusion"
    assert {"/index.js", "/static/*", "/tags", "/steps"} <= set(instance.get_plugin_apps())


# -- tags and steps ------------------------------------------------------------------------------------


def test_tags_lists_every_run_and_tag(client):
    tags = ok(client, "tags")
    assert set(tags) == {"train", "validation"}
    digits = tags["validation"]["digits"]
    assert digits == {
        "task": "multiclass", "class_names": ["a", "b", "c", EVIL], "num_classes": 4,
        "num_steps": 3, "max_step": 2, "description": "four classes",
    }
    assert tags["train"]["binary"]["task"] == "binary"
    assert tags["train"]["binary"]["class_names"] == ["cat", "dog"]
    assert tags["train"]["tags"]["task"] == "multilabel"


def test_steps_are_ascending_with_wall_times(client):
    steps = ok(client, "steps", run="train", tag="digits")
    assert [s["step"] for s in steps] == list(STEPS)
    assert all(isinstance(s["wall_time"], float) for s in steps)


@pytest.mark.parametrize("params, name", [({"tag": "digits"}, "run"), ({"run": "train"}, "tag"),
                                          ({"run": "", "tag": "digits"}, "run")])
def test_steps_without_run_or_tag_is_400_naming_it(client, params, name):
    assert f"'{name}'" in error(client, "steps", 400, **params)


@pytest.mark.parametrize("params", [{"run": "nope", "tag": "digits"}, {"run": "train", "tag": "nope"}])
def test_steps_of_unknown_run_or_tag_is_404(client, params):
    error(client, "steps", 404, **params)


def test_post_is_405_json(client):
    response = client.post(f"{PREFIX}/tags")
    assert response.status_code == 405 and "error" in json.loads(response.get_data())


def test_json_is_gzipped_when_accepted(client):
    response = client.get(f"{PREFIX}/tags", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    # small bodies are not worth compressing; the header must agree with the body either way
    import gzip

    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert "validation" in json.loads(body)


# -- static files --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_client(logdir, tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    (root / "index.js").write_text("export function render() {}\n")
    (root / "style.css").write_text("body { color: red }\n")
    (root / "views").mkdir()
    (root / "views" / "matrix_view.js").write_text("export const x = 1;\n")
    (root / ".secret.js").write_text("secret\n")
    (root / "notes.txt").write_text("not served\n")
    (root.parent / "outside.js").write_text("outside\n")
    (root / "link.js").symlink_to(root.parent / "outside.js")
    return make_client(logdir, static_root=root)


@pytest.mark.parametrize(
    "path, content_type, text",
    [("index.js", "text/javascript", "render"), ("static/index.js", "text/javascript", "render"),
     ("static/style.css", "text/css", "color"), ("static/views/matrix_view.js", "text/javascript", "x = 1")],
)
def test_static_files_are_served_with_their_content_type(static_client, path, content_type, text):
    response = static_client.get(f"{PREFIX}/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert text in response.get_data(as_text=True)


UNSAFE_PATHS = [
    "../outside.js",
    "..%2Foutside.js",
    "%2e%2e/outside.js",
    "views/../../outside.js",
    "views/%2e%2e/%2e%2e/outside.js",
    "..\\outside.js",
    "views\\..\\index.js",
    "/etc/passwd",
    "//etc/passwd",
    "%2Fetc%2Fpasswd",
    "./index.js",
    "views//matrix_view.js",
    ".secret.js",
    "index.js%00.css",
    "notes.txt",
    "link.js",
    "views",
    "",
    "C:/Windows/win.ini",
    "c:index.js",
]


@pytest.mark.parametrize("path", UNSAFE_PATHS)
def test_unsafe_static_paths_are_404(static_client, path):
    response = static_client.get(f"{PREFIX}/static/{path}")
    assert response.status_code == 404, path
    assert "outside" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", UNSAFE_PATHS)
def test_resolve_rejects_unsafe_paths(tmp_path, path):
    from urllib.parse import unquote

    (tmp_path / "index.js").write_text("")
    assert assets.resolve(tmp_path, unquote(path)) is None


def test_static_dir_is_the_package_static_or_the_checkout_frontend():
    root = assets.static_dir()
    assert root.name in ("static", "src") and root.is_dir()

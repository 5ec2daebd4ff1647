"""The plugin's HTTP routes through TensorBoard's own WSGI app, over logdirs written by our writers."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider as mux_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug import test as wtest

import tb_confusion as tbc
from tb_confusion.server import assets, json_http, memory, packed, panel_data, plugin
from tb_confusion.tasks import panel_parts
from tb_confusion.storage import metadata
from tb_confusion.report import build_report
from tb_confusion.storage.events import EventWriter
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
    """runs train/validation with binary, multiclass (weighted, with ids), multilabel and binary-softmax
    (float16, weighted) tags."""
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
                y, p = _binary(rng, 120)  # softmax pairs, float16, weighted
                pair = np.stack([1 - p, p], axis=1)
                writer.add_summary(predictions_pb("pair", y, pair, dtype="float16",
                                                  sample_weight=rng.random(len(y)) + 0.1), step)
    return root


def make_client(logdir, static_root=None):
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"tb_confusion": 0})
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = mux_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    context = base_plugin.TBContext(data_provider=provider, logdir=str(logdir), sampling_hints={})
    instance = plugin.ConfusionPlugin(context, static_root=static_root)
    client = wtest.Client(application.TensorBoardWSGI([instance], data_provider=provider))
    client.plugin = instance
    return client


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
    return response.status_code, packed.unpack(json.loads(body))


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
    def __init__(self, samples_per_plugin, tb_confusion_cache_mb=plugin.DEFAULT_CACHE_MB):
        self.samples_per_plugin = samples_per_plugin
        self.tb_confusion_cache_mb = tb_confusion_cache_mb


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


def test_a_negative_cache_size_is_a_flags_error():
    with pytest.raises(base_plugin.FlagsError, match="tb_confusion_cache_mb"):
        plugin.ConfusionLoader().fix_flags(_Flags({}, tb_confusion_cache_mb=-1))


def test_the_cache_flag_bounds_the_cache():
    context = base_plugin.TBContext(data_provider=None, flags=_Flags({}, tb_confusion_cache_mb=3))
    instance = plugin.ConfusionLoader().load(context)
    assert sum(c.max_bytes for c in instance._caches.values()) == 3 * 2**20


def test_the_plugin_fixes_glibcs_mmap_threshold_unless_the_user_set_it(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert memory.return_freed_arrays() is False
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    assert memory.return_freed_arrays() is True  # Debian's glibc has mallopt


def test_the_plugin_limits_glibcs_arenas_unless_the_user_set_it(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.limit_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert memory.limit_arenas() is True


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
        "task": "multiclass", "class_names": ["a", "b", "c", EVIL], "num_classes": 4, "class_groups": [],
        "num_steps": 3, "max_step": 2, "description": "four classes", "has_media": False,
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


def test_index_is_the_bundle_only_while_it_was_built_from_the_modules_served(logdir, tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    index = "export {render} from './static/app.js';\n"
    (root / "index.js").write_text(index)
    (root / "app.js").write_text("export function render() {}\n")
    client = make_client(logdir, static_root=root)

    def served():
        response = client.get(f"{PREFIX}/index.js")
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/javascript")
        return response.get_data(as_text=True)

    assert served() == index  # never bundled
    bundle = assets.bundle_banner(assets.sources_digest(root)) + "\nexport function render() {} // bundled\n"
    (root / assets.BUNDLE).write_text(bundle)
    assert served() == bundle
    (root / ".bundle-partial.js").write_text("a bundle being written\n")  # hidden: not a module
    assert served() == bundle
    (root / "app.js").write_text("export function render() { return 1; }\n")  # edited after bundling
    assert served() == index
    (root / assets.BUNDLE).write_text(assets.bundle_banner(assets.sources_digest(root)) + "\n// rebuilt\n")
    assert served().endswith("// rebuilt\n")
    (root / "extra.js").write_text("export const x = 1;\n")  # a module added after bundling
    assert served() == index
    (root / assets.BUNDLE).write_text("// not a bundle banner\n")
    assert served() == index


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


# -- report ---------------------------------------------------------------------------------------------


def _expected_report(logdir, run, tag, step, **options):
    """What `tb-confusion report --format json` says: build_report on the reader's Record."""
    (record,) = tbc.read(str(logdir), run=run, tag=tag, step=step)
    return json.loads(json_http.json_bytes(build_report(record, **options)))


@pytest.mark.parametrize(
    "tag, params, options",
    [("binary", {}, {}),
     ("binary", {"threshold": "0.3"}, {"threshold": 0.3}),
     ("binary", {"threshold": "0.7", "curves": "1", "cost_fp": "2", "cost_fn": "0.5"},
      {"threshold": 0.7, "curves": True, "cost_fp": 2.0, "cost_fn": 0.5}),
     ("digits", {}, {}),
     ("digits", {"cutoff": "0.6", "curves": "1"}, {"cutoff": 0.6, "curves": True}),
     ("tags", {"thresholds": "0.2,0.5,0.8"}, {"thresholds": [0.2, 0.5, 0.8]}),
     ("tags", {"threshold": "0.4"}, {"threshold": 0.4}),
     ("pair", {"threshold": "0.45", "curves": "1"}, {"threshold": 0.45, "curves": True})],
)
def test_report_is_build_report_of_the_step(client, logdir, tag, params, options):
    got = ok(client, "report", run="validation", tag=tag, step="1", **params)
    assert got == _expected_report(logdir, "validation", tag, 1, **options)


def test_report_latest_is_the_last_step(client):
    latest = ok(client, "report", run="train", tag="digits", step="latest")
    assert latest == ok(client, "report", run="train", tag="digits", step=str(STEPS[-1]))
    assert latest["step"] == STEPS[-1]
    assert ok(client, "report", run="train", tag="digits") == latest  # step defaults to latest


def test_report_is_cached_after_the_first_request(logdir):
    c = make_client(logdir)
    first = ok(c, "report", run="train", tag="binary", step="0", threshold="0.25")
    hits = c.plugin._answers.hits
    assert ok(c, "report", run="train", tag="binary", step="0", threshold="0.25") == first
    assert c.plugin._answers.hits == hits + 1


# -- stats ----------------------------------------------------------------------------------------------


def _binary_counts_at(binary, threshold):
    """The browser's lookup (frontend/src/lookups.js) in Python: counts with score >= threshold."""
    thresholds = np.asarray(binary["thresholds"])
    k = int(np.sum(thresholds >= threshold))
    tp = binary["tps"][k - 1] if k else 0
    fp = binary["fps"][k - 1] if k else 0
    return [[binary["negatives"] - fp, fp], [binary["positives"] - tp, tp]]


def _multiclass_matrix_at(stats, cutoff):
    mc, c = stats["multiclass"], len(stats["class_names"])
    offsets, scores, cum = mc["cell_offsets"], np.asarray(mc["top_scores"]), mc["cum_weights"]
    matrix = np.zeros((c, c + 1))
    for cell in range(c * c):
        start, stop = offsets[cell], offsets[cell + 1]
        first = start + int(np.searchsorted(scores[start:stop], cutoff, side="left"))
        if cum is None:
            kept = stop - first
        else:
            kept = (cum[stop - 1] - (cum[first - 1] if first > start else 0.0)) if first < stop else 0.0
        matrix[cell // c, cell % c] = kept
        matrix[cell // c, c] += mc["cell_totals"][cell] - kept
    return matrix


@pytest.mark.parametrize("tag", ["binary", "pair"])
@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.73, 1.0, "a stored score"])
def test_binary_stats_give_the_reports_matrix_at_any_threshold(client, logdir, tag, threshold):
    stats = ok(client, "stats", run="train", tag=tag, step="2")
    assert stats["task"] == "binary" and stats["exact"] is True and stats["weighted"] is (tag == "pair")
    binary = stats["binary"]
    assert binary["thresholds"] == sorted(binary["thresholds"], reverse=True)
    assert len(set(binary["thresholds"])) == len(binary["thresholds"])
    if tag == "binary":
        assert binary["positives"] + binary["negatives"] == stats["num_examples"]
    if threshold == "a stored score":
        threshold = binary["thresholds"][len(binary["thresholds"]) // 3]
    expected = _expected_report(logdir, "train", tag, 2, threshold=threshold)
    np.testing.assert_allclose(_binary_counts_at(binary, threshold), expected["confusion_matrix"], atol=1e-9)
    assert stats["report"] == _without_matrix(_expected_report(logdir, "train", tag, 2))


def test_binary_softmax_examples_score_the_predicted_column(client, logdir):
    (record,) = tbc.read(str(logdir), run="train", tag="pair", step=1)
    page = ok(client, "examples", run="train", tag="pair", step="1", true="0", pred="1", threshold="0.3",
              limit="1000")
    for e in page["examples"]:
        assert record.probabilities[e["index"], 1] >= 0.3 and record.labels[e["index"]] == 0
        assert e["score"] == float(record.probabilities[e["index"], 1])
    assert page["total"] == int(((record.probabilities[:, 1] >= 0.3) & (record.labels == 0)).sum())


@pytest.mark.parametrize("cutoff", [0.3, 0.5, 0.8])
def test_multiclass_stats_give_the_reports_matrix_at_any_cutoff(client, logdir, cutoff):
    stats = ok(client, "stats", run="train", tag="digits", step="0")
    mc = stats["multiclass"]
    c = len(stats["class_names"])
    assert len(mc["cell_offsets"]) == c * c + 1 and mc["cell_offsets"][-1] == stats["num_examples"]
    assert len(mc["top_scores"]) == len(mc["cum_weights"]) == stats["num_examples"]
    for cell in range(c * c):  # ascending within each cell
        scores = mc["top_scores"][mc["cell_offsets"][cell]:mc["cell_offsets"][cell + 1]]
        assert scores == sorted(scores)
    expected = _expected_report(logdir, "train", "digits", 0, cutoff=cutoff)
    np.testing.assert_allclose(_multiclass_matrix_at(stats, cutoff), expected["confusion_matrix"], atol=1e-9)
    plain = _expected_report(logdir, "train", "digits", 0)
    np.testing.assert_allclose(np.reshape(mc["cell_totals"], (c, c)), plain["confusion_matrix"], atol=1e-9)
    assert stats["report"] == _without_matrix(plain)


def _without_matrix(report):
    """The report as `stats` embeds it: without the matrix, which the statistics give."""
    return {key: value for key, value in report.items() if key != "confusion_matrix"}


def test_multiclass_curves_come_one_class_at_a_time_with_areas(client, logdir):
    stats = ok(client, "stats", run="train", tag="digits", step="0")
    report = _expected_report(logdir, "train", "digits", 0, curves=True)
    assert "curves" not in stats and "curves" not in stats["report"]
    for k in range(4):
        answer = ok(client, "curves", run="train", tag="digits", step="0", **{"class": k})
        roc, pr = answer["roc"], answer["pr"]
        assert roc["fpr"] == report["curves"]["roc"][k]["fpr"] and pr["recall"] == report["curves"]["pr"][k]["recall"]
        assert roc["auc"] == report["metrics"]["roc_auc"]["per_class"][k]
        assert pr["average_precision"] == report["metrics"]["average_precision"]["per_class"][k]


@pytest.mark.parametrize("thresholds", [[0.5, 0.5, 0.5], [0.1, 0.45, 0.9]])
def test_multilabel_stats_give_each_labels_matrix(client, logdir, thresholds):
    stats = ok(client, "stats", run="validation", tag="tags", step="0")
    assert len(stats["labels"]) == 3
    expected = _expected_report(logdir, "validation", "tags", 0, thresholds=thresholds)
    for k, t in enumerate(thresholds):
        assert _binary_counts_at(stats["labels"][k], t) == expected["label_confusion_matrices"][k]


def test_large_statistics_are_thinned_and_marked_inexact(client, logdir, monkeypatch):
    exact = ok(make_client(logdir), "stats", run="train", tag="digits", step="1")
    monkeypatch.setattr(panel_parts, "MAX_EXACT_POINTS", 50)
    fresh = make_client(logdir)
    binary = ok(fresh, "stats", run="train", tag="binary", step="1")
    assert binary["exact"] is False and len(binary["binary"]["thresholds"]) <= 50
    assert binary["binary"]["tps"][-1] == binary["binary"]["positives"]
    mc = ok(fresh, "stats", run="train", tag="digits", step="1")
    assert mc["exact"] is False and len(mc["multiclass"]["top_scores"]) < mc["num_examples"]
    offsets, cum = mc["multiclass"]["cell_offsets"], mc["multiclass"]["cum_weights"]
    totals = [cum[offsets[i + 1] - 1] if offsets[i + 1] > offsets[i] else 0.0 for i in range(16)]
    np.testing.assert_allclose(totals, exact["multiclass"]["cell_totals"])


# -- examples -------------------------------------------------------------------------------------------


def test_binary_examples_fill_the_reports_cells_most_confident_first(client, logdir):
    report = _expected_report(logdir, "train", "binary", 0, threshold=0.4)
    for true in (0, 1):
        for pred in (0, 1):
            page = ok(client, "examples", run="train", tag="binary", step="0", true=str(true), pred=str(pred),
                      threshold="0.4", limit="1000")
            assert page["total"] == report["confusion_matrix"][true][pred] == len(page["examples"])
            scores = [e["score"] for e in page["examples"]]
            assert scores == sorted(scores, reverse=True)
            assert all(e["true"] == true and e["pred"] == pred for e in page["examples"])
            # score = probability of the predicted side: p >= 0.4 when positive, 1 - p > 0.6 when negative
            assert all(e["score"] >= 0.4 if pred else e["score"] > 0.6 for e in page["examples"])


def test_examples_are_paged_and_carry_ids(client):
    params = dict(run="validation", tag="digits", step="2", true="1", pred="1")
    whole = ok(client, "examples", **params, limit="1000")
    page = ok(client, "examples", **params, offset="3", limit="4")
    assert page["total"] == whole["total"] and page["offset"] == 3 and page["limit"] == 4
    assert page["examples"] == whole["examples"][3:7]
    assert page["examples"][0]["id"] == f"img_2_{page['examples'][0]['index']}"
    beyond = ok(client, "examples", **params, offset=str(whole["total"] + 5))
    assert beyond["examples"] == [] and beyond["total"] == whole["total"]


def test_multiclass_cells_and_the_below_cutoff_column(client, logdir):
    (record,) = tbc.read(str(logdir), run="train", tag="digits", step=0)
    p, labels = record.probabilities, record.labels
    top, argmax = p.max(axis=1), p.argmax(axis=1)
    for true in range(4):
        for pred in range(5):
            page = ok(client, "examples", run="train", tag="digits", step="0", true=str(true), pred=str(pred),
                      cutoff="0.7", limit="1000")
            in_cell = (labels == true) & ((top < 0.7) if pred == 4 else ((argmax == pred) & (top >= 0.7)))
            assert page["total"] == int(in_cell.sum())
            assert sorted(e["index"] for e in page["examples"]) == np.flatnonzero(in_cell).tolist()
            assert [e["score"] for e in page["examples"]] == sorted(top[in_cell].astype(float), reverse=True)


def test_multilabel_examples_use_the_label(client, logdir):
    report = _expected_report(logdir, "validation", "tags", 1, threshold=0.3)
    matrices = report["label_confusion_matrices"]
    for k in range(3):
        page = ok(client, "examples", run="validation", tag="tags", step="1", label=str(k), true="0",
                  pred="1",
                  threshold="0.3", limit="1")
        assert page["total"] == matrices[k][0][1]


# -- epochs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag, params, options",
    [("binary", {"threshold": "0.3"}, {"threshold": 0.3}),
     ("digits", {"cutoff": "0.5"}, {"cutoff": 0.5}),
     ("tags", {"thresholds": "0.3,0.4,0.5"}, {"thresholds": [0.3, 0.4, 0.5]})],
)
def test_epochs_give_every_steps_metrics_at_the_threshold(client, logdir, tag, params, options):
    epochs = ok(client, "epochs", run="train", tag=tag, **params)
    assert [e["step"] for e in epochs] == list(STEPS)
    for entry in epochs:
        report = _expected_report(logdir, "train", tag, entry["step"], **options)
        assert set(entry["metrics"]) == set(panel_data.EPOCH_METRICS)
        expected = panel_data.epoch_metrics(report)
        if report["weighted"]:  # weighted counts are summed in another order than the report's
            expected = {k: v if v is None else pytest.approx(v, rel=1e-12, abs=1e-15) for k, v in expected.items()}
        assert entry["metrics"] == expected
    if tag == "binary":
        assert epochs[0]["metrics"]["f1"] == report_f1(logdir, tag, 0.3)


def report_f1(logdir, tag, threshold):
    return _expected_report(logdir, "train", tag, 0, threshold=threshold)["metrics"]["f1"]["binary"]


# -- bad requests ---------------------------------------------------------------------------------------

BASE = {"run": "train", "tag": "binary", "step": "0"}
BAD_NUMBERS = ["abc", "nan", "NaN", "inf", "-0.1", "1.5", "", "0.5.5", "<script>alert(1)</script>"]


@pytest.mark.parametrize("route", ["report", "stats", "examples", "steps", "epochs"])
@pytest.mark.parametrize("missing", ["run", "tag"])
def test_missing_run_or_tag_is_400(client, route, missing):
    params = {k: v for k, v in BASE.items() if k != missing}
    assert f"'{missing}'" in error(client, route, 400, **params, true="0", pred="0")


@pytest.mark.parametrize("route", ["report", "stats", "examples", "epochs"])
@pytest.mark.parametrize("unknown", [{"run": "nope"}, {"tag": "nope"}, {"step": "99"}])
def test_unknown_run_tag_or_step_is_404(client, route, unknown):
    if route == "epochs" and "step" in unknown:
        return
    message = error(client, route, 404, **{**BASE, **unknown}, true="0", pred="0")
    assert "nope" in message or "99" in message


@pytest.mark.parametrize("route, name", [
    ("report", "threshold"), ("report", "cutoff"), ("report", "thresholds"), ("report", "cost_fp"),
    ("report", "cost_fn"), ("examples", "threshold"), ("examples", "cutoff"), ("epochs", "threshold"),
    ("epochs", "cutoff"), ("epochs", "thresholds"),
])
@pytest.mark.parametrize("value", [v for v in BAD_NUMBERS if v])
def test_bad_numbers_are_400_naming_the_parameter_and_echoing_the_value(client, route, name, value):
    if name.startswith("cost") and value in ("1.5",):
        return  # costs are not bounded above
    params = {**BASE, "true": "0", "pred": "0", name: value}
    if name == "thresholds":
        params["tag"] = "tags"
    message = error(client, route, 400, **params)
    assert f"'{name}'" in message
    assert json.dumps(value) in message


@pytest.mark.parametrize("params, name", [
    ({"step": "first"}, "step"), ({"step": "1.5"}, "step"), ({"step": "-1"}, "step"),
    ({"curves": "yes"}, "curves"), ({"tag": "tags", "thresholds": "0.5,0.5"}, "thresholds"),
    ({"thresholds": "0.5,0.5"}, "thresholds"), ({"tag": "tags", "thresholds": "0.1,,0.3"}, "thresholds"),
])
def test_bad_report_parameters_are_400(client, params, name):
    assert f"'{name}'" in error(client, "report", 400, **{**BASE, **params})


@pytest.mark.parametrize("params, name", [
    ({"true": "2", "pred": "0"}, "true"), ({"true": "0", "pred": "2"}, "pred"), ({"pred": "0"}, "true"),
    ({"true": "0"}, "pred"), ({"true": "x", "pred": "0"}, "true"),
    ({"true": "0", "pred": "0", "limit": "0"}, "limit"),
    ({"true": "0", "pred": "0", "limit": "100000"}, "limit"),
    ({"true": "0", "pred": "0", "offset": "-3"}, "offset"),
    ({"tag": "digits", "true": "4", "pred": "0"}, "true"),
    ({"tag": "digits", "true": "0", "pred": "5"}, "pred"),
    ({"tag": "tags", "true": "0", "pred": "0"}, "label"),
    ({"tag": "tags", "true": "0", "pred": "0", "label": "3"}, "label"),
])
def test_bad_examples_parameters_are_400(client, params, name):
    assert f"'{name}'" in error(client, "examples", 400, **{**BASE, **params})


def test_error_bodies_are_json_text_never_html(client):
    response = client.get(f"{PREFIX}/report", query_string={**BASE, "threshold": EVIL})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.get_data())["error"].endswith(f"got {json.dumps(EVIL)}")


PARAMETERS = ["run", "tag", "step", "threshold", "cutoff", "thresholds", "curves", "cost_fp", "cost_fn",
              "true", "pred", "label", "offset", "limit"]
VALUES = ["train", "binary", "digits", "tags", "0", "1", "2", "latest", "0.5", "1e-3", "0,1,0.5", "-0",
          "1e400"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(PARAMETERS), st.one_of(st.text(max_size=12), st.sampled_from(VALUES))),
       st.sampled_from(["report", "stats", "examples", "epochs", "steps", "tags"]))
def test_no_query_gives_a_500(client, params, route):
    response = client.get(f"{PREFIX}/{route}", query_string=params)
    assert response.status_code in (200, 400, 404), (params, response.get_data()[:300])
    json.loads(response.get_data())


# -- unreadable data ------------------------------------------------------------------------------------


def test_newer_format_is_reported_not_crashed(tmp_path):
    summary = predictions_pb("future", [0, 1, 1], [0.2, 0.7, 0.9])
    value = summary.value[0]
    plugin_data = metadata.parse_plugin_data(value.metadata.plugin_data.content)
    plugin_data.version = metadata.FORMAT_VERSION + 1
    value.metadata.plugin_data.content = plugin_data.SerializeToString()
    with EventWriter(str(tmp_path / "run")) as writer:
        writer.add_summary(summary, 0)
    c = make_client(tmp_path)
    tags = ok(c, "tags")
    assert "upgrade" in tags["run"]["future"]["error"]
    assert "upgrade" in error(c, "report", 422, run="run", tag="future", step="0")


def test_corrupt_payload_is_422(tmp_path):
    summary = predictions_pb("broken", [0, 1, 1], [0.2, 0.7, 0.9])
    summary.value[0].tensor.string_val[0] = b"\x00garbage"
    with EventWriter(str(tmp_path / "run")) as writer:
        writer.add_summary(summary, 0)
    c = make_client(tmp_path)
    assert "step 0" in error(c, "report", 422, run="run", tag="broken", step="0")
    epochs = ok(c, "epochs", run="run", tag="broken")
    assert epochs[0]["metrics"] is None and epochs[0]["error"]


def test_a_restart_with_other_classes_is_422_for_that_step_only(tmp_path):
    rng = np.random.default_rng(3)
    with EventWriter(str(tmp_path / "run")) as writer:  # the tag's first step fixes 3 classes
        writer.add_summary(predictions_pb("digits", rng.integers(0, 3, 20), rng.dirichlet(np.ones(3), 20)), 0)
        writer.add_summary(predictions_pb("digits", rng.integers(0, 4, 20), rng.dirichlet(np.ones(4), 20)), 1)
    c = make_client(tmp_path)
    assert ok(c, "report", run="run", tag="digits", step="0")["num_examples"] == 20
    assert "does not match its tag" in error(c, "report", 422, run="run", tag="digits", step="1")
    assert "does not match its tag" in error(c, "stats", 422, run="run", tag="digits", step="1")
    epochs = ok(c, "epochs", run="run", tag="digits")
    assert epochs[0]["metrics"] is not None and epochs[1]["metrics"] is None
    assert "does not match its tag" in epochs[1]["error"]


@pytest.mark.parametrize("tag, params, argv", [
    ("binary", {"threshold": "0.35"}, ["--threshold", "0.35"]),
    ("digits", {"cutoff": "0.5", "curves": "1"}, ["--cutoff", "0.5", "--curves"]),
    ("tags", {"thresholds": "0.2,0.4,0.6"}, ["--thresholds", "0.2,0.4,0.6"]),
])
def test_report_equals_the_cli_json_entry(client, logdir, capsys, tag, params, argv):
    from tb_confusion import cli

    assert cli.main(["report", str(logdir), "--run", "validation", "--tag", tag, "--step", "2",
                     "--format", "json", *argv]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert ok(client, "report", run="validation", tag=tag, step="2", **params) == entry


def test_catalogue_route_serves_the_task_registry_and_the_metric_catalogue(client):
    from tb_confusion import catalogue, tasks

    body = ok(client, "catalogue")
    assert body == json.loads(json.dumps({"tasks": tasks.describe(), **catalogue.describe()}))
    assert [t["name"] for t in body["tasks"]] == list(tasks.NAMES)
    headline = [m["key"] for m in body["metrics"] if m["headline"]]
    assert headline == list(panel_data.EPOCH_METRICS)
    # every headline metric of the epochs route is one the catalogue lists, for the tag's task
    for entry in ok(client, "epochs", run="train", tag="digits"):
        assert list(entry["metrics"]) == headline

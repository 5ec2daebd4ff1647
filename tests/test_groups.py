"""Class groups (super-classes): written with the tag by the real writers, read back and checked, and the grouped
matrix and metrics (tb_confusion.groups) equal to scikit-learn's on labels mapped to groups."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

import tb_confusion as tbc
from _metrics_cases import close
from hostile import steps as hostile_steps, summary as hostile_summary
from test_cli import run as _cli  # `tb-confusion report ARGS...` in a process: (status, stdout, stderr)
from tb_confusion import errors, groups
from tb_confusion.report import build_report
from tb_confusion.statistics import Statistics
from tb_confusion.storage import _proto, metadata, payload
from tb_confusion.storage.events import EventWriter

NAMES = ["cat", "dog", "wolf", "trout", "shark"]
GROUPS = ["mammal", "mammal", "mammal", "fish", "fish"]


def _decoded(pb):
    value = pb.value[0]
    plugin_data = metadata.parse_plugin_data(value.metadata.plugin_data.content)
    return plugin_data, payload.decode(value.tensor.string_val[0], plugin_data, run="r", tag="t", step=0)


def _mapped(labels, probabilities, class_groups, cutoff):
    """(true group, predicted group) per example the way the contract defines them: the group of the argmax class,
    or G ("below cutoff") when the top probability (in float64) is below the cutoff."""
    names, index = groups.grouping(class_groups)
    p = np.asarray(probabilities)
    predicted = index[p.argmax(axis=1)]
    if cutoff is not None:
        predicted = np.where(p.max(axis=1).astype(np.float64) < cutoff, len(names), predicted)
    return index[np.asarray(labels)], predicted, len(names)


def _check_against_sklearn(report, y_true, y_pred, g, weights, cutoff):
    labels = list(range(g))
    expected = sk.confusion_matrix(y_true, y_pred, labels=list(range(g + 1)), sample_weight=weights)
    expected = expected[:g, : g + (cutoff is not None)]
    assert np.allclose(np.asarray(report["confusion_matrix"], dtype=np.float64), expected, rtol=1e-9, atol=1e-9)
    if weights is None:
        assert np.array_equal(report["confusion_matrix"], expected)
    metrics = report["metrics"]
    close(metrics["accuracy"], sk.accuracy_score(y_true, y_pred, sample_weight=weights), "accuracy")
    for average in ("macro", "micro", "weighted"):
        p, r, f, _ = sk.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average,
                                                        sample_weight=weights, zero_division=0)
        close(metrics["precision"][average], p, f"precision.{average}")
        close(metrics["recall"][average], r, f"recall.{average}")
        close(metrics["f1"][average], f, f"f1.{average}")
    p, r, f, support = sk.precision_recall_fscore_support(y_true, y_pred, labels=labels, sample_weight=weights,
                                                          zero_division=0)
    for k in range(g):
        close(metrics["precision"]["per_class"][k], p[k], f"precision of group {k}")
        close(metrics["recall"]["per_class"][k], r[k], f"recall of group {k}")
        close(metrics["f1"]["per_class"][k], f[k], f"f1 of group {k}")
    if len(set(y_true)) > 1 or len(set(y_pred)) > 1:
        close(metrics["mcc"], sk.matthews_corrcoef(y_true, y_pred, sample_weight=weights), "mcc")


@st.composite
def grouped_steps(draw):
    c = draw(st.integers(3, 12))
    n = draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    labels = rng.integers(0, draw(st.integers(1, c)), n)  # some classes may have no example
    probabilities = rng.dirichlet(np.ones(c) * draw(st.sampled_from([0.2, 1.0, 5.0])), n)
    codes = rng.integers(0, draw(st.integers(1, c)), c)  # some groups of one class, one group of all, ...
    class_groups = [f"g{code}" for code in codes]
    weights = rng.random(n) * 3 if draw(st.booleans()) else None
    cutoff = draw(st.sampled_from([None, 0.0, 0.2, 0.35, 0.6, 1.0]))
    as_dict = draw(st.booleans())
    storage = draw(st.sampled_from(["exact", "compact"]))
    return labels, probabilities, class_groups, weights, cutoff, as_dict, storage


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=grouped_steps())
def test_grouped_numbers_equal_sklearn_on_labels_mapped_to_groups(case):
    labels, probabilities, class_groups, weights, cutoff, as_dict, storage = case
    names = [f"class {k}" for k in range(len(class_groups))]
    written = class_groups
    if as_dict:
        written = {}
        for name, group in zip(names, class_groups):
            written.setdefault(group, []).append(name)
    plugin_data, record = _decoded(tbc.summary.predictions_pb(
        "t", labels, probabilities, task="multiclass", class_names=names, class_groups=written,
        sample_weight=weights, storage=storage))
    assert list(plugin_data.class_groups) == class_groups  # a dict is stored as the per-class list
    stored = record.probabilities if storage == "exact" else probabilities.astype(np.float32)
    y_true, y_pred, g = _mapped(record.labels, stored, class_groups, cutoff)
    statistics = Statistics(record) if storage == "exact" else record
    report = groups.grouped_report(statistics, plugin_data.class_groups, cutoff=cutoff)
    assert report["class_names"] == groups.grouping(class_groups)[0]
    assert report["predicted_labels"][-1] == ("below cutoff" if cutoff is not None else report["class_names"][-1])
    _check_against_sklearn(report, y_true, y_pred, g, weights, cutoff)
    # the same numbers from the class report's matrix, and that matrix summed is the grouped one
    class_report = build_report(record, cutoff=cutoff)
    assert groups.grouped_report(class_report, class_groups) == {**report}
    assert np.isclose(np.sum(report["confusion_matrix"]), np.sum(class_report["confusion_matrix"]))


def test_groups_are_ordered_by_first_appearance_and_the_cutoff_column_stays_one():
    names, index = groups.grouping(["b", "a", "b", "c", "a"])
    assert names == ["b", "a", "c"] and index.tolist() == [0, 1, 0, 2, 1]
    matrix = np.arange(5 * 6).reshape(5, 6)  # 5 classes and a below-cutoff column
    grouped = groups.grouped_matrix(matrix, ["b", "a", "b", "c", "a"])
    assert grouped.shape == (3, 4) and grouped.dtype == matrix.dtype
    assert grouped[:, 3].tolist() == [5 + 17, 11 + 29, 23]  # below cutoff: rows summed, never merged
    assert grouped[0, 0] == matrix[np.ix_([0, 2], [0, 2])].sum()
    assert grouped[1, 2] == matrix[np.ix_([1, 4], [3])].sum()
    with pytest.raises(ValueError, match="class_groups has 4 entries"):
        groups.grouped_matrix(matrix, ["a", "b", "c", "d"])


def test_predicted_group_is_the_group_of_the_argmax_class_not_of_summed_probabilities():
    # classes 0, 1 in "x", class 2 in "y": the argmax is class 2 ("y") while "x" holds 0.6 of the probability
    probabilities = np.array([[0.3, 0.3, 0.4]])
    _, record = _decoded(tbc.summary.predictions_pb("t", [0], probabilities, class_groups=["x", "x", "y"]))
    report = groups.grouped_report(record, ["x", "x", "y"])
    assert report["confusion_matrix"] == [[0, 1], [0, 0]]
    assert report["metrics"]["accuracy"] == 0.0


# -- writers and readers -------------------------------------------------------------------------------------

def test_the_tag_keeps_its_groups_and_older_tags_have_none():
    y, p = np.array([0, 1, 2, 3, 4]), np.eye(5)
    plugin_data, _ = _decoded(tbc.summary.predictions_pb("t", y, p, class_names=NAMES, class_groups=GROUPS))
    assert list(plugin_data.class_groups) == GROUPS and plugin_data.version == metadata.EXACT_VERSION
    as_dict = {"fish": ["shark", "trout"], "mammal": ["wolf", "dog", "cat"]}
    plugin_data, _ = _decoded(tbc.summary.predictions_pb("t", y, p, class_names=NAMES, class_groups=as_dict))
    assert list(plugin_data.class_groups) == GROUPS  # stored per class whatever the dict's order
    plugin_data, _ = _decoded(tbc.summary.predictions_pb("t", y, p, class_names=NAMES))
    assert list(plugin_data.class_groups) == []
    # a reader that predates the field (a PluginData without field 7) reads the tag the same
    old = _proto.PluginData.FromString(metadata.create_summary_metadata(
        task="multiclass", class_names=NAMES, dtype="float32", class_groups=GROUPS).plugin_data.content)
    old.ClearField("class_groups")
    assert metadata.create_summary_metadata(task="multiclass", class_names=NAMES, dtype="float32") \
        .plugin_data.content == old.SerializeToString()


def test_the_collector_passes_class_groups_through():
    from tb_confusion.doors.collect import Collector

    collector = Collector()
    collector.add([0, 1], np.eye(5)[:2])
    collector.add([3, 4], np.eye(5)[3:])
    plugin_data, _ = _decoded(collector.summary_pb("t", class_names=NAMES, class_groups=GROUPS))
    assert list(plugin_data.class_groups) == GROUPS


_BAD = [
    (["a", "b"], "class_groups must have 5 entries.*got 2: \\['a', 'b'\\]"),
    (["a", "b", "", "c", "d"], "class_groups\\[2\\] \\(the group of class 'wolf'\\) must be non-empty.*''"),
    (["a", "b", "  ", "c", "d"], "class_groups\\[2\\].*'  '"),
    (["a", "b", 3, "c", "d"], "class_groups\\[2\\].*got 3"),
    ("mammal", "class_groups must be a sequence.*'mammal'"),
    (7, "class_groups must be a sequence.*got 7"),
    ({"mammal": ["cat", "dog", "wolf"], "fish": ["trout", "shark", "eel"]},
     "class_groups\\['fish'\\] names 'eel', which is not one of the class names"),
    ({"mammal": ["cat", "dog", "wolf", "trout"], "fish": ["trout", "shark"]},
     "class_groups puts class 'trout' in two groups: 'mammal' and 'fish'"),
    ({"mammal": ["cat", "dog", "wolf"], "fish": ["trout"]}, "every class in a group; 1 in none: \\['shark'\\]"),
    ({"mammal": ["cat", "dog", "wolf"], "fish": ["trout", "shark"], "bird": []}, "class_groups\\['bird'\\] holds no class"),
    ({"mammal": "cat dog wolf", "fish": ["trout", "shark"]}, "class_groups\\['mammal'\\] must be a list of class names"),
    ({"": NAMES}, "class_groups keys must be non-empty strings; got ''"),
]


@pytest.mark.parametrize("bad, message", _BAD)
def test_bad_class_groups_are_a_value_error_naming_them(bad, message):
    with pytest.raises(ValueError, match=message):
        tbc.summary.predictions_pb("t", [0, 1, 2, 3, 4], np.eye(5), class_names=NAMES, class_groups=bad)


@pytest.mark.parametrize("task, labels, probabilities", [
    ("binary", [0, 1], [0.2, 0.9]), ("multilabel", [[0, 1], [1, 1]], [[0.2, 0.9], [0.5, 0.5]])])
def test_class_groups_are_for_multiclass_tags_only(task, labels, probabilities):
    with pytest.raises(ValueError, match=f"class_groups apply to multiclass.*got task '{task}'"):
        tbc.summary.predictions_pb("t", labels, probabilities, task=task, class_groups=["a", "b"])


@pytest.mark.parametrize("groups_stored, task, message", [
    (["mammal"], "multiclass", "has 1 class_groups for 5 classes"),
    (["a", "b", "", "c", "d"], "multiclass", "empty class_groups name for class 2 \\('wolf'\\)"),
    (["a", "b", "c", "d", " "], "multiclass", "empty class_groups name for class 4"),
    (["a", "b"], "binary", "class_groups for a 'binary' tag"),
])
def test_stored_groups_that_do_not_fit_are_unreadable(tmp_path, groups_stored, task, message):
    names = NAMES if task == "multiclass" else NAMES[:2]
    content = _proto.PluginData(version=2, task=task, class_names=names, dtype="float32", num_classes=len(names),
                                class_groups=groups_stored).SerializeToString()
    with pytest.raises(errors.Unreadable, match=message):
        metadata.parse_plugin_data(content)
    # the offline reader (CLI) names the run and tag and skips the tag
    from tb_confusion.reading import offline

    good = tbc.summary.predictions_pb("good", [0, 1], np.eye(len(names))[:2], class_names=names)
    data = good.value[0].tensor.string_val[0]
    with EventWriter(str(tmp_path / "run")) as writer:
        writer.add_summary(hostile_summary("bad", content, data), 0)
        writer.add_summary(good, 0)
    found = []
    index = offline.scan(str(tmp_path), on_error=lambda run, tag, text: found.append((run, tag, text)))
    assert list(index["run"]) == ["good"]
    assert found[0][:2] == ("run", "bad") and "run 'run', tag 'bad'" in found[0][2] and message.split("\\")[0] in found[0][2]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(step=hostile_steps())
def test_a_hostile_tag_with_groups_is_unreadable_or_safe_to_group(step):
    content, data = step
    try:
        plugin_data = metadata.parse_plugin_data(content)
        record = payload.decode(data, plugin_data, run="r", tag="t", step=0)
    except errors.Unreadable:
        return
    if not plugin_data.class_groups:
        return
    assert plugin_data.task == "multiclass" and len(plugin_data.class_groups) == len(plugin_data.class_names)
    report = groups.grouped_report(Statistics(record), plugin_data.class_groups, cutoff=0.4)
    assert np.isclose(np.sum(report["confusion_matrix"]), np.sum(build_report(record, cutoff=0.4)["confusion_matrix"]))


def test_the_tags_route_lists_each_tags_groups(tmp_path):
    from test_plugin_routes import make_client, ok

    y, p = np.arange(5), np.eye(5)
    with EventWriter(str(tmp_path / "validation")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("animals", y, p, class_names=NAMES, class_groups=GROUPS), 0)
        # a restart that logs other groups: TensorBoard keeps the tag's first metadata, so the first groups stay
        writer.add_summary(tbc.summary.predictions_pb("animals", y, p, class_names=NAMES,
                                                      class_groups=["x"] * 5), 1)
        writer.add_summary(tbc.summary.predictions_pb("plain", y, p, class_names=NAMES), 0)
        writer.add_summary(tbc.summary.predictions_pb("yes_no", [0, 1], [0.2, 0.7]), 0)
    tags = ok(make_client(tmp_path), "tags")["validation"]
    assert tags["animals"]["class_groups"] == GROUPS and tags["animals"]["num_steps"] == 2
    assert tags["plain"]["class_groups"] == [] and tags["yes_no"]["class_groups"] == []


def test_the_keras_callback_takes_and_checks_class_groups(tmp_path):
    pytest.importorskip("tensorflow")
    from tb_confusion.keras import ConfusionMatrixCallback

    x, y = np.zeros((5, 2), np.float32), np.arange(5)
    with pytest.raises(ValueError, match="class_groups must have 5 entries"):
        ConfusionMatrixCallback(str(tmp_path), (x, y), class_names=NAMES, class_groups=["a"])
    with pytest.raises(ValueError, match="class_groups apply to multiclass.*'binary'"):
        ConfusionMatrixCallback(str(tmp_path), (x, y), task="binary", class_groups=["a", "b"])
    with pytest.raises(ValueError, match="class_groups apply to multiclass.*'segmentation'"):
        ConfusionMatrixCallback(str(tmp_path), (x, y), task="segmentation", class_groups=["a", "b"])
    with pytest.raises(ValueError, match="class_groups must be a sequence"):
        ConfusionMatrixCallback(str(tmp_path), (x, y), class_groups="mammal")
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="softmax")])
    callback = ConfusionMatrixCallback(str(tmp_path), (x, y), class_names=NAMES,
                                       class_groups={"mammal": NAMES[:3], "fish": NAMES[3:]})
    callback.set_model(model)
    callback.on_epoch_end(0)
    callback.on_train_end()
    from tb_confusion.reading import offline

    (series,) = offline.scan(str(tmp_path))["validation"].values()
    assert list(series.plugin_data.class_groups) == GROUPS


# -- CLI --------------------------------------------------------------------------------------------------------



@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("grouped")
    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 400)
    p = rng.dirichlet(np.ones(5), 400) * 0.5 + np.eye(5)[y] * 0.5
    w = rng.random(400) + 0.5
    with EventWriter(str(root / "validation")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("animals", y, p, class_names=NAMES, class_groups=GROUPS,
                                                      sample_weight=w), 0)
        writer.add_summary(tbc.summary.predictions_pb("plain", y, p, class_names=NAMES), 0)
    return root, y, p.astype(np.float32), w


def test_cli_groups_json_equals_sklearn_on_mapped_labels(logdir):
    root, y, p, w = logdir
    code, out, err = _cli(root, "--groups", "--cutoff", "0.5", "--format", "json")
    assert code == 0, err
    assert "run 'validation', tag 'plain' has no class groups; skipped" in err
    (report,) = json.loads(out)
    assert report["tag"] == "animals" and report["class_names"] == ["mammal", "fish"]
    assert report["grouped"] == {"class_names": NAMES, "class_groups": GROUPS}
    y_true, y_pred, g = _mapped(y, p, GROUPS, 0.5)
    _check_against_sklearn(report, y_true, y_pred, g, w, 0.5)


def test_cli_groups_table_csv_and_gate(logdir):
    root, y, p, w = logdir
    code, out, err = _cli(root, "--tag", "animals", "--groups")
    assert code == 0, err
    assert "grouped: 2 groups of 5 classes" in out
    assert "true \\ predicted" in out and "mammal" in out and "wolf" not in out
    code, out, _ = _cli(root, "--tag", "animals", "--groups", "--format", "csv")
    rows = [line.split(",") for line in out.splitlines()]
    accuracy = next(float(r[-1]) for r in rows if r[4] == "accuracy")
    y_true, y_pred, _ = _mapped(y, p, GROUPS, None)
    close(accuracy, sk.accuracy_score(y_true, y_pred, sample_weight=w), "csv accuracy")
    assert {r[5] for r in rows if r[4] == "precision"} >= {"mammal", "fish", "macro"}
    code, _, err = _cli(root, "--tag", "animals", "--groups", "--fail-under", "accuracy=1.01")
    assert code == 1 and "accuracy" in err


def test_cli_groups_without_any_grouped_tag_exits_2_naming_it(logdir):
    root = logdir[0]
    code, out, err = _cli(root, "--tag", "plain", "--groups")
    assert code == 2 and out == ""
    assert "--groups: no chosen tag has class groups" in err


def test_damaged_groups_are_a_422_naming_the_problem_never_a_500(tmp_path):
    from test_plugin_routes import get, make_client

    content = _proto.PluginData(version=2, task="multiclass", class_names=NAMES, dtype="float32", num_classes=5,
                                class_groups=["x"]).SerializeToString()
    good = tbc.summary.predictions_pb("bad", np.arange(5), np.eye(5), class_names=NAMES)
    with EventWriter(str(tmp_path / "run")) as writer:
        writer.add_summary(hostile_summary("bad", content, good.value[0].tensor.string_val[0]), 0)
    client = make_client(tmp_path)
    status, tags = get(client, "tags")
    assert status == 200 and tags["run"]["bad"]["task"] is None and tags["run"]["bad"]["class_groups"] == []
    assert "1 class_groups for 5 classes" in tags["run"]["bad"]["error"]
    for route in ("report", "stats", "examples"):
        status, body = get(client, route, run="run", tag="bad", step=0, true=0, pred=0)
        assert status == 422 and "1 class_groups for 5 classes" in body["error"], (route, status, body)

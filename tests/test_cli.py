"""`tb-confusion report` run as the installed console script on logdirs written by the real writers."""

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as sk

import tb_confusion as tbc
from _metrics_cases import close
from tb_confusion.storage.events import EventWriter
from tb_confusion.storage.metadata import FORMAT_VERSION

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")
NAMES = ["cat", "dog", "bird", "fish"]


def run(*args):
    result = subprocess.run([SCRIPT, "report", *map(str, args)], capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Two runs; multiclass, binary (weighted) and multilabel tags over three steps; arrays kept for checks."""
    root = tmp_path_factory.mktemp("logs")
    rng = np.random.default_rng(7)
    data = {}
    for run_name in ("train", "validation"):
        with EventWriter(str(root / run_name)) as writer:
            for step in range(3):
                y = rng.integers(0, 4, 300)
                p = rng.dirichlet(np.ones(4) * 0.5, 300) * 0.5 + np.eye(4)[y] * 0.5 * (step + 1) / 3
                p = p / p.sum(1, keepdims=True)
                writer.add_summary(tbc.summary.predictions_pb("digits", y, p, class_names=NAMES), step)
                yb = rng.integers(0, 2, 200)
                pb = np.clip(rng.normal(0.4 + 0.2 * yb, 0.2), 0, 1)
                w = rng.integers(1, 5, 200) / 2
                writer.add_summary(tbc.summary.predictions_pb("spam", yb, pb, task="binary", sample_weight=w,
                                                              class_names=["ham", "spam"]), step)
                ym = (rng.random((150, 3)) < 0.4).astype(np.uint8)
                pm = np.clip(ym * 0.3 + rng.random((150, 3)) * 0.7, 0, 1)
                writer.add_summary(tbc.summary.predictions_pb("tags", ym, pm, task="multilabel",
                                                              class_names=["a", "b", "c"]), step)
                data[run_name, step] = {
                    "digits": (y, p.astype(np.float32)), "spam": (yb, pb.astype(np.float32), w),
                    "tags": (ym, pm.astype(np.float32)),
                }
    return root, data


def _json(*args):
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_default_is_latest_step_of_every_run_and_tag(logdir):
    root, _ = logdir
    reports = _json(root)
    assert [(r["run"], r["tag"], r["step"]) for r in reports] == [
        (run_name, tag, 2) for run_name in ("train", "validation") for tag in ("digits", "spam", "tags")]


def test_json_numbers_equal_scikit_learn(logdir):
    root, data = logdir
    for report in _json(root, "--run", "validation", "--step", "all", "--cutoff", "0.4", "--threshold", "0.3"):
        arrays = data["validation", report["step"]][report["tag"]]
        if report["tag"] == "digits":
            y, p = arrays
            pred = np.where(p.max(1).astype(np.float64) < 0.4, -1, p.argmax(1))
            np.testing.assert_array_equal(report["confusion_matrix"],
                                          sk.confusion_matrix(y, pred, labels=[0, 1, 2, 3, -1])[:4])
            close(report["metrics"]["f1"]["macro"], sk.f1_score(y, pred, labels=range(4), average="macro"))
            close(report["metrics"]["cohen_kappa"], sk.cohen_kappa_score(y, pred))
            close(report["metrics"]["roc_auc"]["macro"], sk.roc_auc_score(y, p, multi_class="ovr"))
        elif report["tag"] == "spam":
            y, s, w = arrays
            pred = (s.astype(np.float64) >= 0.3).astype(int)
            assert report["threshold"] == 0.3 and report["weighted"]
            np.testing.assert_array_equal(report["confusion_matrix"], sk.confusion_matrix(y, pred, sample_weight=w))
            close(report["metrics"]["f1"]["binary"], sk.f1_score(y, pred, sample_weight=w))
            close(report["metrics"]["mcc"], sk.matthews_corrcoef(y, pred, sample_weight=w))
            close(report["metrics"]["roc_auc"]["binary"], sk.roc_auc_score(y, s, sample_weight=w))
        else:
            y, p = arrays
            pred = (p.astype(np.float64) >= 0.3).astype(int)
            np.testing.assert_array_equal(report["label_confusion_matrices"], sk.multilabel_confusion_matrix(y, pred))
            close(report["metrics"]["f1"]["micro"], sk.f1_score(y, pred, average="micro"))
            close(report["metrics"]["roc_auc"]["micro"], sk.roc_auc_score(y, p, average="micro"))


def test_one_step_of_one_tag(logdir):
    root, data = logdir
    (report,) = _json(root, "--run", "train", "--tag", "digits", "--step", 1)
    y, p = data["train", 1]["digits"]
    assert report["step"] == 1 and report["class_names"] == NAMES
    close(report["metrics"]["accuracy"], sk.accuracy_score(y, p.argmax(1)))


def test_fail_under_gates_exit_1_and_name_the_failures(logdir):
    root, _ = logdir
    code, _, err = run(root, "--tag", "digits", "--fail-under", "accuracy=0.0", "f1.macro=0.0")
    assert code == 0, err
    code, _, err = run(root, "--tag", "digits", "--step", 0, "--fail-under", "f1.macro=0.999", "--format", "json")
    assert code == 1
    assert "FAIL run 'train', tag 'digits', step 0: f1.macro =" in err and "< 0.999" in err
    code, _, err = run(root, "--tag", "spam", "--step", 0, "--fail-under", "recall.per_class.spam=1.01")
    assert code == 1 and "recall.per_class.spam" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--run", "test"], "run 'test' not found; runs with tb_confusion data: train, validation"),
        (["--tag", "nope"], "tag 'nope' not found in any run; tags: digits, spam, tags"),
        (["--run", "train", "--tag", "nope"], "tag 'nope' not found in run 'train'"),
        (["--step", "9"], "step 9 not found; steps: 0, 1, 2"),
        (["--fail-under", "nonsense.metric=1"], "--fail-under: no report has a metric 'nonsense.metric'"),
    ],
)
def test_missing_data_exits_2_with_a_clear_message(logdir, args, message):
    root, _ = logdir
    code, out, err = run(root, *args)
    assert code == 2 and out == ""
    assert message in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threshold", "1.5"], "--threshold must be a number in [0, 1]; got '1.5'"),
        (["--cutoff", "x"], "--cutoff must be a number in [0, 1]; got 'x'"),
        (["--step", "last"], "--step must be an integer, 'latest' or 'all'; got 'last'"),
        (["--fail-under", "f1.macro"], "--fail-under takes METRIC=VALUE, e.g. f1.macro=0.9; got 'f1.macro'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_bad_arguments_exit_2(logdir, args, message):
    root, _ = logdir
    code, _, err = run(root, *args)
    assert code == 2 and message in err


def test_missing_and_empty_logdirs_exit_2(tmp_path):
    code, _, err = run(tmp_path / "absent")
    assert code == 2 and "does not exist" in err
    code, _, err = run(tmp_path)
    assert code == 2 and "no tb_confusion data" in err


def test_csv_markdown_and_table_carry_the_same_numbers(logdir):
    root, _ = logdir
    (report,) = _json(root, "--run", "train", "--tag", "digits", "--step", 0)
    code, out, _ = run(root, "--run", "train", "--tag", "digits", "--step", 0, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    value = next(r["value"] for r in rows if r["metric"] == "f1" and r["average"] == "macro")
    assert float(value) == report["metrics"]["f1"]["macro"]
    cells = [r for r in rows if r["metric"] == "confusion_matrix"]
    assert [int(c["value"]) for c in cells] == [v for row in report["confusion_matrix"] for v in row]
    for fmt in ("markdown", "table"):
        code, out, _ = run(root, "--run", "train", "--tag", "digits", "--step", 0, "--format", fmt)
        assert code == 0
        assert f"{report['metrics']['f1']['macro']:.4f}" in out
        assert "bird" in out and "cohen_kappa" in out


def _write_newer_format_tag(directory):
    from tb_confusion.storage import _proto

    summary = tbc.summary.predictions_pb("future", [0, 1], [0.2, 0.8])
    content = _proto.PluginData.FromString(summary.value[0].metadata.plugin_data.content)
    content.version = FORMAT_VERSION + 1
    summary.value[0].metadata.plugin_data.content = content.SerializeToString()
    with EventWriter(str(directory)) as writer:
        writer.add_summary(summary, 0)


def test_a_newer_format_tag_is_skipped_with_a_warning_and_the_rest_reported(tmp_path):
    _write_newer_format_tag(tmp_path / "new")
    with EventWriter(str(tmp_path / "old")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("ok", [0, 1, 1], [0.2, 0.8, 0.4]), 0)
    code, out, err = run(tmp_path, "--format", "json")
    assert code == 0, err
    assert [(r["run"], r["tag"]) for r in json.loads(out)] == [("old", "ok")]
    assert "skipped run 'new', tag 'future'" in err and "upgrade tb_confusion" in err


def test_only_newer_format_data_exits_2_saying_upgrade(tmp_path):
    _write_newer_format_tag(tmp_path)
    code, out, err = run(tmp_path)
    assert code == 2 and out == ""
    assert f"format version {FORMAT_VERSION + 1}" in err and "upgrade tb_confusion" in err and "Traceback" not in err


def test_a_damaged_file_is_reported_and_what_came_before_is_kept(tmp_path):
    with EventWriter(str(tmp_path)) as writer:
        for step in range(3):
            writer.add_summary(tbc.summary.predictions_pb("p", [0, 1], [0.3, 0.6]), step)
    (path,) = tmp_path.glob("events.out.tfevents.*")
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # inside the last record
    path.write_bytes(bytes(data))
    code, out, err = run(tmp_path, "--step", "all", "--format", "json")
    assert code == 0, err
    assert [r["step"] for r in json.loads(out)] == [0, 1]
    assert "bad record checksum" in err and "Traceback" not in err


def test_thresholds_of_the_wrong_length_exit_2_naming_the_option(logdir):
    root, _ = logdir
    code, out, err = run(root, "--tag", "tags", "--thresholds", "0.3,0.5")
    assert code == 2 and out == ""
    assert "thresholds" in err and "got 2" in err


def test_an_option_a_tag_has_no_use_for_is_named_once_per_run_and_tag(logdir):
    root, _ = logdir
    code, out, err = run(root, "--tag", "digits", "--threshold", "0.3", "--format", "json")
    assert code == 0 and json.loads(out)
    warned = [line for line in err.splitlines() if "does not apply" in line]
    runs = {r["run"] for r in json.loads(out)}
    assert len(warned) == len(runs) and all("(multiclass: use --cutoff)" in line for line in warned)
    code, _, err = run(root, "--tag", "spam", "--cutoff", "0.3")
    assert code == 0 and "--cutoff does not apply" in err and "(binary: use --threshold)" in err
    code, _, err = run(root, "--tag", "digits", "--cutoff", "0.3")
    assert code == 0 and "does not apply" not in err


def test_a_logdir_after_fail_under_is_named_as_the_likely_mistake(logdir):
    root, _ = logdir
    result = subprocess.run([SCRIPT, "report", "--fail-under", "f1.macro=0.0", str(root)], capture_output=True,
                            text=True, timeout=120)
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 2 and out == ""
    assert f"got '{root}' (that looks like the logdir: put LOGDIR before --fail-under)" in err


def test_a_passing_gate_says_so(logdir):
    root, _ = logdir
    code, _, err = run(root, "--tag", "digits", "--step", 0, "--fail-under", "accuracy=0.0", "f1.macro=0.999")
    assert code == 1
    assert "PASS accuracy >= 0 in every report that has it" in err
    assert "PASS f1.macro" not in err and "FAIL" in err


def test_reports_come_in_the_panels_run_order(tmp_path):
    for name in ("test", "train", "validation", "extra"):
        with EventWriter(str(tmp_path / name)) as writer:
            writer.add_summary(tbc.summary.predictions_pb("p", np.array([0, 1]), np.array([0.2, 0.9], np.float32)), 0)
    code, out, _ = run(tmp_path, "--format", "json")
    assert code == 0 and [r["run"] for r in json.loads(out)] == ["train", "validation", "test", "extra"]


def _damaged_sibling(tmp_path):
    """A healthy run beside a run whose only file is damaged and a tag whose metadata is not a PluginData."""
    from hostile import summary

    with EventWriter(str(tmp_path / "healthy")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("p", [0, 1, 1], [0.2, 0.7, 0.9]), 0)
    with EventWriter(str(tmp_path / "damaged")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("p", [0, 1], [0.3, 0.6]), 0)
    (path,) = (tmp_path / "damaged").glob("events.out.tfevents.*")
    data = bytearray(path.read_bytes())
    data[30] ^= 0xFF
    path.write_bytes(bytes(data))
    with EventWriter(str(tmp_path / "foreign")) as writer:
        writer.add_summary(summary("q", b"\xff\xff\xff", b""), 0)
    return tmp_path


def test_damaged_runs_and_tags_are_named_and_skipped_and_strict_exits_2(tmp_path):
    root = _damaged_sibling(tmp_path)
    code, out, err = run(root, "--format", "json")
    assert code == 0 and [r["run"] for r in json.loads(out)] == ["healthy"]
    assert "run 'damaged'" in err and "run 'foreign', tag 'q'" in err and "Traceback" not in err
    code, out, err = run(root, "--format", "json", "--strict")
    assert code == 2 and out == "" and "--strict: 2 damaged part(s) skipped" in err


def test_read_of_one_run_reads_no_other_and_skips_damage_with_a_warning(tmp_path):
    import warnings

    from tb_confusion.errors import SkippedWarning, Unreadable

    root = _damaged_sibling(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sibling's damage must not even warn
        assert [r.run for r in tbc.read(str(root), run="healthy")] == ["healthy"]
    with pytest.warns(SkippedWarning, match="run 'damaged'"):
        assert [r.run for r in tbc.read(str(root))] == ["healthy"]
    with pytest.raises(Unreadable, match="bad|checksum|no complete record"):
        list(tbc.read(str(root), run="damaged", strict=True))

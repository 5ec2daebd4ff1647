"""`tb-confusion report --slice` and `tb-confusion slices`: numbers equal scikit-learn's on the slice, the
formats, and bad names and values exit 2 with a message naming them."""

import csv
import io
import json

import numpy as np
import pytest
from sklearn import metrics as skm

import tb_confusion as tbc
from tb_confusion import cli
from tb_confusion.events import EventWriter

N = 400


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("slices")
    rng = np.random.default_rng(5)
    steps = {}
    with EventWriter(str(root / "validation")) as writer:
        for step in range(2):
            labels = rng.integers(0, 3, N)
            probabilities = rng.dirichlet(np.ones(3), N).astype(np.float32)
            source = rng.choice(["web", "scan", "phone", "fax"], N, p=[0.5, 0.3, 0.15, 0.05])
            device = rng.integers(0, 3, N)
            writer.add_summary(tbc.summary.predictions_pb(
                "predictions", labels, probabilities, class_names=["cat", "dog", "eel"],
                attributes={"source": source, "device": device}), step)
            steps[step] = labels, probabilities, source, device
    with EventWriter(str(root / "plain")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("predictions", [0, 1, 1], [0.2, 0.7, 0.4]), 0)
    return str(root), steps


def _run(capsys, *argv):
    try:
        status = cli.main(list(argv))
    except SystemExit as exit:  # argparse's usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_report_of_a_slice_equals_scikit_learn_on_its_examples(logdir, capsys):
    root, steps = logdir
    status, out, err = _run(capsys, "report", root, "--run", "validation", "--slice", "source=web", "--slice",
                            "device=2", "--format", "json")
    assert status == 0, err
    (report,) = json.loads(out)
    labels, probabilities, source, device = steps[1]
    keep = (source == "web") & (device == 2)
    predicted = probabilities[keep].argmax(1)
    assert report["slice"] == {"source": "web", "device": "2"} and report["num_examples"] == keep.sum()
    assert report["confusion_matrix"] == skm.confusion_matrix(labels[keep], predicted, labels=range(3)).tolist()
    assert report["metrics"]["f1"]["macro"] == pytest.approx(
        skm.f1_score(labels[keep], predicted, average="macro", labels=range(3), zero_division=0))
    status, out, _ = _run(capsys, "report", root, "--run", "validation", "--slice", "source=fax")
    assert status == 0 and "| slice source=fax" in out.splitlines()[0]
    status, out, _ = _run(capsys, "report", root, "--run", "validation", "--slice", "source=fax", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["slice"] == "source=fax" and {r["run"] for r in rows} == {"validation"}


def test_report_without_a_slice_keeps_its_csv_columns(logdir, capsys):
    status, out, _ = _run(capsys, "report", logdir[0], "--run", "validation", "--format", "csv")
    assert status == 0 and out.splitlines()[0] == "run,tag,step,task,metric,average,value"


def test_slices_table_json_and_csv(logdir, capsys):
    root, steps = logdir
    labels, probabilities, source, _ = steps[1]
    status, out, err = _run(capsys, "slices", root, "--run", "validation", "--by", "source", "--metric", "f1.macro",
                            "--min-size", "40", "--format", "json")
    assert status == 0, err
    (table,) = json.loads(out)
    assert (table["run"], table["tag"], table["step"], table["attribute"]) == ("validation", "predictions", 1, "source")
    whole = skm.f1_score(labels, probabilities.argmax(1), average="macro")
    assert table["whole"]["metric_value"] == pytest.approx(whole) and table["whole"]["count"] == N
    for row in table["slices"]:
        keep = source == row["value"]
        value = skm.f1_score(labels[keep], probabilities[keep].argmax(1), average="macro", labels=range(3),
                             zero_division=0)
        assert row["metric_value"] == pytest.approx(value) and row["gap"] == pytest.approx(value - whole)
        assert row["count"] == keep.sum() and row["small"] == (keep.sum() < 40)
    assert [row["value"] for row in table["slices"] if row["small"]] == ["fax"]
    status, out, _ = _run(capsys, "slices", root, "--run", "validation", "--by", "source", "--min-size", "40")
    lines = out.splitlines()
    assert status == 0 and lines[2].split()[:2] == ["source", "examples"] and lines[3].startswith("(whole)")
    assert any(line.startswith("fax *") for line in lines) and "fewer than 40 examples" in out
    status, out, _ = _run(capsys, "slices", root, "--run", "validation", "--by", "device", "--slice", "source=web",
                          "--step", "all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["step"] for r in rows} == {"0", "1"} and {r["filter"] for r in rows} == {"source=web"}
    whole_rows = [r for r in rows if r["scope"] == "whole"]
    assert [int(r["examples"]) for r in whole_rows] == [(steps[s][2] == "web").sum() for s in (0, 1)]


@pytest.mark.parametrize("argv,message", [
    (["slices", "{root}", "--run", "validation", "--by", "sourc"],
     "attribute 'sourc' is not logged with this step; its attributes: 'source', 'device'"),
    (["slices", "{root}", "--run", "plain", "--by", "source"], "its attributes: none"),
    (["slices", "{root}", "--run", "validation", "--by", "source", "--metric", "f9"], "metric 'f9' is not in"),
    (["slices", "{root}", "--run", "validation", "--by", "source", "--min-size", "-3"], "--min-size must be an integer"),
    (["report", "{root}", "--run", "validation", "--slice", "source=tv"],
     "attribute 'source' has no value 'tv' in this step; its values: fax, phone, scan, web"),
    (["report", "{root}", "--run", "validation", "--slice", "sourceweb"], "--slice takes NAME=VALUE"),
    (["slices", "{root}", "--run", "nope", "--by", "source"], "run 'nope' not found"),
    (["report", "{root}", "--run", "validation", "--slice", "source=web", "--slice", "source=fax"],
     "step 1: the slice names attribute 'source' twice"),
])
def test_bad_arguments_exit_2_naming_them(logdir, capsys, argv, message):
    status, out, err = _run(capsys, *[a.replace("{root}", logdir[0]) for a in argv])
    assert status == 2 and message in err and out == ""


def test_a_compact_step_says_it_cannot_be_sliced(tmp_path, capsys):
    rng = np.random.default_rng(0)
    with EventWriter(str(tmp_path / "big")) as writer:
        writer.add_summary(tbc.summary.predictions_pb("predictions", rng.integers(0, 3, 50),
                                                      rng.dirichlet(np.ones(3), 50), storage="compact",
                                                      attributes={"source": ["a", "b"] * 25}), 0)
    status, _, err = _run(capsys, "slices", str(tmp_path), "--by", "source")
    assert status == 2 and "step 0: slices need every example's probabilities: this step is stored compact" in err


def test_slices_with_reports_gives_each_slice_its_matrix(logdir, capsys):
    root, steps = logdir
    labels, probabilities, source, _ = steps[1]
    status, out, err = _run(capsys, "slices", root, "--run", "validation", "--by", "source", "--reports",
                            "--format", "json")
    assert status == 0, err
    for row in json.loads(out)[0]["slices"]:
        keep = source == row["value"]
        expected = skm.confusion_matrix(labels[keep], probabilities[keep].argmax(1), labels=range(3))
        assert row["report"]["confusion_matrix"] == expected.tolist()
    status, out, _ = _run(capsys, "slices", root, "--run", "validation", "--by", "source", "--reports")
    titles = [line for line in out.splitlines() if line.startswith("run validation | tag predictions | step 1 |")]
    assert len(titles) == 5 and titles[1].endswith("| slice source=scan")  # the table's title, then one per slice
    status, _, err = _run(capsys, "slices", root, "--by", "source", "--reports", "--format", "csv")
    assert status == 2 and "--reports goes with --format table or json" in err

"""`tb-confusion log`: saved predictions (.npz, .npy, CSV, Parquet) imported, read back and reported.

Round trips compare what `tbc.read` returns with the arrays written to the files, and the report's matrix
with scikit-learn's; bad inputs must exit 2 with one line naming the file and the problem, writing nothing.
"""

import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix

import tb_confusion as tbc
from tb_confusion import cli, groups
from tb_confusion.report import build_report

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")


def log(*args):
    """`tb-confusion log ARGS` in this process: (exit status, stdout, stderr)."""
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main(["log", *map(str, args)])
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    finally:
        sys.stdout, sys.stderr = saved
    out.seek(0), err.seek(0)
    return code, out.read(), err.read()


def records(logdir, run="val", tag="predictions"):
    return list(tbc.read(str(logdir), run=run, tag=tag, strict=True))


def event_files(logdir):
    return [os.path.join(d, f) for d, _, files in os.walk(logdir) for f in files if "tfevents" in f]


def multiclass(seed, n=60, classes=4):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    probabilities = rng.dirichlet(np.ones(classes), n)
    return labels, probabilities


def write_csv(path, header, rows, opener=open):
    with opener(path, "wt", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def float_cells(row):
    return [repr(float(v)) for v in row]


def assert_multiclass_report(record, labels, probabilities, weights=None):
    expected = confusion_matrix(labels, probabilities.argmax(1), labels=range(probabilities.shape[1]),
                                sample_weight=weights)
    np.testing.assert_allclose(build_report(record)["confusion_matrix"], expected)


# ---- each format round-trips ----------------------------------------------------------------------------

def test_npz_with_ids_and_weights_round_trips(tmp_path):
    labels, probabilities = multiclass(0)
    ids = np.array([f"img_{i:03d}.png" for i in range(len(labels))])
    weights = np.random.default_rng(1).integers(1, 4, len(labels)) / 2
    np.savez(tmp_path / "val.npz", labels=labels, probabilities=probabilities, example_ids=ids, weights=weights)
    code, out, err = log("--logdir", tmp_path / "logs", "--run", "val", "--class-names", "a,b,c,d",
                         tmp_path / "val.npz")
    assert code == 0, err
    assert "wrote step 0: 60 examples to run 'val'" in out
    (record,) = records(tmp_path / "logs")
    np.testing.assert_array_equal(record.labels, labels)
    np.testing.assert_array_equal(record.probabilities, probabilities.astype(np.float32))
    np.testing.assert_array_equal(record.weights, weights)
    assert record.example_ids == ids.tolist() and record.class_names == ["a", "b", "c", "d"]
    assert_multiclass_report(record, labels, probabilities, weights)


def test_class_groups_are_stored_with_the_tag_and_group_the_matrix(tmp_path):
    labels, probabilities = multiclass(2)
    np.savez(tmp_path / "val.npz", labels=labels, probabilities=probabilities)
    code, _, err = log("--logdir", tmp_path / "logs", "--run", "val", "--class-names", "a,b,c,d",
                       "--class-groups", "x,x,y,y", tmp_path / "val.npz")
    assert code == 0, err
    (record,) = records(tmp_path / "logs")
    assert record.class_groups == ["x", "x", "y", "y"]
    group = np.array([0, 0, 1, 1])
    expected = confusion_matrix(group[labels], group[probabilities.argmax(1)], labels=[0, 1])
    np.testing.assert_array_equal(groups.grouped_report(record, record.class_groups)["confusion_matrix"], expected)


def test_class_groups_that_do_not_match_the_classes_are_refused_naming_them(tmp_path):
    labels, probabilities = multiclass(3)
    np.savez(tmp_path / "val.npz", labels=labels, probabilities=probabilities)
    code, _, err = log("--logdir", tmp_path / "logs", "--run", "val", "--class-names", "a,b,c,d",
                       "--class-groups", "x,y", tmp_path / "val.npz")
    assert code == 2 and "class_groups" in err and "val.npz" in err
    assert not event_files(tmp_path / "logs")  # nothing half-written
    code, _, err = log("--logdir", tmp_path / "logs", "--run", "val", "--class-groups", "x,,y", tmp_path / "val.npz")
    assert code == 2 and "--class-groups" in err


def test_npy_pairs_make_one_step_each_from_the_first_step(tmp_path):
    arrays = [multiclass(seed, n=30 + seed) for seed in range(2)]
    flags = {"--labels": [], "--probabilities": []}
    for k, (labels, probabilities) in enumerate(arrays):
        np.save(tmp_path / f"labels_{k}.npy", labels)
        np.save(tmp_path / f"probs_{k}.npy", probabilities)
        flags["--labels"].append(tmp_path / f"labels_{k}.npy")
        flags["--probabilities"].append(tmp_path / f"probs_{k}.npy")
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--step", 5, "--labels", *flags["--labels"],
                       "--probabilities", *flags["--probabilities"])
    assert code == 0, err
    got = records(tmp_path)
    assert [r.step for r in got] == [5, 6]
    for record, (labels, probabilities) in zip(got, arrays):
        np.testing.assert_array_equal(record.labels, labels)
        assert_multiclass_report(record, labels, probabilities)


def test_binary_csv_gz_with_named_columns(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 80)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1)
    rows = [[f"row{i}", int(y), repr(float(s)), 0.5 + i % 3] for i, (y, s) in enumerate(zip(labels, scores))]
    write_csv(tmp_path / "scores.csv.gz", ["key", "truth", "spam_score", "w"], rows, opener=gzip.open)
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--task", "binary", "--class-names", "ham,spam",
                       "--label-column", "truth", "--probability-columns", "spam_score", "--id-column", "key",
                       "--weight-column", "w", tmp_path / "scores.csv.gz")
    assert code == 0, err
    (record,) = records(tmp_path)
    np.testing.assert_array_equal(record.probabilities, scores.astype(np.float32))
    assert record.example_ids[:2] == ["row0", "row1"] and record.weights[:3].tolist() == [0.5, 1.5, 2.5]
    expected = confusion_matrix(labels, scores.astype(np.float32) >= 0.5, sample_weight=record.weights)
    np.testing.assert_allclose(build_report(record)["confusion_matrix"], expected)


def test_csv_prefix_names_the_classes_and_label_text_maps_to_them(tmp_path):
    labels, probabilities = multiclass(3, classes=3)
    names = ["cat", "dog", "bird"]
    rows = [[names[y], *float_cells(p)] for y, p in zip(labels, probabilities)]
    write_csv(tmp_path / "preds.csv", ["label", "p_cat", "p_dog", "p_bird"], rows)
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--probability-prefix", "p_", tmp_path / "preds.csv")
    assert code == 0, err
    (record,) = records(tmp_path)
    assert record.class_names == names
    np.testing.assert_array_equal(record.labels, labels)
    assert_multiclass_report(record, labels, probabilities)


def test_csv_step_column_gives_several_steps(tmp_path):
    rng = np.random.default_rng(4)
    steps = rng.permutation(np.repeat([0, 1, 4], 25))  # rows of the steps interleaved
    labels, probabilities = multiclass(4, n=len(steps), classes=3)
    rows = [[s, y, *float_cells(p)] for s, y, p in zip(steps, labels, probabilities)]
    write_csv(tmp_path / "all.csv", ["step", "y", "p0", "p1", "p2"], rows)
    code, out, err = log("--logdir", tmp_path, "--run", "val", "--label-column", "y", "--probability-prefix", "p",
                         tmp_path / "all.csv")
    assert code == 0, err
    assert "wrote steps 0, 1, 4: 75 examples" in out
    got = records(tmp_path)
    assert [r.step for r in got] == [0, 1, 4]
    for record in got:
        rows = steps == record.step
        np.testing.assert_array_equal(record.labels, labels[rows])
        assert_multiclass_report(record, labels[rows], probabilities[rows])


def test_step_from_name_sorts_the_files_by_their_number(tmp_path):
    arrays = {step: multiclass(step, n=20) for step in (10, 2)}
    for step, (labels, probabilities) in arrays.items():
        np.savez(tmp_path / f"epoch_{step:03d}.npz", labels=labels, probabilities=probabilities)
    code, _, err = log("--logdir", tmp_path / "logs", "--run", "val", "--step-from-name",
                       tmp_path / "epoch_010.npz", tmp_path / "epoch_002.npz")
    assert code == 0, err
    got = records(tmp_path / "logs")
    assert [r.step for r in got] == [2, 10]
    for record in got:
        np.testing.assert_array_equal(record.labels, arrays[record.step][0])


def test_parquet_multilabel_with_list_columns_and_steps_then_report(tmp_path):
    rng = np.random.default_rng(5)
    n, steps = 90, np.repeat([1, 2, 3], 30)
    labels = (rng.random((n, 3)) < 0.4).astype(np.int64)
    probabilities = np.clip(labels * 0.35 + rng.random((n, 3)) * 0.65, 0, 1)
    table = pa.table({"epoch": steps, "targets": list(labels), "scores": list(probabilities),
                      "id": [f"doc{i}" for i in range(n)]})
    pq.write_table(table, tmp_path / "preds.parquet")
    result = subprocess.run(
        [SCRIPT, "log", "--logdir", tmp_path / "logs", "--run", "val", "--task", "multilabel", "--step-column",
         "epoch", "--label-column", "targets", "--probability-columns", "scores", "--id-column", "id",
         "--class-names", "x,y,z", tmp_path / "preds.parquet"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    got = records(tmp_path / "logs")
    assert [r.step for r in got] == [1, 2, 3]
    np.testing.assert_array_equal(got[1].labels, labels[steps == 2])
    np.testing.assert_array_equal(got[1].probabilities, probabilities[steps == 2].astype(np.float32))
    assert got[2].example_ids[0] == "doc60"
    report = subprocess.run([SCRIPT, "report", tmp_path / "logs", "--step", "all", "--format", "json"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert report.returncode == 0, report.stderr
    for entry, step in zip(json.loads(report.stdout), (1, 2, 3)):
        rows = steps == step
        summed = multilabel_confusion_matrix(labels[rows], probabilities[rows].astype(np.float32) >= 0.5).sum(0)
        assert entry["step"] == step and entry["class_names"] == ["x", "y", "z"]
        np.testing.assert_array_equal(entry["confusion_matrix"], summed)


def test_npz_step_array_and_a_semicolon_text_file_by_input_format(tmp_path):
    labels, probabilities = multiclass(8, n=40, classes=3)
    steps = np.repeat([3, 7], 20)
    np.savez(tmp_path / "both.npz", labels=labels, probabilities=probabilities, step=steps)
    code, _, err = log("--logdir", tmp_path / "a", "--run", "val", tmp_path / "both.npz")
    assert code == 0, err
    got = records(tmp_path / "a")
    assert [r.step for r in got] == [3, 7]
    np.testing.assert_array_equal(got[1].labels, labels[20:])
    (tmp_path / "export.txt").write_text("y;s0;s1;s2\n" + "".join(
        f"{y};{';'.join(float_cells(p))}\n" for y, p in zip(labels, probabilities)))
    code, _, err = log("--logdir", tmp_path / "b", "--run", "val", "--input-format", "csv", "--delimiter", ";",
                       "--label-column", "y", "--probability-columns", "s0,s1,s2", "--step", 9,
                       tmp_path / "export.txt")
    assert code == 0, err
    (record,) = records(tmp_path / "b")
    assert record.step == 9
    assert_multiclass_report(record, labels, probabilities)


def test_logits_are_turned_into_probabilities(tmp_path):
    labels, probabilities = multiclass(6)
    np.savez(tmp_path / "logits.npz", labels=labels, probabilities=np.log(probabilities) + 3.0)
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--from-logits", "--dtype", "float16",
                       tmp_path / "logits.npz")
    assert code == 0, err
    (record,) = records(tmp_path)
    np.testing.assert_allclose(record.probabilities, probabilities, atol=1e-3)


# ---- randomized arrays through npz and CSV ----------------------------------------------------------------

@st.composite
def predictions(draw):
    n = draw(st.integers(1, 40))
    classes = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    probabilities = rng.dirichlet(np.full(classes, draw(st.sampled_from([0.1, 1.0, 10.0]))), n)
    weights = rng.integers(0, 5, n) / 4 if draw(st.booleans()) else None
    if weights is not None and not weights.any():  # scikit-learn, the reference, refuses all-zero weights
        weights[0] = 1.0
    return labels, probabilities, weights


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=predictions(), as_csv=st.booleans())
def test_random_predictions_round_trip(data, as_csv):
    labels, probabilities, weights = data
    task = "multiclass" if probabilities.shape[1] > 2 else "binary"
    with tempfile.TemporaryDirectory() as root:
        if as_csv:
            path = os.path.join(root, "p.csv")
            header = ["label"] + [f"p_{c}" for c in range(probabilities.shape[1])] + ["weight"] * (weights is not None)
            rows = [[y, *float_cells(p)] + ([repr(float(weights[i]))] if weights is not None else [])
                    for i, (y, p) in enumerate(zip(labels, probabilities))]
            write_csv(path, header, rows)
            extra = ["--probability-prefix", "p_"]
        else:
            path = os.path.join(root, "p.npz")
            arrays = {"labels": labels, "probabilities": probabilities}
            if weights is not None:
                arrays["weights"] = weights
            np.savez(path, **arrays)
            extra = []
        code, _, err = log("--logdir", root, "--run", "val", "--task", task, "--quiet", *extra, path)
        assert code == 0, err
        (record,) = records(root)
    np.testing.assert_array_equal(record.labels, labels)
    np.testing.assert_array_equal(record.probabilities, probabilities.astype(np.float32))
    if weights is None:
        assert record.weights is None
    else:
        np.testing.assert_array_equal(record.weights, weights)
    if task == "multiclass":
        assert_multiclass_report(record, labels, probabilities, weights)


# ---- bad inputs: exit 2, one line naming the file and the problem, nothing written ------------------------

def good_csv(path):
    labels, probabilities = multiclass(7, n=10, classes=3)
    write_csv(path, ["label", "p_0", "p_1", "p_2"], [[y, *float_cells(p)] for y, p in zip(labels, probabilities)])
    return path


def bad_files(tmp):
    """{case: (files, extra flags, words the message must hold)}."""
    good = good_csv(tmp / "good.csv")
    (tmp / "ragged.csv").write_text("label,p_0,p_1\n1,0.2,0.8\n0,0.9\n")
    (tmp / "text.csv").write_text("label,p_0,p_1\n1,0.2,0.8\n0,zero point nine,0.1\n")
    (tmp / "empty_cell.csv").write_text("label,p_0,p_1\n1,0.2,0.8\n,0.9,0.1\n")
    (tmp / "outside.csv").write_text("label,p_0,p_1\n1,0.2,0.8\n2,0.9,0.1\n")
    (tmp / "notes.txt").write_text("label,p\n")
    np.savez(tmp / "short.npz", labels=np.array([0, 1, 1]), probabilities=np.full((4, 2), 0.5))
    np.savez(tmp / "cube.npz", labels=np.array([0, 1]), probabilities=np.full((2, 2, 2), 0.5))
    np.savez(tmp / "objects.npz", labels=np.array([0, 1]), probabilities=np.full((2, 2), 0.5),
             example_ids=np.array([{"a": 1}, None], dtype=object))
    (tmp / "two_classes.csv").write_text("label,p_0,p_1\n1,0.2,0.8\n0,0.9,0.1\n")
    return {
        "missing column": ([good], ["--probability-prefix", "p_", "--id-column", "filename"],
                           ["good.csv", "'filename'", "--id-column", "'p_0'"]),
        "ragged csv": ([good, tmp / "ragged.csv"], ["--probability-prefix", "p_"],
                       ["ragged.csv", "line 3", "2 fields", "header has 3"]),
        "non-numeric cell": ([good, tmp / "text.csv"], ["--probability-prefix", "p_"],
                             ["text.csv", "'p_0'", "line 3", "'zero point nine' is not a number"]),
        "empty cell": ([good, tmp / "empty_cell.csv"], ["--probability-prefix", "p_"],
                       ["empty_cell.csv", "'label'", "line 3", "the cell is empty"]),
        "label outside the classes": ([good, tmp / "outside.csv"], ["--probability-prefix", "p_"],
                                      ["outside.csv", "step 1", "labels must be class indices in [0, 1]", "got 2"]),
        "lengths differ": ([tmp / "short.npz"], [], ["short.npz", "different lengths", "'labels' 3",
                                                     "'probabilities' 4"]),
        "3-d probabilities": ([tmp / "cube.npz"], [], ["cube.npz", "probabilities must have shape [N] or [N, C]",
                                                       "(2, 2, 2)"]),
        "pickled objects": ([tmp / "objects.npz"], [], ["objects.npz", "example_ids", "pickle"]),
        "unknown extension": ([good, tmp / "notes.txt"], [], ["notes.txt", "unknown file type", ".parquet"]),
        "missing file": ([good, tmp / "nowhere.npz"], [], ["nowhere.npz", "no such file"]),
        "good then another kind": ([good, tmp / "two_classes.csv"], ["--probability-prefix", "p_"],
                                   ["two_classes.csv", "binary with 2 classes", "good.csv", "multiclass with 3",
                                    "one tag holds one task"]),
        "same step twice": ([good, good], ["--probability-prefix", "p_", "--step-column", "label"],
                            ["step 0 comes from both", "good.csv (rows with step 0)"]),
    }


CASES = ["missing column", "ragged csv", "non-numeric cell", "empty cell", "label outside the classes",
         "lengths differ", "3-d probabilities", "pickled objects", "unknown extension", "missing file",
         "good then another kind", "same step twice"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_naming_the_file_and_writes_nothing(tmp_path, case):
    files, flags, words = bad_files(tmp_path)[case]
    code, out, err = log("--logdir", tmp_path / "logs", "--run", "val", *flags, *files)
    assert code == 2 and out == ""
    assert err.startswith("tb-confusion: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not os.path.exists(tmp_path / "logs")


def test_bad_file_through_the_console_script_prints_no_traceback(tmp_path):
    good = good_csv(tmp_path / "good.csv")
    (tmp_path / "ragged.csv").write_text("label,p_0,p_1,p_2\n1,0.2,0.8\n")
    result = subprocess.run([SCRIPT, "log", "--logdir", tmp_path / "logs", "--run", "val", "--probability-prefix",
                             "p_", good, tmp_path / "ragged.csv"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    expected = (f"tb-confusion: error: {tmp_path / 'ragged.csv'}, line 2: 3 fields, but the header has 4 "
                "(label, p_0, p_1, p_2)")
    assert result.stderr.strip().splitlines() == [expected]
    assert not os.path.exists(tmp_path / "logs")


def test_parquet_without_pyarrow_says_what_to_install(tmp_path):
    pq.write_table(pa.table({"label": [0, 1], "probability": [0.2, 0.7]}), tmp_path / "p.parquet")
    code = ("import sys; sys.modules['pyarrow'] = None; from tb_confusion import cli; "
            f"sys.exit(cli.main(['log', '--logdir', {str(tmp_path / 'logs')!r}, {str(tmp_path / 'p.parquet')!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert 'pip install "tb-confusion[log]"' in result.stderr and "p.parquet" in result.stderr
    assert not os.path.exists(tmp_path / "logs")


def test_usage_errors(tmp_path):
    good = good_csv(tmp_path / "good.csv")
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    cases = [
        ([], "no input"),
        (["--labels", tmp_path / "y.npy"], "--labels and --probabilities go together"),
        ([tmp_path / "y.npy"], "pass it with --labels / --probabilities"),
        (["--run", "../elsewhere", good], "--run must be a relative directory"),
        (["--step", 3, "--step-column", "label", good], "--step-column sets the steps"),
        (["--step-from-name", "--probability-prefix", "p_", good], "needs a number in the file name"),
    ]
    for flags, words in cases:
        code, _, err = log("--logdir", tmp_path / "logs", *flags)
        assert code == 2 and words in err, (flags, err)
    assert not os.path.exists(tmp_path / "logs")


def test_existing_tag_of_another_kind_is_refused_and_replaced_steps_are_named(tmp_path):
    good = good_csv(tmp_path / "good.csv")
    assert log("--logdir", tmp_path, "--run", "val", "--probability-prefix", "p_", "--step", 0, good)[0] == 0
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--probability-prefix", "p_", "--class-names",
                       "a,b,c", good)
    assert code == 2 and "already has tag 'predictions' as multiclass with 3 classes ['0', '1', '2']" in err
    code, _, err = log("--logdir", tmp_path, "--run", "val", "--probability-prefix", "p_", good)
    assert code == 0 and "already has step 0" in err and "replaced" in err
    assert [r.step for r in records(tmp_path)] == [0] and len(event_files(tmp_path)) == 2


def test_dry_run_checks_and_writes_nothing(tmp_path):
    good = good_csv(tmp_path / "good.csv")
    code, out, err = log("--logdir", tmp_path / "logs", "--dry-run", "--probability-prefix", "p_", good)
    assert code == 0, err
    assert "checked step 0: 10 examples; nothing written" in out
    assert not os.path.exists(tmp_path / "logs")


def test_storage_compact_writes_a_compact_step_with_the_same_matrix(tmp_path):
    labels, probabilities = multiclass(3, n=200, classes=5)
    np.savez(tmp_path / "val.npz", labels=labels, probabilities=probabilities)
    code, _, err = log("--logdir", tmp_path / "logs", "--run", "val", "--storage", "compact", tmp_path / "val.npz")
    assert code == 0, err
    (record,) = records(tmp_path / "logs")
    assert record.facts is not None and record.probabilities is None
    assert_multiclass_report(record, labels, probabilities)
    code, _, err = log("--logdir", tmp_path / "bad", "--run", "val", "--storage", "tiny", tmp_path / "val.npz")
    assert code == 2 and "--storage" in err and "tiny" in err

"""The `diff` and `forgetting` routes through TensorBoard's WSGI app, and `tb-confusion diff` as the installed
console script, over a logdir written by our writer; both checked against tb_confusion.diff on `tbc.read`."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from test_plugin_routes import error, make_client, ok

import tb_confusion as tbc
from tb_confusion import diff
from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import predictions_pb

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")
NAMES = ["cat", "dog", "bird"]
N = 120


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """train: 'digits' (multiclass, ids in a new order each step, steps 0-3), 'flags' (binary, no ids);
    other: 'digits' at steps 1 and 2; 'tags' (multilabel) in train."""
    root = tmp_path_factory.mktemp("logs")
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, N)
    for run, steps in (("train", range(4)), ("other", (1, 2))):
        with EventWriter(str(root / run)) as writer:
            for step in steps:
                order = rng.permutation(N)
                p = rng.dirichlet(np.ones(3), N) + (0.3 * step) * np.eye(3)[labels]
                p = (p / p.sum(1, keepdims=True))[order]
                writer.add_summary(predictions_pb("digits", labels[order], p, class_names=NAMES,
                                                  example_ids=[f"img{i}" for i in order]), step)
                if run == "train":
                    y = rng.integers(0, 2, 80)
                    writer.add_summary(predictions_pb("flags", y, rng.random(80)), step)
                    y = (rng.random((60, 3)) < 0.5).astype(int)
                    writer.add_summary(predictions_pb("tags", y, rng.random((60, 3)), task="multilabel"), step)
    return root


@pytest.fixture(scope="module")
def client(logdir):
    return make_client(logdir)


def records(logdir, run, tag):
    return {r.step: r for r in tbc.read(str(logdir), run=run, tag=tag)}


def test_diff_of_two_steps_equals_the_core_on_read_records(client, logdir):
    got = ok(client, "diff", run="train", tag="digits", step=0, step_b=3, cutoff=0.4, flips="learned", limit=7)
    steps = records(logdir, "train", "digits")
    expected = json.loads(json.dumps(diff.diff(steps[0], steps[3], cutoff=0.4, flips="learned", limit=7)))
    assert got == expected
    assert got["alignment"] == {"by": "id", "aligned": N, "only_a": 0, "only_b": 0, "only_a_ids": [],
                                "only_b_ids": [], "label_changed": 0}
    assert (got["a"]["step"], got["b"]["step"], got["decision"]["cutoff"]) == (0, 3, 0.4)
    assert got["flips"]["learned"] > got["flips"]["forgotten"]  # step 3 is the better one
    assert len(got["examples"]["examples"]) == 7 and got["examples"]["total"] == got["flips"]["learned"]


def test_flip_pages_concatenate_to_the_whole_list(client):
    params = {"run": "train", "tag": "digits", "step": 1, "step_b": 2, "flips": "forgotten"}
    whole = ok(client, "diff", **params, limit=1000)["examples"]
    pages = [ok(client, "diff", **params, offset=k, limit=4)["examples"]["examples"]
             for k in range(0, whole["total"] + 4, 4)]
    assert [e for page in pages for e in page] == whole["examples"] and whole["total"] > 4
    assert all(e["pred_a"] == e["true"] != e["pred_b"] for e in whole["examples"])
    light = ok(client, "diff", **params, limit=1000, matrices=0)
    assert light["difference"] is None and light["matrix_a"] is None and light["examples"] == whole


def test_two_runs_at_one_step_and_latest_defaults(client, logdir):
    got = ok(client, "diff", run="train", tag="digits", step=2, run_b="other")
    expected = diff.diff(records(logdir, "train", "digits")[2], records(logdir, "other", "digits")[2])
    assert got["difference"] == expected["difference"] and (got["a"]["run"], got["b"]["run"]) == ("train", "other")
    latest = ok(client, "diff", run="train", tag="digits", run_b="other")  # each run's latest step
    assert (latest["a"]["step"], latest["b"]["step"]) == (3, 2) and latest["examples"] is None


def test_binary_without_ids_by_index_and_multilabel_thresholds(client, logdir):
    got = ok(client, "diff", run="train", tag="flags", step=0, step_b=1, threshold=0.3)
    steps = records(logdir, "train", "flags")
    assert got["alignment"]["by"] == "index"
    assert got["difference"] == diff.diff(steps[0], steps[1], threshold=0.3)["difference"]
    got = ok(client, "diff", run="train", tag="tags", step=0, step_b=3, thresholds="0.2,0.5,0.8")
    steps = records(logdir, "train", "tags")
    expected = diff.diff(steps[0], steps[3], thresholds=[0.2, 0.5, 0.8])
    assert got["label_difference"] == expected["label_difference"] and got["decision"]["thresholds"] == [0.2, 0.5, 0.8]


def test_diff_errors_name_the_parameter_run_or_step(client):
    base = {"run": "train", "tag": "digits", "step": 0}
    assert "'flips'" in error(client, "diff", 400, **base, flips="both")
    assert "'limit'" in error(client, "diff", 400, **base, limit=0)
    assert "'step_b'" in error(client, "diff", 400, **base, step_b="x")
    assert "'cutoff'" in error(client, "diff", 400, **base, cutoff=2)
    assert "'thresholds'" in error(client, "diff", 400, **base, thresholds="0.5")
    assert "missing parameter 'run'" in error(client, "diff", 400, tag="digits")
    assert "'nope'" in error(client, "diff", 404, **base, run_b="nope")
    assert "step 7 not found" in error(client, "diff", 404, **base, step_b=7)
    message = error(client, "diff", 404, run="train", tag="digits", step=0, run_b="other")  # other has no step 0
    assert "step 0 not found for run 'other'" in message


def test_forgetting_route_equals_the_core_over_every_step(client, logdir):
    got = ok(client, "forgetting", run="train", tag="digits", cutoff=0.5, limit=5)
    steps = records(logdir, "train", "digits")
    expected = json.loads(json.dumps(diff.forgetting([steps[s] for s in sorted(steps)], cutoff=0.5, limit=5)))
    assert got == expected
    assert [s["step"] for s in got["steps"]] == [0, 1, 2, 3] and got["reference_step"] == 3
    assert len(got["most_forgotten"]) == 5 and all(len(e["history"]) == 4 for e in got["most_forgotten"])
    assert ok(client, "forgetting", run="train", tag="digits", cutoff=0.5, limit=5) == got  # cached answer
    assert "'limit'" in error(client, "forgetting", 400, run="train", tag="digits", limit=-1)
    assert "'nope'" in error(client, "forgetting", 404, run="train", tag="nope")


# -- the console script --------------------------------------------------------------------------------


def run_cli(*args):
    result = subprocess.run([SCRIPT, "diff", *map(str, args)], capture_output=True, text=True, timeout=120,
                            check=False)
    return result.returncode, result.stdout, result.stderr


def test_cli_json_equals_the_core_and_table_shows_deltas_matrix_and_flips(logdir):
    code, out, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--step", "0", "--step-b", "3",
                             "--cutoff", "0.4", "--limit", "3", "--format", "json")
    assert code == 0, err
    got = json.loads(out)
    steps = records(logdir, "train", "digits")
    result = diff.Diff(steps[0], steps[3], cutoff=0.4)
    expected = json.loads(json.dumps(result.summary()))
    assert {k: v for k, v in got.items() if k != "top_flips"} == expected
    assert got["top_flips"]["forgotten"] == json.loads(json.dumps(result.flips("forgotten", limit=3)))

    code, out, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--step", "0", "--step-b", "3",
                             "--cutoff", "0.4", "--limit", "3")
    assert code == 0, err
    accuracy = expected["metric_deltas"]["accuracy"]
    assert f"{accuracy:+.4f}" in out and "difference matrix B - A" in out and "below cutoff" in out
    assert f"learned {expected['flips']['learned']} " in out
    assert f"top 3 of {expected['flips']['learned']} learned" in out


def test_cli_two_runs_and_errors(logdir):
    code, out, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--step", "1", "--run-b", "other")
    assert code == 0, err
    assert "B: run 'other', step 1" in out
    code, out, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--run-b", "nope")
    assert code == 2 and "run 'nope' not found" in err and not out
    code, _, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--step", "9")
    assert code == 2 and "step 9 not found" in err
    code, _, err = run_cli(logdir, "--run", "train", "--tag", "digits", "--cutoff", "3")
    assert code == 2 and "--cutoff must be a number in [0, 1]" in err

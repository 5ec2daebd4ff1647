"""`tbc.read` and `tb-confusion report` read in full only the steps asked for: the others' payloads are neither
copied nor checksummed, and what is chosen, reported and skipped equals a full scan's answer."""

import json
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.errors import SkippedWarning
from tb_confusion.reading import offline
from tb_confusion.reading.selection import select
from tb_confusion.storage.events import EventWriter

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")
N, C, STEPS = 60_000, 5, 4  # 1.2 MB of float32 per step: over the 1 MiB a scan checks without being asked


def _write(root, runs=("train", "validation"), tags=("p", "q")):
    rng = np.random.default_rng(0)
    truth = {}
    for run in runs:
        with EventWriter(str(root / run)) as writer:
            for step in range(STEPS):
                for tag in tags:
                    labels = rng.integers(0, C, N)
                    probabilities = rng.dirichlet(np.ones(C), N).astype(np.float32)
                    writer.add_summary(tbc.summary.predictions_pb(tag, labels, probabilities), step)
                    truth[run, tag, step] = labels, probabilities
    return truth


def _flip_inside_payload(root, run, step, tag="p"):
    """Damage one byte in the middle of a step's payload (its record's framing stays intact)."""
    series = offline.scan(str(root), runs=[run])[run][tag]
    entry = next(e for e in series.steps if e.step == step)
    path = pathlib.Path(entry.path)
    data = bytearray(path.read_bytes())
    data[entry.offset + 12 + 600_000] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("selected")
    return root, _write(root)


def _where(pairs):
    return [(s.run, s.tag, e.step, e.path, e.offset) for s, e in pairs]


@pytest.mark.parametrize("run,tag,step", [(None, None, None), (None, None, "latest"), ("validation", "q", 2),
                                          (None, "p", 0), ("train", None, "all")])
def test_the_chosen_steps_are_those_of_a_full_scan(logdir, run, tag, step):
    root, _ = logdir
    _, chosen = offline.locate(str(root), run=run, tag=tag, step=step)
    full = offline.scan(str(root), runs=None if run is None else [run])
    assert _where(chosen) == _where(select(full, run=run, tag=tag, step=step))


def test_read_latest_returns_the_arrays_written(logdir):
    root, truth = logdir
    records = list(tbc.read(str(root), step="latest"))
    assert [(r.run, r.tag, r.step) for r in records] == [(run, tag, STEPS - 1) for run in ("train", "validation")
                                                         for tag in ("p", "q")]
    for r in records:
        labels, probabilities = truth[r.run, r.tag, r.step]
        assert np.array_equal(r.labels, labels) and np.array_equal(r.probabilities, probabilities)


def test_damage_in_a_step_not_asked_for_is_not_even_read(tmp_path):
    _write(tmp_path, runs=("validation",), tags=("p",))
    _flip_inside_payload(tmp_path, "validation", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the damaged step was not checksummed, so nothing to warn about
        assert [r.step for r in tbc.read(str(tmp_path), step="latest")] == [STEPS - 1]
        assert [r.step for r in tbc.read(str(tmp_path), step=2)] == [2]
    # asked for, it is found: the full scan's rule (the rest of that file ignored) and its warning
    with pytest.warns(SkippedWarning, match="bad record checksum"):
        assert [r.step for r in tbc.read(str(tmp_path), step="all")] == [0]
    with pytest.raises(offline.CorruptRecordError, match="bad record checksum"):
        offline.scan(str(tmp_path))  # the full scan, kept, still checks every record


def test_damage_in_the_latest_step_falls_back_to_what_a_full_scan_reports(tmp_path):
    _write(tmp_path, runs=("validation",), tags=("p",))
    _flip_inside_payload(tmp_path, "validation", STEPS - 1)
    with pytest.warns(SkippedWarning, match="bad record checksum.*the rest of that file is ignored"):
        assert [r.step for r in tbc.read(str(tmp_path), step="latest")] == [STEPS - 2]
    with pytest.raises(offline.CorruptRecordError):
        list(tbc.read(str(tmp_path), step="latest", strict=True))
    code = subprocess.run([SCRIPT, "report", str(tmp_path), "--format", "json"], capture_output=True, text=True)
    assert code.returncode == 0 and [r["step"] for r in json.loads(code.stdout)] == [STEPS - 2]
    assert code.stderr.count("bad record checksum") == 1  # reported once, not by both passes


def test_the_cli_reports_the_latest_step_without_reading_a_damaged_older_one(tmp_path):
    _write(tmp_path, runs=("validation",), tags=("p",))
    _flip_inside_payload(tmp_path, "validation", 1)
    latest = subprocess.run([SCRIPT, "report", str(tmp_path), "--format", "json"], capture_output=True, text=True)
    assert latest.returncode == 0 and latest.stderr == ""
    assert [r["step"] for r in json.loads(latest.stdout)] == [STEPS - 1]
    every = subprocess.run([SCRIPT, "report", str(tmp_path), "--step", "all", "--format", "json", "--strict"],
                           capture_output=True, text=True)
    assert every.returncode == 2 and "bad record checksum" in every.stderr


def test_a_damaged_first_record_of_a_tag_is_caught_as_before(tmp_path):
    # the tag's metadata is read from its first record, so that record is checked even when large
    _write(tmp_path, runs=("validation",), tags=("p",))
    _flip_inside_payload(tmp_path, "validation", 0)
    messages = []
    index, chosen = offline.locate(str(tmp_path), step="latest", on_error=lambda *note: messages.append(note[2]))
    assert index == {} and chosen == [] and "bad record checksum" in messages[0]

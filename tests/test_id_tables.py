"""Example ids written once per run and tag: later steps refer to the table by its digest, every reader
(tbc.read, the CLI, a real tensorboard with either loader) gives each step its ids, a changed table is
written again, and a reference whose table is gone falls back to the examples' indices."""

import json
import os
import urllib.request

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.storage import id_tables
from tb_confusion.storage.events import EventWriter, read_records
from tensorboard.compat.proto import event_pb2

from tb_process import running_tensorboard

N, C = 300, 4


def steps(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, C, N), rng.dirichlet(np.ones(C), N)) for _ in range(4)]


def tables_in(directory):
    """(step, carries the ids, digest) of each tb_confusion payload under `directory`, in file order."""
    out = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            for record in read_records(f.read()):
                event = event_pb2.Event.FromString(record)
                for value in event.summary.value:
                    table = id_tables.table_of(value.tensor.string_val[0])
                    out.append((event.step, table.data is not None, table.digest))
    return out


def write(logdir, ids_per_step, storage="exact"):
    with EventWriter(str(logdir)) as writer:
        for step, ((labels, p), ids) in enumerate(zip(steps(), ids_per_step)):
            writer.add_summary(tbc.summary.predictions_pb("p", labels, p, example_ids=ids, storage=storage), step)


@pytest.mark.parametrize("storage", ["exact", "compact"])
def test_a_table_is_written_once_and_again_when_it_changes(tmp_path, storage):
    ids = [f"img-{i}" for i in range(N)]
    changed = ids[::-1]
    write(tmp_path / "val", [ids, ids, changed, changed], storage)
    found = tables_in(tmp_path / "val")
    assert [(step, carries) for step, carries, _ in found] == [(0, True), (1, False), (2, True), (3, False)]
    assert found[0][2] == found[1][2] != found[2][2] == found[3][2]
    records = list(tbc.read(str(tmp_path), strict=True))
    assert [r.example_ids for r in records] == [ids, ids, changed, changed]


def test_a_reference_without_its_table_falls_back_to_indices(tmp_path):
    ids = [f"lost-{i}" for i in range(N)]  # a table no other test wrote (readers cache tables by digest)
    write(tmp_path / "val", [ids] * 4)
    # a resumed run rewrote steps 0.. from scratch, this time without ids, then its old steps were dropped:
    # simulate a file holding only steps that refer to a table nobody wrote
    kept = []
    name = os.listdir(tmp_path / "val")[0]
    with open(tmp_path / "val" / name, "rb") as f:
        for record in read_records(f.read()):
            event = event_pb2.Event.FromString(record)
            if event.step != 0 or not event.summary.value:
                kept.append(event)
    os.remove(tmp_path / "val" / name)
    with EventWriter(str(tmp_path / "val")) as writer:
        for event in kept:
            if event.summary.value:
                writer.add_event(event)
    records = list(tbc.read(str(tmp_path), strict=True))
    assert [r.step for r in records] == [1, 2, 3]
    assert records[0].example_ids is None and records[0].example_id(5) == "5"


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


@pytest.mark.slow
@pytest.mark.parametrize("loader", ["--load_fast=true", "--load_fast=false"])
def test_tensorboard_serves_each_steps_ids(tmp_path, loader):
    ids = [f"img-{i}" for i in range(N)]
    changed = [f"other-{i}" for i in range(N)]
    write(tmp_path / "val", [ids, ids, changed, changed], "compact")
    labels = steps()[3][0]
    with running_tensorboard(tmp_path, loader) as base:
        for step, expected in ((1, ids), (3, changed), (0, ids)):
            true = int(steps()[step][0][0])
            pred = int(steps()[step][1][0].argmax())
            page = _get(f"{base}/data/plugin/tb_confusion/examples?run=val&tag=p&step={step}&true={true}"
                        f"&pred={pred}&limit=1000")
            assert {row["id"] for row in page["examples"]} <= set(expected)
            assert all(row["id"] == expected[row["index"]] for row in page["examples"])
    assert len(labels) == N


def test_other_tags_and_a_new_writer_carry_their_own_tables(tmp_path):
    ids = [f"img-{i}" for i in range(N)]
    (labels, p), _ = steps()[0], None
    with EventWriter(str(tmp_path / "val")) as writer:
        for step in range(2):
            for tag in ("a", "b"):
                writer.add_summary(tbc.summary.predictions_pb(tag, labels, p, example_ids=ids), step)
    with EventWriter(str(tmp_path / "val")) as writer:  # a second file (a restarted process) writes it again
        writer.add_summary(tbc.summary.predictions_pb("a", labels, p, example_ids=ids), 2)
    assert [carries for _, carries, _ in tables_in(tmp_path / "val")] == [True, True, False, False, True]

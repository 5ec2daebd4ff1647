"""tbc.read's Records carry their tag's class_groups: the per-class list a writer logged (as a list or as a dict
{group: [class names]}), exact and compact alike; None for a tag logged without groups. Like the class names,
the groups are the tag's: a later step written without them still has the first step's."""

import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tb_confusion as tbc
from tb_confusion.storage.events import EventWriter


def _step(rng, n, c):
    labels = rng.integers(0, c, n)
    p = rng.random((n, c)).astype(np.float32) + 0.1
    return labels, p / p.sum(axis=1, keepdims=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=st.integers(2, 12), g=st.integers(1, 5), seed=st.integers(0, 2**32 - 1),
       storage=st.sampled_from(["exact", "compact"]), as_dict=st.booleans())
def test_a_record_read_back_has_the_class_groups_written(c, g, seed, storage, as_dict):
    rng = np.random.default_rng(seed)
    names = [f"class {k}" for k in range(c)]
    groups = [f"group {v}" for v in rng.integers(0, g, c)]
    logged = {group: [n for n, x in zip(names, groups) if x == group] for group in dict.fromkeys(groups)} \
        if as_dict else groups
    with tempfile.TemporaryDirectory() as logdir:
        with EventWriter(f"{logdir}/validation") as writer:
            for step in (0, 1):
                labels, p = _step(rng, 40, c)
                writer.add_summary(tbc.summary.predictions_pb("grouped", labels, p, class_names=names,
                                                              class_groups=logged, storage=storage, task="multiclass"),
                                   step=step)
                writer.add_summary(tbc.summary.predictions_pb("plain", labels, p, class_names=names, task="multiclass",
                                                              storage=storage), step=step)
        records = {(r.tag, r.step): r for r in tbc.read(logdir, strict=True)}
    assert sorted(records) == [("grouped", 0), ("grouped", 1), ("plain", 0), ("plain", 1)]
    for step in (0, 1):
        grouped = records["grouped", step]
        assert grouped.class_groups == groups  # the per-class list, in class_names order, from a list or a dict
        assert all(type(name) is str for name in grouped.class_groups)
        assert (grouped.facts is None) == (storage == "exact")  # the storage asked for
        assert records["plain", step].class_groups is None


def test_a_step_written_without_groups_has_its_tags_first_groups_and_another_tag_none(tmp_path):
    rng = np.random.default_rng(3)
    names, groups = ["cat", "dog", "trout"], ["mammal", "mammal", "fish"]
    with EventWriter(str(tmp_path / "run")) as writer:
        labels, p = _step(rng, 30, 3)
        writer.add_summary(tbc.summary.predictions_pb("animals", labels, p, class_names=names, class_groups=groups),
                           step=0)
        writer.add_summary(tbc.summary.predictions_pb("animals", labels, p, class_names=names), step=1)
        writer.add_summary(tbc.summary.predictions_pb("no_groups", labels, p, class_names=names), step=0)
    (first,) = tbc.read(str(tmp_path), tag="animals", step=0, strict=True)
    (later,) = tbc.read(str(tmp_path), tag="animals", step=1, strict=True)
    (other,) = tbc.read(str(tmp_path), tag="no_groups", strict=True)
    assert first.class_groups == later.class_groups == groups  # TensorBoard keeps a tag's first metadata too
    assert other.class_groups is None
    binary = tbc.summary.predictions_pb("binary", labels == 0, p[:, 0], task="binary")
    with EventWriter(str(tmp_path / "binary")) as writer:
        writer.add_summary(binary, step=0)
    (record,) = tbc.read(str(tmp_path), run="binary", strict=True)
    assert record.task == "binary" and record.class_groups is None

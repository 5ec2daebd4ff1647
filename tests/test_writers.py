"""Round trips through every TF-free writer, and the reader's view of runs, tags and steps."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tb_confusion as tbc
from tb_confusion.reading import offline
from tb_confusion.storage import fast_crc
from tb_confusion.storage.events import CorruptRecordError, EventWriter
from no_tensorflow import run_without_tensorflow

rng = np.random.default_rng(7)


def _cases(n=50):
    p2 = rng.dirichlet(np.ones(2), n).astype(np.float32)
    p5 = rng.dirichlet(np.ones(5), n).astype(np.float32)
    pl = rng.random((n, 4), dtype=np.float32)
    return {
        "binary [N]": (rng.integers(0, 2, n), p2[:, 1].copy(), p2[:, 1]),
        "binary [N,1]": (rng.integers(0, 2, n), p2[:, 1:].copy(), p2[:, 1]),
        "binary [N,2]": (rng.integers(0, 2, n), p2, p2),
        "multiclass": (rng.integers(0, 5, n), p5, p5),
        "multiclass one-hot": (np.eye(5)[rng.integers(0, 5, n)], p5, p5),
        "multilabel": (rng.integers(0, 2, (n, 4)), pl, pl),
    }


def _expected_labels(labels):
    labels = np.asarray(labels)
    return labels.argmax(1) if labels.ndim == 2 and labels.sum(1).max() == 1 and labels.shape[1] == 5 else labels


def _write_tensorboard_writer(logdir, summaries):
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.compat.proto import event_pb2

    writer = EventFileWriter(logdir)
    for step, summary in enumerate(summaries):
        writer.add_event(event_pb2.Event(step=step, wall_time=1.0 + step, summary=summary))
    writer.close()


def _write_torch(logdir, summaries):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(logdir)
    for step, summary in enumerate(summaries):
        writer.file_writer.add_summary(summary, global_step=step)
    writer.close()


def _write_ours(logdir, summaries):
    with EventWriter(logdir) as writer:
        for step, summary in enumerate(summaries):
            writer.add_summary(summary, step=step)


WRITERS = {"EventWriter": _write_ours, "tensorboard EventFileWriter": _write_tensorboard_writer,
           "torch SummaryWriter": _write_torch}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("case", list(_cases()))
def test_round_trip_is_bit_exact_for_every_task_and_writer(tmp_path, writer, case):
    labels, probabilities, stored = _cases()[case]
    ids = [f"ex-{i}" for i in range(len(labels))]
    weights = rng.random(len(labels))
    summaries = [tbc.summary.predictions_pb("val/preds", labels, probabilities, example_ids=ids,
                                            sample_weight=weights, class_names=None) for _ in range(3)]
    WRITERS[writer](str(tmp_path / "run"), summaries)
    records = list(tbc.read(str(tmp_path)))
    assert [(r.run, r.tag, r.step) for r in records] == [("run", "val/preds", s) for s in range(3)]
    record = records[-1]
    assert record.probabilities.tobytes() == np.ascontiguousarray(stored, np.float32).tobytes()
    assert np.array_equal(record.labels, _expected_labels(labels))
    assert record.example_ids == ids
    assert record.weights.tobytes() == weights.tobytes()


def test_float16_storage_halves_the_bytes_and_rounds_like_numpy(tmp_path):
    labels, p = rng.integers(0, 5, 1000), rng.dirichlet(np.ones(5), 1000).astype(np.float32)
    full = tbc.summary.predictions_pb("p", labels, p).ByteSize()
    half = tbc.summary.predictions_pb("p", labels, p, dtype="float16")
    assert half.ByteSize() < 0.6 * full
    _write_ours(str(tmp_path), [half])
    (record,) = tbc.read(str(tmp_path))
    assert record.probabilities.dtype == np.float16
    assert np.array_equal(record.probabilities, p.astype(np.float16))


def test_tensors_from_torch_are_accepted(tmp_path):
    import torch

    logits = torch.randn(20, 3, requires_grad=True)
    labels = torch.randint(0, 3, (20,))
    _write_ours(str(tmp_path), [tbc.summary.predictions_pb("p", labels, logits, from_logits=True)])
    (record,) = tbc.read(str(tmp_path))
    np.testing.assert_allclose(record.probabilities, torch.softmax(logits, 1).detach().numpy(), rtol=1e-6)
    assert np.array_equal(record.labels, labels.numpy())


def test_tensorboard_itself_reads_our_files_as_a_blob_sequence(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator as ea_module
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea

    _write_ours(str(tmp_path), [tbc.summary.predictions_pb("p", [0, 1], [0.2, 0.8])] * 2)
    accumulator = pea.EventAccumulator(str(tmp_path), tensor_size_guidance={"tb_confusion": 0})
    accumulator.Reload()
    assert accumulator.Tags()[ea_module.TENSORS] == ["p"]
    assert [e.step for e in accumulator.Tensors("p")] == [0, 1]
    assert accumulator.SummaryMetadata("p").data_class == 3  # DATA_CLASS_BLOB_SEQUENCE


def test_reader_follows_tensorboards_run_and_step_rules(tmp_path):
    pb = lambda: tbc.summary.predictions_pb("p", rng.integers(0, 2, 4), rng.random(4))
    with EventWriter(str(tmp_path)) as root, EventWriter(str(tmp_path / "a" / "b")) as nested:
        root.add_summary(pb(), step=0)
        for step in (0, 1, 2, 3):
            nested.add_summary(pb(), step=step)
    with EventWriter(str(tmp_path / "a" / "b"), filename_suffix=".resumed") as resumed:
        resumed.add_summary(pb(), step=2)  # a restart at step 2 replaces steps 2 and 3
    assert offline.list_series(str(tmp_path)) == {".": {"p": [0]}, "a/b": {"p": [0, 1, 2]}}
    (latest,) = tbc.read(str(tmp_path), run="a/b", step="latest")
    assert latest.step == 2
    with pytest.raises(LookupError, match=r"run 'nope' not found; runs with tb_confusion data: \., a/b$"):
        list(tbc.read(str(tmp_path), run="nope"))
    with pytest.raises(LookupError, match=r"tag 'q' not found in run 'a/b'; tags: p$"):
        list(tbc.read(str(tmp_path), run="a/b", tag="q"))
    with pytest.raises(LookupError, match=r"step 9 not found for run 'a/b', tag 'p'; steps: 0, 1, 2$"):
        list(tbc.read(str(tmp_path), run="a/b", step=9))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        offline.scan(str(tmp_path / "missing"))


def test_reader_ignores_a_partly_written_tail_and_reports_corruption(tmp_path):
    _write_ours(str(tmp_path), [tbc.summary.predictions_pb("p", [0, 1], [0.2, 0.8])] * 3)
    (path,) = [os.path.join(tmp_path, f) for f in os.listdir(tmp_path)]
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-7])
    assert offline.list_series(str(tmp_path)) == {".": {"p": [0, 1]}}
    damaged = bytearray(data)
    damaged[-10] ^= 0xFF
    open(path, "wb").write(bytes(damaged))
    with pytest.raises(CorruptRecordError, match="bad record checksum"):
        offline.scan(str(tmp_path))


def test_other_plugins_data_is_ignored(tmp_path):
    from tensorboard.compat.proto import summary_pb2

    scalar = summary_pb2.Summary()
    scalar.value.add(tag="loss", simple_value=0.5)
    _write_ours(str(tmp_path), [scalar])
    assert offline.list_series(str(tmp_path)) == {}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fast_crc_equals_tensorboards_pure_python_crc(data):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    assert fast_crc.masked_crc32c(data) == masked_crc32c(data)


def test_speed_up_patch_keeps_torch_files_readable(tmp_path):
    from tensorboard.summary.writer import record_writer

    original = record_writer.masked_crc32c
    try:
        assert fast_crc.speed_up_tensorboard_writer()
        _write_torch(str(tmp_path), [tbc.summary.predictions_pb("p", [0, 1], [0.2, 0.8])])
    finally:
        record_writer.masked_crc32c = original
    assert offline.list_series(str(tmp_path)) == {".": {"p": [0]}}


def test_writer_and_reader_work_without_tensorflow(tmp_path):
    result = run_without_tensorflow(f"""
        import sys, numpy as np
        import tb_confusion as tbc
        from tb_confusion.storage.events import EventWriter
        with EventWriter({str(tmp_path)!r}) as w:
            w.add_summary(tbc.summary.predictions_pb("p", [0, 1, 2], np.eye(3, dtype=np.float32)), step=4)
        (r,) = tbc.read({str(tmp_path)!r})
        assert r.step == 4 and r.task == "multiclass", r
        try:
            tbc.summary.predictions("p", [0, 1], [0.1, 0.9], step=0)
        except ModuleNotFoundError as e:
            print("TF door needs TensorFlow:", e)
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("ok")
    """)
    assert result.stdout.strip().endswith("ok")
    assert "TF door needs TensorFlow" in result.stdout


def test_remote_logdirs_go_through_tensorboards_file_layer():
    # fsspec's in-memory filesystem stands in for s3://, gs:// and the like.
    import fsspec
    logdir = f"memory://tbc-{os.getpid()}/logs"
    with EventWriter(logdir + "/validation") as writer:
        for step in range(2):
            writer.add_summary(tbc.summary.predictions_pb("p", [0, 1, 1], [0.2, 0.7, 0.9]), step=step)
    try:
        assert offline.list_series(logdir) == {"validation": {"p": [0, 1]}}
        (latest,) = tbc.read(logdir, step="latest")
        assert latest.probabilities.tolist() == pytest.approx([0.2, 0.7, 0.9])
    finally:
        fsspec.filesystem("memory").rm(f"/tbc-{os.getpid()}", recursive=True)

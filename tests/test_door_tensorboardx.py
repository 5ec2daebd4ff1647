"""predictions_pb through a tensorboardX.SummaryWriter, read back with tb_confusion.read (docs/doors/tensorboardx.md)."""


import numpy as np
import pytest

import tb_confusion as tbc

tensorboardX = pytest.importorskip("tensorboardX")
from tensorboardX.proto import summary_pb2 as tbx_summary_pb2  # noqa: E402


def as_tensorboardx(summary):
    """The docs' one-liner: tensorboardX has its own copy of the Summary class."""
    return tbx_summary_pb2.Summary.FromString(summary.SerializeToString())


def epochs(seed=0, n=57, classes=4):
    rng = np.random.default_rng(seed)
    for step in (0, 1, 2):
        labels = rng.integers(0, classes, n)
        probabilities = rng.dirichlet(np.ones(classes), n).astype(np.float32)
        yield step, labels, probabilities


def test_tensorboardx_writer_logs_predictions_beside_its_scalars(tmp_path):
    ids = [f"img_{i:03d}.png" for i in range(57)]
    names = ["cat", "dog", "fox", "owl"]
    written = {}
    with tensorboardX.SummaryWriter(str(tmp_path / "run1")) as writer:
        for step, labels, probabilities in epochs():
            writer.add_scalar("val/loss", 1.0 / (step + 1), step)
            summary = tbc.summary.predictions_pb("predictions", labels, probabilities, class_names=names,
                                                 example_ids=ids)
            writer.file_writer.add_summary(as_tensorboardx(summary), step)
            written[step] = labels, probabilities

    assert len(list((tmp_path / "run1").iterdir())) == 1  # one event file: scalars and predictions, one run
    records = list(tbc.read(tmp_path))
    assert [(r.run, r.tag, r.step) for r in records] == [("run1", "predictions", s) for s in (0, 1, 2)]
    for record in records:
        labels, probabilities = written[record.step]
        assert record.task == "multiclass" and record.class_names == names
        np.testing.assert_array_equal(record.labels, labels)
        np.testing.assert_array_equal(record.probabilities, probabilities)  # float32 is stored exactly
        assert record.example_ids == ids


def test_tensorboardx_binary_logits_and_weights(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 40).astype(bool)
    logits = rng.normal(size=40).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, 40)
    with tensorboardX.SummaryWriter(str(tmp_path)) as writer:
        summary = tbc.summary.predictions_pb("fraud", labels, logits, from_logits=True, sample_weight=weights)
        writer.file_writer.add_summary(as_tensorboardx(summary), 7)
    (record,) = tbc.read(tmp_path)
    assert (record.run, record.tag, record.step, record.task) == (".", "fraud", 7, "binary")
    np.testing.assert_array_equal(record.labels, labels.astype(int))
    np.testing.assert_allclose(np.asarray(record.probabilities).reshape(40, -1)[:, -1], 1 / (1 + np.exp(-logits)),
                               rtol=1e-6)
    np.testing.assert_allclose(record.weights, weights)


def test_tensorboardx_rejects_tensorboards_summary_class_unconverted(tmp_path):
    # Why the docs convert: tensorboardX.FileWriter.add_summary builds its own Event and protobuf refuses
    # a Summary of tensorboard's class. If this starts passing, docs/doors/tensorboardx.md can drop a line.
    summary = tbc.summary.predictions_pb("predictions", [0, 1], [[0.9, 0.1], [0.2, 0.8]])
    with tensorboardX.SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(TypeError, match="tensorboardX.proto.summary_pb2.Summary"):
            writer.file_writer.add_summary(summary, 0)

"""The TensorFlow op and the TF-free `predictions_pb` build the same Summary; the op's tf.summary manners."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.storage.events import read_records  # noqa: E402

rng = np.random.default_rng(3)


def _summaries_written_by_tf(logdir):
    from tensorboard.compat.proto import event_pb2

    (name,) = [f for f in os.listdir(logdir) if "tfevents" in f]
    with open(os.path.join(logdir, name), "rb") as f:
        events = [event_pb2.Event.FromString(r) for r in read_records(f.read())]
    return [(e.step, e.summary) for e in events if e.HasField("summary")]


@pytest.mark.parametrize("kwargs", [
    dict(labels=[0, 1, 1, 0], probabilities=[0.1, 0.7, 0.6, 0.2]),
    dict(labels=rng.integers(0, 4, 30), probabilities=rng.dirichlet(np.ones(4), 30).astype(np.float32),
         class_names=["cat", "dog", "eel", "fox"], example_ids=list(range(30)), sample_weight=rng.random(30),
         description="**validation** set"),
    dict(labels=rng.integers(0, 2, (20, 3)), probabilities=rng.random((20, 3)).astype(np.float32),
         task="multilabel", dtype="float16"),
    dict(labels=rng.integers(0, 3, 10), probabilities=rng.normal(size=(10, 3)), from_logits=True),
])
def test_tf_op_and_predictions_pb_produce_equal_summaries(tmp_path, kwargs):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        tbc.summary.predictions("val/predictions", step=7, **kwargs)
    ((step, written),) = _summaries_written_by_tf(str(tmp_path))
    assert step == 7
    assert written == tbc.summary.predictions_pb("val/predictions", **kwargs)


def test_step_defaults_to_the_tf_summary_step_and_no_writer_returns_false(tmp_path):
    # Like tf.summary.scalar, it returns a boolean scalar tensor.
    assert not bool(tbc.summary.predictions("p", [0, 1], [0.3, 0.6], step=0))
    with tf.summary.create_file_writer(str(tmp_path)).as_default(step=5):
        assert bool(tbc.summary.predictions("p", [0, 1], [0.3, 0.6]))
    assert [s for s, _ in _summaries_written_by_tf(str(tmp_path))] == [5]


def test_bad_input_raises_before_anything_is_written(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with pytest.raises(ValueError, match="labels and probabilities must have the same length"):
            tbc.summary.predictions("p", [0, 1, 1], [0.3, 0.6], step=0)
        with pytest.raises(ValueError, match="probabilities must be in \\[0, 1\\]"):
            tbc.summary.predictions("p", [0, 1], [0.3, 1.6], step=0)
    assert _summaries_written_by_tf(str(tmp_path)) == []


def test_inside_tf_function_it_asks_to_be_called_eagerly(tmp_path):
    @tf.function
    def log():
        tbc.summary.predictions("p", [0, 1], [0.3, 0.6], step=0)

    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with pytest.raises(RuntimeError, match="call it eagerly"):
            log()

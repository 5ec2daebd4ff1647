"""Round trips through the TensorFlow door: `tb_confusion.summary.predictions` under a tf.summary writer."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402

import tb_confusion as tbc  # noqa: E402

rng = np.random.default_rng(11)
N = 40


def _cases():
    p2 = rng.dirichlet(np.ones(2), N).astype(np.float32)
    p5 = rng.dirichlet(np.ones(5), N).astype(np.float32)
    pl = rng.random((N, 4), dtype=np.float32)
    binary, multiclass = rng.integers(0, 2, N), rng.integers(0, 5, N)
    multilabel = rng.integers(0, 2, (N, 4))
    # name: (labels, probabilities, stored labels, stored probabilities, task)
    return {
        "binary [N]": (binary, p2[:, 1].copy(), binary, p2[:, 1], "binary"),
        "binary [N,1]": (binary, p2[:, 1:].copy(), binary, p2[:, 1], "binary"),
        "binary [N,2]": (binary, p2, binary, p2, "binary"),
        "binary bool": (binary.astype(bool), p2[:, 1].copy(), binary, p2[:, 1], "binary"),
        "multiclass int": (multiclass, p5, multiclass, p5, "multiclass"),
        "multiclass one-hot": (np.eye(5)[multiclass], p5, multiclass, p5, "multiclass"),
        "multilabel": (multilabel, pl, multilabel, pl, "multilabel"),
    }


CASES = _cases()


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("as_tensors", [False, True], ids=["numpy", "tf.Tensor"])
def test_tf_op_round_trip_is_bit_exact(tmp_path, case, as_tensors):
    labels, probabilities, stored_labels, stored, task = CASES[case]
    if as_tensors:
        labels, probabilities = tf.constant(labels), tf.constant(probabilities)
    ids = [f"ex-{i}" for i in range(N)]
    weights = rng.random(N)
    with tf.summary.create_file_writer(str(tmp_path / "validation")).as_default():
        for step in range(3):
            assert tbc.summary.predictions("preds", labels, probabilities, step=step, example_ids=ids,
                                           sample_weight=weights, class_names=None)
    records = list(tbc.read(str(tmp_path)))
    assert [(r.run, r.tag, r.step) for r in records] == [("validation", "preds", s) for s in range(3)]
    record = records[-1]
    assert record.task == task
    assert record.probabilities.dtype == np.float32
    assert record.probabilities.tobytes() == np.ascontiguousarray(stored, np.float32).tobytes()
    np.testing.assert_array_equal(record.labels, stored_labels)
    assert record.weights.tobytes() == weights.tobytes()
    assert record.example_ids == ids


def test_float16_and_from_logits_through_the_tf_op(tmp_path):
    logits = rng.normal(size=(N, 3)).astype(np.float32)
    labels = rng.integers(0, 3, N)
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        tbc.summary.predictions("p", labels, logits, step=0, from_logits=True, dtype="float16",
                                class_names=["a", "b", "c"])
    (record,) = tbc.read(str(tmp_path))
    assert record.probabilities.dtype == np.float16 and record.class_names == ["a", "b", "c"]
    np.testing.assert_allclose(record.probabilities, tf.nn.softmax(logits).numpy(), atol=1e-3)

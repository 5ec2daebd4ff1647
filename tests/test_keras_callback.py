"""ConfusionMatrixCallback on a real short training (scikit-learn digits, Keras 3 on TensorFlow)."""

import collections
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.reading import offline  # noqa: E402
from tb_confusion.keras import ConfusionMatrixCallback  # noqa: E402
from tb_confusion.keras.callback import _is_chief  # noqa: E402

# Keras' own TensorBoard callback converts its learning-rate variable with a NumPy-2 deprecation.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
EPOCHS = 3
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def digits():
    data = load_digits()
    return (data.data / 16).astype("float32"), data.target.astype("int64")


def tiny_model():
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


class DigitBatches(keras.utils.PyDataset):
    """Like a flow_from_directory iterator: batches by index, with class_indices."""

    class_indices = {name: i for i, name in enumerate(NAMES)}

    def __init__(self, x, y, batch_size=50):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        cut = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[cut], self.y[cut]


def endless(x, y, batch_size=40):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One fit with several callbacks side by side, plus Keras' own TensorBoard callback."""
    keras.utils.set_random_seed(0)
    logdir = str(tmp_path_factory.mktemp("logs"))
    x, y = digits()
    train, val, test = slice(0, 1200), slice(1200, 1560), slice(1560, None)
    ids = np.array([f"digit-{i}" for i in range(1200, 1560)])
    shuffled = (tf.data.Dataset.from_tensor_slices(({"pixels": x[val], "id": ids}, y[val]))
                .shuffle(360, reshuffle_each_iteration=True).batch(32))
    weights = np.linspace(0.5, 2.0, len(y[test]))
    test_ids = [f"test-{i}" for i in range(len(y[test]))]
    callbacks = [
        keras.callbacks.TensorBoard(logdir, write_graph=False, profile_batch=0),
        ConfusionMatrixCallback(logdir, shuffled, example_ids="id", class_names=NAMES),
        ConfusionMatrixCallback(logdir, (x[test], y[test], weights), name="test", every_n_epochs=2,
                                example_ids=test_ids),
        ConfusionMatrixCallback(logdir, DigitBatches(x[train][:300], y[train][:300]), name="pydataset"),
        ConfusionMatrixCallback(logdir, endless(x[test], y[test]), name="generator", tag="gen", steps=3),
    ]
    model = tiny_model()
    model.fit(x[train], y[train], epochs=EPOCHS, batch_size=64, verbose=0, callbacks=callbacks,
              validation_data=(x[val], y[val]))
    return dict(logdir=logdir, model=model, x=x, y=y, val=val, test=test, ids=ids, weights=weights,
                test_ids=test_ids)


def records(logdir, run, tag="predictions"):
    return list(tbc.read(logdir, run=run, tag=tag))


def test_every_epoch_is_written_at_step_epoch(trained):
    assert [r.step for r in records(trained["logdir"], "validation")] == list(range(EPOCHS))


def test_shuffled_dataset_stays_aligned_with_predictions(trained):
    x, y, val = trained["x"], trained["y"], trained["val"]
    first, *_, last = records(trained["logdir"], "validation")
    assert collections.Counter(last.labels.tolist()) == collections.Counter(y[val].tolist())
    order = [int(i.split("-")[1]) - 1200 for i in last.example_ids]
    assert sorted(order) == list(range(360))
    assert order != list(range(360)) and first.example_ids != last.example_ids  # reshuffled each epoch
    np.testing.assert_array_equal(last.labels, y[val][order])
    expected = trained["model"].predict(x[val], verbose=0)[order]
    assert last.probabilities.dtype == np.float32
    np.testing.assert_allclose(last.probabilities, expected, rtol=1e-6, atol=1e-7)
    assert last.class_names == NAMES and last.task == "multiclass"


def test_arrays_with_weights_and_every_n_epochs(trained):
    x, y, test = trained["x"], trained["y"], trained["test"]
    recs = records(trained["logdir"], "test")
    assert [r.step for r in recs] == [1, 2]  # every 2nd epoch, and always the last
    last = recs[-1]
    np.testing.assert_array_equal(last.labels, y[test])
    np.testing.assert_array_equal(last.weights, trained["weights"])
    assert last.example_ids == trained["test_ids"]
    np.testing.assert_allclose(last.probabilities, trained["model"].predict(x[test], verbose=0),
                               rtol=1e-6, atol=1e-7)


def test_pydataset_gives_class_names_from_class_indices(trained):
    recs = records(trained["logdir"], "pydataset")
    assert [r.step for r in recs] == list(range(EPOCHS))
    assert recs[-1].class_names == NAMES
    np.testing.assert_array_equal(recs[-1].labels, trained["y"][:300])


def test_generator_reads_steps_batches_per_epoch(trained):
    recs = records(trained["logdir"], "generator", tag="gen")
    batches = endless(trained["x"][trained["test"]], trained["y"][trained["test"]])
    for rec in recs:  # the generator continues where the previous epoch stopped
        expected = np.concatenate([next(batches)[1] for _ in range(3)])
        np.testing.assert_array_equal(rec.labels, expected)


def test_runs_sit_beside_keras_tensorboard_runs(trained):
    logdir = trained["logdir"]
    assert sorted(offline.list_series(logdir)) == ["generator", "pydataset", "test", "validation"]
    validation_files = [f for f in os.listdir(os.path.join(logdir, "validation")) if "tfevents" in f]
    assert len(validation_files) == 2  # Keras' scalars and ours: see docs/keras.md
    assert os.path.isdir(os.path.join(logdir, "train"))


def test_bad_data_raises_validation_error_and_writes_nothing(tmp_path):
    x, y = digits()
    wrong = np.where(y[:64] == 0, 12, y[:64])  # a label outside the model's 10 classes
    callback = ConfusionMatrixCallback(str(tmp_path), (x[:64], wrong))
    with pytest.raises(ValueError, match="labels"):
        tiny_model().fit(x[:64], y[:64], epochs=1, verbose=0, callbacks=[callback])
    assert not os.path.exists(tmp_path / "validation")


X, Y = np.zeros((4, 64), "float32"), np.array([0, 1, 2, 3])


def _gen():
    yield X, Y


@pytest.mark.parametrize("kwargs, message", [
    (dict(every_n_epochs=0), "every_n_epochs must be a positive integer; got 0"),
    (dict(every_n_epochs=1.5), "every_n_epochs must be a positive integer; got 1.5"),
    (dict(every_n_epochs=True), "every_n_epochs must be a positive integer; got True"),
    (dict(log_dir=""), "log_dir must be a non-empty path; got ''"),
    (dict(name=""), "name must be a non-empty string; got ''"),
    (dict(tag=None), "tag must be a non-empty string; got None"),
    (dict(dtype="float64"), "dtype must be one of 'float32', 'float16'; got 'float64'"),
    (dict(task="regression"), "task must be one of 'binary', 'multiclass', 'multilabel', 'segmentation' or None; got 'regression'"),
    (dict(from_logits="yes"), "from_logits must be True or False; got 'yes'"),
    (dict(steps=0), "steps must be a positive integer; got 0"),
    (dict(batch_size=-1), "batch_size must be a positive integer; got -1"),
    (dict(class_names="abc"), "class_names must be a sequence of strings; got 'abc'"),
    (dict(data=42), "data must be .* got 42"),
    (dict(data=(X, Y[:3])), "data x must have 3 rows like y; got 4"),
    (dict(data=_gen()), "data is a generator/iterator without len\\(\\): pass steps="),
    (dict(example_ids=["a", "b"]), "example_ids must have 4 entries .* got 2"),
    (dict(data=tf.data.Dataset.from_tensor_slices((X, Y)).batch(2), example_ids=[1, 2, 3, 4]),
     "example_ids must be the name of a feature of a dict x for tf.data.Dataset data"),
])
def test_bad_constructor_arguments_name_the_argument(kwargs, message):
    arguments = dict(log_dir="logs", data=(X, Y))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ConfusionMatrixCallback(arguments.pop("log_dir"), arguments.pop("data"), **arguments)


class _Resolver:
    def __init__(self, cluster, task_type, task_id):
        self.cluster, self.task_type, self.task_id = cluster, task_type, task_id

    def cluster_spec(self):
        return tf.train.ClusterSpec(self.cluster)


class _Strategy:
    def __init__(self, resolver):
        self.cluster_resolver = resolver


@pytest.mark.parametrize("cluster, task_type, task_id, chief", [
    ({"worker": ["a:1", "b:1"]}, "worker", 0, True),
    ({"worker": ["a:1", "b:1"]}, "worker", 1, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, "chief", 0, True),
    ({"chief": ["c:1"], "worker": ["a:1"]}, "worker", 0, False),
    ({"worker": ["a:1"], "evaluator": ["e:1"]}, "evaluator", 0, False),
])
def test_only_the_chief_writes_in_multi_worker_training(cluster, task_type, task_id, chief):
    assert _is_chief(_Strategy(_Resolver(cluster, task_type, task_id))) is chief
    assert _is_chief(tf.distribute.get_strategy()) is True


MIRRORED = textwrap.dedent("""
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np, tensorflow as tf, keras
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import tb_confusion as tbc
    from tests.test_keras_callback import digits, tiny_model
    keras.utils.set_random_seed(0)
    x, y = digits()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    with strategy.scope():
        model = tiny_model()
    ds = tf.data.Dataset.from_tensor_slices((x[1200:1500], y[1200:1500])).shuffle(300).batch(32)
    callback = tbc.keras.ConfusionMatrixCallback(sys.argv[1], ds)
    model.fit(x[:1200], y[:1200], epochs=2, batch_size=64, verbose=0, callbacks=[callback])
    recs = list(tbc.read(sys.argv[1]))
    assert [r.step for r in recs] == [0, 1], [r.step for r in recs]
    assert sorted(recs[-1].labels.tolist()) == sorted(y[1200:1500].tolist())
    print("ok")
""")


def test_mirrored_strategy_with_two_logical_cpus(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", MIRRORED, str(tmp_path)], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]

"""Attributes through the Keras callback (features of a dict x through a shuffling tf.data pass, a PyDataset, or
N values beside arrays) and through the doors' Collector: each example keeps its own attribute values."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion import slices  # noqa: E402
from tb_confusion.doors.collect import Collector  # noqa: E402
from tb_confusion.keras import ConfusionMatrixCallback  # noqa: E402
from tb_confusion.storage import metadata, payload  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
N = 120
SOURCES = np.array(["web", "scan", "phone"])


def _data():
    rng = np.random.default_rng(3)
    x = rng.random((N, 8)).astype("float32")
    y = rng.integers(0, 3, N)
    return x, y, SOURCES[np.arange(N) % 3], (np.arange(N) // 7 % 4).astype("int64")


def _model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, source):
        super().__init__()
        self.x, self.y, self.source = x, y, source

    def __len__(self):
        return 4

    def __getitem__(self, i):
        cut = slice(i * 30, (i + 1) * 30)
        return {"pixels": self.x[cut], "source": self.source[cut], "id": np.arange(N)[cut]}, self.y[cut]


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    keras.utils.set_random_seed(0)
    logdir = str(tmp_path_factory.mktemp("logs"))
    x, y, source, device = _data()
    shuffled = (tf.data.Dataset.from_tensor_slices(({"pixels": x, "id": np.arange(N), "source": source,
                                                      "device": device}, y)).shuffle(N).batch(16))
    callbacks = [
        ConfusionMatrixCallback(logdir, shuffled, example_ids="id", attributes=["source", "device"]),
        ConfusionMatrixCallback(logdir, _Batches(x, y, source), name="pydataset", example_ids="id",
                                attributes="source"),
        ConfusionMatrixCallback(logdir, (x, y), name="arrays", batch_size=50,
                                attributes={"source": source.tolist(), "device": device}),
    ]
    model = _model()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=callbacks)
    return logdir, x, y, source, device


def test_features_of_a_shuffled_dataset_follow_their_examples(logged):
    logdir, _, y, source, device = logged
    first, last = tbc.read(logdir, run="validation")
    for record in (first, last):
        order = [int(i) for i in record.example_ids]
        assert sorted(order) == list(range(N))
        assert record.attributes == {"source": source[order].tolist(), "device": device[order].tolist()}
        np.testing.assert_array_equal(record.labels, y[order])
    assert first.example_ids != last.example_ids  # reshuffled, and the attributes moved with them
    web = slices.only(last, {"source": "web"})
    assert sorted(int(i) for i in web.example_ids) == np.flatnonzero(source == "web").tolist()


def test_python_batches_and_arrays_carry_attributes(logged):
    logdir, _, y, source, device = logged
    record = list(tbc.read(logdir, run="pydataset"))[-1]
    assert record.attributes == {"source": source.tolist()} and record.example_ids == [str(k) for k in range(N)]
    record = list(tbc.read(logdir, run="arrays"))[-1]
    assert record.attributes == {"source": source.tolist(), "device": device.tolist()}
    np.testing.assert_array_equal(record.labels, y)


def test_bad_attributes_are_refused_at_construction(tmp_path):
    x, y, source, _ = _data()
    dataset = tf.data.Dataset.from_tensor_slices(({"pixels": x, "source": source}, y)).batch(16)
    with pytest.raises(ValueError, match="attributes must name features of a dict x for tf.data.Dataset data"):
        ConfusionMatrixCallback(str(tmp_path), dataset, attributes={"source": source})
    with pytest.raises(ValueError, match=r"attributes\['source'\] must have 120 values \(one per row of data\); got 3"):
        ConfusionMatrixCallback(str(tmp_path), (x, y), attributes={"source": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="attributes must be the name of a feature"):
        ConfusionMatrixCallback(str(tmp_path), dataset, attributes=["source", "source"])
    with pytest.raises(ValueError, match="a per-pixel \\(segmentation\\) step keeps sums"):
        ConfusionMatrixCallback(str(tmp_path), dataset, task="segmentation", attributes="source")


def test_a_missing_feature_is_named(tmp_path):
    x, y, source, _ = _data()
    dataset = tf.data.Dataset.from_tensor_slices(({"pixels": x, "source": source}, y)).batch(16)
    callback = ConfusionMatrixCallback(str(tmp_path), dataset, attributes="device")
    callback.set_model(_model())
    with pytest.raises(ValueError, match=r"attributes feature 'device' names a feature of a dict x, but the batch x "
                                         r"has keys \['pixels', 'source'\]"):
        callback.on_epoch_end(0)
    assert not os.path.exists(tmp_path / "validation")


def test_the_collector_gathers_attributes_batch_by_batch():
    collector = Collector()
    rng = np.random.default_rng(0)
    for start in (0, 4):
        collector.add(rng.integers(0, 2, 4), rng.random(4), attributes={"source": ["a", "b", "a", "c"][:4],
                                                                          "night": np.array([True, False] * 2)})
    value = collector.summary_pb("p").value[0]
    record = payload.decode(value.tensor.string_val[0], metadata.parse_plugin_data(value.metadata.plugin_data.content))
    assert record.attributes == {"source": ["a", "b", "a", "c"] * 2, "night": [True, False] * 4}
    collector.reset()
    collector.add([0, 1], [0.2, 0.8], attributes={"source": ["a", "b"]})
    collector.add([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match=r"attributes\['source'\] were given for 1 of 2 batches"):
        collector.arrays()


def test_the_tf_summary_door_writes_the_bytes_of_predictions_pb(tmp_path):
    x, y, source, device = _data()
    p = np.full((N, 3), 1 / 3, np.float32)
    attributes = {"source": source, "device": device}
    with tf.summary.create_file_writer(str(tmp_path / "run")).as_default():
        assert bool(tbc.summary.predictions("p", y, p, step=0, attributes=attributes))
    (record,) = tbc.read(str(tmp_path))
    value = tbc.summary.predictions_pb("p", y, p, attributes=attributes).value[0]
    from tb_confusion.reading import offline

    (series,) = offline.scan(str(tmp_path))["run"].values()
    assert bytes(offline.payload_of(series, series.steps[0])) == value.tensor.string_val[0]
    assert record.attributes == {"source": source.tolist(), "device": device.tolist()}

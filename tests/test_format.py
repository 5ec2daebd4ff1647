"""The storage contract: descriptor, payload round trip, versions, corruption."""

import subprocess
import sys

import numpy as np
import pytest
from google.protobuf import descriptor_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tb_confusion import errors
from tb_confusion.storage import _proto, payload as fmt, metadata


def test_runtime_descriptor_matches_the_proto_file(tmp_path):
    out = tmp_path / "set.pb"
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "--proto_path=.", f"--descriptor_set_out={out}",
         "tb_confusion/tb_confusion.proto"],
        check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]),
    )
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    built = _proto.file_descriptor_proto()
    assert [m.name for m in built.message_type] == [m.name for m in compiled.message_type]
    for ours, theirs in zip(built.message_type, compiled.message_type):
        assert [(f.name, f.number, f.type, f.label, f.type_name) for f in ours.field] == \
               [(f.name, f.number, f.type, f.label, f.type_name) for f in theirs.field]


def _plugin_data(task, class_names, dtype="float32"):
    md = metadata.create_summary_metadata(task=task, class_names=class_names, dtype=dtype)
    return metadata.parse_plugin_data(md.plugin_data.content)


probabilities_32 = hnp.arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(2, 6)),
                              elements=st.floats(0, 1, width=32))


@settings(max_examples=60, deadline=None)
@given(probabilities=probabilities_32, data=st.data(), with_ids=st.booleans(), with_weights=st.booleans())
def test_payload_round_trip_is_bit_exact(probabilities, data, with_ids, with_weights):
    n, c = probabilities.shape
    sums = probabilities.sum(axis=1, keepdims=True, dtype=np.float64)
    # rows of a multiclass tag are softmax outputs (the decoder checks what the writers check)
    probabilities = np.where(sums > 1e-3, probabilities / np.maximum(sums, 1e-3), 1 / c).astype(np.float32)
    labels = data.draw(hnp.arrays(np.uint8, (n,), elements=st.integers(0, c - 1)))
    ids = data.draw(st.lists(st.text(max_size=5), min_size=n, max_size=n)) if with_ids else None
    weights = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(0, 1e6))) if with_weights else None
    payload = fmt.encode(labels, probabilities, weights=weights, example_ids=ids)
    record = fmt.decode(payload, _plugin_data("multiclass", [str(i) for i in range(c)]), step=3)
    assert record.probabilities.dtype == np.float32
    assert record.probabilities.tobytes() == probabilities.tobytes()
    assert np.array_equal(record.labels, labels)
    assert record.example_ids == ids
    assert (record.weights is None) == (weights is None)
    if weights is not None:
        assert record.weights.tobytes() == weights.tobytes()
    assert record.step == 3


def test_example_id_lookup_decodes_one_id():
    ids = ["a", "é", "", "long id with spaces"]
    record = fmt.decode(fmt.encode(np.zeros(4, np.uint8), np.full(4, 0.5, np.float32), example_ids=ids),
                        _plugin_data("binary", ["0", "1"]))
    assert [record.example_id(i) for i in range(4)] == ids
    no_ids = fmt.decode(fmt.encode(np.zeros(2, np.uint8), np.zeros(2, np.float32)), _plugin_data("binary", ["0", "1"]))
    assert no_ids.example_ids is None and no_ids.example_id(1) == "1"


def test_newer_payload_version_is_refused_with_a_clear_message():
    payload = _proto.Payload.FromString(fmt.encode(np.zeros(2, np.uint8), np.zeros(2, np.float32)))
    payload.version = metadata.FORMAT_VERSION + 1
    newer = metadata.FORMAT_VERSION + 1
    with pytest.raises(metadata.FormatVersionError, match=rf"format version {newer}.*upgrade tb_confusion"):
        fmt.decode(payload.SerializeToString(), _plugin_data("binary", ["0", "1"]))


def test_newer_plugin_data_version_is_refused():
    content = _proto.PluginData(version=metadata.FORMAT_VERSION + 5, task="binary").SerializeToString()
    with pytest.raises(metadata.FormatVersionError, match=f"format version {metadata.FORMAT_VERSION + 5}"):
        metadata.parse_plugin_data(content)


def test_corrupt_payload_names_the_array():
    payload = _proto.Payload.FromString(fmt.encode(np.zeros(3, np.uint8), np.zeros(3, np.float32)))
    payload.probabilities.data = payload.probabilities.data[:-4]
    with pytest.raises(ValueError, match="probabilities has 8 bytes for shape"):
        fmt.decode(payload.SerializeToString(), _plugin_data("binary", ["0", "1"]))


def test_summary_metadata_is_a_blob_sequence_with_tag_constant_facts():
    from tensorboard.compat.proto import summary_pb2

    md = metadata.create_summary_metadata(task="multiclass", class_names=["a", "b", "c"], dtype="float16")
    assert md.data_class == summary_pb2.DATA_CLASS_BLOB_SEQUENCE
    assert md.plugin_data.plugin_name == "tb_confusion"
    parsed = metadata.parse_plugin_data(md.plugin_data.content)
    assert (parsed.version, parsed.task, list(parsed.class_names), parsed.dtype, parsed.num_classes) == \
           (metadata.EXACT_VERSION, "multiclass", ["a", "b", "c"], "float16", 3)


@pytest.mark.parametrize("task,names,labels,probabilities", [
    ("multiclass", ["a", "b", "c"], [0, 3], np.full((2, 4), 0.25, np.float32)),  # 4 classes now
    ("multiclass", ["a", "b", "c"], [0, 5], np.full((2, 3), 1 / 3, np.float32)),  # label out of range
    ("binary", ["no", "yes"], [0, 1], np.full((2, 3), 1 / 3, np.float32)),
    ("multilabel", ["x", "y"], np.array([[0, 1]], np.uint8), np.full((1, 3), 0.5, np.float32)),
])
def test_a_step_that_does_not_fit_its_tag_is_refused(task, names, labels, probabilities):
    payload = fmt.encode(np.asarray(labels, np.uint8), probabilities)
    with pytest.raises(ValueError, match=rf"does not match its tag: the tag holds {task} predictions"):
        fmt.decode(payload, _plugin_data(task, names))


def test_a_damaged_byte_anywhere_in_a_payload_is_caught_by_its_checksum():
    data = fmt.encode(np.array([0, 1, 1], np.uint8), np.array([0.2, 0.7, 0.9], np.float32),
                      weights=np.ones(3), example_ids=["a", "b", "c"])
    tag = _plugin_data("binary", ["0", "1"])
    assert fmt.decode(data, tag).labels.tolist() == [0, 1, 1]
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        with pytest.raises(errors.Unreadable):
            fmt.decode(bytes(damaged), tag)


def test_version_1_payloads_without_a_checksum_stay_readable():
    message = _proto.Payload.FromString(fmt.encode(np.array([0, 1], np.uint8), np.array([0.3, 0.6], np.float32)))
    message.ClearField("checksum")
    message.version = 1
    record = fmt.decode(message.SerializeToString(), _plugin_data("binary", ["0", "1"]))
    assert record.probabilities.tolist() == pytest.approx([0.3, 0.6])
    message.version = 2
    with pytest.raises(errors.Unreadable, match="no checksum"):
        fmt.decode(message.SerializeToString(), _plugin_data("binary", ["0", "1"]))

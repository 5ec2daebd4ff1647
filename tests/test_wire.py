"""The zero-copy wire walk agrees with the protobuf runtime on events and payloads."""

import struct

import google_crc32c
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2

from tb_confusion.reading import offline as reader
from tb_confusion.storage import _proto, payload as fmt, metadata, wire

tags = st.text(min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(step=st.integers(-(2**63), 2**63 - 1), wall_time=st.floats(allow_nan=False),
       values=st.lists(st.tuples(tags, st.binary(max_size=50), st.booleans()), max_size=4))
def test_event_header_and_payload_match_protobuf(step, wall_time, values):
    event = event_pb2.Event(step=step, wall_time=wall_time)
    for tag, payload, with_metadata in values:
        value = event.summary.value.add(tag=tag)
        value.tensor.string_val.append(payload)
        if with_metadata:
            value.metadata.plugin_data.plugin_name = "tb_confusion"
    data = event.SerializeToString()
    parsed_step, parsed_wall_time, headers = reader._event_header(data)
    assert (parsed_step, parsed_wall_time) == (step, wall_time)
    assert [h[0] for h in headers] == [v.tag for v in event.summary.value]
    for (tag, md), value in zip(headers, event.summary.value):
        assert (md is None) == (not value.HasField("metadata"))
        if md is not None:
            assert summary_pb2.SummaryMetadata.FromString(md) == value.metadata
    for value in event.summary.value:  # the first value with a tag wins, as in the reader
        first = next(v for v in event.summary.value if v.tag == value.tag)
        assert bytes(reader._payload_in_event(memoryview(data), value.tag.encode())) == first.tensor.string_val[0]


def test_payload_with_unpacked_shape_and_unknown_fields_decodes():
    payload = _proto.Payload.FromString(fmt.encode(np.array([0, 1], np.uint8), np.array([0.25, 0.75], np.float32)))
    payload.ClearField("checksum")
    data = bytearray(payload.SerializeToString())
    data += bytes([0x78, 0x05])  # field 15, varint 5: a field this version does not know
    data += bytes([0x3D]) + struct.pack("<I", google_crc32c.value(bytes(data)))  # a newer writer's checksum
    record = fmt.decode(bytes(data), metadata.parse_plugin_data(
        metadata.create_summary_metadata(task="binary", class_names=["a", "b"], dtype="float32").plugin_data.content))
    assert record.probabilities.tolist() == [0.25, 0.75]
    # shape written as unpacked varints (field 2, wire type 0) instead of packed
    array = bytes([0x0A, 0x03]) + b"|u1" + bytes([0x10, 0x02]) + bytes([0x1A, 0x02, 0x01, 0x00])
    buffer = memoryview(array)
    assert fmt._array(buffer, 0, len(array), "labels").tolist() == [1, 0]


@pytest.mark.parametrize("data", [b"\x80", b"\x0a\x05ab", b"\x0b", bytes([0xFF] * 11)])
def test_malformed_wire_data_raises_value_error(data):
    with pytest.raises(ValueError):
        list(wire.fields(data))

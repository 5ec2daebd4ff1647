"""Attributes on disk (Payload field 12): writers' checks, round trips through both storage kinds, the bytes of
steps without attributes unchanged, older readers reading a step with attributes whole, and hostile attribute
bytes refused by the decoder."""

import importlib.util
import shutil
import struct
import subprocess
import sys
import pathlib

import google_crc32c
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tb_confusion as tbc
from tb_confusion import errors
from tb_confusion.storage import _proto, attributes, id_tables, metadata, payload, wire

ROOT = pathlib.Path(__file__).resolve().parents[1]
# the last commit before attributes existed: its decoder stands for every reader that predates them
BEFORE_ATTRIBUTES = "babe04f"


def _step(pb):
    value = pb.value[0]
    return value.tensor.string_val[0], metadata.parse_plugin_data(value.metadata.plugin_data.content)


def _multiclass(n=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, c, n), rng.dirichlet(np.ones(c), n).astype(np.float32)


def test_attributes_round_trip_with_their_kinds():
    labels, p = _multiclass()
    given_attributes = {"source": ["web", "scan", "web", "é", "", "scan"], "device": np.array([3, -1, 3, 0, 2**40, 3]),
                        "flipped": [True, False, False, True, True, True]}
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, attributes=given_attributes))
    record = payload.decode(blob, plugin_data)
    assert record.attributes == {"source": given_attributes["source"], "device": [3, -1, 3, 0, 2**40, 3],
                                 "flipped": given_attributes["flipped"]}
    kinds = {a.name: (a.kind, a.values) for a in record.slice_attributes}
    assert kinds == {"source": ("str", ("", "scan", "web", "é")), "device": ("int", (-1, 0, 3, 2**40)),
                     "flipped": ("bool", (False, True))}
    assert record.probabilities.tobytes() == p.tobytes()


def test_a_compact_step_keeps_its_attributes():
    labels, p = _multiclass(50, 4)
    source = np.array(["a", "b"] * 25)
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, storage="compact",
                                                         attributes={"source": source}))
    record = payload.decode(blob, plugin_data)
    assert record.facts is not None and record.attributes == {"source": source.tolist()}


def test_many_values_take_two_bytes_per_example():
    labels, p = _multiclass(1000, 3)
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, attributes={"k": np.arange(1000) % 300}))
    (attribute,) = payload.decode(blob, plugin_data).slice_attributes
    assert attribute.codes.dtype == np.uint16 and len(attribute.values) == 300
    assert (np.asarray(attribute.values)[attribute.codes] == np.arange(1000) % 300).all()


def test_a_step_without_attributes_has_the_bytes_it_had():
    labels, p = _multiclass()
    plain = payload.encode(labels.astype(np.uint8), p)
    blob, _ = _step(tbc.summary.predictions_pb("p", labels, p))
    assert blob == plain
    assert attributes.attach(plain, None) is plain
    with_them, _ = _step(tbc.summary.predictions_pb("p", labels, p, attributes={"s": ["x"] * 6}))
    assert with_them.startswith(plain[:-5]) and len(with_them) > len(plain)


def test_the_checksum_covers_the_attributes():
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, attributes={"s": list("abcabc")}))
    body = blob[:-5]
    assert struct.unpack("<I", blob[-4:])[0] == google_crc32c.value(body)
    damaged = bytearray(blob)
    damaged[-8] ^= 1  # a code byte
    with pytest.raises(errors.Unreadable, match="checksum"):
        payload.decode(bytes(damaged), plugin_data)


def test_ids_written_once_keep_the_attributes_of_each_step():
    labels, p = _multiclass()
    pb = tbc.summary.predictions_pb("p", labels, p, example_ids=list("abcdef"), attributes={"s": list("xyxyxy")})
    blob, plugin_data = _step(pb)
    stripped = id_tables.without_ids(blob)
    record = payload.decode(stripped, plugin_data)
    assert record.example_ids is None and record.ids_digest is not None
    assert record.attributes == {"s": list("xyxyxy")}


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git history")
def test_a_reader_from_before_attributes_reads_the_step_whole(tmp_path):
    source = subprocess.run(["git", "show", f"{BEFORE_ATTRIBUTES}:tb_confusion/storage/payload.py"], cwd=ROOT,
                            capture_output=True, text=True)
    if source.returncode:
        pytest.skip(f"commit {BEFORE_ATTRIBUTES} is not in this checkout")
    assert "attributes" not in source.stdout
    path = tmp_path / "old_payload.py"
    path.write_text(source.stdout)
    spec = importlib.util.spec_from_file_location("old_payload", path)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    labels, p = _multiclass(30, 3)
    for storage in ("exact", "compact"):
        blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, storage=storage, sample_weight=np.ones(30),
                                                             attributes={"s": ["a", "b", "c"] * 10}))
        record = old.decode(blob, plugin_data)
        assert record.labels.tolist() == labels.tolist()
        if storage == "exact":
            assert record.probabilities.tobytes() == p.tobytes()
        new = payload.decode(blob, plugin_data)
        assert (new.facts is None) == (record.facts is None)
    assert plugin_data.version == metadata.COMPACT_VERSION  # no bump: compact stays 3, exact 2
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p, attributes={"s": ["a"] * 30}))
    assert plugin_data.version == metadata.EXACT_VERSION == _proto.Payload.FromString(blob).version


# ---- writers' checks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("given_attributes,message", [
    (["web"] * 6, r"attributes must be a dict"),
    ({"source": ["web"] * 5}, r"attributes\['source'\] must have 6 values .*got shape \(5,\)"),
    ({"source": ["web", 1, "a", "b", "c", "d"]}, r"attributes\['source'\] values must be all str.*got 1 \(int\)"),
    ({"device": [1, 2, True, 1, 1, 1]}, r"attributes\['device'\] .*got True \(bool\)"),
    ({"source": ["web", None, "a", "b", "c", "d"]}, r"attributes\['source'\] .*got None"),
    ({"score": np.linspace(0, 1, 6)}, r"attributes\['score'\] values must be str, int or bool; got 0\.0 .*float64"),
    ({"raw": np.array([b"a"] * 6)}, r"attributes\['raw'\] values must be str, int or bool; got b'a'"),
    ({"big": [2**64] + [0] * 5}, r"attributes\['big'\] must hold integers within int64; got 18446744073709551616"),
    ({"big": np.array([2**63] + [0] * 5, np.uint64)}, r"attributes\['big'\] must hold integers within int64"),
    ({"": ["a"] * 6}, r"attributes has a name that is not a non-empty string"),
    ({"a=b": ["a"] * 6}, r"without '='.*'a=b'"),
    ({3: ["a"] * 6}, r"attributes has a name .*: 3"),
    ({"long": ["x" * 257] + ["a"] * 5}, r"attributes\['long'\] values must be at most 256 characters"),
    ({"bad": ["\ud800"] + ["a"] * 5}, r"attributes\['bad'\] values must be text UTF-8 can hold"),
    ({"s": "abcdef"}, r"attributes\['s'\] must be a sequence of N values"),
    ({f"a{k}": ["x"] * 6 for k in range(33)}, r"at most 32 attributes; got 33"),
])
def test_bad_attributes_are_refused_naming_them(given_attributes, message):
    labels, p = _multiclass()
    with pytest.raises(ValueError, match=message):
        tbc.summary.predictions_pb("p", labels, p, attributes=given_attributes)


def test_too_many_distinct_values_are_refused():
    n = attributes.MAX_VALUES + 1
    labels = np.zeros(n, np.int64)
    p = np.full(n, 0.5, np.float32)
    with pytest.raises(ValueError, match=r"attributes\['user'\] has 65,537 distinct values; at most 65,536"):
        tbc.summary.predictions_pb("p", labels, p, attributes={"user": np.arange(n)})


def test_nothing_is_written_when_attributes_are_bad(tmp_path):
    from tb_confusion.events import EventWriter

    labels, p = _multiclass()
    with pytest.raises(ValueError):
        with EventWriter(str(tmp_path / "run")) as writer:
            writer.add_summary(tbc.summary.predictions_pb("p", labels, p, attributes={"s": [1.5] * 6}), 0)
    from tb_confusion.reading import offline

    assert offline.scan(str(tmp_path)) == {}  # the file holds no step


def test_torch_and_numpy_values_are_taken():
    torch = pytest.importorskip("torch")
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb(
        "p", labels, p, attributes={"t": torch.tensor([1, 2, 1, 2, 1, 2]), "n": np.array(["a", "b"] * 3),
                                    "b": np.array([True, False] * 3), "g": (v for v in "aabbcc")}))
    assert payload.decode(blob, plugin_data).attributes == {"t": [1, 2] * 3, "n": ["a", "b"] * 3,
                                                            "b": [True, False] * 3, "g": list("aabbcc")}


# ---- the decoder against hostile attribute bytes ----------------------------------------------------------

def _with(blob, entries):
    """`blob` (checksum last) with these field-12 entries (serialized Attribute messages) instead of its own."""
    body = b"".join(bytes(blob[start:stop]) for number, start, stop in wire.field_spans(memoryview(blob))
                    if number not in (attributes.FIELD, 7))
    for entry in entries:
        body += bytes([attributes.FIELD << 3 | wire.LENGTH_DELIMITED]) + _varint(len(entry)) + entry
    return body + bytes([7 << 3 | wire.FIXED32]) + struct.pack("<I", google_crc32c.value(body))


def _varint(value):
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def _entry(name="s", kind="str", values=("a", "b"), codes=None, dtype="|u1", n=6, raw_values=None):
    message = _proto.Attribute(name=name, kind=kind)
    body = message.SerializeToString()
    for text in raw_values if raw_values is not None else [v.encode("utf-8") for v in values]:
        body += bytes([3 << 3 | 2]) + _varint(len(text)) + text
    array = np.asarray(codes if codes is not None else np.arange(n) % max(len(values), 1), dtype=dtype)
    codes_message = _proto.Array(dtype=dtype, shape=list(array.shape), data=array.tobytes())
    encoded = codes_message.SerializeToString()
    return body + bytes([4 << 3 | 2]) + _varint(len(encoded)) + encoded


@pytest.mark.parametrize("entries,message", [
    ([_entry(name="")], "attribute name is not a non-empty string"),
    ([_entry(name="a=b")], "without '='"),
    ([_entry(), _entry()], "attribute 's' appears twice"),
    ([_entry(kind="float")], "kind 'float'"),
    ([_entry(values=())], "needs one or more unique values"),
    ([_entry(values=("a", "a"))], "needs one or more unique values"),
    ([_entry(raw_values=[b"\xff", b"b"])], "value is not UTF-8"),
    ([_entry(raw_values=[b"x" * 257, b"b"])], "over 256 characters"),
    ([_entry(kind="int", values=("1", "01"))], r"\(int\) has value '01'"),
    ([_entry(kind="int", values=("1", str(2**63)))], r"\(int\) has value"),
    ([_entry(kind="bool", values=("True", "yes"))], r"\(bool\) has value 'yes'"),
    ([_entry(codes=[0, 1, 2, 0, 1, 0])], "code 2 for 2 values"),
    ([_entry(codes=[0, 1, 0], n=3)], r"codes of shape \(6,\)"),
    ([_entry(codes=np.zeros(6), dtype="<f8")], "codes of shape"),
    ([_entry(codes=np.zeros(6), dtype="<i4")], "codes of shape"),
    ([_entry(codes=np.zeros(6), dtype="<u8")], "codes of shape"),
    ([_entry(codes=np.zeros((6, 1)), dtype="|u1")], "codes of shape"),
    ([_entry(name=f"a{k}") for k in range(33)], "33 attributes; at most 32"),
    ([b"\x0a"], "corrupt tb_confusion payload"),
    ([b"\x08\x01"], "wire type 0"),
    ([_proto.Attribute(name="s", kind="str", values=["a"]).SerializeToString()], "needs codes"),
])
def test_hostile_attributes_are_refused(entries, message):
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p))
    with pytest.raises(errors.Unreadable, match=message):
        payload.decode(_with(blob, entries), plugin_data)


def test_attributes_with_a_wrong_wire_type_are_refused():
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p))
    body = blob[:-5] + bytes([attributes.FIELD << 3 | wire.VARINT, 1])
    with pytest.raises(errors.Unreadable, match="attributes with wire type 0"):
        payload.decode(body + bytes([7 << 3 | 5]) + struct.pack("<I", google_crc32c.value(body)), plugin_data)


def test_a_foreign_writer_may_order_values_its_own_way():
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p))
    record = payload.decode(_with(blob, [_entry(kind="int", values=("7", "-2"), codes=[1, 0, 1, 1, 0, 0],
                                                dtype="<u4")]), plugin_data)
    assert record.attributes == {"s": [-2, 7, -2, -2, 7, 7]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=st.binary(max_size=60), keep=st.booleans())
def test_random_attribute_bytes_are_refused_or_safe(entry, keep):
    labels, p = _multiclass()
    blob, plugin_data = _step(tbc.summary.predictions_pb("p", labels, p))
    entries = ([_entry()] if keep else []) + [entry]
    try:
        record = payload.decode(_with(blob, entries), plugin_data)
    except errors.Unreadable:
        return
    for attribute in record.slice_attributes or ():
        assert attribute.name and "=" not in attribute.name and len(attribute.codes) == 6
        assert int(attribute.codes.max()) < len(attribute.values)
        assert len(record.attributes[attribute.name]) == 6


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(step=__import__("hostile").steps())
def test_a_hostile_step_with_attributes_is_unreadable_or_safe_to_slice(step):
    from tb_confusion import slices

    content, data = step
    try:
        record = payload.decode(data, metadata.parse_plugin_data(content), run="r", tag="t", step=0)
    except errors.Unreadable:
        return
    for attribute in record.slice_attributes or ():
        table = slices.table(record, attribute.name, min_size=2)
        assert sum(row["count"] for row in table["slices"]) == record.num_examples
        for row in table["slices"]:
            if row["count"]:
                assert slices.only(record, [(attribute.name, row["value"])]).num_examples == row["count"]
            else:  # a value no example has (a foreign writer's table)
                with pytest.raises(errors.NotFound):
                    slices.only(record, [(attribute.name, row["value"])])

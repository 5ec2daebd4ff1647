"""Hostile steps for the readers: a valid step of a random task, then none, one or more of its fields replaced
field by field with what a foreign writer that skips tb_confusion's checks (or damaged bytes that still
parse) could store: every numpy dtype kind, negative, huge, NaN and infinite values, shapes that disagree,
varints at the limits, non-UTF-8 ids, broken metadata (class groups included), flipped or cut bytes."""

import numpy as np
from hypothesis import strategies as st
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tb_confusion.storage import _proto, metadata

DTYPE_NAMES = ["|u1", "<u2", "<i4", "<i8", "|i1", "<f2", "<f4", "<f8", ">f4", ">i8", "|b1", "<c8", "<M8[s]",
               "<m8[s]", "<U1", "|S3", "|O", "|V8", "not a dtype", ""]
VALUES = [0.0, 1.0, 0.5, -1.0, 2.0, 255.0, 1e30, -1e30, np.nan, np.inf, -np.inf, 2.0**63]
TASKS = ("binary", "multiclass", "multilabel")
FIELDS = ("labels", "probabilities", "weights", "example_id_offsets")


def _valid(task, n, c, rng):
    """{field: array} and example id bytes of a step the writers would accept."""
    if task == "multilabel":
        labels = rng.integers(0, 2, (n, c)).astype(np.uint8)
        probabilities = rng.random((n, c)).astype(np.float32)
    else:
        labels = rng.integers(0, c, n).astype(np.uint8)
        probabilities = rng.dirichlet(np.ones(c), n).astype(np.float32)
        if task == "binary" and rng.random() < 0.5:
            probabilities = probabilities[:, 1].copy()
    ids = [f"id{k}" for k in range(n)]
    offsets = np.cumsum([0] + [len(i) for i in ids]).astype("<i8")
    arrays = {"labels": labels, "probabilities": probabilities, "weights": rng.random(n) + 0.1,
              "example_id_offsets": offsets}
    return arrays, "".join(ids).encode()


@st.composite
def hostile_array(draw, like):
    """A replacement for `like`: another dtype, another shape, hostile values, or bytes cut short."""
    kind = draw(st.sampled_from(["dtype", "shape", "values", "cut", "garbage"]))
    dtype_name, shape = like.dtype.str, list(like.shape)
    data = like.tobytes()
    if kind == "dtype":
        dtype_name = draw(st.sampled_from(DTYPE_NAMES))
        try:
            dtype = np.dtype(dtype_name)
            if dtype.hasobject or dtype.kind in "UVSMm":
                raise TypeError
            with np.errstate(all="ignore"):
                data = like.astype(dtype).tobytes()
        except (TypeError, ValueError):
            data = draw(st.binary(max_size=32))
    elif kind == "shape":
        shape = draw(st.sampled_from([[], [len(like) + 1], [len(like), 7], [0], [2**64 - 1], [len(like), 2**63],
                                      [1, 1, len(like)]]))
    elif kind == "values":
        values = np.array(draw(st.lists(st.sampled_from(VALUES), min_size=like.size, max_size=like.size)))
        with np.errstate(all="ignore"):
            data = values.astype(like.dtype).tobytes()
    elif kind == "cut":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    else:
        data = draw(st.binary(max_size=64))
    return dtype_name, shape, data


@st.composite
def steps(draw):
    """(PluginData content, Payload bytes) of one step: valid, or broken in one or more fields."""
    task = draw(st.sampled_from(TASKS))
    c = 2 if task == "binary" else draw(st.integers(2 if task == "multilabel" else 3, 5))
    n = draw(st.integers(1, 8))
    arrays, ids = _valid(task, n, c, np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    stored = {name: (array.dtype.str, list(array.shape), array.tobytes()) for name, array in arrays.items()}
    for name in ("weights", "example_id_offsets"):
        if draw(st.booleans()):
            del stored[name]
    plugin = dict(version=1, task=task, class_names=[f"c{k}" for k in range(c)], positive_class=1,
                  dtype="float32", num_classes=c)
    if task == "multiclass" and draw(st.booleans()):  # class groups (storage/class_groups.py), valid
        plugin["class_groups"] = [f"g{k % 2}" for k in range(c)]
    version, damage = 1, None
    codes = np.arange(n, dtype=np.uint8) % 2
    attribute = _proto.Attribute(name="source", kind="str", values=["a", "b"]) if draw(st.booleans()) else None
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2]))):
        target = draw(st.sampled_from(FIELDS + ("ids", "plugin", "version", "bytes", "attribute")))
        if target == "attribute":  # slices (storage/attributes.py): a hostile name, kind, values or codes
            attribute = attribute or _proto.Attribute(name="source", kind="str", values=["a", "b"])
            field = draw(st.sampled_from(["name", "kind", "values", "codes"]))
            if field == "codes":  # always from the valid codes: a second draw replaces the first
                codes = draw(hostile_array(np.arange(n, dtype=np.uint8) % 2))
            elif field == "values":
                del attribute.values[:]
                attribute.values.extend(draw(st.sampled_from([[], ["a", "a"], ["a"], ["1", "01"], ["x" * 300, "b"]])))
                attribute.kind = draw(st.sampled_from(["str", "int", "bool"]))
            else:
                setattr(attribute, field, draw(st.sampled_from(["", "a=b", "float", "x" * 300])))
        elif target in FIELDS:
            stored[target] = draw(hostile_array(arrays[target]))
        elif target == "ids":
            ids = draw(st.sampled_from([b"\xff\xfe" + ids[2:], ids[:-1] + b"\xc3", "é".encode() + ids, b""]))
        elif target == "plugin":
            field, value = draw(st.sampled_from([
                ("task", "regression"), ("task", ""), ("class_names", ["a", "a"][: c] + ["b"] * (c - 2)),
                ("class_names", ["only"]), ("positive_class", 5), ("positive_class", 0), ("dtype", "int8"),
                ("num_classes", 99), ("version", 7), ("class_names", [f"c{k}" for k in range(c + 1)]),
                ("class_groups", ["g"] * c), ("class_groups", ["g"] * (c + 1)), ("class_groups", ["g"] * (c - 1) + [""]),
                ("class_groups", [" "] * c), ("class_groups", ["g"])]))
            plugin[field] = value
        elif target == "version":
            version = draw(st.sampled_from([0, 2, 2**32 - 1]))
        else:
            damage = (draw(st.booleans()), draw(st.integers(0, 10**6)))
    message = _proto.Payload(version=version, example_ids=ids)
    for name, (dtype_name, shape, data) in stored.items():
        target = getattr(message, name)
        target.dtype, target.data = dtype_name, data
        target.shape.extend(shape)
    if attribute is not None:
        entry = message.attributes.add()
        entry.CopyFrom(attribute)
        dtype_name, shape, data = codes if isinstance(codes, tuple) else (codes.dtype.str, [n], codes.tobytes())
        entry.codes.dtype, entry.codes.data = dtype_name, data
        entry.codes.shape.extend(shape)
    data = message.SerializeToString()
    if damage:
        flip, position = damage[0], damage[1] % max(1, len(data))
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:] if flip else data[:position]
    return _proto.PluginData(**plugin).SerializeToString(), data


def summary(tag, content, payload):
    """A Summary holding one step of `tag` with this PluginData content and payload bytes."""
    summary_metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME, content=content),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE)
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING, string_val=[payload],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
    value = summary_pb2.Summary()
    value.value.add(tag=tag, metadata=summary_metadata, tensor=tensor)
    return value


COUNT_ARRAYS = ("cells", "scores", "calibration", "top_k", "log_loss", "example_rows", "example_cells",
                "example_counts")


def _valid_counts(c, n, rng):
    """The payload message of an accumulated step the Accumulator would write (no checksum yet)."""
    import tb_confusion as tbc
    from tb_confusion.storage import counts_payload

    labels = rng.integers(0, c, (n, 3, 4))
    p = rng.dirichlet(np.ones(c), (n, 3, 4)).astype(np.float32)
    accumulator = tbc.Accumulator("p", class_names=[f"c{k}" for k in range(c)])
    accumulator.update(labels, p, example_ids=[f"img{k}" for k in range(n)])
    return _proto.Payload.FromString(counts_payload.encode(accumulator.state))


@st.composite
def counts_steps(draw):
    """(PluginData content, Payload bytes) of an accumulated step: valid, or broken in one or more ways."""
    from tb_confusion.storage import payload as payload_module

    c, n = draw(st.integers(2, 4)), draw(st.integers(1, 4))
    message = _valid_counts(c, n, np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    message.ClearField("checksum")
    plugin = dict(version=3, task="segmentation", class_names=[f"c{k}" for k in range(c)], num_classes=c)
    checksum, damage = True, None
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        target = draw(st.sampled_from(["array", "array", "drop", "unknown", "num_examples", "task", "ids",
                                       "checksum", "bytes", "exact_fields"]))
        entries = {entry.name: entry for entry in message.counts}
        if target == "array" and entries:
            entry = entries[draw(st.sampled_from(sorted(entries)))]
            try:  # an entry an earlier draw damaged may no longer parse: start from a plain array then
                like = np.frombuffer(entry.values.data, np.dtype(entry.values.dtype))
            except (TypeError, ValueError):
                like = np.zeros(1)
            like = like if like.size else np.zeros(1)
            dtype_name, shape, data = draw(hostile_array(like))
            entry.values.dtype, entry.values.data = dtype_name, data
            if draw(st.booleans()):
                del entry.shape[:]
                entry.shape.extend([s % 2**64 for s in shape])
        elif target == "drop":
            name = draw(st.sampled_from(COUNT_ARRAYS))
            kept = [entry for entry in message.counts if entry.name != name]
            del message.counts[:]
            message.counts.extend(kept)
        elif target == "unknown":
            message.counts.add(name="surprise").values.dtype = "<f8"
        elif target == "num_examples":
            message.num_examples = draw(st.sampled_from([0, n - 1, n + 5, 2**63]))
        elif target == "task":
            plugin["task"] = draw(st.sampled_from(["multiclass", "binary"]))
            plugin["version"] = 2
        elif target == "ids":
            message.example_ids = b"\xff" + message.example_ids[1:]
        elif target == "checksum":
            checksum = False
        elif target == "exact_fields":
            message.labels.dtype, message.labels.data = "|u1", b"\x00"
            message.labels.shape.append(1)
        else:
            damage = (draw(st.booleans()), draw(st.integers(0, 10**6)))
    data = message.SerializeToString()
    if checksum:
        import google_crc32c
        import struct

        data += payload_module._CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(data))
    if damage:
        flip, position = damage[0], damage[1] % max(1, len(data))
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:] if flip else data[:position]
    if plugin["task"] == "binary":
        plugin["class_names"] = plugin["class_names"][:2]
        plugin["num_classes"] = 2
    return _proto.PluginData(**plugin).SerializeToString(), data

"""The per-step payload: the only code that knows its bytes (see tb_confusion.proto)."""

import dataclasses
from typing import Optional

import numpy as np

from tb_confusion import _proto
from tb_confusion.metadata import FORMAT_VERSION, check_version


@dataclasses.dataclass
class Record:
    """One step of one (run, tag): labels and probabilities plus what the tag says about them.

    labels: binary/multiclass int [N] class indices; multilabel uint8 [N, C] of 0/1.
    probabilities: binary float [N] (positive class) or [N, 2]; otherwise float [N, C].
    weights: float64 [N] sample weights or None.
    """

    task: str
    labels: np.ndarray
    probabilities: np.ndarray
    class_names: list
    weights: Optional[np.ndarray] = None
    positive_class: int = 1
    run: Optional[str] = None
    tag: Optional[str] = None
    step: Optional[int] = None
    wall_time: Optional[float] = None
    _example_ids: Optional[bytes] = dataclasses.field(default=None, repr=False)
    _example_id_offsets: Optional[np.ndarray] = dataclasses.field(default=None, repr=False)

    @property
    def num_examples(self):
        return len(self.labels)

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def has_example_ids(self):
        return self._example_id_offsets is not None

    def example_id(self, index):
        """The id of example `index`, or its index as a string when no ids were logged."""
        if self._example_id_offsets is None:
            return str(int(index))
        start, stop = self._example_id_offsets[index], self._example_id_offsets[index + 1]
        return self._example_ids[start:stop].decode("utf-8")

    @property
    def example_ids(self):
        """All example ids as a list of str, or None when none were logged."""
        if self._example_id_offsets is None:
            return None
        text, offsets = self._example_ids, self._example_id_offsets.tolist()
        return [text[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]


def pack_example_ids(example_ids):
    """(utf-8 bytes, int64 offsets [N + 1]) for a sequence of str."""
    encoded = [i.encode("utf-8") for i in example_ids]
    offsets = np.zeros(len(encoded) + 1, dtype="<i8")
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return b"".join(encoded), offsets


def encode(labels, probabilities, *, weights=None, example_ids=None):
    """Serialized Payload bytes from validated arrays (see validation.prepare)."""
    payload = _proto.Payload(version=FORMAT_VERSION)
    _fill(payload.labels, labels)
    _fill(payload.probabilities, probabilities)
    if weights is not None:
        _fill(payload.weights, np.asarray(weights, dtype="<f8"))
    if example_ids is not None:
        payload.example_ids, offsets = pack_example_ids(example_ids)
        _fill(payload.example_id_offsets, offsets)
    return payload.SerializeToString()


def decode(data, plugin_data, **where):
    """A Record from Payload bytes and the tag's PluginData; `where` sets run, tag, step, wall_time."""
    payload = _proto.Payload.FromString(data)
    check_version(payload.version, "this step's payload")
    labels = _array(payload.labels, "labels")
    probabilities = _array(payload.probabilities, "probabilities")
    n = len(labels)
    weights = _array(payload.weights, "weights") if payload.HasField("weights") else None
    ids, offsets = None, None
    if payload.HasField("example_id_offsets"):
        ids, offsets = payload.example_ids, _array(payload.example_id_offsets, "example_id_offsets")
        if len(offsets) != n + 1 or offsets[-1] != len(ids):
            raise ValueError("corrupt tb_confusion payload: example_id_offsets do not match example_ids")
    if len(probabilities) != n or (weights is not None and len(weights) != n):
        raise ValueError("corrupt tb_confusion payload: arrays have different lengths")
    return Record(
        task=plugin_data.task,
        labels=labels,
        probabilities=probabilities,
        class_names=list(plugin_data.class_names),
        weights=weights,
        positive_class=plugin_data.positive_class if plugin_data.task == "binary" else 0,
        _example_ids=ids,
        _example_id_offsets=offsets,
        **where,
    )


def _fill(message, array):
    array = np.ascontiguousarray(array)
    message.dtype = array.dtype.newbyteorder("<").str if array.dtype.itemsize > 1 else array.dtype.str
    message.shape.extend(array.shape)
    message.data = array.astype(message.dtype, copy=False).tobytes()


def _array(message, what):
    try:
        dtype = np.dtype(message.dtype)
    except TypeError:
        raise ValueError(f"corrupt tb_confusion payload: {what} has dtype {message.dtype!r}") from None
    shape = tuple(message.shape)
    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(message.data):
        raise ValueError(f"corrupt tb_confusion payload: {what} has {len(message.data)} bytes for shape {shape}")
    return np.frombuffer(message.data, dtype=dtype).reshape(shape)

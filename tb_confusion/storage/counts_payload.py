"""The bytes of an accumulated step (format version 3): a CountState as named arrays in the Payload.

Counts go out as "<u4" (or "<u8") when they are integers, "<f8" when weighted, and sparse (the flat
positions of the non-zero values, then the values) whenever that is smaller: a VOC-size epoch's cells
and histograms are mostly zero. The decoder checks every array as strictly as the kernel builds them:
names, shapes, index ranges, finite non-negative values, and that the parts agree with each other.
"""

import dataclasses
import struct
from typing import Optional

import google_crc32c
import numpy as np

from tb_confusion.counts.state import CALIBRATION_BINS, CUTOFF_BINS, SCORE_BINS, CountState
from tb_confusion.errors import Unreadable
from tb_confusion.storage import _proto, payload, stored_checks, wire
from tb_confusion.storage.metadata import COUNTS_VERSION, check_version


@dataclasses.dataclass
class CountsRecord:
    """One accumulated step of one (run, tag): its CountState plus what the tag says about it.

    The counterpart of storage.payload.Record for accumulated storage; `num_examples` counts examples
    (images), `counts.total` the elements (pixels)."""

    task: str
    counts: CountState
    class_names: list
    run: Optional[str] = None
    tag: Optional[str] = None
    step: Optional[int] = None
    wall_time: Optional[float] = None
    positive_class: int = 1

    weights = None  # sums carry their weights; `counts.weighted` says whether any were given
    class_groups = None  # per-pixel tags have no super-classes (storage/class_groups.py)

    @property
    def num_examples(self):
        return self.counts.num_examples

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def has_example_ids(self):
        return self.counts.example_ids is not None

    def example_id(self, index):
        """The id of example `index`, or its index as a string when no ids were logged."""
        ids = self.counts.example_ids
        return str(int(index)) if ids is None else ids[index]

    @property
    def example_ids(self):
        return None if self.counts.example_ids is None else list(self.counts.example_ids)


def _shapes(c):
    return {"cells": (c * c, CUTOFF_BINS), "scores": (c, 2, SCORE_BINS), "calibration": (3, CALIBRATION_BINS),
            "top_k": None, "log_loss": (1,), "example_rows": None, "example_cells": None, "example_counts": None}


def encode(state):
    """Serialized Payload bytes of a CountState, checksum last."""
    message = _proto.Payload(version=COUNTS_VERSION, num_examples=state.num_examples)
    rows, cells, counts = state.examples()
    arrays = {"cells": state.cells, "scores": state.scores, "calibration": state.calibration,
              "top_k": state.top_k, "log_loss": np.array([state.log_loss]),
              "example_rows": rows, "example_cells": cells, "example_counts": counts}
    for name, array in arrays.items():
        _put(message.counts.add(name=name), array, exact=name in ("calibration", "top_k", "log_loss"))
    if state.example_ids is not None:
        message.example_ids, offsets = payload.pack_example_ids(state.example_ids)
        payload._fill(message.example_id_offsets, offsets)
    body = message.SerializeToString()
    return body + payload._CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))


def _put(entry, array, *, exact):
    """Fill a NamedArray: integer counts as the smallest unsigned type, floats as <f8; sparse if smaller."""
    flat = np.ascontiguousarray(array).reshape(-1)
    entry.shape.extend(array.shape)
    integral = not exact and flat.size and np.all(flat == np.round(flat)) and flat.min() >= 0
    dtype = np.dtype("<f8")
    if integral or not flat.size:
        dtype = np.dtype("<u4") if not flat.size or flat.max() < 2**32 else np.dtype("<u8")
    nonzero = np.flatnonzero(flat)
    index_dtype = np.dtype("<u4") if flat.size < 2**32 else np.dtype("<u8")
    if len(nonzero) * (index_dtype.itemsize + dtype.itemsize) < flat.size * dtype.itemsize:
        payload._fill(entry.index, nonzero.astype(index_dtype))
        flat = flat[nonzero]
    payload._fill(entry.values, flat.astype(dtype))


def decode(buffer, plugin_data, **where):
    """A CountsRecord from the bytes of a version-3 Payload (already known to hold counts)."""
    c = len(plugin_data.class_names)
    shapes = _shapes(c)
    arrays, ids, offsets, num_examples, checksum, version = {}, None, None, 0, None, 0
    try:
        for number, wire_type, value in wire.fields(buffer):
            if number == 1:
                version = value
            elif number == 7 and wire_type == wire.FIXED32:
                checksum = value
            elif number == 8 and wire_type == wire.LENGTH_DELIMITED:
                name, array = named_array(buffer, *value, shapes)
                arrays[name] = array
            elif number == 9 and wire_type == wire.VARINT:
                num_examples = value
            elif number == 5 and wire_type == wire.LENGTH_DELIMITED:
                ids = bytes(buffer[value[0]:value[1]])
            elif number == 6 and wire_type == wire.LENGTH_DELIMITED:
                offsets = payload._array(buffer, *value, "example_id_offsets")
    except Unreadable:
        raise
    except (ValueError, IndexError, TypeError, OverflowError) as error:
        raise Unreadable(f"corrupt tb_confusion payload: {error}") from None
    check_version(version, "this step's payload")
    payload._check_checksum(buffer, checksum)
    missing = [name for name in shapes if name not in arrays]
    if missing:
        raise Unreadable(f"corrupt tb_confusion payload: accumulated step without {', '.join(missing)}")
    state = CountState(c)
    if arrays["top_k"].shape != state.top_k.shape:
        raise Unreadable(f"corrupt tb_confusion payload: top_k has shape {arrays['top_k'].shape}; "
                         f"{len(state.ks)} classes ranks expected")
    state.cells, state.scores, state.calibration, state.top_k = (
        arrays["cells"], arrays["scores"], arrays["calibration"], arrays["top_k"])
    state.log_loss = float(arrays["log_loss"][0])
    state.num_examples = int(num_examples)
    rows, cells, counts = (arrays[name] for name in ("example_rows", "example_cells", "example_counts"))
    _check_examples(rows, cells, counts, num_examples, c)
    state.set_examples(rows.astype(np.int64), cells.astype(np.int64), counts)
    state.weighted = any(_weighted(arrays[name]) for name in ("cells", "scores", "example_counts"))
    if offsets is not None:
        ids = ids or b""
        stored_checks.check_example_ids(ids, offsets, num_examples)
        text, bounds = ids, offsets.tolist()
        state.example_ids = [text[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:])]
    _check_consistent(state)
    return CountsRecord(task=plugin_data.task, counts=state, class_names=list(plugin_data.class_names), **where)


def named_array(buffer, start, stop, shapes, keep_dtype=()):
    """(name, array) of the NamedArray in buffer[start:stop]: its name must be a key of `shapes` and its
    shape the value there (None: any one dimension). The array is dense float64, checked finite and
    non-negative, except for names in `keep_dtype`: those come as stored (a zero-copy view of a dense
    array), for the caller to check."""
    name, values, index, shape = None, None, None, []
    for number, wire_type, value in wire.fields(buffer, start, stop):
        if number == 1 and wire_type == wire.LENGTH_DELIMITED:
            name = bytes(buffer[value[0]:value[1]]).decode("ascii", "replace")
        elif number == 2 and wire_type == wire.LENGTH_DELIMITED:
            values = (value, "values")
        elif number == 3 and wire_type == wire.LENGTH_DELIMITED:
            index = value
        elif number == 4:
            shape += [value] if wire_type == wire.VARINT else wire.packed_varints(buffer, *value)
    if name not in shapes:
        raise Unreadable(f"corrupt tb_confusion payload: unknown accumulated array {name!r}")
    if values is None:
        raise Unreadable(f"corrupt tb_confusion payload: accumulated array {name!r} has no values")
    stored_checks.check_shape(shape, name)
    expected = shapes[name]
    if (tuple(shape) != expected) if expected is not None else len(shape) != 1:
        raise Unreadable(f"corrupt tb_confusion payload: {name} has shape {tuple(shape)}; expected "
                         f"{expected if expected is not None else 'one dimension'}")
    data = payload._array(buffer, *values[0], name).reshape(-1)
    size = int(np.prod(shape, dtype=np.int64))
    if name in keep_dtype:
        if index is not None or data.size != size:
            raise Unreadable(f"corrupt tb_confusion payload: {name} has {data.size} values for shape {tuple(shape)}")
        return name, data.reshape(shape)
    if index is None:
        if data.size != size:
            raise Unreadable(f"corrupt tb_confusion payload: {name} has {data.size} values for shape {tuple(shape)}")
        dense = data.astype(np.float64)
    else:
        positions = payload._array(buffer, *index, f"{name} index").reshape(-1)
        if positions.dtype.kind != "u" or len(positions) != len(data):
            raise Unreadable(f"corrupt tb_confusion payload: {name} has a bad sparse index")
        if len(positions) and (positions[-1] >= size or np.any(np.diff(positions.astype(np.int64)) <= 0)):
            raise Unreadable(f"corrupt tb_confusion payload: {name}'s sparse index is out of range or unsorted")
        dense = np.zeros(size)
        dense[positions.astype(np.int64)] = data
    if dense.size and (not np.isfinite(dense).all() or dense.min() < 0):
        raise Unreadable(f"corrupt tb_confusion payload: {name} holds negative, NaN or infinite values")
    return name, dense.reshape(shape)


def _weighted(array):
    return bool(array.size) and not np.all(array == np.round(array))


def _check_examples(rows, cells, counts, num_examples, c):
    if not len(rows) == len(cells) == len(counts):
        raise Unreadable("corrupt tb_confusion payload: per-example arrays have different lengths")
    if len(rows) and (rows.max() >= num_examples or cells.max() >= c * c):
        raise Unreadable(f"corrupt tb_confusion payload: per-example cells beyond {num_examples} examples "
                         f"or {c * c} cells")


def _check_consistent(state):
    """The parts of one state describe the same elements: each class's positives are its matrix row,
    every class histogram holds every element, per-example counts sum to the matrix."""
    rows = state.matrix.sum(axis=1)
    total = rows.sum()
    tolerance = 1e-6 * max(1.0, total)
    positives = state.scores[:, 1].sum(axis=1)
    every = state.scores.sum(axis=(1, 2))
    _, cells, counts = state.examples()
    per_example = np.bincount(cells, counts, minlength=state.num_classes ** 2).reshape(state.matrix.shape)
    if (np.abs(positives - rows).max(initial=0) > tolerance or np.abs(every - total).max(initial=0) > tolerance
            or abs(state.calibration[0].sum() - total) > tolerance
            or np.abs(per_example - state.matrix).max(initial=0) > tolerance):
        raise Unreadable("corrupt tb_confusion payload: the accumulated arrays disagree with each other")

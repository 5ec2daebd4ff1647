"""The per-step payload: the only code that knows its bytes (see tb_confusion.proto)."""

import dataclasses
import struct
from typing import NamedTuple, Optional

import google_crc32c
import numpy as np

from tb_confusion import tasks
from tb_confusion.storage import _proto, id_tables, stored_checks, wire
from tb_confusion.storage import attributes as slice_attributes
from tb_confusion.errors import Unreadable
from tb_confusion.storage.metadata import EXACT_VERSION, check_version


@dataclasses.dataclass
class Record:
    """One step of one (run, tag): labels and probabilities plus what the tag says about them.

    labels: binary/multiclass int [N] class indices; multilabel uint8 [N, C] of 0/1.
    probabilities: binary float [N] (positive class) or [N, 2]; otherwise float [N, C]; None for a
      compact step (docs/storage.md), whose `facts` (tb_confusion.compact.facts.Facts) keep what its
      numbers need.
    weights: float64 [N] sample weights or None.
    class_groups: the tag's super-class of each class (list of str, in class_names order), or None when the tag
      has none (storage/class_groups.py; like class_names, the tag's first metadata holds them).
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
    # the digest of an id table kept in an earlier step (storage.id_tables) until attach_example_ids
    ids_digest: Optional[int] = dataclasses.field(default=None, repr=False)
    facts: Optional[object] = dataclasses.field(default=None, repr=False)
    # per-example categorical attributes (storage.attributes.Attribute, in stored order) or None
    slice_attributes: Optional[tuple] = dataclasses.field(default=None, repr=False)
    class_groups: Optional[list] = dataclasses.field(default=None, repr=False)

    def attach_example_ids(self, data, offsets):
        """Give the step the ids of the table it refers to (checked: one per example, UTF-8)."""
        stored_checks.check_example_ids(data, offsets, self.num_examples)
        self._example_ids, self._example_id_offsets, self.ids_digest = data, offsets, None

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
    def attributes(self):
        """{name: [value of each example]} of the step's categorical attributes (str, int or bool; docs/slices.md),
        {} when none were logged."""
        return {a.name: a.per_example() for a in self.slice_attributes or ()}

    @property
    def example_ids(self):
        """All example ids as a list of str, or None when none were logged."""
        if self._example_id_offsets is None:
            return None
        text, offsets = self._example_ids, self._example_id_offsets.tolist()
        return [text[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]


class PackedIds(NamedTuple):
    """Example ids as the payload stores them: UTF-8 bytes and int64 offsets [N + 1] into them."""

    data: bytes
    offsets: np.ndarray


def pack_example_ids(example_ids):
    """(utf-8 bytes, int64 offsets [N + 1]) for a sequence of str (or a PackedIds, returned as is).

    One join and one encode; per-id byte lengths come from the character lengths, mapped through the
    positions where UTF-8 code points start when any id is not ASCII.
    """
    if isinstance(example_ids, PackedIds):
        return example_ids
    text = "".join(example_ids)
    data = text.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, as str.encode does
    offsets = np.zeros(len(example_ids) + 1, dtype="<i8")
    np.cumsum(np.fromiter(map(len, example_ids), np.int64, len(example_ids)), out=offsets[1:])
    if len(data) != len(text):
        starts = np.flatnonzero(np.frombuffer(data, np.uint8) & 0xC0 != 0x80)
        offsets = np.append(starts, len(data)).astype("<i8")[offsets]
    return PackedIds(data, offsets)


def pack_text_array(array):
    """PackedIds of a 1-D numpy 'U' or 'S' array (numpy's own trailing-NUL stripping applies).

    'S' bytes are stored as they are: check them with `first_bad_utf8`. Non-ASCII 'U' text goes
    through `pack_example_ids`.
    """
    width = array.dtype.itemsize // (4 if array.dtype.kind == "U" else 1)
    if width == 0 or len(array) == 0:
        return PackedIds(b"", np.zeros(len(array) + 1, dtype="<i8"))
    native = np.ascontiguousarray(array, dtype=f"{array.dtype.kind}{width}")  # native byte order
    codes = native.view(np.uint32 if array.dtype.kind == "U" else np.uint8).reshape(len(array), width)
    if array.dtype.kind == "U" and codes.max() >= 0x80:
        return pack_example_ids(native.tolist())
    lengths = np.char.str_len(native)
    offsets = np.zeros(len(array) + 1, dtype="<i8")
    np.cumsum(lengths, out=offsets[1:])
    data = codes[np.arange(width) < lengths[:, None]].astype(np.uint8, copy=False).tobytes()
    return PackedIds(data, offsets)


def pack_integers(values):
    """PackedIds of a 1-D integer array as decimal text (what str(int(v)) gives), two digits per step.

    Digits are written right-aligned into an [N, width] byte matrix, a '-' before negative ones, and
    the used part of each row is kept: no Python string per id (numpy's astype(str) makes one each).
    """
    n = len(values)
    if n == 0:
        return PackedIds(b"", np.zeros(1, dtype="<i8"))
    negative = values < 0 if values.dtype.kind == "i" else np.zeros(n, bool)
    magnitude = values.astype(np.int64).view(np.uint64) if values.dtype.kind == "i" else values.astype(np.uint64)
    magnitude = np.where(negative, -magnitude, magnitude)  # modulo 2**64: -(-2**63) is 2**63, as wanted
    top = int(magnitude.max())
    digits = np.ones(n, np.int64)
    for power in range(1, len(str(top))):
        digits += magnitude >= np.uint64(10**power)
    remaining = magnitude.astype(np.uint32) if top < 2**32 else magnitude
    pairs = (len(str(top)) + 1) // 2
    width = 2 * pairs + 1  # a column for the sign
    text = np.empty((n, width), np.uint8)
    for pair in range(pairs):
        quotient = remaining // 100
        stop = width - 2 * pair
        text[:, stop - 2:stop] = _DIGIT_PAIRS[remaining - quotient * 100]
        remaining = quotient
    rows = np.flatnonzero(negative)
    text[rows, width - 1 - digits[rows]] = ord("-")
    lengths = digits + negative
    offsets = np.zeros(n + 1, dtype="<i8")
    np.cumsum(lengths, out=offsets[1:])
    return PackedIds(text[np.arange(width) >= (width - lengths)[:, None]].tobytes(), offsets)


_DIGIT_PAIRS = np.array([[ord("0") + i // 10, ord("0") + i % 10] for i in range(100)], np.uint8)


def first_bad_utf8(data, offsets):
    """Index of the first id in packed (data, offsets) that is not UTF-8 text, or None."""
    raw = np.frombuffer(data, np.uint8)
    if not len(raw) or raw.max() < 0x80:
        return None
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]  # non-empty ids
    try:
        data.decode("utf-8")
        # valid as a whole and every id starts a code point: each id is whole code points
        if not np.any(raw[starts] & 0xC0 == 0x80):
            return None
    except UnicodeDecodeError:
        pass
    for k in range(len(offsets) - 1):
        try:
            data[offsets[k]:offsets[k + 1]].decode("utf-8")
        except UnicodeDecodeError:
            return k
    return None  # pragma: no cover - the whole failed, so one id does


def encoded_size(*, labels_bytes, probabilities_bytes, weights_bytes=0, id_bytes=None, num_ids=0):
    """Upper estimate of the encoded payload's bytes from its parts' sizes (arrays as numpy stores them,
    ids as UTF-8), without encoding: each part plus the few bytes of its field header."""
    size = 64 + labels_bytes + probabilities_bytes + weights_bytes + 3 * _FIELD_OVERHEAD
    if id_bytes is not None:
        size += id_bytes + 8 * (num_ids + 1) + 2 * _FIELD_OVERHEAD
    return size


_FIELD_OVERHEAD = 48  # key, length varint, dtype string, shape varints of one Array field


def encode(labels, probabilities, *, weights=None, example_ids=None):
    """Serialized Payload bytes from validated arrays (see validation.prepare), checksum last (attributes are
    added to either kind of payload by storage.attributes.attach)."""
    payload = _proto.Payload(version=EXACT_VERSION)
    _fill(payload.labels, labels)
    _fill(payload.probabilities, probabilities)
    if weights is not None:
        _fill(payload.weights, np.asarray(weights, dtype="<f8"))
    put_example_ids(payload, example_ids)
    body = payload.SerializeToString()
    return body + _CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))


def put_example_ids(message, example_ids):
    """Set a Payload's ids, their offsets and their digest (storage.id_tables) from str ids or PackedIds."""
    if example_ids is None:
        return
    message.example_ids, offsets = pack_example_ids(example_ids)
    _fill(message.example_id_offsets, offsets)
    message.example_ids_digest = id_tables.digest(message.example_ids, offsets)


def decode(data, plugin_data, **where):
    """A Record from Payload bytes and the tag's PluginData; `where` sets run, tag, step, wall_time.

    The arrays are read-only numpy views into `data` (bytes or memoryview): no copy is made.
    """
    buffer = memoryview(data)
    arrays, version, ids, checksum, compact, digest, attribute_spans = {}, 0, None, None, False, None, []
    accumulated = tasks.get(plugin_data.task).storage == "counts"
    try:
        for number, wire_type, value in wire.fields(buffer):
            if number == 8:  # an accumulated step's sums (version 3)
                if not accumulated:
                    raise Unreadable(f"corrupt tb_confusion payload: accumulated sums in a {plugin_data.task} tag")
                from tb_confusion.storage import counts_payload  # it builds on this module

                return counts_payload.decode(buffer, plugin_data, **where)
            if number == 1:
                version = value
            elif number == 7 and wire_type == wire.FIXED32:
                checksum = value
            elif number in _ARRAY_FIELDS:
                arrays[_ARRAY_FIELDS[number]] = _array(buffer, *value, _ARRAY_FIELDS[number])
            elif number == 5:
                ids = bytes(buffer[value[0]:value[1]])
            elif number == 10:  # a compact step's facts (version 3), read by compact_payload
                compact = True
            elif number == id_tables.DIGEST_FIELD and wire_type == wire.FIXED64:
                digest = struct.unpack("<Q", buffer[value[0]:value[1]])[0]
            elif number == slice_attributes.FIELD:
                if wire_type != wire.LENGTH_DELIMITED:
                    raise Unreadable(f"corrupt tb_confusion payload: attributes with wire type {wire_type}")
                attribute_spans.append(value)
    except Unreadable:
        raise
    except (ValueError, IndexError, TypeError, OverflowError) as error:
        raise Unreadable(f"corrupt tb_confusion payload: {error}") from None
    check_version(version, "this step's payload")
    if version >= 2:
        _check_checksum(buffer, checksum)
    if accumulated:
        raise Unreadable(f"corrupt tb_confusion payload: a {plugin_data.task} step without accumulated sums")
    if compact:
        record = _decode_compact(buffer, plugin_data, arrays, ids, where)
        record.ids_digest = digest if record._example_id_offsets is None else None
        record.slice_attributes = slice_attributes.decode(buffer, attribute_spans, record.num_examples)
        record.class_groups = _class_groups(plugin_data)
        return record
    for required in ("labels", "probabilities"):
        if required not in arrays:
            raise Unreadable(f"corrupt tb_confusion payload: no {required}")
    labels, probabilities = arrays["labels"], arrays["probabilities"]
    if labels.ndim not in (1, 2) or probabilities.ndim not in (1, 2):
        raise Unreadable(f"corrupt tb_confusion payload: labels of shape {labels.shape} and probabilities of "
                         f"shape {probabilities.shape}")
    n = len(labels)
    weights, offsets = arrays.get("weights"), arrays.get("example_id_offsets")
    if len(probabilities) != n or (weights is not None and (weights.ndim != 1 or len(weights) != n)):
        raise Unreadable("corrupt tb_confusion payload: arrays have different lengths")
    if offsets is not None:
        ids = ids or b""
        stored_checks.check_example_ids(ids, offsets, n)
    stored_checks.check_arrays(labels, probabilities, weights, plugin_data)
    return Record(
        task=plugin_data.task,
        labels=labels,
        probabilities=probabilities,
        class_names=list(plugin_data.class_names),
        weights=weights,
        positive_class=tasks.get(plugin_data.task).positive_class(plugin_data.positive_class),
        _example_ids=ids if offsets is not None else None,
        _example_id_offsets=offsets,
        ids_digest=digest if offsets is None else None,
        slice_attributes=slice_attributes.decode(buffer, attribute_spans, n),
        class_groups=_class_groups(plugin_data),
        **where,
    )


def _class_groups(plugin_data):
    """The tag's class groups (checked by metadata.parse_plugin_data) as a list, or None when it has none."""
    return list(plugin_data.class_groups) or None


_ARRAY_FIELDS = {2: "labels", 3: "probabilities", 4: "weights", 6: "example_id_offsets"}


def _decode_compact(buffer, plugin_data, arrays, ids, where):
    """The Record of a payload with compact facts: labels, weights and ids checked here."""
    from tb_confusion.storage import compact_payload  # it builds on this module

    if plugin_data.task != "multiclass" or "probabilities" in arrays or "labels" not in arrays:
        raise Unreadable(f"corrupt tb_confusion payload: compact facts in a {plugin_data.task} tag, or with "
                         "probabilities, or without labels")
    labels, weights, offsets = arrays["labels"], arrays.get("weights"), arrays.get("example_id_offsets")
    stored_checks.check_class_indices(labels, len(plugin_data.class_names))
    if weights is not None and (weights.ndim != 1 or len(weights) != len(labels)):
        raise Unreadable("corrupt tb_confusion payload: arrays have different lengths")
    stored_checks.check_stored_weights(weights)
    if offsets is not None:
        ids = ids or b""
        stored_checks.check_example_ids(ids, offsets, len(labels))
    return compact_payload.decode(buffer, plugin_data, labels, weights, ids, offsets, **where)


_CHECKSUM_KEY = bytes([7 << 3 | wire.FIXED32])  # field 7, fixed32: one byte


def _check_checksum(buffer, span):
    """The CRC32C of the payload without its checksum field must equal the field (version 2 on)."""
    if span is None:
        raise Unreadable("corrupt tb_confusion payload: no checksum (written since format version 2)")
    start, stop = span
    key = start - len(_CHECKSUM_KEY)
    # numpy views: the C CRC takes them without a copy (a memoryview it refuses)
    crc = google_crc32c.value(np.frombuffer(buffer[:key], np.uint8))
    crc = google_crc32c.extend(crc, np.frombuffer(buffer[stop:], np.uint8))
    if crc != struct.unpack("<I", buffer[start:stop])[0]:
        raise Unreadable("corrupt tb_confusion payload: its checksum does not match its bytes (damaged data)")


def _fill(message, array):
    array = np.ascontiguousarray(array)
    message.dtype = array.dtype.newbyteorder("<").str if array.dtype.itemsize > 1 else array.dtype.str
    message.shape.extend(array.shape)
    message.data = array.astype(message.dtype, copy=False).tobytes()


def _array(buffer, start, stop, what):
    """A numpy view of the Array message in buffer[start:stop] (fields: dtype, shape, data)."""
    dtype_name, shape, data = "", [], (start, start)
    for number, wire_type, value in wire.fields(buffer, start, stop):
        if number == 1:
            dtype_name = bytes(buffer[value[0]:value[1]]).decode("ascii", "replace")
        elif number == 2:
            shape += [value] if wire_type == wire.VARINT else wire.packed_varints(buffer, *value)
        elif number == 3:
            data = value
    try:
        dtype = np.dtype(dtype_name)
    except TypeError:
        raise Unreadable(f"corrupt tb_confusion payload: {what} has dtype {dtype_name!r}") from None
    if dtype.hasobject or dtype.kind not in "uif":  # only plain numbers: no objects, strings, dates
        raise Unreadable(f"corrupt tb_confusion payload: {what} has dtype {dtype_name!r}")
    stored_checks.check_shape(shape, what)
    size = data[1] - data[0]
    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != size:
        raise Unreadable(f"corrupt tb_confusion payload: {what} has {size} bytes for shape {tuple(shape)}")
    return np.frombuffer(buffer[data[0]:data[1]], dtype=dtype).reshape(shape)

"""Per-example categorical attributes of a step (slices, docs/slices.md): the writers' checks, the bytes of
Payload field 12 and the reader's checks of them, in one place.

An attribute is a name and one value per example: str, int or bool, one kind per attribute. It is stored as
its distinct values (sorted, as UTF-8 text: ints in decimal, bools as "False"/"True") and one code per example
(an index into the values: "|u1" up to 256 values, else "<u2"), so a step of N examples costs N or 2N bytes per
attribute whatever its values. Readers that predate the field skip it and read the rest of the step unchanged.
"""

import numbers
import re
import struct
from typing import NamedTuple

import google_crc32c
import numpy as np

from tb_confusion.errors import BadArgument, Unreadable
from tb_confusion.storage import _proto, wire
from tb_confusion.storage.validation import brief as _brief

FIELD = 12
KINDS = ("str", "int", "bool")
MAX_ATTRIBUTES = 32
MAX_VALUES = 65_536  # distinct values of one attribute: categories, not per-example keys (those are ids)
MAX_TEXT = 256  # characters of a name or of a value
_INT64 = (-(2**63), 2**63 - 1)
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_CHECKSUM_KEY = bytes([7 << 3 | wire.FIXED32])  # Payload.checksum, written last


class Attribute(NamedTuple):
    """One attribute of a step: `values` its distinct values (Python str, int or bool, ascending), `codes` [N]
    the index of each example's value in `values`."""

    name: str
    kind: str
    values: tuple
    codes: np.ndarray

    def per_example(self):
        """The value of each example, as a list."""
        return np.asarray(self.values, dtype=object)[self.codes].tolist()

    def counts(self):
        """[len(values)] examples per value."""
        return np.bincount(self.codes, minlength=len(self.values))

    def text(self, value):
        """A value as stored (the text the CLI and the panel's filter use)."""
        return _text(self.kind, value)

    def code_of(self, text):
        """The code of the value whose stored text is `text`, or None."""
        for code, value in enumerate(self.values):
            if _text(self.kind, value) == text:
                return code
        return None

    def take(self, index):
        """The attribute of the examples at `index` (an integer array or a boolean mask)."""
        return self._replace(codes=self.codes[index])


# ---- writers --------------------------------------------------------------------------------------------

def prepare(attributes, n):
    """A tuple of Attribute from a writer's `attributes` ({name: [N] str, int or bool values}), or None.

    Raises BadArgument naming `attributes[<name>]` and the bad value: a name that is not a non-empty string
    without "=" of at most MAX_TEXT characters, a length other than N, values that are not all str, all int
    (within int64) or all bool, more than MAX_VALUES distinct values, a str value over MAX_TEXT characters or
    that UTF-8 cannot hold; or more than MAX_ATTRIBUTES attributes.
    """
    if attributes is None:
        return None
    if not hasattr(attributes, "items") or not hasattr(attributes, "keys"):
        raise BadArgument("attributes must be a dict {name: [N] values (str, int or bool)}; got "
                          f"{_brief(attributes)}")
    if len(attributes) > MAX_ATTRIBUTES:
        raise BadArgument(f"attributes takes at most {MAX_ATTRIBUTES} attributes; got {len(attributes)}")
    prepared = []
    for name, values in attributes.items():
        _check_name(name, BadArgument, "attributes has a name that")
        prepared.append(_prepare_one(name, values, n))
    return tuple(prepared) or None


def _prepare_one(name, values, n):
    what = f"attributes[{name!r}]"
    array = _as_array(values, what)
    if array.ndim != 1 or len(array) != n:
        raise BadArgument(f"{what} must have {n} values (one per example); got shape {array.shape}")
    kind = array.dtype.kind
    if kind == "O":
        items = array.tolist()
        if all(issubclass(t, str) for t in set(map(type, items))):  # kept as is: numpy's 'U' drops trailing NULs
            return _strings(name, items, what)
        array, kind = _from_objects(items, what)
    if kind == "b":
        found, codes = np.unique(array, return_inverse=True)
        return Attribute(name, "bool", tuple(bool(v) for v in found), _codes(codes, len(found)))
    if kind in "iu":
        if kind == "u" and len(array) and array.max() > _INT64[1]:
            raise BadArgument(f"{what} must hold integers within int64; got {int(array.max())}")
        found, codes = np.unique(array, return_inverse=True)
        _check_count(found, what)
        return Attribute(name, "int", tuple(int(v) for v in found), _codes(codes, len(found)))
    if kind == "U":
        return _strings(name, array.tolist(), what)
    bad = array.flat[0].item() if array.size and array.dtype.kind != "V" else array.dtype
    hint = " (bin numbers into categories first, e.g. as strings)" if kind in "fc" else ""
    raise BadArgument(f"{what} values must be str, int or bool; got {_brief(bad)} of dtype {array.dtype}{hint}")


def _as_array(values, what):
    if values is None or isinstance(values, (str, bytes, dict)):
        raise BadArgument(f"{what} must be a sequence of N values (str, int or bool); got {_brief(values)}")
    if hasattr(values, "detach"):  # torch
        values = values.detach().cpu().numpy()
    elif hasattr(values, "numpy") and not isinstance(values, np.ndarray):  # TensorFlow eager
        values = values.numpy()
    if isinstance(values, np.ndarray):
        return values
    values = list(values) if not isinstance(values, (list, tuple)) else values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _strings(name, items, what):
    """The str Attribute of a list of str: the distinct values by a set and each example's code by a dict
    lookup, both at C speed (sorting N strings, as np.unique does, is several times slower)."""
    values = sorted(set(items))
    _check_count(values, what)
    for value in values:
        if len(value) > MAX_TEXT:
            raise BadArgument(f"{what} values must be at most {MAX_TEXT} characters; got {_brief(value)}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadArgument(f"{what} values must be text UTF-8 can hold; got {_brief(value)}") from None
    code_of = {value: code for code, value in enumerate(values)}
    codes = np.fromiter(map(code_of.__getitem__, items), np.int64, len(items))
    return Attribute(name, "str", tuple(str(v) for v in values), _codes(codes, len(values)))


def _from_objects(items, what):
    """(array of one kind, its dtype kind) from a list of int or bool values; BadArgument naming the first
    value of another kind (a list of str goes to _strings before)."""
    first = items[0] if items else None
    kind = ("U" if isinstance(first, str) else "b" if isinstance(first, (bool, np.bool_))
            else "i" if isinstance(first, (numbers.Integral, np.integer)) else None)
    for value in items:
        same = (isinstance(value, str) if kind == "U" else isinstance(value, (bool, np.bool_)) if kind == "b"
                else kind == "i" and isinstance(value, (numbers.Integral, np.integer))
                and not isinstance(value, (bool, np.bool_)))
        if not same:
            wanted = {"U": "str", "b": "bool", "i": "int"}.get(kind)
            raise BadArgument(f"{what} values must be all str, all int or all bool"
                              + (f" (the first is {wanted})" if wanted else "")
                              + f"; got {_brief(value)} ({type(value).__name__})")
    if kind == "b":
        return np.array(items, dtype=bool), "b"
    ints = [int(v) for v in items]
    low, high = min(ints), max(ints)
    if low < _INT64[0] or high > _INT64[1]:
        raise BadArgument(f"{what} must hold integers within int64; got {low if low < _INT64[0] else high}")
    return np.array(ints, dtype=np.int64), "i"


def _check_count(found, what):
    if len(found) > MAX_VALUES:
        raise BadArgument(f"{what} has {len(found):,} distinct values; at most {MAX_VALUES:,} (an attribute is "
                          "a category such as a source or a device; per-example keys go in example_ids)")


def _codes(codes, count):
    return codes.reshape(-1).astype(np.uint8 if count <= 256 else np.uint16)


def _check_name(name, error, what):
    if not isinstance(name, str) or not name or "=" in name or len(name) > MAX_TEXT:
        raise error(f"{what} is not a non-empty string without '=' of at most {MAX_TEXT} characters: "
                    f"{_brief(name)}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not text UTF-8 can hold: {_brief(name)}") from None


def encoded_size(attributes):
    """The bytes `encode` writes for `attributes` (a tuple of Attribute or None), within a few per value."""
    if not attributes:
        return 0
    return sum(32 + len(a.name.encode("utf-8")) + a.codes.nbytes
               + sum(3 + len(_text(a.kind, v).encode("utf-8")) for v in a.values) for a in attributes)


def encode(attributes):
    """The bytes of Payload field 12 (one entry per attribute) for a tuple of Attribute."""
    from tb_confusion.storage import payload  # payload builds on this module

    message = _proto.Payload()
    for attribute in attributes or ():
        entry = message.attributes.add(name=attribute.name, kind=attribute.kind,
                                       values=[_text(attribute.kind, v) for v in attribute.values])
        payload._fill(entry.codes, attribute.codes)
    return message.SerializeToString()


def attach(blob, attributes):
    """A serialized Payload (exact or compact, checksum last) with `attributes` added before its checksum;
    the checksum is extended over the added bytes, not recomputed over the step. `blob` when there are none."""
    if not attributes:
        return blob
    if bytes(blob[-5:-4]) != _CHECKSUM_KEY:
        raise ValueError("attach needs a payload whose checksum is its last field")
    extra = encode(attributes)
    crc = google_crc32c.extend(struct.unpack("<I", blob[-4:])[0], extra)
    return b"".join((blob[:-5], extra, _CHECKSUM_KEY, struct.pack("<I", crc)))


def _text(kind, value):
    if kind == "bool":
        return "True" if value else "False"
    return str(value) if kind == "int" else value


# ---- readers --------------------------------------------------------------------------------------------

def decode(buffer, spans, n):
    """A tuple of Attribute from the byte ranges of a payload's field-12 entries, for a step of N examples;
    None when there are none. Checked as strictly as the writers check (errors.Unreadable): at most
    MAX_ATTRIBUTES, names non-empty, without "=", unique; a known kind; 1 to MAX_VALUES unique values of UTF-8
    text of at most MAX_TEXT characters, each the text the kind writes; codes unsigned (at most 4 bytes), [N],
    below the number of values."""
    if not spans:
        return None
    if len(spans) > MAX_ATTRIBUTES:
        raise Unreadable(f"corrupt tb_confusion payload: {len(spans)} attributes; at most {MAX_ATTRIBUTES}")
    decoded, names = [], set()
    for start, stop in spans:
        attribute = _decode_one(buffer, start, stop, n)
        if attribute.name in names:
            raise Unreadable(f"corrupt tb_confusion payload: attribute {attribute.name!r} appears twice")
        names.add(attribute.name)
        decoded.append(attribute)
    return tuple(decoded)


def _decode_one(buffer, start, stop, n):
    from tb_confusion.storage import payload  # payload builds on this module

    name, kind, texts, codes = "", "", [], None
    try:
        for number, wire_type, value in wire.fields(buffer, start, stop):
            if number in (1, 2, 3, 4) and wire_type != wire.LENGTH_DELIMITED:
                raise Unreadable(f"corrupt tb_confusion payload: attribute field {number} has wire type {wire_type}")
            if number == 1:
                name = _utf8(buffer, value, "an attribute name")
            elif number == 2:
                kind = _utf8(buffer, value, "an attribute kind")
            elif number == 3:
                if len(texts) >= MAX_VALUES:
                    raise Unreadable(f"corrupt tb_confusion payload: an attribute has over {MAX_VALUES:,} values")
                texts.append(_utf8(buffer, value, "an attribute value"))
            elif number == 4:
                codes = payload._array(buffer, *value, "attribute codes")
    except Unreadable:
        raise
    except (ValueError, IndexError, TypeError, OverflowError) as error:
        raise Unreadable(f"corrupt tb_confusion payload: {error}") from None
    _check_name(name, lambda message: Unreadable(f"corrupt tb_confusion payload: {message}"), "an attribute name")
    where = f"attribute {name!r}"
    if kind not in KINDS:
        raise Unreadable(f"corrupt tb_confusion payload: {where} has kind {kind[:40]!r}; expected one of {KINDS}")
    if not texts or len(set(texts)) != len(texts):
        raise Unreadable(f"corrupt tb_confusion payload: {where} needs one or more unique values")
    too_long = next((t for t in texts if len(t) > MAX_TEXT), None)
    if too_long is not None:
        raise Unreadable(f"corrupt tb_confusion payload: {where} has a value over {MAX_TEXT} characters")
    values = tuple(_value(kind, text, where) for text in texts)
    if codes is None or codes.dtype.kind != "u" or codes.dtype.itemsize > 4 or codes.shape != (n,):
        raise Unreadable(f"corrupt tb_confusion payload: {where} needs codes of shape ({n},) (unsigned, at most "
                         f"4 bytes); got " + ("none" if codes is None else f"{codes.dtype} {codes.shape}"))
    if n and int(codes.max()) >= len(values):
        raise Unreadable(f"corrupt tb_confusion payload: {where} has code {int(codes.max())} for "
                         f"{len(values)} values")
    return Attribute(name, kind, values, codes)


def _utf8(buffer, span, what):
    try:
        return bytes(buffer[span[0]:span[1]]).decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"corrupt tb_confusion payload: {what} is not UTF-8") from None


def _value(kind, text, where):
    if kind == "str":
        return text
    if kind == "bool":
        if text not in ("False", "True"):
            raise Unreadable(f"corrupt tb_confusion payload: {where} (bool) has value {text[:40]!r}")
        return text == "True"
    if not _DECIMAL.match(text) or not _INT64[0] <= int(text) <= _INT64[1]:
        raise Unreadable(f"corrupt tb_confusion payload: {where} (int) has value {text[:40]!r}")
    return int(text)

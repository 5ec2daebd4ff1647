"""Example ids written once per run and tag, and referenced by the other steps.

Ids rarely change between epochs but can be most of a step's bytes (50,000 ids are ~0.6 MB beside a
compact step's 1.9 MB). Every payload that has ids carries their digest (field 11, the first 8 bytes of
BLAKE2b over the id bytes and offsets). An event writer that has already written a table of a tag
writes later steps with the same digest without the ids (`strip_repeated`); a reader finds the table in
an earlier step of the same run and tag by its digest (`table_of`; tb_confusion.reading resolves it).
A changed table has another digest and is written again.
"""

import hashlib
import struct
from typing import NamedTuple, Optional

import google_crc32c
import numpy as np

from tb_confusion.errors import Unreadable
from tb_confusion.storage import wire

DIGEST_FIELD = 11
_IDS, _OFFSETS, _CHECKSUM = 5, 6, 7
_CHECKSUM_KEY = bytes([_CHECKSUM << 3 | wire.FIXED32])


class Table(NamedTuple):
    digest: int
    data: Optional[bytes]  # None in a step that only refers to the table
    offsets: Optional[np.ndarray]


def digest(data, offsets):
    """The table's digest: BLAKE2b-64 of the UTF-8 id bytes, then the little-endian int64 offsets."""
    h = hashlib.blake2b(digest_size=8)
    h.update(data)
    h.update(np.ascontiguousarray(offsets, dtype="<i8").tobytes())
    return struct.unpack("<Q", h.digest())[0]


def table_of(blob):
    """The Table a payload carries or refers to, or None when it has no ids. Walks only the top level."""
    from tb_confusion.storage import payload  # payload builds on this module

    buffer = memoryview(blob)
    found, data, offsets = None, None, None
    try:
        for number, wire_type, value in wire.fields(buffer):
            if number == DIGEST_FIELD and wire_type == wire.FIXED64:
                found = struct.unpack("<Q", buffer[value[0]:value[1]])[0]
            elif number == _IDS and wire_type == wire.LENGTH_DELIMITED:
                data = bytes(buffer[value[0]:value[1]])
            elif number == _OFFSETS and wire_type == wire.LENGTH_DELIMITED:
                offsets = payload._array(buffer, *value, "example_id_offsets")
    except (ValueError, IndexError, TypeError, OverflowError) as error:
        raise Unreadable(f"corrupt tb_confusion payload: {error}") from None
    if found is None:
        return None
    return Table(found, data if offsets is not None else None, offsets)


def strip_repeated(summary, seen):
    """`summary` with the ids left out of each tb_confusion payload whose (tag, digest) is in `seen`;
    the others are added to `seen`. Returns `summary` itself when nothing changes, else a copy."""
    from tb_confusion.storage.metadata import PLUGIN_NAME

    changed = None
    for index, value in enumerate(summary.value):
        if value.metadata.plugin_data.plugin_name != PLUGIN_NAME or len(value.tensor.string_val) != 1:
            continue
        try:
            table = table_of(value.tensor.string_val[0])
        except Unreadable:  # not ours to judge here: written as given, the reader says what is wrong
            continue
        if table is None or table.data is None:
            continue
        key = (value.tag, table.digest)
        if key not in seen:
            seen.add(key)
            continue
        if changed is None:
            changed = type(summary)()
            changed.CopyFrom(summary)
        changed.value[index].tensor.string_val[0] = without_ids(value.tensor.string_val[0])
    return summary if changed is None else changed


def without_ids(blob):
    """The payload without its ids and offsets (the digest stays), with a new checksum."""
    buffer = memoryview(blob)
    body = b"".join(bytes(buffer[start:stop]) for number, start, stop in wire.field_spans(buffer)
                    if number not in (_IDS, _OFFSETS, _CHECKSUM))
    return body + _CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))

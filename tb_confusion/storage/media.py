"""Example media (thumbnails, short text) of a predictions tag: the only code that knows their bytes.

A table id -> PNG or text is written once per run as a tag of its own, `media_tag(name)`, under the plugin
name MEDIA_PLUGIN_NAME: readers of predictions (TensorBoard's listing for "tb_confusion", `tbc.read`, the
CLI, every earlier release) never see it, and TensorBoard keeps it apart from the predictions tag (it keeps
the first metadata of each (run, tag), whatever the plugin). MediaPluginData names the predictions tag; a
MediaTable holds the items (tb_confusion.proto, docs/format.md "Example media").
"""

import struct
import zlib
from collections.abc import Mapping
from typing import NamedTuple

import google_crc32c
import numpy as np
from google.protobuf.message import DecodeError
from tensorboard.compat.proto import summary_pb2

from tb_confusion.errors import BadArgument, NewerFormat, Unreadable
from tb_confusion.storage import _proto, wire

MEDIA_PLUGIN_NAME = "tb_confusion_media"
MEDIA_VERSION = 1  # the newest media version this tb_confusion reads
TAG_SUFFIX = "/tbc_media"
KINDS = ("auto", "image", "text")

MAX_PNG_BYTES = 64 * 1024
MAX_TEXT_CHARS = 1000
MAX_TABLE_BYTES = 32 * 2**20
MAX_IMAGE_PIXELS = 2**20  # before encoding, so a huge array is refused without compressing it first

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ITEM_OVERHEAD = 16  # the key and length varints of an item and its three fields, at most
_CHECKSUM = 3
_CHECKSUM_KEY = bytes([_CHECKSUM << 3 | wire.FIXED32])


def media_tag(name):
    """The tag that holds the media of predictions tag `name`."""
    return name + TAG_SUFFIX


class Item(NamedTuple):
    kind: str  # "png" or "text"
    data: bytes  # the PNG, or the text as UTF-8


class Table:
    """A decoded media table: id -> Item, checked."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def get(self, example_id):
        return self.items.get(example_id)

    @property
    def nbytes(self):
        return 200 + sum(len(k) + len(item.data) + 120 for k, item in self.items.items())

    def as_dict(self):
        """{id: PNG bytes or str}."""
        return {k: item.data if item.kind == "png" else item.data.decode("utf-8") for k, item in self.items.items()}


# -- writing ---------------------------------------------------------------------------------------


def prepare(media, kind="auto"):
    """[(id, Item)] from the writer's `media` mapping, every item checked and images encoded to PNG.

    Raises BadArgument naming the argument (`media[<id>]`) and the bad value; nothing is returned then.
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise BadArgument(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    if not isinstance(media, Mapping):
        raise BadArgument("media must be a mapping of example id -> PNG bytes, uint8 image array or text; "
                          f"got {type(media).__name__}")
    if not media:
        raise BadArgument("media must hold at least one example; got an empty mapping")
    items, total = [], 0
    for example_id, value in media.items():
        _check_id(example_id)
        item = _item(example_id, value, kind)
        total += len(example_id.encode("utf-8")) + len(item.data) + _ITEM_OVERHEAD
        if total > MAX_TABLE_BYTES:
            raise BadArgument(f"media holds more than {MAX_TABLE_BYTES:,} bytes (the limit of a table) by "
                              f"example {example_id!r}: log fewer or smaller examples")
        items.append((example_id, item))
    return items


def _check_id(example_id):
    if not isinstance(example_id, str):
        raise BadArgument(f"media ids must be str (the example ids of the predictions; str(i) for an int id); "
                          f"got {example_id!r} of type {type(example_id).__name__}")
    if not example_id:
        raise BadArgument("media ids must be non-empty strings; got ''")
    try:
        example_id.encode("utf-8")
    except UnicodeEncodeError:
        raise BadArgument(f"media ids must be UTF-8 encodable text; got {example_id!r}") from None


def _item(example_id, value, kind):
    where = f"media[{example_id!r}]"
    if isinstance(value, str):
        if kind == "image":
            raise BadArgument(f"{where} must be an image with kind='image'; got text {_brief(value)}")
        if len(value) > MAX_TEXT_CHARS:
            raise BadArgument(f"{where} is text of {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}")
        try:
            return Item("text", value.encode("utf-8"))
        except UnicodeEncodeError:
            raise BadArgument(f"{where} must be UTF-8 encodable text; got {_brief(value)}") from None
    if kind == "text":
        raise BadArgument(f"{where} must be a str with kind='text'; got {type(value).__name__}")
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        if not data.startswith(PNG_SIGNATURE):
            raise BadArgument(f"{where} must be PNG bytes (starting with the PNG signature); got "
                              f"{data[:8]!r}... ({len(data):,} bytes)")
    elif isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        data = encode_png(np.asarray(value), where)
    else:
        raise BadArgument(f"{where} must be PNG bytes, a uint8 image array [H, W] or [H, W, 3] or text; got "
                          f"{type(value).__name__}")
    if len(data) > MAX_PNG_BYTES:
        raise BadArgument(f"{where} is a PNG of {len(data):,} bytes; the limit is {MAX_PNG_BYTES:,} (a thumbnail: "
                          "make it smaller)")
    return Item("png", data)


def _brief(text):
    return repr(text if len(text) <= 40 else text[:40] + "...")


_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type: grey, grey+alpha, RGB, RGBA


def encode_png(image, where="image"):
    """PNG bytes of a uint8 image [H, W] (grey) or [H, W, C] with C in 1 (grey), 2 (grey, alpha), 3 (RGB),
    4 (RGBA): 8 bits per sample, no filter, zlib level 9. Deterministic; needs only the standard library."""
    if image.dtype != np.uint8:
        raise BadArgument(f"{where} must be a uint8 image (0-255); got dtype {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in _COLOR_TYPES):
        raise BadArgument(f"{where} must have shape [H, W] or [H, W, C] with C in 1-4; got shape {image.shape}")
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    if height < 1 or width < 1 or height * width > MAX_IMAGE_PIXELS:
        raise BadArgument(f"{where} must have 1 to {MAX_IMAGE_PIXELS:,} pixels (a thumbnail); got shape {image.shape}")
    rows = np.zeros((height, 1 + width * channels), np.uint8)  # each row: filter type 0, then its samples
    rows[:, 1:] = image.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
            + _chunk(b"IEND", b""))


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode(items):
    """Serialized MediaTable bytes from `prepare`'s items, checksum last."""
    table = _proto.MediaTable(version=MEDIA_VERSION)
    for example_id, item in items:
        table.items.add(id=example_id, kind=item.kind, data=item.data)
    body = table.SerializeToString()
    return body + _CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))


def create_summary_metadata(predictions_tag, description=""):
    """SummaryMetadata of the media tag of `predictions_tag` (a BLOB_SEQUENCE, like the predictions)."""
    content = _proto.MediaPluginData(version=MEDIA_VERSION, predictions_tag=predictions_tag)
    return summary_pb2.SummaryMetadata(
        summary_description=description,
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=MEDIA_PLUGIN_NAME, content=content.SerializeToString()),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


# -- reading ---------------------------------------------------------------------------------------


def parse_plugin_data(content):
    """The MediaPluginData of a media tag's `plugin_data.content` (its version is checked by `decode`, so a
    newer table is still found and then refused with a message)."""
    try:
        parsed = _proto.MediaPluginData.FromString(content)
    except DecodeError as error:
        raise Unreadable(f"tb_confusion media metadata cannot be parsed ({error})") from None
    if not parsed.predictions_tag:
        raise Unreadable("tb_confusion media metadata names no predictions tag")
    return parsed


def check_version(version, what):
    if version > MEDIA_VERSION:
        raise NewerFormat(f"{what} has tb_confusion media version {version}, but this tb_confusion reads versions "
                          f"up to {MEDIA_VERSION}: upgrade tb_confusion (pip install -U tb_confusion)")


def decode(blob, plugin_data=None):
    """A checked Table from MediaTable bytes; errors.Unreadable (NewerFormat for a newer version) otherwise."""
    if plugin_data is not None:
        check_version(plugin_data.version, "this media tag's metadata")
    buffer = memoryview(blob)
    try:
        checksum = next((span for number, wire_type, span in wire.fields(buffer)
                         if number == _CHECKSUM and wire_type == wire.FIXED32), None)
        table = _proto.MediaTable.FromString(bytes(buffer))
    except (ValueError, IndexError, DecodeError) as error:
        raise Unreadable(f"corrupt tb_confusion media table: {error}") from None
    check_version(table.version, "this media table")
    if checksum is None:
        raise Unreadable("corrupt tb_confusion media table: no checksum")
    start, stop = checksum
    crc = google_crc32c.extend(google_crc32c.value(bytes(buffer[:start - 1])), bytes(buffer[stop:]))
    if crc != struct.unpack("<I", buffer[start:stop])[0]:
        raise Unreadable("corrupt tb_confusion media table: its checksum does not match its bytes (damaged data)")
    items = {}
    for item in table.items:
        if not item.id or item.id in items:
            raise Unreadable(f"corrupt tb_confusion media table: an empty or repeated id {item.id!r}")
        items[item.id] = _checked(item)
    return Table(items)


def _checked(item):
    where = f"corrupt tb_confusion media table: item {item.id!r}"
    if item.kind == "png":
        if not item.data.startswith(PNG_SIGNATURE) or len(item.data) > MAX_PNG_BYTES:
            raise Unreadable(f"{where} is not a PNG of at most {MAX_PNG_BYTES:,} bytes")
    elif item.kind == "text":
        try:
            text = item.data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(f"{where} is text that is not UTF-8") from None
        if len(text) > MAX_TEXT_CHARS:
            raise Unreadable(f"{where} is text of {len(text):,} characters (limit {MAX_TEXT_CHARS:,})")
    else:
        raise Unreadable(f"{where} has kind {item.kind!r}; expected 'png' or 'text'")
    return Item(item.kind, item.data)

"""CRC32C for TFRecord framing from the google-crc32c wheel (C), instead of TensorBoard's pure Python.

TensorBoard computes the checksum byte by byte in Python when TensorFlow is absent (~0.2 s per MB);
writing or reading megabytes of predictions per epoch must not be bound by that.
"""

import struct

import google_crc32c

_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data):
    """The masked CRC32C that TFRecord files store beside each length and each record."""
    crc = google_crc32c.value(data if isinstance(data, bytes) else bytes(data))
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(data):
    """One TFRecord: length, masked CRC of the length, data, masked CRC of the data."""
    header = struct.pack("<Q", len(data))
    return b"".join((header, struct.pack("<I", masked_crc32c(header)), data,
                     struct.pack("<I", masked_crc32c(data))))


def speed_up_tensorboard_writer():
    """Make TensorBoard's own record writer (used by torch.utils.tensorboard) use this CRC.

    Same checksums, computed in C. Returns True when the patch applied.
    """
    try:
        from tensorboard.summary.writer import record_writer
    except ImportError:  # pragma: no cover - tensorboard is a dependency
        return False
    record_writer.masked_crc32c = masked_crc32c
    return True

"""Event files without TensorFlow: a small synchronous writer and a fast record reader."""

import math
import mmap
import numbers
import os
import socket
import struct
import time
import itertools

import google_crc32c
import numpy as np
from tensorboard.compat.proto import event_pb2

from tb_confusion.errors import BadArgument, Unreadable
from tb_confusion.storage import id_tables
from tb_confusion.storage import remote
from tb_confusion.storage.fast_crc import frame, masked_crc32c

_counter = itertools.count()


class EventWriter:
    """Writes TensorBoard event files with a compiled CRC; needs no TensorFlow.

        with EventWriter("logs/run1/validation") as writer:
            writer.add_summary(tbc.summary.predictions_pb("predictions", y, p), step=epoch)

    Each `add_summary` is written and flushed at once, so TensorBoard sees it live. Local paths are
    opened directly; URLs (s3:// through boto3, gs:// and others through fsspec) go through TensorBoard's
    file layer (storage/remote.py; docs/s3.md). Object stores cannot append, so there each step uploads
    the whole file again. A missing bucket raises errors.LogdirNotFound naming the logdir.
    """

    def __init__(self, logdir, *, filename_suffix=""):
        if not isinstance(logdir, (str, os.PathLike)) or not os.fspath(logdir):
            raise BadArgument(f"logdir must be a directory path or URL; got {logdir!r}")
        if not isinstance(filename_suffix, str):
            raise BadArgument(f"filename_suffix must be a string; got {filename_suffix!r}")
        logdir = os.fspath(logdir)
        name = "events.out.tfevents.%010d.%s.%d.%d%s" % (
            time.time(), socket.gethostname(), os.getpid(), next(_counter), filename_suffix)
        if remote.is_remote(logdir):
            logdir = remote.normalized(logdir)
            remote.makedirs(logdir)
            self.path = logdir + "/" + name
            self._file = remote.RemoteFile(self.path)
        else:
            os.makedirs(logdir, exist_ok=True)
            self.path = os.path.join(logdir, name)
            self._file = open(self.path, "wb")
        self._id_tables = set()
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def add_event(self, event):
        """Append one `Event` protobuf and flush it."""
        if self._file is None:
            raise ValueError(f"EventWriter for {self.path} is closed")
        self._file.write(frame(event.SerializeToString()))
        self._file.flush()

    def add_summary(self, summary, step, wall_time=None):
        """Append a `Summary` (e.g. from `predictions_pb`) at `step` (an int, increasing per tag)."""
        if isinstance(step, bool) or not isinstance(step, int) and not hasattr(step, "__index__"):
            raise BadArgument(f"step must be an integer; got {step!r}")
        if not -2**63 <= int(step) < 2**63:  # TensorBoard's int64 steps; negative ones are allowed, as there
            raise BadArgument(f"step must fit in 64 bits (-2**63 <= step < 2**63); got {step!r}")
        if wall_time is not None and (isinstance(wall_time, bool) or not isinstance(wall_time, numbers.Real)
                                      or not math.isfinite(wall_time)):
            raise BadArgument(f"wall_time must be a finite number of seconds since the epoch or None; got {wall_time!r}")
        event = event_pb2.Event(wall_time=time.time() if wall_time is None else wall_time, step=int(step))
        # ids this writer has written for the tag already go out as a reference (storage/id_tables.py)
        event.summary.CopyFrom(id_tables.strip_repeated(summary, self._id_tables))
        self.add_event(event)

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class CorruptRecordError(Unreadable):
    """A record whose checksum does not match: the file is damaged, not merely still being written."""


def read_records(data, *, path="<bytes>"):
    """Yield each record's bytes from TFRecord `data` (bytes or mmap).

    A truncated tail (a file still being written) ends the iteration; a bad checksum raises.
    """
    for _, record in records_with_offsets(data, path=path):
        yield record


def records_with_offsets(data, *, path="<bytes>"):
    """Like `read_records`, yielding (byte offset, record bytes) so a record can be found again."""
    offset = 0
    while True:
        record, end = _record_at(data, offset, path)
        if record is None:
            return
        yield offset, record
        offset = end


def read_record_at(data, offset, *, path="<bytes>"):
    """The record starting at byte `offset` of `data`, checksums verified."""
    record, _ = _record_at(data, offset, path)
    if record is None:
        raise CorruptRecordError(f"{path}: no complete record at byte {offset}")
    return record


def _record_at(data, offset, path):
    """(record, offset after it), or (None, offset) at the end or before a partly written tail."""
    end = _record_end(data, offset, path)
    if end is None:
        return None, offset
    record = data[offset + 12:end]
    (data_crc,) = struct.unpack("<I", data[end:end + 4])
    if masked_crc32c(record) != data_crc:
        raise CorruptRecordError(f"{path}: bad record checksum at byte {offset}")
    return record, end + 4


def _record_end(data, offset, path):
    """Where the data of the record at `offset` ends (its CRC follows), its length checksum verified; None
    when no complete record starts there (the end of the file, or a partly written tail)."""
    if offset + 12 > len(data):
        return None
    header = data[offset:offset + 8]
    (length,) = struct.unpack("<Q", header)
    (header_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
    if masked_crc32c(header) != header_crc:
        raise CorruptRecordError(f"{path}: bad length checksum at byte {offset}")
    end = offset + 12 + length
    return end if end + 4 <= len(data) else None


def record_spans(data, *, path="<bytes>", check_up_to=1 << 20):
    """Yield (offset, start, stop, checked) per record of TFRecord `data` (bytes or mmap), copying nothing.

    data[start:stop] is the record. Every length checksum is verified, and the data checksum of each
    record of at most `check_up_to` bytes (`checked` True); larger ones are left to `check_record_at`,
    for the records a reader goes on to use. A truncated tail ends the iteration, as in `read_records`.
    """
    offset = 0
    while (end := _record_end(data, offset, path)) is not None:
        checked = end - offset - 12 <= check_up_to
        if checked:
            check_record_at(data, offset, path=path)
        yield offset, offset + 12, end, checked
        offset = end + 4


_CHUNK = 16 << 20


def check_record_at(data, offset, *, path="<bytes>"):
    """Verify the data checksum of the record at byte `offset` (framing already read) without copying it;
    pages of an mmap are handed back as they are checked, so a large record does not stay resident."""
    (length,) = struct.unpack("<Q", data[offset:offset + 8])
    start, end = offset + 12, offset + 12 + length
    crc = 0
    for position in range(start, end, _CHUNK):
        stop = min(end, position + _CHUNK)
        crc = google_crc32c.extend(crc, np.frombuffer(data, np.uint8, stop - position, position))
        if isinstance(data, mmap.mmap) and stop - position == _CHUNK and hasattr(mmap, "MADV_DONTNEED"):
            aligned = position - position % mmap.PAGESIZE
            data.madvise(mmap.MADV_DONTNEED, aligned, stop - aligned)
    masked = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF  # as fast_crc.masked_crc32c
    if masked != struct.unpack("<I", data[end:end + 4])[0]:
        raise CorruptRecordError(f"{path}: bad record checksum at byte {offset}")

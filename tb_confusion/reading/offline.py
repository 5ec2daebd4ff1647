"""Read tb_confusion Records from a logdir without TensorFlow or a TensorBoard server.

Runs and steps follow TensorBoard's rules: a run is a directory holding event files ("." for the
logdir itself); files of a run are read in name order; a record at step s replaces any earlier
records of the same tag at steps >= s (what TensorBoard's fast loader does on restarts).
A logdir may be a URL (s3://, gs://, ...): storage/remote.py reads it through TensorBoard's file layer,
each event file whole when scanning and a chosen step's record with ranged reads (docs/s3.md).
"""

import collections
import dataclasses
import mmap
import os
import struct
import warnings

from google.protobuf.message import DecodeError
from tensorboard.compat.proto import summary_pb2

from tb_confusion.errors import LogdirNotFound, SkippedWarning, Unreadable
from tb_confusion.reading import id_lookup
from tb_confusion.reading.selection import select
from tb_confusion.storage import metadata, payload, remote, wire
from tb_confusion.storage.events import (CorruptRecordError, check_record_at, read_record_at, record_spans,
                                         records_with_offsets)


@dataclasses.dataclass
class _Step:
    step: int
    wall_time: float
    path: str
    offset: int  # of the event's record in the file
    checked: bool = True  # its record's data checksum verified (scan(check_all=False) defers large ones)


@dataclasses.dataclass
class Series:
    """One (run, tag): its PluginData and its steps in ascending order."""

    run: str
    tag: str
    plugin_data: object
    steps: list


def read(logdir, *, run=None, tag=None, step=None, strict=False):
    """Yield Records from `logdir`, in the panel's run order (selection.run_order), then by tag and step.

    run, tag: only this run / tag (errors.NotFound, a LookupError, naming the choices when absent); with a
    run, no other run's files are read. step: None for every step, an int, or "latest".
    Damaged data (a damaged file, a tag or step that cannot be decoded) is skipped with a warning naming
    it (errors.SkippedWarning), and the rest is read; `strict=True` raises errors.Unreadable instead.
    Arrays are decoded one step at a time, so iterating many large steps keeps one in memory.
    """
    skip = None if strict else (lambda run, tag, message: warnings.warn(f"skipped {message}", SkippedWarning,
                                                                         stacklevel=3))
    index, chosen = locate(logdir, run=run, tag=tag, step=step, on_error=skip)
    if not index:
        chosen = select(index, run=run, tag=tag, step=step)  # names what is missing
    for series, entry in chosen:
        try:
            record = load(series, entry)
        except Unreadable as error:
            if strict:
                raise
            skip(series.run, series.tag, f"run {series.run!r}, tag {series.tag!r}, step {entry.step}: {error}")
            continue
        yield record


def locate(logdir, *, run=None, tag=None, step=None, on_error=None):
    """(index, [(series, step entry)]): `scan` and `selection.select` in one, reading in full only the
    records chosen.

    The index comes from a pass that checks every record's framing and every small record, but leaves
    the data checksum of large ones (the payloads) to the records chosen; when a chosen record turns out
    damaged, its run is scanned again checking everything, so what is reported, skipped and chosen is
    what a full scan gives. Damage inside a payload that is not chosen goes unnoticed.
    An empty index gives (index, []); a `run` that is not there raises errors.NotFound as `select` does.
    `on_error` as in `scan`; its calls come in scan order once the selection is settled.
    """
    notes = {}  # run -> [(run, tag, message)], replaced when the run is scanned again
    note = None if on_error is None else (lambda r, t, message: notes.setdefault(r, []).append((r, t, message)))
    try:
        index = scan(logdir, runs=None if run is None else [run], on_error=note, check_all=False)
        if run is not None and run not in index:
            every = scan(logdir, on_error=lambda *args: None, check_all=False)  # for the list of runs in the message
            return every, (select(every, run=run, tag=tag, step=step) if every else [])
        while index:
            chosen = select(index, run=run, tag=tag, step=step)
            damaged = next((series.run for series, entry in chosen if not _intact(entry)), None)
            if damaged is None:
                return index, chosen
            notes[damaged] = []
            again = scan(logdir, runs=[damaged], on_error=note).get(damaged)
            if again is None:
                del index[damaged]
            else:
                index[damaged] = again
        return index, []
    finally:
        for messages in notes.values():
            for message in messages:
                on_error(*message)


def _intact(entry):
    """Whether the record of a step entry passes its data checksum (checked once)."""
    if not entry.checked:
        try:
            _with_record(entry.path, entry.offset,
                         lambda data, position: check_record_at(data, position, path=entry.path))
        except CorruptRecordError:
            return False
        entry.checked = True
    return True


def scan(logdir, *, runs=None, on_error=None, check_all=True):
    """{run: {tag: Series}} for every tb_confusion tag under `logdir` (payloads are not decoded); with
    `runs`, only the event files of those runs are read.

    A tag whose metadata cannot be read (e.g. written by a newer tb_confusion), or a damaged file, raises
    errors.Unreadable naming the run and tag, or, with `on_error(run, tag, message)`, is reported there and
    skipped (a damaged file: the records before the damage are kept).
    check_all=False: records over 1 MiB (payloads) are not read; their data checksums are left to the
    steps a reader uses (see `locate`): framing, small records and each tag's first record are checked.
    A URL (s3://, gs://, ...) is read through TensorBoard's file layer (storage/remote.py): each event
    file in one request; a missing bucket raises LogdirNotFound, an unreachable store remote.StorageError.
    """
    is_remote = remote.is_remote(logdir)
    if is_remote:
        logdir = remote.normalized(logdir)
    if not (remote.isdir(logdir) if is_remote else os.path.isdir(logdir)):
        raise LogdirNotFound(f"logdir {logdir!r} does not exist or is not a directory")
    index = {}
    for run_name, paths in sorted(_event_files(logdir, is_remote).items()):
        if runs is not None and run_name not in runs:
            continue
        tags, unreadable = {}, set()
        steps = collections.defaultdict(dict)
        for path in paths:
            try:
                for offset, data, start, stop, checked in _events(path, is_remote, check_all):
                    try:
                        step, wall_time, values = _event_header(data, start, stop)
                    except (ValueError, TypeError, IndexError, struct.error):
                        if not checked:  # damage shows as a bad checksum, as when every record is checked
                            check_record_at(data, offset, path=path)
                        raise
                    for tag, summary_metadata in values:
                        if tag not in tags:
                            if summary_metadata is None or tag in unreadable:
                                continue
                            if not checked:  # a tag's facts come from checked bytes
                                check_record_at(data, offset, path=path)
                                checked = True
                            try:
                                plugin = summary_pb2.SummaryMetadata.FromString(summary_metadata).plugin_data
                            except DecodeError:
                                continue  # not ours to judge: another plugin's damaged metadata
                            if plugin.plugin_name != metadata.PLUGIN_NAME:
                                continue
                            try:
                                tags[tag] = metadata.parse_plugin_data(plugin.content)
                            except Unreadable as error:
                                message = f"run {run_name!r}, tag {tag!r} ({path}): {error}"
                                if on_error is None:
                                    raise type(error)(message) from None
                                on_error(run_name, tag, message)
                                unreadable.add(tag)
                                continue
                        kept = steps[tag]
                        for later in [s for s in kept if s >= step]:
                            del kept[later]
                        kept[step] = _Step(step, wall_time, path, offset, checked)
            except CorruptRecordError as error:
                if on_error is None:
                    raise
                on_error(run_name, None, f"run {run_name!r}: {error}; the rest of that file is ignored")
        if tags:
            index[run_name] = {
                tag: Series(run_name, tag, plugin_data, [steps[tag][s] for s in sorted(steps[tag])])
                for tag, plugin_data in tags.items()
            }
    return index


def list_series(logdir):
    """{run: {tag: [steps]}} for every tb_confusion tag under `logdir`."""
    return {run: {tag: [s.step for s in series.steps] for tag, series in tags.items()}
            for run, tags in scan(logdir).items()}


def load(series, step):
    """Decode one step (an entry of `series.steps`) into a Record, with the ids of the table it refers to
    when they were written once in an earlier step (storage.id_tables)."""
    record = payload.decode(payload_of(series, step), series.plugin_data, run=series.run, tag=series.tag,
                            step=step.step, wall_time=step.wall_time)
    earlier = (payload_of(series, other) for other in series.steps if other.step <= step.step)
    return id_lookup.resolve(record, earlier, _TABLES)  # tables are keyed by their digest: their content


_TABLES = id_lookup.TableCache()


def payload_of(series, step):
    """The payload bytes of one step (an entry of `series.steps`), found by its offset in its file."""
    record = memoryview(_record_at(step.path, step.offset))
    blob = _payload_in_event(record, series.tag.encode("utf-8"))
    if blob is None:
        raise Unreadable(f"{step.path}: step {step.step} of tag {series.tag!r} changed while reading")
    return blob


# Field numbers on the path Event.summary -> Summary.value -> Value.tag / .metadata / .tensor -> string_val.
_EVENT_WALL_TIME, _EVENT_STEP, _EVENT_SUMMARY = 1, 2, 5
_SUMMARY_VALUE, _VALUE_TAG, _VALUE_METADATA, _VALUE_TENSOR, _TENSOR_STRING_VAL = 1, 1, 9, 8, 8


def _event_header(event, start=0, stop=None):
    """(step, wall_time, [(tag, serialized SummaryMetadata or None)]) of a serialized Event (in
    event[start:stop]: bytes, or an mmap of the whole file).

    Walks the wire format so the (possibly large) tensors are neither parsed nor copied.
    """
    step, wall_time, values = 0, 0.0, []
    for number, _, value in wire.fields(event, start, stop):
        if number == _EVENT_STEP:
            step = value - (1 << 64) if value >= 1 << 63 else value  # int64 two's complement
        elif number == _EVENT_WALL_TIME:
            (wall_time,) = struct.unpack("<d", event[value[0]:value[1]])
        elif number == _EVENT_SUMMARY:
            for field, _, span in wire.fields(event, *value):
                if field != _SUMMARY_VALUE:
                    continue
                tag, summary_metadata = "", None
                for inner, _, part in wire.fields(event, *span):
                    if inner == _VALUE_TAG:
                        tag = bytes(event[part[0]:part[1]]).decode("utf-8", "replace")
                    elif inner == _VALUE_METADATA:
                        summary_metadata = bytes(event[part[0]:part[1]])
                values.append((tag, summary_metadata))
    return step, wall_time, values


def _payload_in_event(event, tag):
    """A view of the payload of `tag` inside a serialized Event, without copying it (see wire.py)."""
    for number, _, summary in wire.fields(event):
        if number != _EVENT_SUMMARY:
            continue
        for number, _, value in wire.fields(event, *summary):
            if number != _SUMMARY_VALUE:
                continue
            found_tag, tensor = None, None
            for field, _, span in wire.fields(event, *value):
                if field == _VALUE_TAG:
                    found_tag = event[span[0]:span[1]]
                elif field == _VALUE_TENSOR:
                    tensor = span
            if found_tag == tag and tensor is not None:
                for field, _, span in wire.fields(event, *tensor):
                    if field == _TENSOR_STRING_VAL:
                        return event[span[0]:span[1]]
    return None


def _event_files(logdir, is_remote):
    runs = {}
    if is_remote:
        for directory, files in remote.walk(logdir):
            events = sorted(f for f in files if "tfevents" in f)
            if events:
                runs[directory[len(logdir):].strip("/") or "."] = [directory + "/" + f for f in events]
        return runs
    for directory, _, files in os.walk(logdir):
        events = sorted(f for f in files if "tfevents" in f)
        if events:
            runs[os.path.relpath(directory, logdir).replace(os.sep, "/")] = [os.path.join(directory, f)
                                                                             for f in events]
    return runs


def _events(path, is_remote, check_all):
    """(offset, data, start, stop, checked) per record of one event file: the record is data[start:stop].

    check_all: every record read and checked (data is a copy of the record); otherwise data is the whole
    file (an mmap when local) and large records are neither copied nor checked (events.record_spans);
    a remote file is downloaded whole anyway, so there the intact ones are checked at once.
    """
    if check_all:
        for offset, record in _file_records(path, is_remote):
            yield offset, record, 0, len(record), True
        return
    if is_remote:
        data = remote.read_all(path)
        for offset, start, stop, checked in record_spans(data, path=path):
            if not checked:  # the bytes are here already: checking now saves fetching the record again
                checked = _passes_check(data, offset, path)
            yield offset, data, start, stop, checked
        return
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for offset, start, stop, checked in record_spans(data, path=path):
                yield offset, data, start, stop, checked


def _passes_check(data, offset, path):
    """Whether the record at `offset` passes its data checksum. A damaged one stays unchecked, so that
    `locate` finds the damage where it would in a local file (only if the record is chosen)."""
    try:
        check_record_at(data, offset, path=path)
    except CorruptRecordError:
        return False
    return True


def _file_records(path, is_remote):
    if is_remote:
        yield from records_with_offsets(remote.read_all(path), path=path)
        return
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from records_with_offsets(data, path=path)  # slices of an mmap are bytes copies


def _with_record(path, offset, use):
    """use(data, position): the record that starts at byte `offset` of the file starts at `position` of
    `data` (the local file's mmap; for a URL, the record's bytes fetched with ranged reads)."""
    if remote.is_remote(path):
        return use(_remote_frame(path, offset), 0)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return use(data, offset)


_FIRST_READ = 64 << 10  # a guess that holds most records whole, so one request usually suffices


def _remote_frame(path, offset):
    """The framed record (length, its CRC, data, data CRC) at byte `offset` of a remote file; shorter
    when the file ends first (read_record_at then reports it)."""
    data = remote.read_range(path, offset, _FIRST_READ)
    if len(data) < 12:
        return data
    # A damaged length costs at most a read to the end of the file: read_record_at then checks its CRC.
    (length,) = struct.unpack("<Q", data[:8])
    if len(data) < 12 + length + 4:
        data += remote.read_range(path, offset + len(data), 12 + length + 4 - len(data))
    return data


def _record_at(path, offset):
    return _with_record(path, offset, lambda data, position: read_record_at(data, position, path=path))

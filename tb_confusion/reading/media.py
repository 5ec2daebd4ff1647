"""The example media of a predictions tag, read from a logdir without a server (storage/media.py).

    from tb_confusion.reading.media import media
    thumbnails = media("logs", run="validation", tag="predictions")   # {id: PNG bytes or str}

Follows offline.py's rules: a run's event files in name order, a record at step s replaces earlier records
of the tag at steps >= s; the last step left is the table.
"""

import os

from google.protobuf.message import DecodeError
from tensorboard.compat.proto import summary_pb2

from tb_confusion.errors import LogdirNotFound, NotFound, Unreadable
from tb_confusion.reading import offline
from tb_confusion.storage import media as media_format, remote


def media(logdir, run, tag):
    """{example id: PNG bytes or str} logged for predictions tag `tag` of `run` (errors.NotFound when none;
    errors.Unreadable when the table is damaged or newer than this tb_confusion)."""
    is_remote = remote.is_remote(logdir)
    if is_remote:
        logdir = remote.normalized(logdir)
    if not (remote.isdir(logdir) if is_remote else os.path.isdir(logdir)):
        raise LogdirNotFound(f"logdir {logdir!r} does not exist or is not a directory")
    files = offline._event_files(logdir, is_remote)
    media_tag, plugin_data, kept = None, None, {}
    for path in files.get(run, []):
        for offset, data, start, stop, _ in offline._events(path, is_remote, check_all=False):
            step, _, values = offline._event_header(data, start, stop)
            for value_tag, summary_metadata in values:
                if media_tag is None and summary_metadata is not None:
                    found = _plugin_data(summary_metadata)
                    if found is not None and found.predictions_tag == tag:
                        media_tag, plugin_data = value_tag, found
                if value_tag == media_tag:
                    for later in [s for s in kept if s >= step]:
                        del kept[later]
                    kept[step] = (path, offset)
    if not kept:
        raise NotFound(f"no example media logged for run {run!r} tag {tag!r}")
    path, offset = kept[max(kept)]
    blob = offline._payload_in_event(memoryview(offline._record_at(path, offset)), media_tag.encode("utf-8"))
    if blob is None:
        raise Unreadable(f"{path}: the example media of tag {tag!r} changed while reading")
    return media_format.decode(bytes(blob), plugin_data).as_dict()


def _plugin_data(summary_metadata):
    try:
        plugin = summary_pb2.SummaryMetadata.FromString(summary_metadata).plugin_data
    except DecodeError:
        return None
    if plugin.plugin_name != media_format.MEDIA_PLUGIN_NAME:
        return None
    try:
        return media_format.parse_plugin_data(plugin.content)
    except Unreadable:
        return None

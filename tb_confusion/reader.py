"""Read tb_confusion Records from a logdir without TensorFlow or a TensorBoard server.

Runs and steps follow TensorBoard's rules: a run is a directory holding event files ("." for the
logdir itself); files of a run are read in name order; a record at step s replaces any earlier
records of the same tag at steps >= s (what TensorBoard's fast loader does on restarts).
"""

import collections
import dataclasses
import mmap
import os

from tensorboard.compat.proto import event_pb2

from tb_confusion import format as fmt
from tb_confusion import metadata
from tb_confusion.events import _gfile_for, read_records


@dataclasses.dataclass
class _Step:
    step: int
    wall_time: float
    path: str
    record_index: int


@dataclasses.dataclass
class Series:
    """One (run, tag): its PluginData and its steps in ascending order."""

    run: str
    tag: str
    plugin_data: object
    steps: list


def read(logdir, *, run=None, tag=None, step=None):
    """Yield Records from `logdir`, sorted by run, tag and step.

    run, tag: only this run / tag (LookupError naming the choices when absent).
    step: None for every step, an int, or "latest".
    Arrays are decoded one step at a time, so iterating many large steps keeps one in memory.
    """
    index = scan(logdir)
    if run is not None and run not in index:
        raise LookupError(f"run {run!r} not found in {logdir}; runs with tb_confusion data: {sorted(index)}")
    for run_name in sorted(index) if run is None else [run]:
        tags = index[run_name]
        if tag is not None and tag not in tags:
            raise LookupError(f"tag {tag!r} not found in run {run_name!r}; tags: {sorted(tags)}")
        for tag_name in sorted(tags) if tag is None else [tag]:
            series = tags[tag_name]
            yield from (load(series, s) for s in _select(series, step))


def scan(logdir):
    """{run: {tag: Series}} for every tb_confusion tag under `logdir` (payloads are not decoded)."""
    gfile = _gfile_for(logdir)
    exists = gfile.isdir(logdir) if gfile else os.path.isdir(logdir)
    if not exists:
        raise FileNotFoundError(f"logdir {logdir!r} does not exist or is not a directory")
    index = {}
    for run_name, paths in sorted(_event_files(logdir, gfile).items()):
        tags = {}
        steps = collections.defaultdict(dict)
        for path in paths:
            for i, record in enumerate(_records(path, gfile)):
                event = event_pb2.Event.FromString(record)
                for value in event.summary.value:
                    if value.tag not in tags:
                        if value.metadata.plugin_data.plugin_name != metadata.PLUGIN_NAME:
                            continue
                        tags[value.tag] = metadata.parse_plugin_data(value.metadata.plugin_data.content)
                    kept = steps[value.tag]
                    for later in [s for s in kept if s >= event.step]:
                        del kept[later]
                    kept[event.step] = _Step(event.step, event.wall_time, path, i)
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
    """Decode one step (an entry of `series.steps`) into a Record."""
    gfile = _gfile_for(step.path)
    for i, record in enumerate(_records(step.path, gfile)):
        if i == step.record_index:
            event = event_pb2.Event.FromString(record)
            for value in event.summary.value:
                if value.tag == series.tag:
                    return fmt.decode(value.tensor.string_val[0], series.plugin_data, run=series.run,
                                      tag=series.tag, step=step.step, wall_time=step.wall_time)
    raise ValueError(f"{step.path}: step {step.step} of tag {series.tag!r} changed while reading")


def _select(series, step):
    if step is None or step == "all":
        return series.steps
    if step == "latest":
        return series.steps[-1:]
    matches = [s for s in series.steps if s.step == step]
    if not matches:
        steps = [s.step for s in series.steps]
        shown = steps if len(steps) <= 20 else steps[:10] + ["..."] + steps[-5:]
        raise LookupError(f"step {step!r} not found for run {series.run!r}, tag {series.tag!r}; steps: {shown}")
    return matches


def _event_files(logdir, gfile):
    runs = {}
    walk = gfile.walk(logdir) if gfile else os.walk(logdir)
    for directory, _, files in walk:
        events = sorted(f for f in files if "tfevents" in f)
        if events:
            relative = os.path.relpath(directory, logdir) if not gfile else directory[len(logdir):].strip("/") or "."
            runs[relative.replace(os.sep, "/")] = [os.path.join(directory, f) for f in events]
    return runs


def _records(path, gfile):
    if gfile:
        with gfile.GFile(path, "rb") as f:
            yield from read_records(f.read(), path=path)
        return
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from read_records(data, path=path)  # slices of an mmap are bytes copies

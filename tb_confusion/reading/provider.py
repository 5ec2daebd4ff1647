"""Steps read through TensorBoard's data provider (the server's reader; tb_confusion.reading.offline reads a logdir
without a server), decoded once into Statistics and kept in a bounded cache."""

import collections
import re
import threading
import time

from google.protobuf import message as pb_message
from tensorboard import errors as tb_errors
from tensorboard.data import provider

from tb_confusion.errors import NotFound, Unreadable
from tb_confusion.storage import media, metadata, payload
from tb_confusion.reading import id_lookup
from tb_confusion.reading.selection import select
from tb_confusion import statistics as step_statistics
from tb_confusion.server.cache import sizeof as cache_sizeof

_UNSERVABLE = re.compile(r'["\\\t]')

StepRef = collections.namedtuple("StepRef", ["step", "wall_time", "blob_key"])

# A read-side `downsample` that keeps every step the ingester retained (0 would return nothing).
KEEP_ALL = 10**9


def downsample_from_hints(sampling_hints):
    """`read_*(downsample=...)` for our plugin: the user's hint, with 0/None meaning "all"."""
    hint = (sampling_hints or {}).get(metadata.PLUGIN_NAME) if isinstance(sampling_hints, dict) else None
    return hint if isinstance(hint, int) and hint > 0 else KEEP_ALL


class RecordSource:
    """What the routes need from the logdir: tags, steps and decoded Records (cached).

    `cache` (a server.cache.ByteLRU) keeps decoded steps' Statistics; `memos`, when given, keeps the small
    threshold-free numbers of the steps it evicts (ranking metrics, log loss, calibration, recommended
    thresholds: a few KB a step, see `MEMO_ENTRY_BYTES`), so a step decoded again recomputes only what
    moves with the threshold."""

    def __init__(self, data_provider, cache, downsample=KEEP_ALL, logdir=None, memos=None):
        self._provider = data_provider
        self._cache = cache
        self._memos = memos
        if memos is not None:
            cache.on_evict = self._keep_memo
        self._downsample = downsample
        self._logdir = logdir  # for the steps the data server cannot hand over (see _read_blob)
        # Each listing call to TensorBoard's data server (RustBoard, over gRPC) takes ~45 ms, and every
        # request needs one or two; the logdir changes only when TensorBoard reloads (every 5 s by default).
        self._recent = _Recent(LISTING_SECONDS)
        self._id_tables = id_lookup.TableCache()  # example ids written once per run and tag

    def tags(self, ctx, experiment_id):
        """{run: {tag: info}} for every tb_confusion tag; info["error"] says why a tag is unreadable."""
        listing = self._listing(ctx, experiment_id)
        sequences = self._recent.get(("sequences", experiment_id), lambda: self._provider.read_blob_sequences(
            ctx, experiment_id=experiment_id, plugin_name=metadata.PLUGIN_NAME, downsample=self._downsample))
        with_media = self.media_tags(ctx, experiment_id)
        result = {}
        for run, tags in listing.items():
            for tag, series in tags.items():
                data = sequences.get(run, {}).get(tag, [])
                info = {
                    "task": None,
                    "class_names": [],
                    "num_classes": 0,
                    "class_groups": [],
                    "num_steps": len(data),
                    "max_step": series.max_step,
                    "description": series.description or "",
                    "has_media": tag in with_media.get(run, {}),
                }
                try:
                    plugin_data = _parse(series.plugin_content, run, tag)
                    info.update(
                        task=plugin_data.task,
                        class_names=list(plugin_data.class_names),
                        num_classes=len(plugin_data.class_names),
                        class_groups=list(plugin_data.class_groups),  # one per class, or none
                    )
                except Unreadable as e:
                    info["error"] = str(e)
                result.setdefault(run, {})[tag] = info
        return result

    def _listing(self, ctx, experiment_id):
        return self._recent.get(("listing", experiment_id), lambda: self._provider.list_blob_sequences(
            ctx, experiment_id=experiment_id, plugin_name=metadata.PLUGIN_NAME))

    def media_tags(self, ctx, experiment_id):
        """{run: {predictions tag: (media tag, MediaPluginData)}} of the example media logged
        (storage/media.py: their own plugin name, so the predictions listing never holds them)."""
        def index():
            listing = self._provider.list_blob_sequences(ctx, experiment_id=experiment_id,
                                                         plugin_name=media.MEDIA_PLUGIN_NAME)
            found = {}
            for run, tags in listing.items():
                for tag, series in tags.items():
                    try:
                        plugin_data = media.parse_plugin_data(series.plugin_content)
                    except Unreadable:
                        continue  # names no predictions tag: nothing to show it beside
                    found.setdefault(run, {})[plugin_data.predictions_tag] = (tag, plugin_data)
            return found

        return self._recent.get(("media", experiment_id), index)

    def media_step(self, ctx, experiment_id, run, tag):
        """(StepRef, MediaPluginData, read) of the last step of the media of predictions tag `tag` (a later
        write replaces an earlier one); read() gives its bytes. NotFound when none was logged."""
        found = self.media_tags(ctx, experiment_id).get(run, {}).get(tag)
        if found is None:
            raise NotFound(f"no example media logged for run {run!r} tag {tag!r}")
        media_tag, plugin_data = found
        sequences = self._recent.get(("media", experiment_id, run, media_tag), lambda: self._provider.read_blob_sequences(
            ctx, experiment_id=experiment_id, plugin_name=media.MEDIA_PLUGIN_NAME, downsample=KEEP_ALL,
            run_tag_filter=_only(run, media_tag)))
        refs = [StepRef(d.step, d.wall_time, d.values[0].blob_key)
                for d in sequences.get(run, {}).get(media_tag, []) if d.values]
        if not refs:
            raise NotFound(f"no example media logged for run {run!r} tag {tag!r}")
        ref = max(refs, key=lambda r: (r.step, r.wall_time))
        return ref, plugin_data, lambda: self._read_blob(ctx, run, media_tag, ref)

    def plugin_data(self, ctx, experiment_id, run, tag):
        series = self._listing(ctx, experiment_id).get(run, {}).get(tag)
        if series is None:
            raise _unknown(run, tag)
        return _parse(series.plugin_content, run, tag)

    def steps(self, ctx, experiment_id, run, tag):
        """StepRefs of one (run, tag), ascending by step (a tuple shared by callers while it is recent)."""

        def listed():
            sequences = self._provider.read_blob_sequences(
                ctx, experiment_id=experiment_id, plugin_name=metadata.PLUGIN_NAME, downsample=self._downsample,
                run_tag_filter=_only(run, tag))
            data = sequences.get(run, {}).get(tag)
            if data is None:
                return None
            return tuple(sorted((StepRef(d.step, d.wall_time, d.values[0].blob_key) for d in data if d.values),
                                key=lambda r: r.step))

        refs = self._recent.get(("steps", experiment_id, run, tag), listed)
        if refs is None:
            raise _unknown(run, tag)
        return refs

    def find_step(self, ctx, experiment_id, run, tag, step):
        """(StepRef, PluginData) of `step` (an int, or "latest") of (run, tag), from one listing of the
        logdir; NotFound names what exists (selection.select)."""
        listing = self._listing(ctx, experiment_id)
        index = {run_name: {tag_name: (run_name, tag_name) for tag_name in tags} for run_name, tags in listing.items()}
        ((_, ref),) = select(index, run=run, tag=tag, step=step,
                             steps_of=lambda where: self.steps(ctx, experiment_id, *where))
        return ref, _parse(listing[run][tag].plugin_content, run, tag)

    def statistics(self, ctx, experiment_id, run, tag, ref, plugin_data=None, filters=()):
        """The Statistics of one step, cached: every route asking for the step shares its sorted counts.

        filters: the `slice` parameters (server/slices_data.filters): the Statistics of the step's examples in
        that slice, cached beside the whole step's, so paging a slice's examples does not filter it again."""
        key = ("statistics",) + record_key(experiment_id, run, tag, ref)[1:] + ((filters,) if filters else ())

        def build():
            if filters:
                from tb_confusion.server import slices_data  # the one home of "only this slice"

                whole = self.statistics(ctx, experiment_id, run, tag, ref, plugin_data)
                return slices_data.apply(whole, filters)
            built = step_statistics.of(self._load(ctx, experiment_id, run, tag, ref, plugin_data))
            kept = None if self._memos is None else self._memos.get(("memo",) + key[1:])
            for name, value in (kept or {}).items():
                built.memo(name, lambda value=value: value)
            return built

        return self._cache.get_or_compute(key, build, lambda built: built.nbytes_bound())

    def _keep_memo(self, key, value):
        """The steps cache evicted `value`: keep its small memoized numbers (see the class docstring)."""
        if key[0] != "statistics":
            return
        memo = value.memoized()  # a copy: a request may still be adding to it
        kept, total = {}, 0
        for name, number in memo.items():
            size = cache_sizeof(number)
            if size <= MEMO_ENTRY_BYTES:
                kept[name] = number
                total += size + cache_sizeof(name)
        if kept:
            self._memos.put(("memo",) + key[1:], kept, total + 256)

    def _load(self, ctx, experiment_id, run, tag, ref, plugin_data):
        plugin_data = plugin_data or self.plugin_data(ctx, experiment_id, run, tag)
        blob = self._read_blob(ctx, run, tag, ref)
        try:
            record = payload.decode(blob, plugin_data, run=run, tag=tag, step=ref.step, wall_time=ref.wall_time)
            if getattr(record, "ids_digest", None) is None:  # ids of its own, or none: no other step to read
                return record

            def earlier():
                for other in self.steps(ctx, experiment_id, run, tag):
                    if other.step <= ref.step:
                        yield self._read_blob(ctx, run, tag, other)

            return id_lookup.resolve(record, earlier(), self._id_tables, (experiment_id, run, tag))
        except (ValueError, pb_message.DecodeError) as e:
            raise Unreadable(f"run {run!r} tag {tag!r} step {ref.step}: {e}") from None

    def _read_blob(self, ctx, run, tag, ref):
        try:
            return self._provider.read_blob(ctx, blob_key=ref.blob_key)
        except tb_errors.InvalidArgumentError:
            if not _UNSERVABLE.search(run + tag):
                raise
        # TensorBoard's data server (RustBoard, the default loader) lists these steps but cannot parse the
        # blob keys it made for names with '"', '\\' or a tab: read the step from the event files instead.
        if self._logdir:
            try:
                from tb_confusion.reading import offline

                _, chosen = offline.locate(self._logdir, run=run, tag=tag, step=ref.step,
                                           on_error=lambda *args: None)
                if chosen:
                    ((series, step),) = chosen
                    return offline.payload_of(series, step)
            except (Unreadable, NotFound, OSError):
                pass
        raise Unreadable(
            f"run {run!r} tag {tag!r} step {ref.step}: TensorBoard's data server cannot serve names with a "
            "double quote, a backslash or a tab, and the event files could not be read here: rename the run "
            "or tag, or start tensorboard with --load_fast=false")


LISTING_SECONDS = 1.0
# A memoized number of an evicted step is kept when at most this big: per-class ranking metrics, log loss,
# calibration bins, recommended thresholds. Per-example results (likely label issues: ~9 bytes an example)
# are not: they are as large as the step.
MEMO_ENTRY_BYTES = 64 * 1024


class _Recent:
    """Values kept for `seconds` after they were computed (thread-safe); callers must not mutate them.

    One caller computes an expired or missing value while the others wait for it, or, when an older value
    exists, are answered with that one meanwhile: under load a listing expiring every second would otherwise
    be asked of the data server by every request in flight."""

    def __init__(self, seconds):
        self.seconds = seconds
        self._items = {}
        self._flights = {}  # key -> threading.Event of the computation under way
        self._lock = threading.Lock()
        self.computed = 0  # how many times a value was computed (for tests)

    def get(self, key, compute):
        while True:
            now = time.monotonic()
            with self._lock:
                hit = self._items.get(key)
                if hit is not None and now - hit[0] < self.seconds:
                    return hit[1]
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = threading.Event()
                    break
            if hit is not None:
                return hit[1]  # being refreshed by another request
            flight.wait()  # then read what it stored (or compute again if it failed)
        try:
            value = compute()
            with self._lock:
                self.computed += 1
                if len(self._items) > 4096:  # one entry per (run, tag) asked for: drop the stale ones
                    self._items = {k: v for k, v in self._items.items() if now - v[0] < self.seconds}
                self._items[key] = (time.monotonic(), value)
            return value
        finally:
            with self._lock:
                del self._flights[key]
            flight.set()


def record_key(experiment_id, run, tag, ref):
    # wall_time tells a step rewritten in place (e.g. resumed training) from the one cached.
    return ("record", experiment_id, run, tag, ref.step, ref.wall_time)


def _only(run, tag):
    return provider.RunTagFilter(runs=[run], tags=[tag])


def _unknown(run, tag):
    return NotFound(f"no tb_confusion data for run {run!r} tag {tag!r}")


def _parse(content, run, tag):
    """The PluginData of (run, tag) from its metadata content; Unreadable (NewerFormat kept as such) naming
    the run and tag when it is damaged, foreign or newer, as tbc.read and the CLI name them."""
    try:
        return metadata.parse_plugin_data(content)
    except (ValueError, pb_message.DecodeError) as e:
        kind = type(e) if isinstance(e, Unreadable) else Unreadable
        raise kind(f"run {run!r} tag {tag!r}: {e}") from None

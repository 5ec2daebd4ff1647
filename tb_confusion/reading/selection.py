"""Which (run, tag, step)s a request names: one rule and one wording for the reader, the CLI and the server."""

from tb_confusion.errors import NotFound

# Within a directory, runs whose last path part is one of these come first, in this order (the panel's
# chips and cards, frontend/src/selection.js runOrder, use the same rule and a copy of this list, which
# tests/test_run_order.py keeps equal); the rest follow by name.
SPLIT_ORDER = ("train", "training", "validation", "val", "valid", "test", "eval")


def run_order(run):
    """Sort key of a run name: runs grouped by their parent directory; within one, train, validation,
    test first (by the last part of the path), then the rest by name (code point order)."""
    parent, _, name = run.rpartition("/")
    rank = SPLIT_ORDER.index(name.lower()) if name.lower() in SPLIT_ORDER else len(SPLIT_ORDER)
    return (parent, rank, name)


def select(index, *, run=None, tag=None, step=None, steps_of=lambda series: series.steps):
    """[(series, step entry)] named by run, tag and step, sorted by run (`run_order`), tag and step.

    index: {run: {tag: series}}; `steps_of(series)` gives its step entries (each with `.step`), ascending.
    run, tag: one name, or None for every run / every tag (a tag chosen without a run is taken from
    the runs that have it). step: None or "all" for every step, "latest", or an int.
    Raises NotFound naming what is missing and listing what exists.
    """
    if run is not None and run not in index:
        raise NotFound(f"run {run!r} not found; runs with tb_confusion data: {_listing(sorted(index, key=run_order))}")
    chosen = []
    for run_name in sorted(index, key=run_order) if run is None else [run]:
        tags = index[run_name]
        if tag is not None and tag not in tags:
            if run is not None:
                raise NotFound(f"tag {tag!r} not found in run {run!r}; tags: {_listing(sorted(tags))}")
            continue
        chosen += [(run_name, name, tags[name]) for name in (sorted(tags) if tag is None else [tag])]
    if not chosen:
        every = sorted({name for tags in index.values() for name in tags})
        raise NotFound(f"tag {tag!r} not found in any run; tags: {_listing(every)}")
    pairs = [(series, entry) for _, _, series in chosen for entry in select_steps(steps_of(series), step)]
    if pairs:
        return pairs
    if len(chosen) == 1:
        run_name, tag_name, series = chosen[0]
        available = [entry.step for entry in steps_of(series)]
        if not available:
            raise NotFound(f"run {run_name!r} tag {tag_name!r} has no steps yet")
        raise NotFound(f"step {step} not found for run {run_name!r}, tag {tag_name!r}; "
                       f"steps: {_listing(shorten(available))}")
    available = sorted({entry.step for _, _, series in chosen for entry in steps_of(series)})
    raise NotFound(f"step {step} not found; steps: {_listing(shorten(available))}")


def select_steps(steps, step):
    """The entries of `steps` (ascending) for `step`: None or "all", "latest", or an int (maybe none)."""
    if step is None or step == "all":
        return list(steps)
    if step == "latest":
        return list(steps[-1:])
    return [entry for entry in steps if entry.step == step]


def shorten(values, *, limit=20):
    """A list short enough for a message: the first 10, "...", the last 5 when over `limit`."""
    values = list(values)
    return values if len(values) <= limit else values[:10] + ["..."] + values[-5:]


def _listing(names):
    return ", ".join(map(str, names))

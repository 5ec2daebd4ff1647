"""The storage kinds of a step, one entry each (docs/storage.md):

- "exact": every example's probabilities (payload.py), format version 2;
- "compact": multiclass only, each example's top facts plus per-class histograms (compact_payload.py,
  tb_confusion.compact), version 3, ~25 bytes per example whatever the number of classes;
- "counts": accumulated sums of per-pixel targets (counts_payload.py, tb_confusion.counts), version 3,
  written by tb_confusion.Accumulator only.

Writers take storage="auto" (default), "exact" or "compact"; auto stores a multiclass step compact when
it holds more than COMPACT_ABOVE probabilities (N x C), where exact storage stops being cheap to write,
keep in TensorBoard's memory and send to the browser.
"""

from tb_confusion.errors import BadArgument

STORAGES = ("auto", "exact", "compact")
COMPACT_ABOVE = 4_000_000
COMPACT_TASKS = ("multiclass",)
# per example: label, argmax and runner-up (2 bytes each at most), four float32 scores and sums, a uint16 rank
_COMPACT_BYTES_PER_EXAMPLE = 24
_HISTOGRAM_BYTES_PER_CLASS = 2033 * 4  # the dense bound of a class's histogram (usually far less is stored)


def check(storage):
    """`storage` when it is one of STORAGES, else BadArgument naming it."""
    if not isinstance(storage, str) or storage not in STORAGES:
        raise BadArgument(f"storage must be one of {', '.join(map(repr, STORAGES))}; got {storage!r}")
    return storage


def choose(storage, task, num_examples, num_classes):
    """"exact" or "compact" for a step of `task` with N x C probabilities, as `storage` asks."""
    check(storage)
    if storage == "compact" and task not in COMPACT_TASKS:
        raise BadArgument(f"storage='compact' keeps multiclass steps; this step is {task} (binary and multilabel "
                          "steps are stored exact: their probabilities are what the numbers need)")
    if storage == "auto":
        return "compact" if task in COMPACT_TASKS and num_examples * num_classes > COMPACT_ABOVE else "exact"
    return storage


def compact_size(num_examples, num_classes):
    """An upper estimate of a compact step's encoded bytes (before ids and weights)."""
    return 256 + num_examples * _COMPACT_BYTES_PER_EXAMPLE + num_classes * _HISTOGRAM_BYTES_PER_CLASS


def encode(arrays):
    """(payload bytes, format version) of a step prepared by validation.prepare, in the kind it chose."""
    from tb_confusion.storage import metadata, payload  # they build on the validation that imports this module

    if arrays["storage"] == "compact":
        from tb_confusion.compact import facts
        from tb_confusion.storage import compact_payload

        kept = facts.of(arrays["labels"], arrays["probabilities"], arrays["weights"])
        blob = compact_payload.encode(arrays["labels"], kept, weights=arrays["weights"],
                                      example_ids=arrays["example_ids"])
        return blob, metadata.COMPACT_VERSION
    blob = payload.encode(arrays["labels"], arrays["probabilities"], weights=arrays["weights"],
                          example_ids=arrays["example_ids"])
    return blob, metadata.EXACT_VERSION

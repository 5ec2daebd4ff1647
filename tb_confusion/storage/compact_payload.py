"""The bytes of a compact multiclass step (format version 3): the labels, weights and ids as in an exact
step, no probabilities, and the compact facts (tb_confusion.compact.facts) as named arrays (field 10).

The decoder checks the facts as strictly as the exact decoder checks probabilities: lengths, class
indices in range, scores finite in [0, 1] and ordered (top >= runner-up, top >= the true class's), a
runner-up other than the argmax, and histograms that hold every other (example, class) pair once.
"""

import struct

import google_crc32c
import numpy as np

from tb_confusion.compact import facts as compact_facts
from tb_confusion.errors import Unreadable
from tb_confusion.storage import _proto, counts_payload, payload, wire
from tb_confusion.storage.metadata import COUNTS_VERSION

_PER_EXAMPLE = ("pred", "top", "runner_up", "runner_up_score", "true_score", "true_rank", "square_sum")
_HISTOGRAMS = ("others_rows", "others_keys", "others_counts")
_SCORES = ("top", "runner_up_score", "true_score")
FIELD = 10


def encode(labels, facts, *, weights=None, example_ids=None):
    """Serialized Payload bytes of a compact step, checksum last."""
    message = _proto.Payload(version=COUNTS_VERSION)
    payload._fill(message.labels, labels)
    if weights is not None:
        payload._fill(message.weights, np.asarray(weights, dtype="<f8"))
    payload.put_example_ids(message, example_ids)
    c = len(facts.others_rows) - 1
    index_type = np.uint8 if c <= 256 else np.uint16
    for name in _PER_EXAMPLE:
        value = getattr(facts, name)
        if name in ("pred", "runner_up"):
            value = value.astype(index_type)
        elif name == "true_rank":
            value = np.minimum(value, 65535).astype(np.uint16)
        else:
            value = value.astype("<f4")
        entry = message.compact.add(name=name)
        entry.shape.append(len(value))
        payload._fill(entry.values, value)
    counts = facts.others_counts
    if len(counts) and np.all(counts == np.round(counts)):  # unweighted: the smallest unsigned type that fits
        top = counts.max()
        counts = counts.astype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32 if top < 2**32
                               else np.uint64)
    for name, value in (("others_rows", facts.others_rows.astype("<u4" if facts.others_rows[-1] < 2**32 else "<u8")),
                        ("others_keys", facts.others_keys.astype("<u2")), ("others_counts", counts)):
        entry = message.compact.add(name=name)
        entry.shape.append(len(value))
        payload._fill(entry.values, value)
    body = message.SerializeToString()
    return body + payload._CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))


def decode(buffer, plugin_data, labels, weights, ids, offsets, **where):
    """A compact step's Record (probabilities None, `facts` set) from the bytes of a version-3 Payload whose labels, weights and ids the exact
    decoder has read (and checked against the tag)."""
    c, n = len(plugin_data.class_names), len(labels)
    shapes = {name: None for name in _PER_EXAMPLE + _HISTOGRAMS}
    arrays = {}  # payload.decode has checked the version and the checksum
    try:
        for number, wire_type, value in wire.fields(buffer):
            if number == FIELD and wire_type == wire.LENGTH_DELIMITED:
                name, array = counts_payload.named_array(buffer, *value, shapes, keep_dtype=tuple(shapes))
                arrays[name] = array
    except Unreadable:
        raise
    except (ValueError, IndexError, TypeError, OverflowError) as error:
        raise Unreadable(f"corrupt tb_confusion payload: {error}") from None
    missing = [name for name in shapes if name not in arrays]
    if missing:
        raise Unreadable(f"corrupt tb_confusion payload: compact step without {', '.join(missing)}")
    facts = compact_facts.Facts(**{name: arrays[name] for name in compact_facts.Facts._fields})
    _check(facts, labels, weights, n, c)
    facts = facts._replace(others_rows=facts.others_rows.astype(np.int64),
                           others_counts=facts.others_counts.astype(np.float64))
    return payload.Record(task=plugin_data.task, labels=labels, probabilities=None, facts=facts,
                          class_names=list(plugin_data.class_names), weights=weights,
                          _example_ids=ids if offsets is not None else None, _example_id_offsets=offsets, **where)


def _check(facts, labels, weights, n, c):
    def bad(what):
        raise Unreadable(f"corrupt tb_confusion payload: compact {what}")

    for name in _PER_EXAMPLE:
        value = getattr(facts, name)
        if value.shape != (n,):
            bad(f"{name} has shape {value.shape}; the step has {n} examples")
    for name in ("pred", "runner_up", "true_rank"):
        value = getattr(facts, name)
        if value.dtype.kind not in "ui" or (n and (value.min() < 0 or value.max() >= max(c, 1))):
            bad(f"{name} must be class indices (ranks) in [0, {c})")
    for name in _SCORES + ("square_sum",):
        value = getattr(facts, name)
        if value.dtype.kind != "f" or (n and not (np.isfinite(value).all() and value.min() >= 0
                                                  and value.max() <= 1 + 1e-3)):
            bad(f"{name} must be probabilities in [0, 1]")
    if n and (np.any(facts.runner_up == facts.pred) and c > 1 or np.any(facts.runner_up_score > facts.top)
              or np.any(facts.true_score > facts.top)):
        bad("facts are out of order (a runner-up equal to the argmax or above it, or a true class above it)")
    totals = _histogram_totals(facts, c, bad)
    # every (example, class) pair once: as a positive, an exact negative (argmax, runner-up) or in `others`
    w = np.ones(n) if weights is None else weights
    y = labels.astype(np.int64)
    counted = totals + np.bincount(y, w, minlength=c)
    counted += np.bincount(facts.pred.astype(np.int64), np.where(facts.pred != y, w, 0.0), minlength=c)
    runner_distinct = (facts.runner_up != y) & (facts.runner_up != facts.pred)
    counted += np.bincount(facts.runner_up.astype(np.int64), np.where(runner_distinct, w, 0.0), minlength=c)
    if np.abs(counted - w.sum()).max(initial=0) > 1e-6 * max(1.0, w.sum()):
        bad("histograms do not hold every other (example, class) pair once")


def _histogram_totals(facts, c, bad):
    """[C] totals of the per-class histograms, once their rows, bins and counts are checked."""
    rows, keys, counts = facts.others_rows, facts.others_keys, facts.others_counts
    if rows.dtype.kind != "u" or keys.dtype.kind != "u" or counts.dtype.kind not in "uf":
        bad("histograms have the wrong dtypes")
    sizes = np.diff(rows.astype(np.int64))
    if len(rows) != c + 1 or rows[0] != 0 or rows[-1] != len(keys) or len(keys) != len(counts) or np.any(sizes < 0):
        bad("histogram rows do not match its keys and counts")
    if len(keys) and (keys.min() < compact_facts.FLOOR_KEY or keys.max() >= compact_facts.NUM_BINS
                      or not np.isfinite(counts).all() or counts.min() < 0):
        bad("histograms hold bins out of range or negative counts")
    owner = np.repeat(np.arange(c), sizes)
    if np.any((np.diff(keys.astype(np.int64)) <= 0) & (np.diff(owner) == 0)):
        bad("histogram bins are not ascending within a class")
    return np.bincount(owner, counts.astype(np.float64), minlength=c)

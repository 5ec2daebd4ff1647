"""What a stored step must satisfy before anything computes on it: the writers' rules, checked again on
read, because a foreign writer (or damaged bytes that still parse) can store anything.

Every check raises errors.Unreadable saying what is wrong; the reader adds the run, tag and step.
"""

import numpy as np

from tb_confusion import tasks
from tb_confusion.errors import Unreadable
from tb_confusion.storage.validation import SUM_TOLERANCE, row_off_sum

_FLOATS = (np.dtype("<f2"), np.dtype("<f4"), np.dtype("<f8"))
MAX_DIMENSION = 1 << 40  # no array dimension is larger (a 2**65 shape varint is damage, not data)


def check_shape(shape, what):
    if any(d >= MAX_DIMENSION for d in shape):
        raise Unreadable(f"{what} has shape {tuple(shape)}: a dimension of 2**40 or more")


def check_arrays(labels, probabilities, weights, plugin_data):
    """dtypes and values of a step's arrays, then their fit to the tag (the task's own check)."""
    if labels.dtype.kind not in "ui" or labels.dtype.itemsize > 8:
        raise Unreadable(f"labels have dtype {labels.dtype}; stored labels are integers")
    if probabilities.dtype not in _FLOATS:
        raise Unreadable(f"probabilities have dtype {probabilities.dtype}; stored probabilities are float16, "
                         "float32 or float64")
    if len(probabilities) and probabilities.size:
        low, high = probabilities.min(), probabilities.max()
        if not (0 <= low and high <= 1):  # NaN fails both comparisons
            raise Unreadable(f"probabilities must lie in [0, 1]; found {low if not 0 <= low else high}")
    task, c = tasks.get(plugin_data.task), len(plugin_data.class_names)
    problem = task.check(labels, probabilities, c)
    if problem:
        raise Unreadable(
            f"this step does not match its tag: the tag holds {task.name} predictions for {c} classes "
            f"{list(plugin_data.class_names[:5])}{'...' if c > 5 else ''} (from its first step), but this step has "
            f"labels of shape {labels.shape} and probabilities of shape {probabilities.shape}: {problem}. "
            "Log a different class set under another tag or run")
    if task.name != "multilabel" and probabilities.ndim == 2 and len(probabilities):
        # the writers' softmax rule, with room for the rounding of float16 storage
        tolerance = SUM_TOLERANCE + probabilities.shape[1] * np.finfo(probabilities.dtype).eps
        off = row_off_sum(probabilities, tolerance)
        if off:
            raise Unreadable(f"probabilities rows must sum to 1 for a {task.name} tag; row {off[0]} sums to "
                             f"{off[1]:.6g}")
    check_stored_weights(weights)


def check_stored_weights(weights):
    """None, or finite non-negative floats."""
    if weights is not None:
        if weights.dtype not in _FLOATS:
            raise Unreadable(f"weights have dtype {weights.dtype}; stored weights are float64")
        if len(weights) and not (0 <= weights.min() and np.isfinite(weights.max())):
            raise Unreadable("weights must be finite and non-negative")


def check_class_indices(labels, num_classes):
    """[N] integer labels in [0, num_classes) (a compact step's labels)."""
    if labels.dtype.kind not in "ui" or labels.dtype.itemsize > 8 or labels.ndim != 1:
        raise Unreadable(f"labels have dtype {labels.dtype} and shape {labels.shape}; a compact step stores [N] "
                         "class indices")
    if len(labels) and labels.max() >= num_classes:
        raise Unreadable(f"labels must lie in [0, {num_classes}); got up to {labels.max()}")


def check_example_ids(ids, offsets, n):
    """UTF-8 ids cut at character boundaries by non-decreasing offsets from 0 to len(ids)."""
    if offsets.dtype.kind not in "ui" or offsets.ndim != 1 or len(offsets) != n + 1:
        raise Unreadable("example_id_offsets do not match the examples")
    if offsets[0] != 0 or offsets[-1] != len(ids) or (n and np.any(np.diff(offsets.astype(np.int64)) < 0)):
        raise Unreadable("example_id_offsets do not match example_ids")
    try:
        ids.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"example_ids are not UTF-8 text ({error.reason} at byte {error.start})") from None
    starts = offsets[:-1][offsets[:-1] < len(ids)].astype(np.int64)
    if len(starts) and np.any(np.frombuffer(ids, np.uint8)[starts] & 0xC0 == 0x80):
        raise Unreadable("example_id_offsets cut a UTF-8 character")

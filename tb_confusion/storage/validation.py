"""Checks every writer runs before anything is written; errors name the argument and its bad value."""

import numbers

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.storage import class_groups as groups_format, kinds
from tb_confusion.storage.metadata import DTYPES, TASKS

EXACT_TASKS = tuple(name for name in TASKS if name != "segmentation")  # segmentation is accumulated only

# Rows of a softmax must sum to 1 within this (float16 inputs and float32 softmax both fit).
SUM_TOLERANCE = 1e-3
MAX_CLASSES = 65_536  # labels are stored as uint16 at most
# protobuf refuses to serialize or parse a message over 2 GiB - 1; one step is one Event message, and the
# tag and the Event/Summary/TensorProto wrappers around the payload fit in the headroom.
MAX_STEP_BYTES = 2**31 - 1 - 65_536


def check_flag(value, name):
    """`value` as a bool when it is one (numpy's included), else BadArgument naming `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise BadArgument(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_text(value, name):
    """`value` when it is a non-empty string, else BadArgument naming `name` (writers' and doors' options)."""
    if not isinstance(value, str) or not value.strip():
        raise BadArgument(f"{name} must be a non-empty string; got {brief(value)}")
    return value


def check_positive_int(value, name):
    """`value` as an int when it is an integer >= 1 (bools refused), else BadArgument naming `name`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise BadArgument(f"{name} must be a positive integer; got {brief(value)}")
    return int(value)


def check_choice(value, choices, name, allow_none=False):
    """`value` when it is one of `choices` (or None with `allow_none`), else BadArgument naming `name`."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or value not in choices:
        raise BadArgument(f"{name} must be one of {', '.join(map(repr, choices))}{' or None' if allow_none else ''}; "
                          f"got {brief(value)}")
    return value


def as_array(value, name):
    """A numpy array from a list, numpy array, TensorFlow tensor or torch tensor."""
    if value is None:
        raise BadArgument(f"{name} is required; got None")
    if hasattr(value, "detach"):  # torch
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # TensorFlow eager
        value = value.numpy()
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:
        raise BadArgument(f"{name} must be array-like; got {brief(value)} ({error})") from None


def prepare(labels, probabilities, *, task=None, class_names=None, example_ids=None,
            sample_weight=None, from_logits=False, dtype="float32", storage="auto", attributes=None,
            class_groups=None):
    """Validate writer inputs; return a dict of normalized arrays ready for payload.encode.

    Returns keys: task, labels, probabilities, class_names, weights, example_ids, dtype, storage (the
    kind chosen: "exact" or "compact", see storage.kinds), attributes (storage.attributes.prepare: a tuple
    of Attribute, or None), class_groups (storage.class_groups.prepare: a group name per class, or None).
    """
    from tb_confusion.storage import attributes as slice_attributes  # it uses this module's brief

    kinds.check(storage)
    if task is not None and task not in EXACT_TASKS:
        hint = " (per-pixel targets are summed with tb_confusion.Accumulator)" if task in TASKS else ""
        raise BadArgument(f"task must be one of {', '.join(EXACT_TASKS)} or None; got {task!r}{hint}")
    if dtype not in DTYPES:
        raise BadArgument(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    check_flag(from_logits, "from_logits")
    labels = as_array(labels, "labels")
    probabilities = as_array(probabilities, "probabilities")
    _check_numeric(labels, "labels")
    _check_numeric(probabilities, "probabilities")
    if probabilities.ndim not in (1, 2) or probabilities.ndim == 2 and probabilities.shape[1] == 0:
        hint = (". Per-pixel (or other per-element) targets are summed batch by batch with tb_confusion.Accumulator"
                if probabilities.ndim > 2 else "")
        raise BadArgument(f"probabilities must have shape [N] or [N, C]; got shape {probabilities.shape}{hint}")
    if labels.ndim not in (1, 2):
        raise BadArgument(f"labels must have shape [N] or [N, C]; got shape {labels.shape}")
    n = len(probabilities)
    if n == 0:
        raise BadArgument("probabilities is empty (N=0): there is nothing to log")
    if len(labels) != n:
        raise BadArgument(
            f"labels and probabilities must have the same length; got labels shape {labels.shape} "
            f"and probabilities shape {probabilities.shape}"
        )
    likely_compact = (storage != "exact" and labels.ndim == 1 and probabilities.ndim == 2
                      and probabilities.shape[1] >= 3 and (storage == "compact" or probabilities.size > kinds.COMPACT_ABOVE))
    values = (kinds.compact_size(n, probabilities.shape[1]) if likely_compact
              else probabilities.size * np.dtype(dtype).itemsize)
    check_step_size(_payload_size(labels=n, probabilities=values, weights=0 if sample_weight is None else 8 * n,
                                  ids=None if example_ids is None else 0, n=n))  # before any pass over the data
    if not np.all(np.isfinite(probabilities)):
        bad = probabilities[~np.isfinite(probabilities)].flat[0]
        raise BadArgument(f"probabilities must be finite; got {bad} (NaN or inf)")

    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.reshape(-1)  # Keras-style [N, 1] class indices
    task = task or _infer_task(labels, probabilities)
    probabilities = _to_probabilities(probabilities, task, from_logits)
    labels, num_classes = _to_labels(labels, probabilities, task)
    class_names = _class_names(class_names, num_classes)
    class_groups = groups_format.prepare(class_groups, class_names, task)
    weights = None if sample_weight is None else _weights(sample_weight, n)
    ids = None if example_ids is None else _example_ids(example_ids, n)
    attributes = slice_attributes.prepare(attributes, n)
    kind = kinds.choose(storage, task, n, probabilities.shape[1] if probabilities.ndim == 2 else 1)
    values = (kinds.compact_size(n, probabilities.shape[1]) if kind == "compact"
              else probabilities.size * np.dtype(dtype).itemsize)
    check_step_size(_payload_size(labels=labels.nbytes, probabilities=values,
                                  weights=0 if weights is None else weights.nbytes,
                                  ids=None if ids is None else len(ids.data), n=n)
                    + slice_attributes.encoded_size(attributes)
                    + sum(len(name.encode("utf-8")) + 3 for name in class_names + (class_groups or [])))  # the tag's metadata
    return dict(task=task, labels=labels, probabilities=probabilities.astype(dtype, copy=False),
                class_names=class_names, weights=weights, example_ids=ids, dtype=dtype, storage=kind,
                attributes=attributes, class_groups=class_groups)


def check_step_size(size):
    """BadArgument when a step of about `size` encoded bytes would not fit in one protobuf message."""
    if size > MAX_STEP_BYTES:
        raise BadArgument(
            f"this step would take about {size / 2**30:.2f} GiB ({size:,} bytes) encoded, over the 2 GiB a "
            f"protobuf message (one TensorBoard event) can hold. Pass dtype=\"float16\" (half the bytes of "
            f"the probabilities), storage=\"compact\" for a multiclass step (~25 bytes per example, "
            f"docs/storage.md), or log fewer examples per step (e.g. a fixed sample of the evaluation set)")


def _payload_size(*, labels, probabilities, weights, ids, n):
    from tb_confusion.storage import payload  # payload imports this module (through stored_checks)

    return payload.encoded_size(labels_bytes=labels, probabilities_bytes=probabilities, weights_bytes=weights,
                                id_bytes=ids, num_ids=n)


def _infer_task(labels, probabilities):
    columns = 1 if probabilities.ndim == 1 else probabilities.shape[1]
    if columns <= 2:
        return "binary"
    if labels.ndim == 1:
        return "multiclass"
    one_hot = np.all(labels.sum(axis=1) == 1)
    sums_to_one = np.allclose(probabilities.sum(axis=1), 1.0, atol=SUM_TOLERANCE)
    return "multiclass" if one_hot and sums_to_one else "multilabel"


def _to_probabilities(probabilities, task, from_logits):
    columns = 1 if probabilities.ndim == 1 else probabilities.shape[1]
    if task == "binary" and columns > 2:
        raise BadArgument(
            f"probabilities for task='binary' must have shape [N], [N, 1] or [N, 2]; "
            f"got shape {probabilities.shape}"
        )
    if task == "binary" and columns == 1:
        probabilities = probabilities.reshape(-1)
    if task in ("multiclass", "multilabel") and (probabilities.ndim != 2 or columns < 2):
        raise BadArgument(
            f"probabilities for task={task!r} must have shape [N, C] with C >= 2; got shape {probabilities.shape}"
        )
    softmax = task == "multiclass" or (task == "binary" and columns == 2)
    if from_logits:
        logits = probabilities.astype(np.float64)
        if softmax:
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        else:
            probabilities = 0.5 * (1.0 + np.tanh(0.5 * logits))  # sigmoid without overflow
        return probabilities.astype(np.float32)
    low, high = probabilities.min(), probabilities.max()
    if low < 0 or high > 1:
        bad = low if low < 0 else high
        raise BadArgument(
            f"probabilities must be in [0, 1]; got {bad}. Pass from_logits=True if these are logits"
        )
    if softmax:
        off = row_off_sum(probabilities, SUM_TOLERANCE)
        if off:
            row, total = off
            raise BadArgument(
                f"probabilities rows must sum to 1 for task={task!r} (softmax outputs); row {row} sums to "
                f"{total:.6g}. Pass from_logits=True for logits, or task='multilabel' for independent sigmoids"
            )
    if probabilities.dtype not in (np.float16, np.float32, np.float64):
        probabilities = probabilities.astype(np.float32)
    return probabilities


def row_off_sum(probabilities, tolerance):
    """(row, its sum) of the first row of [N, C] probabilities whose sum is further than `tolerance`
    from 1 (summed in float64), or None: the softmax rule writers and readers check."""
    sums = probabilities.sum(axis=1, dtype=np.float64)
    off = ~(np.abs(sums - 1.0) <= tolerance)  # NaN sums are off too
    if not off.any():
        return None
    row = int(np.argmax(off))
    return row, float(sums[row])


def _to_labels(labels, probabilities, task):
    n = len(labels)
    columns = 1 if probabilities.ndim == 1 else probabilities.shape[1]
    if columns > MAX_CLASSES:
        raise BadArgument(f"probabilities have {columns:,} columns; tb_confusion takes at most {MAX_CLASSES:,} "
                          "classes (their matrix alone would hold more than 4e9 cells)")
    if task == "multilabel":
        if labels.shape != probabilities.shape:
            raise BadArgument(
                f"labels for task='multilabel' must be multi-hot with the shape of probabilities "
                f"{probabilities.shape}; got shape {labels.shape}"
            )
        _check_values(labels, (0, 1), "labels")
        return labels.astype(np.uint8), columns
    num_classes = 2 if task == "binary" else columns
    if labels.ndim == 2:
        if labels.shape[1] == 1:
            labels = labels.reshape(-1)
        elif labels.shape == (n, num_classes):
            _check_values(labels, (0, 1), "labels")
            if not np.all(labels.sum(axis=1) == 1):
                row = int(np.argmax(labels.sum(axis=1) != 1))
                raise BadArgument(f"one-hot labels must have exactly one 1 per row; row {row} is {labels[row].tolist()}")
            labels = labels.argmax(axis=1)
        else:
            raise BadArgument(
                f"labels for task={task!r} must have shape [N] or one-hot [N, {num_classes}]; got shape {labels.shape}"
            )
    if labels.dtype == np.bool_:
        labels = labels.astype(np.int64)
    if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
        bad = labels[~np.isfinite(labels) | (labels != np.round(labels))].flat[0]
        raise BadArgument(f"labels must be whole class indices; got {bad}")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise BadArgument(
            f"labels must be class indices in [0, {num_classes - 1}] for task={task!r} with "
            f"probabilities shape {probabilities.shape}; got {bad:g}"
        )
    storage = np.uint8 if num_classes <= 256 else np.uint16
    return labels.astype(storage), num_classes


def _class_names(class_names, num_classes):
    if class_names is None:
        return [str(i) for i in range(num_classes)]
    if isinstance(class_names, (str, bytes)):
        raise BadArgument(f"class_names must be a sequence of strings; got the string {class_names!r}")
    names = [n.decode("utf-8") if isinstance(n, bytes) else n for n in list(class_names)]
    if len(names) != num_classes:
        raise BadArgument(f"class_names must have {num_classes} entries (one per class); got {len(names)}: {brief(names)}")
    for name in names:
        if not isinstance(name, str):
            raise BadArgument(f"class_names must be strings; got {name!r}")
    seen = set()
    for name in names:
        if name in seen:
            raise BadArgument(f"class_names must be unique; got {name!r} twice")
        seen.add(name)
    return names


def _weights(sample_weight, n):
    weights = as_array(sample_weight, "sample_weight")
    _check_numeric(weights, "sample_weight")
    weights = weights.astype(np.float64).reshape(-1) if weights.ndim == 2 and weights.shape[1] == 1 else weights
    if weights.shape != (n,):
        raise BadArgument(f"sample_weight must have shape [{n}] (one per example); got shape {weights.shape}")
    if not np.all(np.isfinite(weights)) or weights.min() < 0:
        bad = weights[~np.isfinite(weights) | (weights < 0)].flat[0]
        raise BadArgument(f"sample_weight must be finite and non-negative; got {bad}")
    return weights.astype(np.float64)


def _example_ids(example_ids, n):
    """payload.PackedIds of `example_ids` ([N] str, int or UTF-8 bytes): integer, 'U' and 'S' arrays and
    lists of str are packed without a Python step per id (at N=1M, the loop was most of a write)."""
    from tb_confusion.storage import payload  # payload imports this module (through stored_checks)

    ids = as_array(example_ids, "example_ids") if not isinstance(example_ids, (list, tuple)) else example_ids
    if isinstance(ids, np.ndarray):
        ids = ids.reshape(-1)
    if len(ids) != n:
        raise BadArgument(f"example_ids must have {n} entries (one per example); got {len(ids)}")
    if isinstance(ids, np.ndarray):
        kind = ids.dtype.kind
        if kind in "iu":
            return payload.pack_integers(ids)
        if kind == "U":
            return _packed_text(payload, ids)
        if kind == "S":
            packed = payload.pack_text_array(ids)
            bad = payload.first_bad_utf8(*packed)
            if bad is not None:
                raise BadArgument(f"example_ids must be UTF-8 text; entry {bad} is {brief(bytes(ids[bad]))}")
            return packed
        ids = ids.tolist() if kind == "O" else list(ids)
    if not all(type(i) is str for i in ids):  # exact str: the common list; anything else goes one by one
        ids = [_one_id(k, i) for k, i in enumerate(ids)]
    return _encodable(payload, ids)


def _packed_text(payload, ids):
    try:
        return payload.pack_text_array(ids)
    except UnicodeEncodeError:
        return _encodable(payload, ids.tolist())


def _encodable(payload, ids):
    try:
        return payload.pack_example_ids(ids)
    except UnicodeEncodeError:  # a lone surrogate: str, but not text UTF-8 can hold
        for k, i in enumerate(ids):
            try:
                i.encode("utf-8")
            except UnicodeEncodeError:
                raise BadArgument(f"example_ids must be UTF-8 text; entry {k} is {brief(i)}") from None
        raise


def _one_id(k, i):
    if isinstance(i, (bytes, np.bytes_)):
        try:
            return bytes(i).decode("utf-8")
        except UnicodeDecodeError:
            raise BadArgument(f"example_ids must be UTF-8 text; entry {k} is {brief(bytes(i))}") from None
    if isinstance(i, (numbers.Integral, np.integer)):
        return str(int(i))
    if not isinstance(i, str):
        raise BadArgument(f"example_ids must be strings or integers; got {i!r}")
    return str(i)


def _check_numeric(array, name):
    if array.dtype == np.bool_:
        return
    if not (np.issubdtype(array.dtype, np.number)):
        raise BadArgument(f"{name} must be numeric; got dtype {array.dtype} ({brief(array)})")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise BadArgument(f"{name} must be real numbers; got complex dtype {array.dtype} ({brief(array)})")


def _check_values(array, allowed, name):
    bad = ~np.isin(array, allowed)
    if bad.any():
        raise BadArgument(f"{name} must contain only {allowed}; got {array[bad].flat[0]}")


def brief(value, limit=60):
    """repr(value), cut to `limit` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

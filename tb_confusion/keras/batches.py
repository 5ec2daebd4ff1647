"""Batch plumbing shared by the sources and the traced pass: unpacking (x, y[, w]), the ids feature of a
dict x, the chosen output of a multi-output model, dense numpy values."""

import numpy as np
import tensorflow as tf

from tb_confusion.storage.validation import brief

def unpack(element):
    if isinstance(element, list):
        element = tuple(element)
    if not isinstance(element, tuple) or len(element) not in (2, 3):
        raise ValueError(
            f"each batch of data must be a tuple (x, y) or (x, y, sample_weight); got {brief(element)}"
        )
    x, y, w = (element + (None,))[:3]
    if y is None:
        raise ValueError("each batch of data must hold labels y; got y=None")
    return x, y, w


def pop_ids(x, key, tensors=True):
    x, popped = pop_features(x, [] if key is None else [(key, f"example_ids={key!r}")], tensors)
    return x, popped.get(key)


def wanted_features(id_key, attribute_keys):
    """pop_features' [(key, the argument naming it)] for the ids feature and the attributes' features."""
    wanted = [] if id_key is None else [(id_key, f"example_ids={id_key!r}")]
    return wanted + [(key, f"attributes feature {key!r}") for key in attribute_keys if key != id_key]


def pop_features(x, wanted, tensors=True):
    """(x without the features of `wanted`, {key: their values}): `wanted` is [(key, the argument naming it in
    messages)]; values are flat numpy arrays, or the tensors themselves with tensors=False."""
    if not wanted:
        return x, {}
    for key, argument in wanted:
        if not isinstance(x, dict) or key not in x:
            keys = sorted(x) if isinstance(x, dict) else None
            raise ValueError(
                f"{argument} names a feature of a dict x, but the batch x "
                + (f"has keys {keys}" if keys is not None else f"is not a dict ({type(x).__name__})")
            )
    x = dict(x)
    popped = {key: x.pop(key) for key, _ in wanted}
    if tensors:
        popped = {key: as_numpy(value).reshape(-1) for key, value in popped.items()}
    if len(x) == 1:  # a single remaining feature is passed as is (Sequential models want a tensor)
        (x,) = x.values()
    return x, popped


def pick(value, output, what):
    if output is None:
        if isinstance(value, (dict, list, tuple)) and len(value) == 1:
            return next(iter(value.values())) if isinstance(value, dict) else value[0]
        if isinstance(value, (dict, list, tuple)):
            raise ValueError(f"{what} has several outputs; pass output= (an index or key) to choose one")
        return value
    if isinstance(value, (dict, list, tuple)):
        try:
            return value[output]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"output={output!r} is not an output of the {what}") from None
    return value


def as_numpy(value):
    if isinstance(value, (tf.SparseTensor, tf.RaggedTensor)):
        raise ValueError(f"labels, predictions and weights must be dense; got a {type(value).__name__}")
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def concat_optional(parts, what):
    present = [p is not None for p in parts]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f"some batches of data have {what} and some do not")
    return np.concatenate(parts)


def tuples(value):
    # from_tensor_slices would stack a list of inputs into one tensor; a tuple keeps them apart.
    if isinstance(value, dict):
        return {k: tuples(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(tuples(v) for v in value)
    return value


def slice_rows(value, cut):
    if isinstance(value, dict):
        return {k: slice_rows(v, cut) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(slice_rows(v, cut) for v in value)
    return value[cut]


def rows(value, what):
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    elif isinstance(value, (list, tuple)) and value and hasattr(value[0], "shape"):
        value = value[0]
    try:
        return len(value)
    except TypeError:
        raise ValueError(f"data {what} must be array-like; got {brief(value)}") from None



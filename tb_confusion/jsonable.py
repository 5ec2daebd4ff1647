"""Plain JSON values from report and route results: numpy converted, NaN and infinity as null."""

import math

import numpy as np


def jsonable(value):
    """`value` with numpy scalars and arrays made plain, non-finite floats made None, dict keys str."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if hasattr(value, "__json__"):  # e.g. server.packed.Packed
        return value.__json__()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _array(array):
    # Whole numeric arrays at once (one tolist, no call per element): the curves of 1000 classes
    # hold over a million values.
    if array.dtype.kind in "biu":
        return array.tolist()
    if array.dtype.kind == "f":
        out = array.tolist()
        if math.isfinite(array.sum()):  # one reduction: a sum is finite only when every value is (or overflows)
            return out
        if array.ndim != 1:
            return _array_object(array)
        for i in np.flatnonzero(~np.isfinite(array)).tolist():  # rare (a curve's +inf threshold): those few
            out[i] = None
        return out
    return jsonable(array.tolist())


def _array_object(array):
    out = array.astype(object)
    out[~np.isfinite(array)] = None
    return out.tolist()

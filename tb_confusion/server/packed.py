"""Long numeric arrays sent as base64 of their bytes instead of JSON numbers.

The `stats` route ships a step's sorted counts (100k thresholds and counts at N=100k): as JSON numbers
that is ~2.8 MB of text, 230 ms of float formatting and 110 ms of gzip per cold request, which is what a
loaded server spends its time on. Packed, an array is {"packed": dtype, "base64": little-endian bytes}
in the narrowest dtype that holds every value exactly ("f4" for the float32 scores, "i4" for counts,
else "f8"); the panel (frontend/src/api.js) revives it as a Float32Array / Int32Array / Float64Array,
whose elements are the same numbers. Documented in docs/http_api.md.
"""

import base64

import numpy as np

_INT32 = np.iinfo(np.int32)


class Packed:
    """A numeric array that `jsonable` turns into {"packed": "f4"|"i4"|"f8", "base64": ...}."""

    def __init__(self, array):
        self.array = np.asarray(array)
        if self.array.dtype.kind not in "biuf":
            raise TypeError(f"only numeric arrays are packed; got dtype {self.array.dtype}")

    def __json__(self):
        a = self.array.reshape(-1)
        code = _narrowest(a)
        return {"packed": code, "base64": base64.b64encode(a.astype("<" + code, copy=False).tobytes()).decode("ascii")}


def _narrowest(a):
    if a.dtype.kind in "biu":
        if a.size == 0 or (int(a.min()) >= _INT32.min and int(a.max()) <= _INT32.max):
            return "i4"
        return "f8"  # counts stay exact up to 2**53
    if a.dtype.itemsize <= 4:
        return "f4"
    narrow = a.astype(np.float32)
    with np.errstate(invalid="ignore"):
        return "f4" if np.array_equal(narrow, a, equal_nan=True) else "f8"


def pack_arrays(obj):
    """`obj` (dicts and lists of them) with every numpy array of numbers made Packed."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        return Packed(obj)
    if isinstance(obj, dict):
        return {key: pack_arrays(value) for key, value in obj.items()}
    if isinstance(obj, list):
        if _SCALARS.issuperset(map(type, obj)):  # a curve's numbers: nothing inside to pack
            return obj
        return [pack_arrays(value) for value in obj]
    return obj


_SCALARS = frozenset({float, int, bool, str, type(None)})


def unpack(obj):
    """The inverse for Python readers of the JSON (tests, scripts): packed entries become lists."""
    if isinstance(obj, dict):
        if set(obj) == {"packed", "base64"}:
            return np.frombuffer(base64.b64decode(obj["base64"]), dtype="<" + obj["packed"]).tolist()
        return {key: unpack(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [unpack(value) for value in obj]
    return obj

"""A thread-safe LRU cache bounded by an estimate of the bytes its values hold."""

import collections
import sys
import threading

import numpy as np


# How the cache flag's bytes are shared: decoded steps (Statistics, the large objects), per-step summaries
# the epochs route needs for every step (decision tables, epoch entries) and encoded answers (JSON bodies).
# Apart, so that large steps and megabyte bodies never evict the small tables every epochs request reads.
SHARES = {"steps": 0.5, "tables": 0.25, "answers": 0.25}


def split(max_bytes):
    """{name: ByteLRU} over SHARES whose bounds add up to `max_bytes`."""
    names = list(SHARES)
    bounds = {name: int(max_bytes * SHARES[name]) for name in names[:-1]}
    bounds[names[-1]] = int(max_bytes) - sum(bounds.values())
    return {name: ByteLRU(bound) for name, bound in bounds.items()}


class ByteLRU:
    """Maps keys to values, evicting the least recently used once `max_bytes` is exceeded.

    A value larger than the whole budget is returned to the caller but not kept. `on_evict(key, value)`,
    when set, is called (outside the cache's lock) for each value evicted to make room.
    """

    def __init__(self, max_bytes, on_evict=None):
        self.max_bytes = int(max_bytes)
        self.on_evict = on_evict
        self._items = collections.OrderedDict()  # key -> (value, nbytes)
        self._lock = threading.Lock()
        self._building = {}  # key -> Lock, so concurrent misses on one key compute it once
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self._items)

    def __contains__(self, key):
        with self._lock:
            return key in self._items

    def get(self, key, default=None):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, nbytes=None):
        nbytes = sizeof(value) if nbytes is None else int(nbytes)
        evicted = []
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            if nbytes > self.max_bytes:
                return
            self._items[key] = (value, nbytes)
            self.nbytes += nbytes
            while self.nbytes > self.max_bytes:
                old_key, (old_value, old_bytes) = self._items.popitem(last=False)
                self.nbytes -= old_bytes
                evicted.append((old_key, old_value))
        if self.on_evict is not None:
            for old_key, old_value in evicted:
                self.on_evict(old_key, old_value)

    def get_or_compute(self, key, compute, nbytes=None):
        """The cached value for `key`, else `compute()` stored under it (`nbytes(value)` sizes it)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return item[0]
            building = self._building.setdefault(key, [threading.Lock(), 0])
            building[1] += 1
        try:
            with building[0]:
                value = self.get(key, _MISSING)
                with self._lock:
                    if value is not _MISSING:  # computed by the request this one waited for
                        self.hits += 1
                        return value
                    self.misses += 1
                value = compute()
                self.put(key, value, None if nbytes is None else nbytes(value))
                return value
        finally:
            with self._lock:
                building[1] -= 1
                if building[1] == 0:
                    self._building.pop(key, None)

    def clear(self):
        with self._lock:
            self._items.clear()
            self.nbytes = 0


_MISSING = object()


def sizeof(value, _seen=None):
    """A rough byte count of numpy arrays, bytes, str, numbers and containers of them (objects through
    their attributes). An object reached twice counts once, and an array view counts the whole array it
    keeps alive."""
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    if isinstance(value, np.ndarray):
        base = value
        while isinstance(base.base, np.ndarray):
            base = base.base
        if id(base) in seen:
            return 112
        seen.add(id(base))
        return max(value.nbytes, base.nbytes) + 112
    if isinstance(value, (bytes, bytearray, str)):
        return len(value) + 50
    if isinstance(value, (dict, list, tuple)) or hasattr(value, "__dict__"):
        seen.add(id(value))
    if isinstance(value, dict):
        return 64 + sum(sizeof(k, seen) + sizeof(v, seen) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 56 + sum(sizeof(v, seen) for v in value)
    if hasattr(value, "__dict__"):
        return 64 + sizeof(vars(value), seen)
    return sys.getsizeof(value)

"""The byte-bounded LRU cache of decoded steps, and the JSON encoding of route answers."""

import json
import threading

import numpy as np
import pytest

from tb_confusion.reading import provider
from tb_confusion.server import cache, json_http


def test_least_recently_used_is_evicted_first():
    lru = cache.ByteLRU(300)
    for key in "abc":
        lru.put(key, key, nbytes=100)
    assert lru.get("a") == "a"  # a becomes the most recent
    lru.put("d", "d", nbytes=100)
    assert "b" not in lru and {"a", "c", "d"} == {k for k in "abcd" if k in lru}
    assert lru.nbytes == 300


def test_a_value_larger_than_the_budget_is_returned_but_not_kept():
    lru = cache.ByteLRU(1000)
    lru.put("small", 1, nbytes=10)
    big = lru.get_or_compute("big", lambda: np.zeros(1000))
    assert big.shape == (1000,) and "big" not in lru and "small" in lru


def test_replacing_a_key_updates_the_byte_count():
    lru = cache.ByteLRU(1000)
    lru.put("a", 1, nbytes=100)
    lru.put("a", 2, nbytes=300)
    assert lru.get("a") == 2 and lru.nbytes == 300 and len(lru) == 1


def test_get_or_compute_computes_once_under_concurrency():
    lru = cache.ByteLRU(10**6)
    calls = []
    barrier = threading.Barrier(8)

    def compute():
        calls.append(1)
        return b"x" * 100

    def worker():
        barrier.wait()
        assert lru.get_or_compute("k", compute) == b"x" * 100

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and lru.misses == 1 and lru.hits + lru.misses == 8


def test_an_error_in_compute_caches_nothing():
    lru = cache.ByteLRU(1000)
    with pytest.raises(ZeroDivisionError):
        lru.get_or_compute("k", lambda: 1 / 0)
    assert "k" not in lru and lru.get_or_compute("k", lambda: 5) == 5


def test_sizeof_counts_array_bytes():
    assert cache.sizeof(np.zeros(1000, dtype=np.float32)) >= 4000
    assert cache.sizeof({"a": np.zeros(10), "b": [b"x" * 100]}) >= 180


@pytest.mark.parametrize("hints, expected", [
    (None, provider.KEEP_ALL), ({}, provider.KEEP_ALL), ({"tb_confusion": 0}, provider.KEEP_ALL),
    ({"tb_confusion": 25}, 25), ({"images": 3}, provider.KEEP_ALL), ("tb_confusion=3", provider.KEEP_ALL),
])
def test_read_side_downsample_is_never_zero(hints, expected):
    assert provider.downsample_from_hints(hints) == expected


def test_json_has_null_for_undefined_numbers():
    obj = {"a": float("nan"), "b": [1.0, float("inf"), -float("inf")], "c": np.array([0.5, np.nan]),
           "d": np.float32(0.25), "e": np.int64(3), "f": np.array([1, 2])}
    assert json.loads(json_http.json_bytes(obj)) == {"a": None, "b": [1.0, None, None], "c": [0.5, None],
                                                     "d": 0.25, "e": 3, "f": [1, 2]}

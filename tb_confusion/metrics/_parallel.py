"""A small shared thread pool: numpy releases the GIL in sorts and ufunc loops, so threads use every core."""

import concurrent.futures
import os
import threading

import numpy as np

_lock = threading.Lock()
_pool = None
WORKERS = max(1, min(os.cpu_count() or 1, 8))


def parallel_map(fn, items):
    """list(map(fn, items)), spread over the pool when there is more than one item and core."""
    items = list(items)
    if WORKERS == 1 or len(items) < 2:
        return [fn(item) for item in items]
    global _pool
    with _lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="tb_confusion")
    return list(_pool.map(fn, items))


def columns(array):
    """A C-contiguous copy of array.T for an [N, C] array, transposed in cache-sized row blocks on every core:
    each column then reads as one contiguous row instead of N scattered cache lines."""
    out = np.empty(array.shape[::-1], dtype=array.dtype)

    def copy(span):
        out[:, span[0] : span[1]] = array[span[0] : span[1]].T

    parallel_map(copy, row_chunks(len(array), rows=max(256, 2**18 // max(1, array.shape[1]))))
    return out


def row_chunks(n, rows=32768):
    """(start, stop) ranges covering range(n) in cache-sized pieces."""
    return [(start, min(start + rows, n)) for start in range(0, n, rows)] or [(0, 0)]

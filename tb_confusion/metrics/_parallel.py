"""A small shared thread pool: numpy releases the GIL in sorts and ufunc loops, so threads use every core."""

import concurrent.futures
import os
import threading

import numpy as np

_lock = threading.Lock()
_pool = None
WORKERS = max(1, min(os.cpu_count() or 1, 8))
# Sorting a step's classes allocates several times the step's size for a moment: two sorts at a time keep
# both cores busy, while twenty concurrent requests for unsorted steps (a server under load) do not hold
# twenty steps' worth of that memory at once. Whoever sorts a step's rankings holds it; others never wait.
SORTS = threading.BoundedSemaphore(2)


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


def spans(n, minimum=65536):
    """One contiguous (start, stop) range per worker (a single range for small n): each worker then
    loops over its own cache-sized chunks, so the pool is entered once per worker, not per chunk."""
    parts = max(1, min(WORKERS, n // minimum))
    edges = [n * i // parts for i in range(parts + 1)]
    return list(zip(edges[:-1], edges[1:]))


CHUNK_BYTES = 5 << 18  # 1.25 MiB: a third of a 4 MiB L2


def transposed_chunks(array, start, stop, rows=None):
    """Yield (a, b, columns) where columns is array[a:b].T as a C-contiguous [C, b - a] view of one reused
    buffer: copying into warm memory avoids a fresh allocation (and its page faults) per chunk.

    Chunks of ~CHUNK_BYTES (32768 rows of 10 float32 columns): the kernels make ~30 numpy calls per
    chunk, each taking the GIL, and with 8192-row chunks two threads spent that time waiting for each
    other (no faster than one; the N=1e6, C=10 matrix went from 16 to 11 ms with larger chunks)."""
    if rows is None:
        rows = max(8192, CHUNK_BYTES // max(1, array.shape[1] * array.itemsize))
    buffer = np.empty((array.shape[1], min(rows, max(stop - start, 1))), dtype=array.dtype)
    for a in range(start, stop, rows):
        b = min(a + rows, stop)
        columns = buffer[:, : b - a]
        np.copyto(columns, array[a:b].T)
        yield a, b, columns


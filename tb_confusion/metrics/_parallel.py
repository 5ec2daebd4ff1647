"""A small shared thread pool: numpy releases the GIL in sorts and ufunc loops, so threads use every core."""

import concurrent.futures
import os
import threading

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


def row_chunks(n, rows=32768):
    """(start, stop) ranges covering range(n) in cache-sized pieces."""
    return [(start, min(start + rows, n)) for start in range(0, n, rows)] or [(0, 0)]

"""Freed array memory goes back to the operating system, so TensorBoard's RSS follows the cache flag.

glibc serves a large allocation with its own mmap only while it is above a threshold that it raises each
time such a block is freed (up to 32 MiB). Once raised, the numpy arrays of a step (hundreds of KiB to
megabytes each) come from the heap arenas instead, and the arenas of TensorBoard's request threads keep
their freed pages: measured with 20 clients on 100 epochs of N=100k (bench/bench_load.py), RSS rose by
1.7x the cache flag; with the threshold fixed at 128 KiB, 1.07x. Fixing it is what
MALLOC_MMAP_THRESHOLD_=131072 does; a value the user set in the environment is left alone.

The smaller blocks (Python's lists, dicts and strings above 512 bytes, small arrays) still come from the
arenas, and glibc gives each new thread its own, up to 8 per core: TensorBoard answers every request on a
new thread, so twenty clients spread those blocks over 16 arenas, each keeping its free pages. Two arenas
(MALLOC_ARENA_MAX=2) keep them together: in the same bench, RSS growth went from 1.13x to ~1.0x the flag.
"""

import ctypes
import ctypes.util
import os
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers
_M_ARENA_MAX = -8
THRESHOLD = 128 * 1024
ARENAS = 2


def return_freed_arrays():
    """Fix glibc's mmap threshold at 128 KiB (Linux with glibc only); True when it was set here."""
    return _set("MALLOC_MMAP_THRESHOLD_", _M_MMAP_THRESHOLD, THRESHOLD)


def limit_arenas():
    """At most ARENAS glibc malloc arenas for the threads started from now on (Linux with glibc only);
    True when it was set here."""
    return _set("MALLOC_ARENA_MAX", _M_ARENA_MAX, ARENAS)


def _set(variable, parameter, value):
    if not sys.platform.startswith("linux") or variable in os.environ:
        return False  # the user's own setting wins
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(parameter, value) == 1

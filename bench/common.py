"""Small timing helpers shared by the benchmarks: medians over repeats, printed tables."""

import statistics
import time


def median_seconds(fn, *, repeat=7, warmup=1):
    """Median wall time of `fn()` over `repeat` runs after `warmup` unmeasured runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def best_seconds(fn, repeat):
    """Fastest wall time of `fn()` over `repeat` runs (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def print_table(headers, rows):
    """Print rows as a GitHub-flavoured markdown table (pasteable into BENCHMARKS.md)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = lambda values: "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print(line(row))


def panel_entry():
    """What the Confusion tab loads in this checkout: the one-file bundle, or the modules (a stale or
    missing bundle: `make bundle`). Browser figures depend on it; the benches print it."""
    from tb_confusion.server import assets

    root = assets.static_dir()
    if assets.entry_module(root) == assets.BUNDLE:
        return "panel: the one-file bundle (index.bundle.js)"
    return "panel: the modules one by one (no fresh bundle: run `make bundle` to measure what users get)"

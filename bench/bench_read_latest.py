"""`tb-confusion report LOGDIR` (latest step) on an ImageNet-sized logdir: 30 steps of N=50k x C=1000 float16
(~100 MB each), written with the fast EventWriter. Fresh processes, warm page cache, best of 3 (peak RSS of
that run). "before" is the full scan kept callable (offline.scan checks and copies every record) followed by
the same selection, decoding and report; `--step all` is shown for scale.

    .venv/bin/python bench/bench_read_latest.py [--classes 1000] [--steps 30] [--keep DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import print_table  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")


def write(logdir, n, c, steps):
    import tb_confusion as tbc
    from tb_confusion.storage.events import EventWriter

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    labels = rng.integers(0, c, n)
    logits[np.arange(n), labels] += 3.0
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    with EventWriter(os.path.join(logdir, "validation")) as writer:
        for step in range(steps):
            shuffled = rng.permutation(n)  # a different epoch each step, same cost
            writer.add_summary(tbc.summary.predictions_pb("predictions", labels[shuffled], probabilities[shuffled],
                                                          dtype="float16", example_ids=shuffled), step)


def old_report(logdir):
    """The report path before: a full checking scan, then select, decode and report the latest step."""
    from tb_confusion.cli import RENDERERS
    from tb_confusion.reading import offline
    from tb_confusion.reading.selection import select
    from tb_confusion.report import build_report

    index = offline.scan(logdir, on_error=lambda *_: None)
    reports = [build_report(offline.load(series, entry)) for series, entry in select(index, step="latest")]
    sys.stdout.write(RENDERERS["table"](reports))


def measure(command):
    """(seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{command} failed: {process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def best(command, repeat=3):
    return min((measure(command) for _ in range(repeat)), key=lambda result: result[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=50_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--keep", help="write the logdir here (reused when it exists)")
    parser.add_argument("--old", help=argparse.SUPPRESS)  # child process: the report path before
    args = parser.parse_args()
    if args.old:
        return old_report(args.old)
    logdir = args.keep or tempfile.mkdtemp(prefix="bench_read_latest_")
    try:
        if not os.path.isdir(os.path.join(logdir, "validation")):
            start = time.perf_counter()
            write(logdir, args.examples, args.classes, args.steps)
            print(f"wrote the logdir in {time.perf_counter() - start:.0f} s")
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logdir) for f in fs)
        print(f"{args.steps} steps of N={args.examples:,} x C={args.classes:,} float16 with ids: "
              f"{size / 1e9:.2f} GB; cores {os.cpu_count()}")
        measure([SCRIPT, "report", logdir])  # warm the page cache
        before = best([sys.executable, __file__, "--old", logdir])
        after = best([SCRIPT, "report", logdir])
        every = best([SCRIPT, "report", logdir, "--step", "all"], repeat=1)
        print_table(["tb-confusion report", "time", "peak RSS"], [
            ["latest, before (full checking scan)", f"{before[0]:.2f} s", f"{before[1]:,.0f} MB"],
            ["latest, after (index, chosen record checked)", f"{after[0]:.2f} s", f"{after[1]:,.0f} MB"],
            ["ratio before / after", f"{before[0] / after[0]:.1f}x", f"{before[1] / after[1]:.1f}x"],
            ["--step all (every step decoded, for scale)", f"{every[0]:.2f} s", f"{every[1]:,.0f} MB"],
        ])
    finally:
        if not args.keep:
            shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""TensorBoard serving per-pixel steps (issue 13): RSS with 50 VOC-size accumulated epochs, and the answers
the tab waits for (first `stats`, another epoch's, `epochs` at a new cutoff, warm `epochs`) over HTTP,
default loader. Run: .venv/bin/python bench/bench_segmentation_server.py [--epochs 50] [--images 100]

The epochs are one accumulated VOC epoch (images 512 x 512, 21 classes; bench_accumulate.py's data)
written at every step: the bytes and the work per step are those of a real run.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from bench_accumulate import IGNORE, _batches  # noqa: E402
from common import print_table  # noqa: E402
from tb_process import running_tensorboard  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402


def tree_rss(pid):
    """Resident bytes of `pid` and its descendants (the data server is a child of tensorboard)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/task/{current}/children") as f:
                todo += [int(child) for child in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def tensorboard_pid(port):
    """The pid of the tensorboard started with --port `port` (tests/tb_process.py does not expose it)."""
    wanted = f"--port\x00{port}\x00".encode()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if wanted in f.read() + b"\x00":
                        return int(name)
            except OSError:
                continue
    raise RuntimeError(f"no tensorboard process on port {port}")


def timed_get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        body = response.read()
    return time.perf_counter() - start, json.loads(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    accumulator = tbc.Accumulator("pixels", class_names=[f"class{k}" for k in range(21)], ignore_index=IGNORE)
    for labels, probabilities in _batches(args.images, 8, 512, 512, 21):
        accumulator.update(labels, probabilities)
    summary = accumulator.summary_pb()
    with tempfile.TemporaryDirectory() as logdir:
        with EventWriter(os.path.join(logdir, "validation")) as writer:
            for step in range(args.epochs):
                writer.add_summary(summary, step)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(logdir) for f in files)
        with running_tensorboard(logdir) as base:
            pid = tensorboard_pid(int(base.rsplit(":", 1)[1]))
            route = f"{base}/data/plugin/tb_confusion"
            first, _ = timed_get(f"{route}/stats?run=validation&tag=pixels&step=latest")
            other, _ = timed_get(f"{route}/stats?run=validation&tag=pixels&step=0")
            cold_epochs, series = timed_get(f"{route}/epochs?run=validation&tag=pixels&cutoff=0.37")
            warm_epochs, _ = timed_get(f"{route}/epochs?run=validation&tag=pixels&cutoff=0.37")
            rss = tree_rss(pid)
    assert len(series) == args.epochs
    print(f"{args.epochs} accumulated epochs of {args.images} images 512 x 512, 21 classes: "
          f"{summary.ByteSize() / 1e3:,.0f} kB per epoch, logdir {size / 1e6:,.1f} MB\n")
    rows = [
        ["tensorboard RSS (all processes) after loading and these requests", f"{rss / 2**20:,.0f} MiB", "<= 1 GB"],
        ["first stats (latest step, cold): the tab's first matrix waits on it", f"{first * 1e3:,.0f} ms", "<= 2 s"],
        ["stats of another epoch", f"{other * 1e3:,.0f} ms", ""],
        [f"epochs at a new cutoff ({args.epochs} steps)", f"{cold_epochs * 1e3:,.0f} ms", ""],
        ["epochs again (warm)", f"{warm_epochs * 1e3:,.1f} ms", ""],
    ]
    print_table(["figure", "measured", "goal"], rows)


if __name__ == "__main__":
    main()

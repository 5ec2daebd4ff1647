"""Load: concurrent clients moving thresholds against a real `tensorboard`, latency per route and memory.

    .venv/bin/python bench/bench_load.py [--clients 20] [--seconds 60] [--cache-mb 256] [--quick]

The logdir holds 100 epochs of N=100,000 binary and 100 epochs of N=10,000 x C=10 multiclass (the
sizes of issue 12). tensorboard (default loader, TensorFlow blocked; --loader python: --load_fast=false) starts with
--tb_confusion_cache_mb; once it lists every step, `clients` threads each loop for `seconds`: pick a
tag, a step and a new threshold/cutoff, and ask what the panel asks (stats, report, examples, epochs),
accepting gzip as a browser does (--no-gzip: plain bodies, as this bench asked before).
Printed: requests, errors and p50/p95/p99 per route; the tensorboard process's RSS before the load
(baseline) and its maximum during it, beside the cache flag. Peer: the same routes for one request alone.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import print_table  # noqa: E402
from tb_process import get_json, running_tensorboard  # noqa: E402

from tb_confusion.events import EventWriter  # noqa: E402
from tb_confusion.summary import predictions_pb  # noqa: E402

TAGS = {"binary": 2, "digits": 10}


def write_logdir(root, epochs, n_binary, n_multiclass):
    rng = np.random.default_rng(0)
    with EventWriter(os.path.join(root, "validation")) as writer:
        for step in range(epochs):
            y = rng.integers(0, 2, n_binary)
            p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(np.float32)
            writer.add_summary(predictions_pb("binary", y, p), step)
            y = rng.integers(0, 10, n_multiclass)
            logits = rng.normal(size=(n_multiclass, 10)).astype(np.float32) + 2 * np.eye(10, dtype=np.float32)[y]
            q = np.exp(logits)
            writer.add_summary(predictions_pb("digits", y, q / q.sum(1, keepdims=True)), step)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tensorboard_pid(port):
    """The pid of the process listening on `port` (the Python tensorboard server)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":
                    inode = parts[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    raise RuntimeError("no process listens on the port")


HEADERS = {"Accept-Encoding": "gzip"}  # what a browser sends; main() empties it for --no-gzip


def request(base, route, params):
    url = f"{base}/data/plugin/tb_confusion/{route}?{urllib.parse.urlencode(params)}"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=HEADERS), timeout=300) as response:
            response.read()
            ok = response.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    return time.perf_counter() - started, ok


def one_request(base, rng, epochs):
    tag = rng.choice(list(TAGS))
    step = rng.randrange(epochs)
    decision = {"threshold": round(rng.random(), 3)} if tag == "binary" else {"cutoff": round(rng.random(), 3)}
    route = rng.choice(["stats", "report", "examples", "epochs"])
    params = {"run": "validation", "tag": tag}
    if route != "epochs":
        params["step"] = step
    if route in ("report", "epochs"):
        params.update(decision)
    if route == "examples":
        params.update(true=rng.randrange(TAGS[tag]), pred=rng.randrange(TAGS[tag]), limit=25, **decision)
    return route, *request(base, route, params)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cache-mb", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="10 epochs, 5 clients, 10 s")
    parser.add_argument("--no-gzip", action="store_true", help="ask for plain bodies (no Accept-Encoding)")
    parser.add_argument("--loader", choices=["default", "python"], default="default",
                        help="default: TensorBoard's data server (RustBoard); python: --load_fast=false")
    args = parser.parse_args()
    if args.no_gzip:
        HEADERS.clear()
    loader_flags = ["--load_fast=false"] if args.loader == "python" else []
    epochs, n_binary, n_multiclass = (10, 100_000, 10_000) if args.quick else (100, 100_000, 10_000)
    if args.quick:
        args.clients, args.seconds = 5, 10
    with tempfile.TemporaryDirectory() as root:
        write_logdir(root, epochs, n_binary, n_multiclass)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
        with running_tensorboard(root, f"--tb_confusion_cache_mb={args.cache_mb}", *loader_flags,
                                 block_tensorflow=True) as base:
            deadline = time.monotonic() + 120
            while get_json(f"{base}/data/plugin/tb_confusion/tags").get("validation", {}).get("digits", {}).get(
                    "num_steps") != epochs:
                assert time.monotonic() < deadline, "tensorboard did not load every step"
                time.sleep(1)
            pid = tensorboard_pid(int(base.rsplit(":", 1)[1]))
            baseline, load_before = rss_mb(pid), os.getloadavg()[0]
            alone = {route: request(base, route.split()[0], params)[0] for route, params in [
                ("stats", {"run": "validation", "tag": "binary", "step": 0}),
                ("report", {"run": "validation", "tag": "binary", "step": 0, "threshold": 0.3}),
                ("epochs cold", {"run": "validation", "tag": "binary", "threshold": 0.3}),
                ("examples", {"run": "validation", "tag": "binary", "step": 0, "true": 1, "pred": 0})]}
            # warm epochs at a new threshold: the median of five (the first after the cold one also collects its garbage)
            alone["epochs"] = statistics.median(
                request(base, "epochs", {"run": "validation", "tag": "binary", "threshold": t})[0]
                for t in (0.31, 0.32, 0.33, 0.34, 0.35))
            results, samples, stop = [], [], time.monotonic() + args.seconds

            def client(seed):
                rng = random.Random(seed)
                while time.monotonic() < stop:
                    results.append(one_request(base, rng, epochs))

            def sampler():
                while time.monotonic() < stop + 1:
                    samples.append(rss_mb(pid))
                    time.sleep(0.5)

            cpu_before = cpu_seconds(pid)
            threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
            threads.append(threading.Thread(target=sampler))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            load_after, cpu = os.getloadavg()[0], cpu_seconds(pid) - cpu_before
    rows = []
    for route in ("stats", "report", "examples", "epochs"):
        times = sorted(t for r, t, _ in results if r == route)
        errors = sum(1 for r, _, ok in results if r == route and not ok)
        q = lambda f: times[min(len(times) - 1, int(f * len(times)))] if times else float("nan")  # noqa: E731
        rows.append([route, len(times), errors, f"{q(0.5):.3f} s", f"{q(0.95):.3f} s", f"{q(0.99):.3f} s",
                     f"{alone.get(route, float('nan')):.3f} s"])
    print(f"epochs of the binary tag alone: {alone['epochs cold']:.3f} s cold (first request), "
          f"{alone['epochs']:.3f} s at a new threshold once warm")
    print(f"logdir {size / 2**20:.0f} MiB, {epochs} epochs per tag; {args.clients} clients x {args.seconds:.0f} s; "
          f"cache flag {args.cache_mb} MiB; {args.loader} loader; {'plain' if args.no_gzip else 'gzip'} bodies; "
          f"load average before {load_before:.1f}, after {load_after:.1f}")
    print_table(["route", "requests", "errors", "p50", "p95", "p99", "one request alone"], rows)
    print(f"\ntensorboard (Python process) CPU during the load: {cpu:.1f} s for {len(results)} requests = "
          f"{1000 * cpu / max(1, len(results)):.1f} ms per request")
    peak = max(samples) if samples else baseline
    print(f"tensorboard RSS: {baseline:.0f} MiB before the load, max {peak:.0f} MiB during it: "
          f"+{peak - baseline:.0f} MiB = {(peak - baseline) / args.cache_mb:.2f}x the cache flag; "
          f"median {statistics.median(samples):.0f} MiB")


if __name__ == "__main__":
    main()

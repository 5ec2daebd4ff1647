"""The plugin's server side: cold and warm routes for N=100k, C=10, and `tensorboard` start -> panel data
beside TensorBoard's pr_curves plugin (100 epochs, N=10k, C=10), both with TensorFlow not importable.

Run: .venv/bin/python bench/bench_server.py [--quick]
"""

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import print_table  # noqa: E402
from tb_process import free_port, tensorboard_command  # noqa: E402

from tb_confusion.storage.events import EventWriter  # noqa: E402
from tb_confusion.summary import predictions_pb  # noqa: E402

PLUGIN = "/data/plugin/tb_confusion"


def _multiclass(rng, n, c):
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 1.5 * np.eye(c)[labels]
    p = np.exp(logits - logits.max(1, keepdims=True))
    return labels, (p / p.sum(1, keepdims=True)).astype(np.float32)


def write_confusion_logdir(root, *, steps, n, c, seed=0):
    rng = np.random.default_rng(seed)
    with EventWriter(os.path.join(root, "validation")) as writer:
        for step in range(steps):
            labels, p = _multiclass(rng, n, c)
            writer.add_summary(predictions_pb("predictions", labels, p), step)
    return root


def write_pr_curves_logdir(root, *, steps, n, c, seed=0):
    """The same predictions as TensorBoard's pr_curves: one one-vs-rest curve tag per class."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.pr_curve import summary as pr_summary

    rng = np.random.default_rng(seed)
    with EventWriter(os.path.join(root, "validation")) as writer:
        for step in range(steps):
            labels, p = _multiclass(rng, n, c)
            summary = summary_pb2.Summary()
            for k in range(c):
                pb = pr_summary.pb(f"class_{k}", labels == k, p[:, k])  # needs TensorFlow (tf.compat.v1)
                summary.MergeFrom(summary_pb2.Summary.FromString(pb.SerializeToString()))
            writer.add_summary(summary, step)
    return root


# -- in-process routes -----------------------------------------------------------------------------------


def _plugin_factory(logdir):
    """A function returning a werkzeug client over a fresh plugin (empty cache) on one loaded logdir."""
    from tensorboard.backend import application
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from werkzeug import test as wtest

    from tb_confusion.server import plugin

    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"tb_confusion": 0})
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)

    def fresh():
        context = base_plugin.TBContext(data_provider=provider, logdir=logdir, sampling_hints={})
        app = application.TensorBoardWSGI([plugin.ConfusionPlugin(context)], data_provider=provider)
        return wtest.Client(app)

    return fresh


def _timed_get(client, url):
    start = time.perf_counter()
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.get_data()[:300]
    body = response.get_data()
    raw = gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
    return seconds, len(raw), len(body)


def bench_routes(quick):
    """cold: a fresh plugin per request; warm: the same request again (answer cached);
    new parameter: the decoded step is cached, the answer is computed for a new threshold/cutoff."""
    n, c = 100_000, 10
    repeat = 3 if quick else 7
    cutoffs = iter(np.linspace(0.05, 0.95, 997))
    with tempfile.TemporaryDirectory() as root:
        write_confusion_logdir(root, steps=1, n=n, c=c)
        rng = np.random.default_rng(1)
        with EventWriter(os.path.join(root, "binary")) as writer:
            labels = rng.integers(0, 2, n)
            scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1).astype(np.float32)
            writer.add_summary(predictions_pb("predictions", labels, scores), 0)
        fresh = _plugin_factory(root)
        cases = [
            ("multiclass", "report", "", "cold"), ("multiclass", "report", "", "warm"),
            ("multiclass", "report", "&cutoff={}", "new parameter"),
            ("multiclass", "report", "&curves=1", "cold"),
            ("multiclass", "stats", "", "cold"), ("multiclass", "stats", "", "warm"),
            ("multiclass", "examples", "&true=3&pred=3", "warm"),
            ("binary", "report", "", "cold"), ("binary", "report", "&threshold={}", "new parameter"),
            ("binary", "stats", "", "cold"), ("binary", "stats", "", "warm"),
        ]
        rows = []
        for task, route, query, mode in cases:
            run = "validation" if task == "multiclass" else "binary"
            url = f"{PLUGIN}/{route}?run={run}&tag=predictions&step=0"
            client = fresh()
            _timed_get(client, url + query.format(0.5))  # warm-up (and fills the cache)
            times = []
            for _ in range(repeat):
                if mode == "cold":
                    client = fresh()
                seconds, raw, sent = _timed_get(client, url + query.format(f"{next(cutoffs):.4f}"))
                times.append(seconds)
            median_ms = statistics.median(times) * 1000
            rows.append([task, route + query.replace("={}", "=t"), mode, f"{median_ms:.1f} ms",
                         f"{raw / 1e3:,.0f} kB", f"{sent / 1e3:,.0f} kB"])
    print(f"\n## Routes in process (N={n:,}; multiclass C={c}; werkzeug client over TensorBoard's WSGI app, "
          f"median of {repeat})\n")
    print_table(["task", "route", "cache", "time", "JSON", "sent (gzip)"], rows)


# -- tensorboard start -> data ------------------------------------------------------------------------------


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        import json

        return json.loads(response.read())


def _confusion_ready(base, steps):
    tags = _get(f"{base}{PLUGIN}/tags")
    info = tags.get("validation", {}).get("predictions")
    if not info or info["num_steps"] < steps:
        return False
    listed = _get(f"{base}{PLUGIN}/steps?run=validation&tag=predictions")
    latest = listed[-1]["step"]
    stats = _get(f"{base}{PLUGIN}/stats?run=validation&tag=predictions&step={latest}")
    return stats["step"] == steps - 1


def _pr_curves_ready(base, steps, c, *, tags_needed=None):
    tags = _get(f"{base}/data/plugin/pr_curves/tags").get("validation", {})
    if len(tags) < c:
        return False
    for tag in sorted(tags)[:tags_needed]:
        data = _get(f"{base}/data/plugin/pr_curves/pr_curves?run=validation&tag={tag}")["validation"]
        if len(data) < steps:
            return False
    return True


def time_to_data(logdir, ready, timeout=120):
    """Seconds from starting `tensorboard` (TensorFlow blocked) until `ready(base_url)` holds."""
    port = free_port()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(tensorboard_command(logdir, port=port, block_tensorflow=True),
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            while time.perf_counter() - start < timeout:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode()[-3000:])
                try:
                    if ready(base):
                        return time.perf_counter() - start
                except (urllib.error.URLError, ConnectionError, KeyError, IndexError):
                    pass
                time.sleep(0.02)
            raise RuntimeError("timed out")
        finally:
            process.terminate()
            process.wait(timeout=10)


def bench_startup(quick):
    steps, n, c = 100, 10_000, 10
    repeat = 3 if quick else 5
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        write_confusion_logdir(ours, steps=steps, n=n, c=c)
        write_pr_curves_logdir(theirs, steps=steps, n=n, c=c)
        cases = {
            "tb_confusion": (ours, "tags, steps, stats of the latest epoch",
                             lambda b: _confusion_ready(b, steps)),
            "pr_curves (1 tag)": (theirs, f"tags, all {steps} steps of one class's tag",
                                  lambda b: _pr_curves_ready(b, steps, c, tags_needed=1)),
            "pr_curves (10 tags)": (theirs, f"tags, all {steps} steps of each of the {c} one-vs-rest tags",
                                    lambda b: _pr_curves_ready(b, steps, c)),
        }
        times = {name: [] for name in cases}
        for _ in range(repeat):  # interleaved, so every case sees the same machine load
            for name, (logdir, _, ready) in cases.items():
                times[name].append(time_to_data(logdir, ready))
        sizes = {name: _size(logdir) for name, (logdir, _, _) in cases.items()}
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"\n## `tensorboard` start -> data ({steps} epochs, N={n:,}, C={c}; TensorFlow blocked, "
          f"fast loader; median of {repeat})\n")
    print_table(
        ["plugin", "what is fetched", "start -> data", "ratio to pr_curves (1 tag)", "logdir"],
        [[name, what, f"{medians[name]:.2f} s", f"{medians[name] / medians['pr_curves (1 tag)']:.2f}x",
          f"{sizes[name] / 1e6:.1f} MB"]
         for name, (_, what, _) in cases.items()],
    )
    ratio = medians["tb_confusion"] / medians["pr_curves (1 tag)"]
    print(f"\nratio tb_confusion / pr_curves (the faster, 1 tag): {ratio:.2f}x (goal <= 1.5x)")


def _size(directory):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, files in os.walk(directory) for f in files)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=["routes", "startup"])
    args = parser.parse_args()
    if args.only in (None, "routes"):
        bench_routes(args.quick)
    if args.only in (None, "startup"):
        bench_startup(args.quick)


if __name__ == "__main__":
    main()

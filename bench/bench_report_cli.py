"""End to end `tb-confusion report` on one epoch (N=1e6, C=10) beside scikit-learn's compute alone.

    .venv/bin/python bench/bench_report_cli.py

Ours: a fresh process (interpreter start, imports, reading and decoding the event file, every metric,
JSON to /dev/null), best of 3. Peer: scikit-learn on the arrays already in memory, no reading at all.
"""

import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn import metrics as sk

import tb_confusion as tbc
from tb_confusion.reading import offline as reader
from tb_confusion.storage.events import EventWriter
from tb_confusion.report import build_report

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import best_seconds  # noqa: E402

warnings.filterwarnings("ignore")
SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")


def run(*args):
    subprocess.run([SCRIPT, *args], check=True, stdout=subprocess.DEVNULL)


def main(n=10**6, c=10):
    rng = np.random.default_rng(0)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)).astype(np.float32) + 2.0 * np.eye(c, dtype=np.float32)[y]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p = (p / p.sum(1, keepdims=True)).astype(np.float32)
    y_pred = p.argmax(1)
    with tempfile.TemporaryDirectory() as logdir:
        with EventWriter(os.path.join(logdir, "validation")) as writer:
            writer.add_summary(tbc.summary.predictions_pb("predictions", y, p), step=0)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logdir) for f in fs)
        print(f"N={n:.0e}, C={c}: event file {size / 1e6:.1f} MB; cores {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.2f}\n")
        end_to_end = best_seconds(lambda: run("report", logdir, "--format", "json"), 3)
        startup = best_seconds(lambda: run("--help"), 3)

        def read_only():
            for tags in reader.scan(logdir).values():
                for series in tags.values():
                    reader.load(series, series.steps[-1])

        reading = best_seconds(read_only, 3)
        record = next(iter(reader.read(logdir)))
        compute = best_seconds(lambda: build_report(record), 3)

    def sklearn_all():
        sk.confusion_matrix(y, y_pred, labels=range(c))
        sk.precision_recall_fscore_support(y, y_pred, labels=range(c), zero_division=0)
        sk.cohen_kappa_score(y, y_pred)
        sk.matthews_corrcoef(y, y_pred)
        sk.roc_auc_score(y, p, multi_class="ovr", labels=range(c), average=None)
        sk.average_precision_score(np.eye(c, dtype=np.uint8)[y], p, average=None)
        sk.log_loss(y, p, labels=range(c))
        sk.top_k_accuracy_score(y, p, k=2, labels=range(c))

    def sklearn_core():
        sk.confusion_matrix(y, y_pred, labels=range(c))
        sk.precision_recall_fscore_support(y, y_pred, labels=range(c), zero_division=0)
        sk.cohen_kappa_score(y, y_pred)

    peer_all = best_seconds(sklearn_all, 1)
    peer_core = best_seconds(sklearn_core, 2)
    rows = [
        ("tb-confusion report, end to end (fresh process)", end_to_end,
         "scikit-learn, same metric set, arrays in memory", peer_all),
        ("tb-confusion report, end to end (fresh process)", end_to_end,
         "scikit-learn cm + prfs + kappa only, in memory", peer_core),
    ]
    print("| ours | ours (ms) | peer | peer (ms) | peer / ours |")
    print("|---|---:|---|---:|---:|")
    for ours_name, ours, peer_name, peer in rows:
        print(f"| {ours_name} | {ours * 1e3:.0f} | {peer_name} | {peer * 1e3:.0f} | {peer / ours:.1f}x |")
    print("\nbreakdown of ours:")
    print(f"  process start + imports (tb-confusion --help): {startup * 1e3:7.0f} ms")
    print(f"  reading + decoding the event file (in process): {reading * 1e3:7.0f} ms")
    print(f"  build_report, every metric (in process):        {compute * 1e3:7.0f} ms")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

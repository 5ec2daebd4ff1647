"""Metrics core beside scikit-learn, in one run: our time, theirs, the ratio, and the issue's goals.

    .venv/bin/python bench/bench_metrics.py            # all rows (about two minutes on 2 cores)
    .venv/bin/python bench/bench_metrics.py --quick    # skip the N=1e6 scikit-learn sweep extrapolation

Times are the best of several runs (scikit-learn's slow calls run once). Our side always starts from the
probabilities (argmax included); scikit-learn's "report" side is given y_pred already computed.
"""

import argparse
import os
import sys
import warnings

import numpy as np
from sklearn import metrics as sk

from tb_confusion import metrics as m
from tb_confusion.storage.payload import Record
from tb_confusion.report import build_report

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import best_seconds  # noqa: E402

warnings.filterwarnings("ignore")


def data(n, c, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)).astype(np.float32) + 2.0 * np.eye(c, dtype=np.float32)[y]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    return y, p.astype(np.float32)


def ours_core(y, p):
    matrix = m.multiclass_confusion(y, p)
    m.per_class_metrics(*m.class_counts(matrix), [str(k) for k in range(p.shape[1])])
    m.cohen_kappa(matrix)
    m.matthews_corrcoef(matrix)


def sklearn_core(y, y_pred, c):
    sk.confusion_matrix(y, y_pred, labels=range(c))
    sk.precision_recall_fscore_support(y, y_pred, labels=range(c), zero_division=0)
    sk.cohen_kappa_score(y, y_pred)


def ours_auc(y, p):
    return [m.roc_auc(counts) for counts in m.one_vs_rest_counts(y, p)]


def sklearn_full(y, y_pred, p):
    c = p.shape[1]
    sklearn_core(y, y_pred, c)
    sk.matthews_corrcoef(y, y_pred)
    sk.roc_auc_score(y, p, multi_class="ovr", labels=range(c), average=None)
    sk.average_precision_score(np.eye(c, dtype=np.uint8)[y], p, average=None)
    sk.log_loss(y, p, labels=range(c))
    if c > 2:
        sk.top_k_accuracy_score(y, p, k=2, labels=range(c))


ROWS = []


def row(case, ours, peer_name, peer, goal="", ok=None):
    ratio = peer / ours
    ROWS.append((case, ours, peer_name, peer, ratio, goal, "" if ok is None else ("yes" if ok(ratio) else "NO")))
    print(f"  {case:<54} {ours * 1e3:9.1f} ms  {peer_name:<44} {peer * 1e3:10.1f} ms  {ratio:8.1f}x  {goal} "
          f"{ROWS[-1][-1]}", flush=True)


def multiclass_rows(n, c, heavy):
    print(f"N={n:.0e}, C={c}")
    y, p = data(n, c)
    y_pred = p.argmax(1)
    repeat = 7 if n * c <= 10**6 else 5
    slow = 1 if n * c >= 10**7 else 3
    floor = best_seconds(lambda: p.sum(), 9)
    row("one read of the [N, C] array (the floor)", floor, "numpy argmax(axis=1)", best_seconds(lambda: p.argmax(1), 5))
    core = best_seconds(lambda: ours_core(y, p), repeat)
    row("report core: matrix+P/R/F1+kappa+MCC (from probabilities)", core,
        "confusion_matrix+prfs+cohen_kappa (y_pred)", best_seconds(lambda: sklearn_core(y, y_pred, c), slow),
        ">=20x" if heavy else "", (lambda r: r >= 20) if heavy else None)
    if heavy:
        row("report core vs the floor", core, "one read of the [N, C] array", floor,
            "<=5x read", lambda r: 1 / r <= 5)
    row("one-vs-rest ROC AUC, every class", best_seconds(lambda: ours_auc(y, p), max(2, repeat - 3)),
        "roc_auc_score(multi_class='ovr')",
        best_seconds(lambda: sk.roc_auc_score(y, p, multi_class="ovr", labels=range(c), average=None), slow),
        ">=5x" if heavy else "", (lambda r: r >= 5) if heavy else None)
    record = Record("multiclass", y, p, [str(k) for k in range(c)])
    row("build_report, all metrics, no curves", best_seconds(lambda: build_report(record), max(2, repeat - 3)),
        "the same set in scikit-learn (+AP, log loss, top-2)", best_seconds(lambda: sklearn_full(y, y_pred, p), slow))


def sweep_rows(n, extrapolate, goal):
    print(f"binary sweep, N={n:.0e}, 1000 thresholds")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, n)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(np.float32)
    thresholds = np.linspace(0, 1, 1000)
    ours = best_seconds(lambda: m.sweep(m.binary_counts(y, score), thresholds), 7)
    row("binary_counts + sweep at 1000 thresholds", ours, "one np.argsort of the scores",
        best_seconds(lambda: np.argsort(score), 7), "<=1.2x argsort" if goal else "",
        (lambda r: 1 / r <= 1.2) if goal else None)
    if extrapolate:
        sample = thresholds[:: len(thresholds) // 5][:5]
        per = best_seconds(lambda: [sk.confusion_matrix(y, score >= t, labels=[False, True]) for t in sample], 1) / 5
        row("binary_counts + sweep at 1000 thresholds", ours,
            "sklearn confusion_matrix x1000 (5 timed, x200)", per * 1000)
    record = Record("binary", y, score, ["0", "1"])
    y_pred = (score >= 0.5).astype(int)
    row("build_report binary, all metrics", best_seconds(lambda: build_report(record), 5),
        "cm+prfs+kappa+mcc+roc_auc+AP+log_loss", best_seconds(lambda: (
            sk.confusion_matrix(y, y_pred), sk.precision_recall_fscore_support(y, y_pred),
            sk.cohen_kappa_score(y, y_pred), sk.matthews_corrcoef(y, y_pred), sk.roc_auc_score(y, score),
            sk.average_precision_score(y, score), sk.log_loss(y, score)), 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow scikit-learn sweep extrapolation")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}  "
          f"(other processes on the machine slow both sides)\n")
    print(f"  {'case':<54} {'ours':>12}  {'peer':<44} {'peer time':>13}  {'ratio':>9}  goal met")
    multiclass_rows(10**6, 10, heavy=True)
    multiclass_rows(10**4, 10, heavy=False)
    multiclass_rows(10**5, 100, heavy=False)
    multiclass_rows(10**4, 1000, heavy=False)
    sweep_rows(10**6, extrapolate=not args.quick, goal=True)
    sweep_rows(10**4, extrapolate=True, goal=False)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    print("\n| case | ours (ms) | peer | peer (ms) | peer / ours | goal | met |")
    print("|---|---:|---|---:|---:|---|---|")
    for case, ours, peer_name, peer, ratio, goal, ok in ROWS:
        print(f"| {case} | {ours * 1e3:.1f} | {peer_name} | {peer * 1e3:.1f} | {ratio:.1f}x | {goal} | {ok} |")


if __name__ == "__main__":
    main()

"""One step's `report` then `stats` (what the panel asks for first), each step sorted once or per answer.

    .venv/bin/python bench/bench_statistics.py [--n 1000000]

N=1e6 binary and N=1e5 multiclass C=10, float32, in one process, best of 5:
- per answer: every answer builds its own Statistics, which is what the routes did before the
  statistics seam (the report route sorted; the stats route sorted for its report and again for the
  panel's cumulative counts);
- shared: one Statistics per step, as the plugin now caches it, so the answers share its sorts.
The routes row times both routes cold through TensorBoard's WSGI app (decoding included).
"""

import argparse
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import best_seconds, print_table  # noqa: E402

from tb_confusion.server import panel_data  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402
from tb_confusion.storage.payload import Record  # noqa: E402
from tb_confusion.report import build_report  # noqa: E402
from tb_confusion.statistics import Statistics  # noqa: E402
from tb_confusion.summary import predictions_pb  # noqa: E402


def report_then_stats(record, shared):
    """The report route's answer, then the stats route's, for one step."""
    source = Statistics(record) if shared else record
    build_report(source)
    panel_data.step_stats(source)


def routes_cold(root):
    from test_plugin_routes import make_client

    client = make_client(root)
    for route in ("report", "stats"):
        response = client.get(f"/data/plugin/tb_confusion/{route}", query_string={"run": ".", "tag": "p", "step": 0})
        assert response.status_code == 200, response.get_data()[:200]


def records(n, rng):
    labels = rng.integers(0, 2, n)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1).astype(np.float32)
    yield f"binary N={n:,}", Record("binary", labels, scores, ["negative", "positive"])
    m, c = n // 10, 10
    labels = rng.integers(0, c, m)
    logits = rng.normal(size=(m, c)).astype(np.float32) + 2 * np.eye(c, dtype=np.float32)[labels]
    p = np.exp(logits)
    yield f"multiclass N={m:,} C={c}", Record("multiclass", labels, p / p.sum(1, keepdims=True), list("abcdefghij"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for name, record in records(args.n, rng):
        before = best_seconds(lambda: report_then_stats(record, shared=False), args.repeat)
        after = best_seconds(lambda: report_then_stats(record, shared=True), args.repeat)
        rows.append([f"{name}: report + stats in process", f"{before * 1e3:,.0f} ms", f"{after * 1e3:,.0f} ms",
                     f"{before / after:.2f}x"])
    with tempfile.TemporaryDirectory() as root:
        _, record = next(records(args.n, np.random.default_rng(0)))
        with EventWriter(root) as writer:
            writer.add_summary(predictions_pb("p", record.labels, record.probabilities), 0)
        cold = best_seconds(lambda: routes_cold(root), args.repeat)
    rows.append([f"binary N={args.n:,}: both routes cold (decode, report, stats, JSON)", "", f"{cold * 1e3:,.0f} ms", ""])
    print_table(["answers of one step", "sorted per answer", "sorted once (shared)", "ratio"], rows)


if __name__ == "__main__":
    main()

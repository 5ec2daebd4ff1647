"""Time to first paint of each view of the Confusion tab in headless Chromium, beside TensorBoard's own
pr_curves tab on the same predictions.

Two cases, each in its own logdir and `tensorboard`: multiclass C=10 with N=100,000 examples, and C=1,000
with N=20,000 (the matrix is then the canvas), 3 logged epochs of one run. Every step carries one
per-example attribute, `source` (8 values of unequal sizes), for the Slices card; a case of at least 100
classes also logs `class_groups` (`--groups`, 50 superclasses of consecutive classes) for "Group by". The same
predictions are also logged as TensorBoard's pr_curve summaries (`pr_curve.summary.pb`, 201 thresholds, one
one-vs-rest tag per class: what a TensorBoard user logs today).

A visit opens `/#tb_confusion` with the Diff card open (its state in the URL), and times, from the start
of the navigation (the top page's performance.timeOrigin), the first animation frame at which each view
shows its content: the matrix (table cells, or the canvas drawn), the ROC / PR curves (their legend with an
AUC: a multiclass step's curves come from the `curves` route), the per-class table (a class row), the
over-epochs chart (its legend with the best epoch), the calibration diagram (its points), the diff (its flip
counts) and the Slices card (a slice row of its table, by `source`).
A loop of requestAnimationFrame inside the plugin's frame checks them, installed before the page's scripts
(add_init_script). "Group by" is the grouped matrix painted (the run card says "50 superclasses" and its
matrix has their 50 rows): the panel keeps that choice in the URL, so it is timed by its own visits of the same
URL plus `p.tb_confusion.group=superclasses`, from the navigation's start like the others (not from a click),
on its own cold tensorboard. The peer: `/#pr_curves`, until the first PR curve's line is drawn (checked every
20 ms through the shadow roots).

Each case: one cold visit (a fresh tensorboard that has read the logdir, its caches empty), then `--repeat` warm
visits (new pages; the server's caches filled), of which the best is printed. Run:
    .venv/bin/python bench/bench_first_paint.py [--repeat 3] [--cases 10:100000,1000:20000] [--epochs 3] [--groups 50]
Prints a markdown table per case. No asserts; the machine's load average is printed beside. A quick check
that it runs: `--repeat 1 --epochs 2 --cases 10:5000,1000:2000`.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from tb_process import get_json, running_tensorboard  # noqa: E402

import tb_confusion  # noqa: E402
from common import panel_entry, print_table  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402

VIEWS = ("matrix", "curves", "per-class table", "over epochs", "calibration", "diff", "slices")
GROUPED_VIEWS = ("group by",)  # timed by visits of the grouped URL
SOURCES = ["web", "scan", "fax", "phone", "mail", "kiosk", "partner", "legacy"]
SOURCE_SHARES = [0.3, 0.2, 0.15, 0.12, 0.1, 0.07, 0.04, 0.02]
URL = "/#tb_confusion&p.tb_confusion.tag=predictions&p.tb_confusion.diff=steps"
GROUPED_URL = URL + "&p.tb_confusion.group=superclasses"

# Runs in every frame before its scripts; only the plugin's frame watches. Each view's test is cheap (a
# querySelector); the first frame at which it passes is kept as an absolute time (ms since the epoch).
# The loop stops once the views in WANTED (filled in per visit) are all seen.
WATCH_JS = """
(() => {
  if (!location.href.includes("plugin_entry.html")) return;
  const wanted = WANTED;
  const groupedMatrix = () => {
    const card = document.querySelector(".run-card");
    const said = card && /(\\d+) superclasses/.exec(card.querySelector(".subtitle")?.textContent || "");
    if (!said) return false;
    const groups = Number(said[1]);
    const canvas = card.querySelector("canvas.matrix-canvas");
    if (canvas) return canvas.width > 0 && canvas.closest(".matrix-canvas-wrap").classOrder?.length === groups;
    return card.querySelectorAll(".matrix-holder .cell").length >= groups * groups;
  };
  const tests = {
    "matrix": () => document.querySelector(".run-card .matrix-holder .cell")
      || [...document.querySelectorAll(".run-card canvas.matrix-canvas")].some((c) => c.width > 0
        && c.closest(".matrix-canvas-wrap").classOrder),
    "curves": () => document.querySelector('.curves-card .legend-item[data-auc]:not([data-auc=""])'),
    "per-class table": () => document.querySelector(".run-card .per-class tbody tr:not(.spacer)"),
    "over epochs": () => document.querySelector(".epochs-card .legend-item[data-best-step]"),
    "calibration": () => document.querySelector("#calibration-chart .calibration-point"),
    "diff": () => document.querySelector("#diff-flip-counts[data-learned]"),
    "slices": () => document.querySelector("#slices-card:not([hidden]) #slice-tables .slice-row"),
    "group by": groupedMatrix,
  };
  const seen = {};
  window.__firstPaint = seen;
  const check = () => {
    for (const name of wanted) {
      if (!(name in seen) && tests[name]()) seen[name] = performance.timeOrigin + performance.now();
    }
    if (Object.keys(seen).length < wanted.length) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""

# The peer: the first PR curve of TensorBoard's pr_curves tab drawn (vz-line-chart2's path.line).
PEER_JS = """
(timeoutMs) => new Promise((resolve) => {
  const until = performance.now() + timeoutMs;
  const drawn = (root) => {
    for (const e of root.querySelectorAll("*")) {
      if (e.localName === "path" && e.classList.contains("line") && (e.getAttribute("d") || "").length > 20) return true;
      if (e.shadowRoot && drawn(e.shadowRoot)) return true;
    }
    return false;
  };
  const poll = () => (drawn(document) ? resolve(performance.timeOrigin + performance.now())
    : performance.now() > until ? resolve(null) : setTimeout(poll, 20));
  poll();
})
"""


def predictions(rng, n, c, epoch):
    """Labels and probabilities of a classifier that improves with the epochs (70-90% top-1)."""
    labels = rng.integers(0, c, n)
    z = rng.normal(0, 1, (n, c)).astype(np.float32)
    z[np.arange(n), labels] += 1.5 + 0.5 * epoch + rng.normal(0, 1.0, n).astype(np.float32)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return labels, z


def superclasses(c, groups):
    """The superclass ("super_07") of each of `c` classes: `groups` runs of consecutive classes."""
    return [f"super_{k * groups // c:02d}" for k in range(c)]


def write_logs(logdir, n, c, epochs, groups=None):
    """Run validation: tag "predictions" (ours, with example ids for the diff, the `source` attribute for
    the slices, and `groups` superclasses as class_groups when given) and the pr_curve tags. Ours is stored
    exact at every size: slices need every example's probabilities (a compact step is not sliceable), and
    bench_compact.py times compact storage at C=1,000."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.pr_curve import summary as pr_summary  # needs TensorFlow to write

    rng = np.random.default_rng(0)
    ids = [f"ex{i}" for i in range(n)]
    source = np.asarray(SOURCES)[rng.choice(len(SOURCES), n, p=SOURCE_SHARES)]
    grouping = {"class_groups": superclasses(c, groups)} if groups else {}
    with EventWriter(os.path.join(logdir, "validation")) as writer:
        for epoch in range(epochs):
            labels, p = predictions(rng, n, c, epoch)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "predictions", labels, p, class_names=[f"class_{k:04d}" for k in range(c)], example_ids=ids,
                attributes={"source": source}, storage="exact", **grouping), step=epoch)
            summary = summary_pb2.Summary()
            for k in range(c):
                pb = pr_summary.pb(f"class_{k:04d}", labels == k, p[:, k], num_thresholds=201)
                summary.MergeFrom(summary_pb2.Summary.FromString(pb.SerializeToString()))
            writer.add_summary(summary, step=epoch)


def wait_until_loaded(base_url, timeout_s):
    """Until TensorBoard has read the logdir: both plugins active and listing their tags (a visit before
    that times the logdir's first load, not a view)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            listing = get_json(f"{base_url}/data/plugins_listing")
            if all(listing.get(name, {}).get("enabled") for name in ("tb_confusion", "pr_curves")) \
                    and get_json(f"{base_url}/data/plugin/tb_confusion/tags") \
                    and get_json(f"{base_url}/data/plugin/pr_curves/tags"):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"tensorboard did not load the logdir in {timeout_s} s")


def visit_ours(browser, base_url, timeout_s, url=URL, views=VIEWS):
    """{view: ms from navigation start to its first painted frame} of `views` on one fresh page of `url`."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.add_init_script(WATCH_JS.replace("WANTED", json.dumps(list(views))))
    page.goto(base_url + url)
    start = page.evaluate("performance.timeOrigin")
    body = page.frame_locator("iframe").locator("body")
    deadline = time.monotonic() + timeout_s
    seen = {}
    while time.monotonic() < deadline:
        try:
            seen = body.evaluate("() => window.__firstPaint || {}", timeout=2000)
        except Exception:  # the plugin's frame is not there yet  # noqa: BLE001
            seen = {}
        if len(seen) == len(views):
            break
        time.sleep(0.1)
    page.close()
    return {view: seen[view] - start if view in seen else None for view in views}


def visit_grouped(browser, base_url, timeout_s):
    return visit_ours(browser, base_url, timeout_s, url=GROUPED_URL, views=GROUPED_VIEWS)


def visit_peer(browser, base_url, timeout_s):
    """ms from navigation start to the first drawn PR curve of TensorBoard's pr_curves tab."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(base_url + "/#pr_curves")
    start = page.evaluate("performance.timeOrigin")
    drawn = page.evaluate(PEER_JS, timeout_s * 1000)
    page.close()
    return None if drawn is None else drawn - start


def run_case(browser_launch, n, c, epochs, repeat, timeout_s, groups=None):
    """{side: (cold visit, [warm visits])} for the sides "ours", "grouped" (with `groups`) and "peer"."""
    visits = {"ours": visit_ours, "grouped": visit_grouped, "peer": visit_peer}
    if not groups:
        del visits["grouped"]
    with tempfile.TemporaryDirectory() as logdir:
        started = time.perf_counter()
        write_logs(logdir, n, c, epochs, groups)
        print(f"C={c:,} N={n:,}: logs written in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        results = {}
        for side, visit in visits.items():  # each side on its own cold tensorboard
            with running_tensorboard(logdir) as base_url:
                wait_until_loaded(base_url, timeout_s)
                browser = browser_launch()
                cold = visit(browser, base_url, timeout_s)
                print(f"  {side} cold: {cold}", file=sys.stderr, flush=True)
                warm = [visit(browser, base_url, timeout_s) for _ in range(repeat)]
                print(f"  {side} warm: {warm}", file=sys.stderr, flush=True)
                browser.close()
            results[side] = (cold, warm)
    return results


def best(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def fmt(ms):
    return "timeout" if ms is None else f"{ms / 1000:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm visits per side (the best is printed)")
    parser.add_argument("--cases", default="10:100000,1000:20000", help="C:N pairs, comma-separated")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per visit")
    parser.add_argument("--groups", type=int, default=50,
                        help="superclasses logged as class_groups in the cases of at least 100 classes (0: none)")
    args = parser.parse_args()
    print(panel_entry())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        def launch():
            return pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])

        for case in args.cases.split(","):
            c, n = (int(v) for v in case.split(":"))
            load = os.getloadavg()[0]
            groups = min(args.groups, c) if args.groups and c >= 100 else None
            results = run_case(launch, n, c, args.epochs, args.repeat, args.timeout, groups)
            (cold, warm), (peer_cold, peer_warm) = results["ours"], results["peer"]
            grouped_cold, grouped_warm = results.get("grouped", ({}, []))
            peer_best = best(peer_warm)
            print(f"\nFirst paint, C={c:,}, N={n:,}, {args.epochs} epochs, 1 run (load average {load:.1f} at start; "
                  f"warm: best of {args.repeat}):")
            rows = []
            def ratio(ours, theirs):
                return f"{ours / theirs:.2f}x" if ours is not None and theirs else "-"

            for view in VIEWS:
                w = best([v[view] for v in warm])
                rows.append([view, fmt(cold[view]), ratio(cold[view], peer_cold), fmt(w), ratio(w, peer_best)])
            if groups:
                for view in GROUPED_VIEWS:
                    w = best([v[view] for v in grouped_warm])
                    rows.append([f"{view}: {groups} superclasses (from the URL)", fmt(grouped_cold[view]),
                                 ratio(grouped_cold[view], peer_cold), fmt(w), ratio(w, peer_best)])
            else:
                rows.extend([f"{view}: no class_groups logged", "-", "-", "-", "-"] for view in GROUPED_VIEWS)
            rows.append(["TensorBoard pr_curves tab (peer): first curve", fmt(peer_cold), "1.00x", fmt(peer_best), "1.00x"])
            print_table(["view", "cold", "cold / peer", "warm", "warm / peer"], rows)


if __name__ == "__main__":
    main()

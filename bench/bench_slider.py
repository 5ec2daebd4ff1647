"""Time per threshold-slider step in the Confusion panel, measured in headless Chromium.

Two cases in one `tensorboard`:
- binary: one tag with N = 100,000 examples in two runs (train and validation, so every view draws
  two of everything), moving the threshold slider;
- multiclass: C = 1,000 classes, N = 50,000 examples (one run, one step; the matrix is the canvas),
  moving the confidence cutoff slider.

It starts a real `tensorboard`, opens the tab and moves the slider inside the page. Each step is timed with performance.now() from the slider's `input` event to the end of the
render it triggers, plus the style and layout the browser then needs (forced by reading a layout
property): what one animation frame must fit (16 ms at 60 Hz). No round trip is involved: the
examples and the over-epochs chart refresh later, debounced, after the drag.

Run: .venv/bin/python bench/bench_slider.py [--examples 100000] [--steps 200]
         [--classes 1000] [--multiclass-examples 50000]   (--classes 0 skips the multiclass case)
Prints the median, 95th percentile and maximum over the steps of each case. No asserts.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from tb_process import running_tensorboard  # noqa: E402

import tb_confusion  # noqa: E402
from common import panel_entry  # noqa: E402  (bench/ is on the path: the script's own folder)
from tb_confusion.storage.events import EventWriter  # noqa: E402

# Runs inside the plugin's iframe: one slider step = set the value, fire `input`, render now (the
# store would render on the next frame anyway; flushing makes the cost measurable), force layout.
STEP_JS = """
async ({steps}) => {
  const slider = document.getElementById("threshold-slider");
  const store = window.tbConfusion.store;
  const times = [];
  for (let i = 0; i < steps; i++) {
    const value = (0.05 + 0.9 * ((i * 37) % steps) / steps).toFixed(3);
    const start = performance.now();
    slider.value = value;
    slider.dispatchEvent(new Event("input", {bubbles: true}));
    store.flush();
    void document.body.offsetHeight;
    times.push(performance.now() - start);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return times;
}
"""


def write_logs(logdir, n, epochs=2):
    rng = np.random.default_rng(0)
    for run in ("train", "validation"):
        with EventWriter(os.path.join(logdir, run)) as writer:
            for epoch in range(epochs):
                labels = (rng.random(n) < 0.3).astype(np.int64)
                logits = rng.normal(0, 1, n) + (0.8 + 0.3 * epoch) * (2 * labels - 1)
                scores = (1 / (1 + np.exp(-logits))).astype(np.float32)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "scores", labels, scores, task="binary", class_names=["negative", "positive"]), step=epoch)


def write_multiclass_logs(logdir, n, classes):
    """One run ("multiclass"), one step: C classes, 70% top-1 accuracy; each error goes to one of the
    40 classes after the true one (so errors fill many cells), and top probabilities spread over
    (0, 1) so the cutoff moves examples at every step."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, classes, n)
    predicted = np.where(rng.random(n) < 0.7, labels, (labels + rng.integers(1, 41, n)) % classes)
    logits = rng.normal(0, 0.5, (n, classes)).astype(np.float32)
    logits[np.arange(n), predicted] += rng.normal(7.0, 2.5, n).astype(np.float32)
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    with EventWriter(os.path.join(logdir, "multiclass")) as writer:
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "classes", labels, logits, task="multiclass", class_names=[f"class_{k:04d}" for k in range(classes)]),
            step=0)


def measure(page, panel, tag, steps):
    """Select `tag`, wait until every selected run's statistics are drawn, time `steps` slider steps."""
    frame = page.frame_locator("iframe")
    frame.locator("#tag-select").select_option(tag)
    panel.wait_for_function(
        """(tag) => {
          const s = window.tbConfusion.store.get();
          return s.tag === tag && s.runs.length > 0 && s.runs.every((run) => Object.values(s.stats).some(
            (e) => e.stats && e.stats.run === run && e.stats.tag === tag)) && !document.querySelector(".card-status .loading");
        }""", arg=tag, timeout=600_000, polling=200)
    page.wait_for_timeout(500)  # first layout, canvas fit
    sizes = panel.evaluate(
        """(tag) => Object.values(window.tbConfusion.store.get().stats).filter((e) => e.stats.tag === tag).map((e) => {
          const m = e.stats.multiclass;
          if (!m) return e.stats.binary.thresholds.length;
          let cells = 0;
          for (let c = 0; c + 1 < m.cell_offsets.length; c++) if (m.cell_offsets[c + 1] > m.cell_offsets[c]) cells += 1;
          return cells;
        })""", tag)
    panel.evaluate(STEP_JS, {"steps": 20})  # warm-up: JIT
    times = sorted(panel.evaluate(STEP_JS, {"steps": steps}))
    return times, sizes


def summary(times):
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return (f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--classes", type=int, default=1000, help="multiclass case: C (0 skips it)")
    parser.add_argument("--multiclass-examples", type=int, default=50_000, help="multiclass case: N")
    args = parser.parse_args()
    print(panel_entry())
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as logdir:
        write_logs(logdir, args.examples)
        if args.classes:
            write_multiclass_logs(logdir, args.multiclass_examples, args.classes)
        with running_tensorboard(logdir) as base_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(base_url + "/#tb_confusion")
            page.frame_locator("iframe").locator("#tag-select option").first.wait_for(state="attached", timeout=120_000)
            panel = next(f for f in page.frames if f.url.endswith("plugin_entry.html?name=tb_confusion"))
            binary, thresholds = measure(page, panel, "scores", args.steps)
            multiclass = measure(page, panel, "classes", args.steps) if args.classes else None
            browser.close()
    print(f"Slider step in Chromium (input event -> render -> layout; budget: 16 ms per frame), {args.steps} steps:")
    print(f"  binary threshold, N={args.examples:,} per run, 2 runs "
          f"({', '.join(f'{t:,}' for t in thresholds)} distinct scores): {summary(binary)}")
    if multiclass:
        times, cells = multiclass
        print(f"  multiclass cutoff, C={args.classes:,}, N={args.multiclass_examples:,}, 1 run "
              f"({cells[0]:,} non-empty cells of {args.classes ** 2:,}): {summary(times)}")


if __name__ == "__main__":
    main()

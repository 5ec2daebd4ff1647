"""Time per threshold-slider step in the Confusion panel, measured in headless Chromium.

Writes one binary tag with N = 100,000 examples (two runs: train and validation, so every view draws
two of everything), starts a real `tensorboard`, opens the tab and moves the threshold slider inside
the page. Each step is timed with performance.now() from the slider's `input` event to the end of the
render it triggers, plus the style and layout the browser then needs (forced by reading a layout
property): what one animation frame must fit (16 ms at 60 Hz). No round trip is involved: the
examples and the over-epochs chart refresh later, debounced, after the drag.

Run: .venv/bin/python bench/bench_slider.py [--examples 100000] [--steps 200]
Prints the median, 95th percentile and maximum over the steps. No asserts.
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
from tb_confusion.events import EventWriter  # noqa: E402

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as logdir:
        write_logs(logdir, args.examples)
        with running_tensorboard(logdir) as base_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(base_url + "/#tb_confusion")
            frame = page.frame_locator("iframe")
            frame.locator('.run-card[aria-label="Run validation"] .cell').first.wait_for(timeout=120_000)
            frame.locator('.run-card[aria-label="Run train"] .cell').first.wait_for(timeout=120_000)
            panel = next(f for f in page.frames if f.url.endswith("plugin_entry.html?name=tb_confusion"))
            thresholds = panel.evaluate(
                "() => Object.values(window.tbConfusion.store.get().stats).map((e) => e.stats.binary.thresholds.length)")
            panel.evaluate(STEP_JS, {"steps": 20})  # warm-up: JIT
            times = panel.evaluate(STEP_JS, {"steps": args.steps})
            browser.close()
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"Threshold slider, binary, N={args.examples:,} per run, 2 runs "
          f"({', '.join(f'{t:,}' for t in thresholds)} distinct scores), {args.steps} steps in Chromium:")
    print(f"  per step (input event -> render -> layout): median {statistics.median(times):.2f} ms, "
          f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms  (budget: 16 ms per frame)")


if __name__ == "__main__":
    main()

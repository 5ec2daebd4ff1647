"""Regenerate docs/screenshot.png, or docs/slices.png, from the demo's logs (run `make demo-logs` first), or
docs/many_classes_groups.png from a synthetic many-class run
(`python demo/synthetic_many_classes.py --logdir demo_logs_many --superclasses 10 --per-superclass 20
--examples 4000`).

    .venv/bin/python docs/make_screenshot.py [demo_logs] [panel|slices]
    .venv/bin/python docs/make_screenshot.py demo_logs_many groups
"""

import contextlib
import os
import shutil
import sys

from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from tb_process import running_tensorboard  # noqa: E402


@contextlib.contextmanager
def _panel(logdir, *, height):
    """(page, the panel's frame locator) of headless Chromium on the Confusion tab of a tensorboard serving
    `logdir`, 1400 px wide and `height` high."""
    with running_tensorboard(logdir) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": height})
        page.goto(base_url + "/#tb_confusion")
        yield page, page.frame_locator("iframe")
        browser.close()


def main(logdir="demo_logs", tag="three_vs_rest", out=os.path.join(HERE, "screenshot.png")):
    with _panel(logdir, height=1500) as (page, panel):
        panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
        panel.locator("#tag-select").select_option(tag)
        page.wait_for_timeout(1500)
        panel.locator(".run-chips .chip", has_text="test").click()  # train beside validation
        page.wait_for_timeout(500)
        panel.locator("#recommend-f1").click()
        page.wait_for_timeout(500)
        panel.locator(".run-card .cell").nth(6).click()  # validation's false negatives: their examples
        page.wait_for_timeout(1500)
        page.screenshot(path=out)
    print(f"wrote {out}")


def slices(logdir="demo_logs", out=os.path.join(HERE, "slices.png")):
    """The digits runs (train, validation) sliced to thick strokes, the Slices card by stroke under them."""
    with _panel(logdir, height=1000) as (page, panel):
        panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
        panel.locator("#tag-select").select_option("digits")
        page.wait_for_timeout(1500)
        for run in ("digits_multiclass/test", "torch_digits"):  # train beside validation
            panel.locator(".run-chips .chip", has_text=run).click()
            page.wait_for_timeout(300)
        panel.locator('#slice-picker select[data-attribute="stroke"]').select_option("stroke=thick")
        panel.locator("#slice-tables tr.slice-row").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        frame = page.frames[1]
        height = frame.evaluate("document.querySelector('#slices-card').getBoundingClientRect().bottom") + 16
        page.set_viewport_size({"width": 1400, "height": int(height) + 60})
        page.wait_for_timeout(800)
        page.screenshot(path=out, clip={"x": 0, "y": 60, "width": 1400, "height": int(height)})
    print(f"wrote {out}")


def groups(logdir="demo_logs_many", out=os.path.join(HERE, "many_classes_groups.png")):
    """The synthetic many-class run's card grouped by superclass, with its per-group table."""
    with _panel(logdir, height=1300) as (page, panel):
        panel.locator('#group-by button[data-value="groups"]').wait_for(timeout=30_000)  # 200 classes: a canvas
        page.wait_for_timeout(1000)
        panel.locator('#group-by button[data-value="groups"]').click()
        page.wait_for_timeout(1500)
        frame = page.frames[1]
        box = frame.evaluate("(() => { const r = document.querySelector('.run-card').getBoundingClientRect();"
                             " return [r.bottom]; })()")
        page.screenshot(path=out, clip={"x": 0, "y": 60, "width": 1400, "height": min(1240, int(box[0]) + 16)})
    print(f"wrote {out}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[1:] == ["slices"]:
        slices(arguments[0])
    elif arguments[1:] == ["groups"]:
        groups(arguments[0])
    else:
        main(*arguments[:1])

"""Regenerate docs/screenshot.png from the demo's logs (run `make demo-logs` first).

    .venv/bin/python docs/make_screenshot.py [demo_logs]
"""

import os
import shutil
import sys

from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from tb_process import running_tensorboard  # noqa: E402


def main(logdir="demo_logs", tag="three_vs_rest", out=os.path.join(HERE, "screenshot.png")):
    with running_tensorboard(logdir) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(base_url + "/#tb_confusion")
        panel = page.frame_locator("iframe")
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
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Many classes in headless Chromium against a real tensorboard: 200 classes in 10 superclasses
(demo/synthetic_many_classes.py), logged in a shuffled order. "Order classes: by confusion clusters"
shows the order frontend/src/class_order.js computes in node from the report's matrix, with every
superclass in one block; the "Find class" box lists matching names as text and brings a class's row
and column into view, marked."""

import itertools
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, eventually, expect

import tb_confusion
from tb_confusion.storage.events import EventWriter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "demo"))
import synthetic_many_classes as synthetic

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUPERCLASSES, PER_SUPERCLASS, N = 10, 20, 8000
NAMES, SUPERCLASS_OF = synthetic.class_names(SUPERCLASSES, PER_SUPERCLASS, seed=3)
CARD = '.run-card[aria-label="Run validation"]'


def write_logs(logdir):
    rng = np.random.default_rng(4)
    labels, probabilities = synthetic.epoch_predictions(rng, SUPERCLASS_OF, N, epoch=2)
    with EventWriter(str(logdir / "validation")) as writer:
        writer.add_summary(tb_confusion.summary.predictions_pb("classes", labels, probabilities, class_names=NAMES), step=0)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "many_class_logs", write_logs) as served:
        yield served


def node_cluster_order(matrix, tmp_path):
    """class_order.js clusterOrder of `matrix`, run by node."""
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps(matrix))
    script = ("import {readFileSync} from 'node:fs';"
              f"import {{clusterOrder}} from {json.dumps((ROOT / 'frontend/src/class_order.js').as_uri())};"
              f"console.log(JSON.stringify(clusterOrder(JSON.parse(readFileSync({json.dumps(str(path))}, 'utf8')))));")
    result = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def open_canvas(browser, base_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    problems = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (problems["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.goto(base_url + "/#tb_confusion")
    panel = page.frame_locator("iframe")
    panel.locator(f"{CARD} canvas.matrix-canvas").wait_for(timeout=30_000)
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    return page, panel, frame, problems


def shown_order(frame):
    return frame.evaluate(f"() => Array.from(document.querySelector('{CARD} .matrix-canvas-wrap').classOrder || [])")


def test_cluster_order_is_class_order_js_of_the_matrix_and_keeps_superclasses_together(tensorboard, browser, tmp_path):  # noqa: F811
    base_url, _ = tensorboard
    report = get_json(f"{base_url}/data/plugin/tb_confusion/report?run=validation&tag=classes&step=0")
    expected = node_cluster_order(report["confusion_matrix"], tmp_path)
    runs = [SUPERCLASS_OF[c] for c in expected]
    assert sum(a != b for a, b in itertools.pairwise(runs)) == SUPERCLASSES - 1  # each superclass one block

    page, panel, frame, problems = open_canvas(browser, base_url)
    eventually(lambda: shown_order(frame), list(range(len(NAMES))))  # as logged
    panel.locator("#sort-select").select_option("cluster")
    eventually(lambda: shown_order(frame), expected)
    eventually(lambda: "order=cluster" in page.evaluate("location.hash"), True)  # written after a 400 ms rest
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "many_classes_cluster.png"))
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_find_class_lists_matches_as_text_and_marks_the_found_row_and_column(tensorboard, browser):  # noqa: F811
    base_url, _ = tensorboard
    page, panel, frame, problems = open_canvas(browser, base_url)
    card = panel.locator(CARD)
    box = card.locator(".class-search-input")
    box.fill("C07")  # one class per superclass, any case
    expect(card.locator(".class-search-count")).to_have_text(f"{SUPERCLASSES} matches")
    listed = card.locator(".class-search-result")
    expected = [NAMES[i] for i in range(len(NAMES)) if "c07" in NAMES[i]][:8]  # in the shown (logged) order
    eventually(listed.all_text_contents, expected)

    target = "s04/c07"
    index = NAMES.index(target)
    box.fill("s04/c0")
    expect(listed.first).to_be_visible()
    buttons = listed.all_text_contents()
    assert target in buttons
    listed.nth(buttons.index(target)).click()
    expect(card.locator(".class-search-count")).to_have_text(f"showing {target}")
    wrap = card.locator(".matrix-canvas-wrap")
    expect(wrap).to_have_attribute("data-found", str(index))
    expect(card.locator(".zoom-label")).to_have_text("12px")

    # The row and column are centred in view, and the band marks an empty cell of the row.
    geometry = frame.evaluate("""(card) => {
      const viewport = document.querySelector(`${card} .matrix-viewport`);
      return {top: viewport.scrollTop, left: viewport.scrollLeft, width: viewport.clientWidth, height: viewport.clientHeight};
    }""", CARD)
    row = list(range(len(NAMES))).index(index)  # the logged order
    size = 12
    y = 96 + (row + 0.5) * size - geometry["top"]
    assert 96 < y < geometry["height"], geometry
    x_found = 132 + (row + 0.5) * size - geometry["left"]
    assert 132 < x_found < geometry["width"], geometry
    report = get_json(f"{base_url}/data/plugin/tb_confusion/report?run=validation&tag=classes&step=0")
    matrix = report["confusion_matrix"]
    first_column = int(geometry["left"] // size)
    empty = next(c for c in range(first_column, first_column + 20) if matrix[index][c] == 0 and matrix[index - 1][c] == 0
                 and c != index and c != index - 1)
    pixel = """([card, x, y]) => {
      const canvas = document.querySelector(`${card} canvas.matrix-canvas`);
      const ratio = canvas.width / canvas.clientWidth;
      return Array.from(canvas.getContext("2d").getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data).slice(0, 3);
    }"""
    x = 132 + (empty + 0.5) * size - geometry["left"]
    marked = frame.evaluate(pixel, [CARD, x, y])
    unmarked = frame.evaluate(pixel, [CARD, x, y - size])  # the row above: not found, also empty there
    assert unmarked == [255, 255, 255], unmarked
    assert max(marked) < 245 and marked[0] == marked[1] == marked[2], marked  # a grey band

    # Escape empties the box and the marks.
    box.press("Escape")
    expect(box).to_have_value("")
    expect(wrap).not_to_have_attribute("data-found", str(index))
    assert problems == {"dialogs": [], "errors": []}
    page.close()

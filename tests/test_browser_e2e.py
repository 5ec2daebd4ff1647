"""The Confusion tab in headless Chromium against a real `tensorboard` on 127.0.0.1.

Drives the panel inside TensorBoard's plugin iframe like a user: scrub to an epoch, move the threshold,
click a cell; the numbers on the page must equal build_report's (what `tb-confusion report` prints) for
that epoch and threshold. A class name that looks like HTML must show as text and run nothing.
Screenshots go to artifacts/ (light and dark).
"""

import pathlib
import re
import time

import numpy as np
import pytest

from tb_process import get_json, running_tensorboard, serving

import tb_confusion
from tb_confusion.storage.events import EventWriter
from tb_confusion.report import build_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

from playwright import sync_api as playwright_api  # noqa: E402
expect = playwright_api.expect
ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "artifacts"
EVIL = "<img src=x onerror=alert(1)>"
EPOCHS = 4
OBJECTS = 40  # above the 30 classes a table fits: the canvas matrix


def write_logs(logdir):
    """Runs train/validation, each with a binary tag (example ids) and a multiclass one with EVIL."""
    rng = np.random.default_rng(7)
    for run, noise in (("train", 0.9), ("validation", 1.2)):
        with EventWriter(str(logdir / run)) as writer:
            for epoch in range(EPOCHS):
                n = 500
                labels = (rng.random(n) < 0.35).astype(np.int64)
                logits = rng.normal(0, noise, n) + (0.3 + 0.4 * epoch) * (2 * labels - 1)
                scores = (1 / (1 + np.exp(-logits))).astype(np.float32)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "fraud", labels, scores, task="binary", class_names=["legit", "fraud"],
                    example_ids=[f"tx-{run}-{i:04d}" for i in range(n)]), step=epoch)
                labels = rng.integers(0, 4, 300)
                z = rng.normal(0, noise, (300, 4))
                z[np.arange(300), labels] += 0.5 + 0.5 * epoch
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "animals", labels, p.astype(np.float32), class_names=["cat", "dog", EVIL, "bird"]), step=epoch)
                # More than 20 classes: the canvas matrix.
                labels = rng.integers(0, OBJECTS, 400)
                z = rng.normal(0, noise, (400, OBJECTS))
                z[np.arange(400), labels] += 1.5 + 0.5 * epoch
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "objects", labels, p.astype(np.float32), class_names=[f"o{k}" for k in range(OBJECTS)],
                    example_ids=[f"obj-{run}-{i:03d}" for i in range(400)]), step=epoch)
                # Multilabel: three independent labels.
                labels = (rng.random((300, 3)) < [0.2, 0.5, 0.35]).astype(np.int64)
                scores = np.clip(rng.normal(0.3 + 0.35 * labels, 0.2), 0, 1).astype(np.float32)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "topics", labels, scores, task="multilabel", class_names=["sports", "politics", "tech"]), step=epoch)
                # One-class data, where some recommended thresholds are undefined: every label 1; every
                # label 0 (train's top score exactly 1.0, validation's below 1); a label without positives.
                scores = np.round(0.9 * rng.random(60), 2).astype(np.float32)
                scores[:3] = 1.0 if run == "train" else 0.95
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "unanimous_pos", np.ones(60, np.int64), scores, task="binary", class_names=["no", "yes"]), step=epoch)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "unanimous_neg", np.zeros(60, np.int64), scores, task="binary", class_names=["no", "yes"]), step=epoch)
                labels = np.stack([rng.random(60) < 0.5, np.zeros(60, bool)], axis=1).astype(np.int64)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "unanimous_labels", labels, np.stack([scores, scores[::-1]], axis=1), task="multilabel",
                    class_names=["common", "never"]), step=epoch)


def expected_report(logdir, run, tag, step, **options):
    (record,) = tb_confusion.read(str(logdir), run=run, tag=tag, step=step)
    return build_report(record, **options)


def number(text):
    return float(text.replace(",", ""))


def eventually(read, expected, timeout=10.0):
    """Poll read() until it equals expected (the panel renders on the next frame or after a fetch)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            assert value == expected
            return
        time.sleep(0.05)


def latest_step(base_url, run, tag):
    return get_json(f"{base_url}/data/plugin/tb_confusion/steps?run={run}&tag={tag}")[-1]["step"]


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "logs", write_logs) as served:
        yield served


def open_panel(browser, base_url, *, dark=False, height=1700):
    page = browser.new_page(viewport={"width": 1400, "height": height})
    problems = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (problems["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.goto(base_url + ("/?darkMode=true" if dark else "/") + "#tb_confusion")
    panel = page.frame_locator("iframe")
    panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
    return page, panel, problems


def card(panel, run):
    return panel.locator(f'.run-card[aria-label="Run {run}"]')


def matrix_on_page(panel, run, size):
    texts = card(panel, run).locator(".cell").all_text_contents()
    assert len(texts) == size * size
    return [[number(t) for t in texts[i * size:(i + 1) * size]] for i in range(size)]


def summary_on_page(panel, metric, column):
    row = panel.locator(f'#summary-table tr[data-metric="{metric}"] td')
    return row.nth(column).text_content()


def test_scrub_threshold_and_cell_match_the_report(tensorboard, browser):
    base_url, logdir = tensorboard
    ARTIFACTS.mkdir(exist_ok=True)
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("fraud")
    step_label = panel.locator("#step-label")
    expect(step_label).to_have_text(re.compile(rf"^{EPOCHS - 1} "))  # opens on the latest step

    # Scrub: the slider, the previous/next buttons and the arrow keys.
    panel.locator("#step-slider").fill("0")
    expect(step_label).to_have_text(re.compile(r"^0 "))
    panel.locator("#next-step").click()
    panel.locator("#next-step").click()
    expect(step_label).to_have_text(re.compile(r"^2 "))
    panel.locator("h2").first.click()  # focus on no control, then the arrow keys scrub
    page.keyboard.press("ArrowLeft")
    expect(step_label).to_have_text(re.compile(r"^1 "))
    expect(card(panel, "validation").locator(".subtitle")).to_contain_text("step 1 ")

    # Threshold: type a value (the slider and number input share it).
    panel.locator("#threshold-slider-value").fill("0.37")
    panel.locator("#threshold-slider-value").press("Enter")
    page.wait_for_timeout(300)

    for column, run in enumerate(["train", "validation"]):
        report = expected_report(logdir, run, "fraud", 1, threshold=0.37)
        eventually(lambda: matrix_on_page(panel, run, 2), report["confusion_matrix"])
        metrics = report["metrics"]
        for key, value in [("accuracy", metrics["accuracy"]), ("balanced_accuracy", metrics["balanced_accuracy"]),
                           ("precision", metrics["precision"]["binary"]), ("recall", metrics["recall"]["binary"]),
                           ("f1", metrics["f1"]["binary"]), ("cohen_kappa", metrics["cohen_kappa"]),
                           ("mcc", metrics["mcc"]), ("roc_auc", metrics["roc_auc"]["binary"]),
                           ("average_precision", metrics["average_precision"]["binary"]),
                           ("log_loss", metrics["log_loss"])]:
            assert summary_on_page(panel, key, column) == f"{value:.4f}", (run, key)
        per_class = card(panel, run).locator(".per-class tbody tr").nth(1).locator("td").all_text_contents()
        assert per_class[:3] == [f"{metrics[k]['per_class'][1]:.4f}" for k in ("precision", "recall", "f1")]
        assert number(per_class[3]) == metrics["support"]["per_class"][1]

    # Click the validation run's false-negative cell (actual fraud, predicted legit): its examples.
    report = expected_report(logdir, "validation", "fraud", 1, threshold=0.37)
    false_negatives = report["confusion_matrix"][1][0]
    card(panel, "validation").locator('.cell[data-true="1"][data-pred="0"]').click()
    examples = panel.locator("#examples")
    examples.locator(".examples-table tbody tr").first.wait_for()
    assert "actual fraud \u2192 predicted legit" in panel.locator("#examples-caption").text_content()
    assert examples.locator(".page-range").text_content().endswith(f"of {false_negatives}") or false_negatives <= 25
    rows = examples.locator(".examples-table tbody tr")
    assert rows.count() == min(25, false_negatives)
    probabilities = [float(t) for t in examples.locator(".examples-table tbody td.num").all_text_contents()]
    assert probabilities == sorted(probabilities, reverse=True), "most confident first"
    assert rows.first.locator(".example-id").text_content().startswith("tx-validation-")

    # A recommended threshold moves every view at once.
    best = report["recommended_thresholds"]["max_f1"]["threshold"]
    panel.locator("#recommend-f1").click()
    eventually(lambda: round(float(panel.locator("#threshold-slider-value").input_value()), 4), round(best, 4))
    report = expected_report(logdir, "validation", "fraud", 1, threshold=best)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["confusion_matrix"])
    expect(panel.locator("#summary-table tr[data-metric=\"f1\"] td").nth(1)).to_have_text(f"{report['metrics']['f1']['binary']:.4f}")
    # The metric over epochs follows (one round trip, after the threshold settles).
    expect(panel.locator(".epochs-card .note")).to_contain_text("step 1: train ", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "e2e_binary.png"))
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_class_names_are_text_and_run_nothing(tensorboard, browser):
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("animals")
    expect(card(panel, "validation").locator("th.row-name").nth(2)).to_have_text(EVIL)
    assert panel.locator("img").count() == 0
    # Its cell, its examples and its tooltip show the name as text too.
    card(panel, "validation").locator('.cell[data-true="2"][data-pred="2"]').click()
    panel.locator(".examples-table tbody tr").first.wait_for()
    assert EVIL in panel.locator("#examples-caption").text_content()
    card(panel, "validation").locator('.cell[data-true="2"][data-pred="0"]').hover()
    assert EVIL in panel.locator(".tooltip").text_content()
    assert panel.locator("img").count() == 0

    # Keyboard: arrow keys move between cells, Enter opens one.
    card(panel, "train").locator(".cell").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(panel.locator("#examples-caption")).to_contain_text("train \u00b7 step 3 \u00b7 actual dog \u2192 predicted dog")

    report = expected_report(logdir, "validation", "animals", EPOCHS - 1)
    eventually(lambda: matrix_on_page(panel, "validation", 4), report["confusion_matrix"])
    assert summary_on_page(panel, "accuracy", 1) == f"{report['metrics']['accuracy']:.4f}"
    assert summary_on_page(panel, "f1", 1) == f"{report['metrics']['f1']['macro']:.4f}"

    # A confidence cutoff adds the "below cutoff" column, equal to the report's.
    panel.locator("#threshold-slider-value").fill("0.6")
    panel.locator("#threshold-slider-value").press("Enter")
    page.wait_for_timeout(300)
    report = expected_report(logdir, "validation", "animals", EPOCHS - 1, cutoff=0.6)
    eventually(lambda: [number(t) for t in card(panel, "validation").locator(".cell").all_text_contents()],
               [v for row in report["confusion_matrix"] for v in row])
    assert summary_on_page(panel, "accuracy", 1) == f"{report['metrics']['accuracy']:.4f}"
    page.screenshot(path=str(ARTIFACTS / "e2e_multiclass.png"))
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_dark_mode_follows_tensorboard(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = open_panel(browser, base_url, dark=True)
    assert panel.locator("html").get_attribute("data-theme") == "dark"
    page.screenshot(path=str(ARTIFACTS / "e2e_dark.png"))
    assert problems == {"dialogs": [], "errors": []}
    page.close()


@pytest.fixture()
def reloading_tensorboard(tmp_path):
    """Its own logdir (the test adds a step to it), re-read every second."""
    logdir = tmp_path / "logs"
    write_logs(logdir)
    with running_tensorboard(logdir, "--reload_interval", "1") as base_url:
        yield base_url, logdir


def test_tensorboard_reload_brings_new_steps_and_keeps_the_selection(reloading_tensorboard, browser):
    base_url, logdir = reloading_tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("fraud")
    step_label = panel.locator("#step-label")
    expect(step_label).to_have_text(re.compile(rf"^{EPOCHS - 1} "))
    panel.locator("#step-slider").fill("1")
    expect(step_label).to_have_text(re.compile(rf"^1 +\(2 of {EPOCHS}\)"))
    panel.locator("#threshold-slider-value").fill("0.37")
    panel.locator("#threshold-slider-value").press("Enter")
    card(panel, "validation").locator('.cell[data-true="1"][data-pred="0"]').click()
    expect(panel.locator("#examples-caption")).to_contain_text("validation \u00b7 step 1 ")

    # Training goes on: a new step for both runs, in new event files.
    rng = np.random.default_rng(99)
    for run in ("train", "validation"):
        with EventWriter(str(logdir / run)) as writer:
            labels = (rng.random(500) < 0.35).astype(np.int64)
            scores = np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1).astype(np.float32)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "fraud", labels, scores, task="binary", class_names=["legit", "fraud"]), step=EPOCHS)
    eventually(lambda: latest_step(base_url, "validation", "fraud"), EPOCHS, timeout=30)  # tensorboard saw it
    # Nothing changes until TensorBoard's reload button (outside the iframe) is pressed.
    page.wait_for_timeout(300)
    expect(step_label).to_have_text(re.compile(rf"^1 +\(2 of {EPOCHS}\)"))
    page.locator("app-header-reload button.reload-button").click()

    # The slider reaches the new step; run, tag, step, threshold and the selected cell are kept.
    expect(step_label).to_have_text(re.compile(rf"^1 +\(2 of {EPOCHS + 1}\)"), timeout=15_000)
    expect(panel.locator("#step-slider")).to_have_attribute("max", str(EPOCHS))
    assert panel.locator("#tag-select").input_value() == "fraud"
    assert panel.locator("#threshold-slider-value").input_value() == "0.37"
    expect(panel.locator("#examples-caption")).to_contain_text("validation \u00b7 step 1 ")
    assert panel.locator(".run-card").count() == 2
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    assert frame.evaluate("window.tbConfusion.reloads()") >= 1  # through experimental.DataReloaded
    panel.locator("#step-slider").fill(str(EPOCHS))
    expect(step_label).to_have_text(re.compile(rf"^{EPOCHS} +\({EPOCHS + 1} of {EPOCHS + 1}\)"))
    report = expected_report(logdir, "validation", "fraud", EPOCHS, threshold=0.37)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["confusion_matrix"])

    # On the latest step, a reload follows the training to the newest step.
    for run in ("train", "validation"):
        with EventWriter(str(logdir / run)) as writer:
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "fraud", labels, scores, task="binary", class_names=["legit", "fraud"]), step=EPOCHS + 1)
    eventually(lambda: latest_step(base_url, "validation", "fraud"), EPOCHS + 1, timeout=30)  # tensorboard saw it
    page.locator("app-header-reload button.reload-button").click()
    expect(step_label).to_have_text(re.compile(rf"^{EPOCHS + 1} +\({EPOCHS + 2} of {EPOCHS + 2}\)"), timeout=15_000)
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_canvas_matrix_cell_lists_the_examples_route(tensorboard, browser):
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("objects")
    validation = card(panel, "validation")
    canvas = validation.locator("canvas.matrix-canvas")
    expect(canvas).to_be_visible()
    assert validation.locator("table.matrix").count() == 0
    page.wait_for_timeout(500)  # the first frame fits the zoom
    size = int(validation.locator(".zoom-label").text_content().removesuffix("px"))
    report = expected_report(logdir, "validation", "objects", EPOCHS - 1)
    matrix = report["confusion_matrix"]
    # The non-empty off-diagonal cell with the most examples (as logged: row r is class r).
    true, pred = max(((i, j) for i in range(OBJECTS) for j in range(OBJECTS) if i != j), key=lambda c: matrix[c[0]][c[1]])
    assert matrix[true][pred] > 0
    box = validation.locator(".matrix-viewport").bounding_box()
    x, y = 132 + (pred + 0.5) * size, 96 + (true + 0.5) * size  # LABEL_WIDTH, LABEL_HEIGHT in matrix_canvas_view.js

    # The canvas drew that cell (an error: orange, not the empty background) and left an empty one blank.
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    pixel = """([run, x, y]) => {
      const canvas = document.querySelector(`.run-card[aria-label="Run ${run}"] canvas.matrix-canvas`);
      const ratio = canvas.width / canvas.clientWidth;
      return Array.from(canvas.getContext("2d").getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data);
    }"""
    r, g, b, _ = frame.evaluate(pixel, ["validation", x, y])
    assert r > b + 20, (r, g, b)
    empty = next((i, j) for i in range(OBJECTS) for j in range(OBJECTS) if matrix[i][j] == 0)
    assert frame.evaluate(pixel, ["validation", 132 + (empty[1] + 0.5) * size, 96 + (empty[0] + 0.5) * size])[:3] == [255, 255, 255]

    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(panel.locator("#examples-caption")).to_contain_text(f"actual o{true} \u2192 predicted o{pred}")
    panel.locator(".examples-table tbody tr").first.wait_for()
    expected = get_json(f"{base_url}/data/plugin/tb_confusion/examples?run=validation&tag=objects&step={EPOCHS - 1}"
                        f"&true={true}&pred={pred}&offset=0&limit=25")
    assert expected["total"] == matrix[true][pred]
    eventually(lambda: panel.locator(".examples-table .example-id").all_text_contents(),
               [e["id"] for e in expected["examples"]])
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_multilabel_per_label_threshold_matches_the_report(tensorboard, browser):
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("topics")
    panel.locator("details.per-label summary").click()
    panel.locator("#label-threshold-1-value").fill("0.7")
    panel.locator("#label-threshold-1-value").press("Enter")
    validation = card(panel, "validation")
    validation.locator(".label-select").select_option("1")  # show the label "politics"
    thresholds = [0.5, 0.7, 0.5]
    report = expected_report(logdir, "validation", "topics", EPOCHS - 1, thresholds=thresholds)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["label_confusion_matrices"][1])
    metrics = report["metrics"]
    per_class = validation.locator(".per-class tbody tr").nth(1).locator("td").all_text_contents()
    assert per_class[:3] == [f"{metrics[k]['per_class'][1]:.4f}" for k in ("precision", "recall", "f1")]
    assert number(per_class[3]) == metrics["support"]["per_class"][1]
    # The other labels stay at 0.5.
    at_half = expected_report(logdir, "validation", "topics", EPOCHS - 1, threshold=0.5)
    validation.locator(".label-select").select_option("0")
    eventually(lambda: matrix_on_page(panel, "validation", 2), at_half["label_confusion_matrices"][0])
    assert report["label_confusion_matrices"][0] == at_half["label_confusion_matrices"][0]
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_per_class_table_renders_the_rows_in_view(tensorboard, browser):
    """The per-class table is windowed: only the rows in view exist; scrolling (here with the keyboard)
    brings the later classes in, with build_report's numbers at the chosen cutoff."""
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("objects")
    panel.locator("#threshold-slider-value").fill("0.3")
    panel.locator("#threshold-slider-value").press("Enter")
    metrics = expected_report(logdir, "validation", "objects", EPOCHS - 1, cutoff=0.3)["metrics"]
    validation = card(panel, "validation")
    table = validation.locator(".per-class")
    rows = table.locator("tbody tr[data-index]")

    def row_on_page(k):
        cells = table.locator(f'tbody tr[data-index="{k}"]').locator("th, td").all_text_contents()
        return cells[:4] + [number(cells[4])] if cells else None

    def expected_row(k):
        return [f"o{k}"] + [f"{metrics[m]['per_class'][k]:.4f}" for m in ("precision", "recall", "f1")] + [
            metrics["support"]["per_class"][k]]

    eventually(lambda: row_on_page(1), expected_row(1))
    assert table.locator("table").get_attribute("aria-rowcount") == str(OBJECTS + 4)
    assert rows.count() < OBJECTS  # windowed: the last classes are not in the DOM yet
    assert table.locator(f'tbody tr[data-index="{OBJECTS - 1}"]').count() == 0
    assert rows.first.get_attribute("aria-rowindex") == "2"

    table.focus()  # a keyboard-focusable scroller: End scrolls to the last rows
    table.press("End")
    eventually(lambda: row_on_page(OBJECTS - 1), expected_row(OBJECTS - 1))
    assert table.locator(f'tbody tr[data-index="{OBJECTS - 1}"]').get_attribute("aria-rowindex") == str(OBJECTS + 1)
    # Every rendered row has its class's numbers, and the rows follow the cutoff without a scroll.
    # (read in one evaluation: the window may still move between separate queries)
    snapshot = rows.evaluate_all(
        "(rows) => rows.map((row) => [row.dataset.index, ...[...row.querySelectorAll('th, td')].map((c) => c.textContent)])")
    assert len(snapshot) > 5
    for index, *cells in snapshot:
        assert cells[:4] + [number(cells[4])] == expected_row(int(index)), index
    panel.locator("#threshold-slider-value").fill("0.6")
    panel.locator("#threshold-slider-value").press("Enter")
    at_06 = expected_report(logdir, "validation", "objects", EPOCHS - 1, cutoff=0.6)["metrics"]
    eventually(lambda: row_on_page(OBJECTS - 2)[1:4],
               [f"{at_06[m]['per_class'][OBJECTS - 2]:.4f}" for m in ("precision", "recall", "f1")])
    averages = table.locator("tfoot tr.average").first.locator("td").all_text_contents()
    assert averages[:3] == [f"{at_06[m]['macro']:.4f}" for m in ("precision", "recall", "f1")]
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_one_class_data_disables_the_undefined_recommendations(tensorboard, browser):
    """Every label 1: no Youden's J (no negatives), a disabled button saying why; Max F1 and Min cost work.
    Multilabel with a label that has no positives: the label keeps its threshold, the others move."""
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("unanimous_pos")
    expect(card(panel, "validation").locator(".cell")).to_have_count(4)
    report = expected_report(logdir, "validation", "unanimous_pos", EPOCHS - 1, threshold=0.5)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["confusion_matrix"])
    youden = panel.locator("#recommend-youden")
    expect(youden).to_be_disabled()
    assert "no negative examples" in youden.get_attribute("title")
    expect(panel.locator("#recommend-cost")).to_be_enabled()
    expect(panel.locator("#recommend-cost")).to_contain_text("Min cost \u00b7 ")
    panel.locator("#recommend-f1").click()
    best = report["recommended_thresholds"]["max_f1"]["threshold"]
    eventually(lambda: round(float(panel.locator("#threshold-slider-value").input_value()), 4), round(best, 4))
    report = expected_report(logdir, "validation", "unanimous_pos", EPOCHS - 1, threshold=best)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["confusion_matrix"])

    panel.locator("#tag-select").select_option("unanimous_labels")
    panel.locator("details.per-label summary").click()
    expect(panel.locator(".recommendations .field-label")).to_have_text("Recommend per label on")
    expect(panel.locator("#recommend-run")).to_have_value("validation")
    expect(panel.locator("#recommend-f1")).to_be_enabled()
    assert "never" in panel.locator("#recommend-f1").get_attribute("title")
    panel.locator("#recommend-f1").click()
    best = expected_report(logdir, "validation", "unanimous_labels", EPOCHS - 1)["recommended_thresholds"]
    eventually(lambda: panel.locator("#label-threshold-1-value").input_value(), "0.5")
    eventually(lambda: round(float(panel.locator("#label-threshold-0-value").input_value()), 2),
               round(best[0]["max_f1"]["threshold"], 2))
    expect(panel.locator(".message .error")).to_have_count(0)
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_min_cost_nothing_positive_stays_within_zero_and_one(tensorboard, browser):
    """Every label 0: Min cost wants nothing positive. Below a top score of 1 that is threshold 1
    ("none positive"); with a top score of exactly 1 (train) it is out of reach, and the button sets 1,
    where the scores of 1 are positive. Either way the page shows build_report at 1 and no route fails."""
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("unanimous_neg")
    expect(card(panel, "validation").locator(".cell")).to_have_count(4)
    at_one = {run: expected_report(logdir, run, "unanimous_neg", EPOCHS - 1, threshold=1.0) for run in ("train", "validation")}
    cost = panel.locator("#recommend-cost")
    expect(cost).to_have_text("Min cost \u00b7 none positive")  # on validation, top score 0.95
    cost.click()
    eventually(lambda: panel.locator("#threshold-slider-value").input_value(), "1")
    for run in ("train", "validation"):
        eventually(lambda: matrix_on_page(panel, run, 2), at_one[run]["confusion_matrix"])
    assert at_one["validation"]["confusion_matrix"][0][1] == 0
    # Recommendations on train (chosen in "Recommend on"), whose top score is exactly 1.
    card(panel, "train").locator('.cell[data-true="0"][data-pred="1"]').click()
    expect(cost).to_have_text("Min cost \u00b7 none positive")  # a cell click never changes the run
    panel.locator("#recommend-run").select_option("train")
    expect(cost).to_have_text("Min cost \u00b7 1")
    fp = at_one["train"]["confusion_matrix"][0][1]
    assert fp == 3
    assert cost.get_attribute("title").startswith(f"cost = {fp:.2f} at threshold 1")
    panel.locator("#threshold-slider-value").fill("0.5")
    panel.locator("#threshold-slider-value").press("Enter")
    cost.click()
    eventually(lambda: panel.locator("#threshold-slider-value").input_value(), "1")
    eventually(lambda: matrix_on_page(panel, "train", 2), at_one["train"]["confusion_matrix"])
    # The examples and over-epochs routes accept the threshold (no 400).
    expect(panel.locator(".examples-table tbody tr")).to_have_count(fp)
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    # The over-epochs cache is keyed by JSON [params, the wall times of the run's steps].
    epochs_at_one = """() => {
      const epochs = window.tbConfusion.store.get().epochs;
      return Object.keys(epochs).filter((key) => JSON.parse(key)[0].threshold === 1)
        .map((key) => epochs[key].error || (epochs[key].series ? "ok" : "pending"));
    }"""
    eventually(lambda: frame.evaluate(epochs_at_one), ["ok", "ok"], timeout=15)
    expect(panel.locator(".error")).to_have_count(0)
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_failed_requests_are_retried_on_the_next_selection_and_on_reload(tensorboard, browser):
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    failures = {"left": 0}

    def flaky(route):
        if failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(status=500, content_type="application/json", body='{"error": "injected failure"}')
        else:
            route.continue_()

    page.route(re.compile(r".*/stats\?run=validation&tag=animals&step=1$"), flaky)
    validation = card(panel, "validation")
    step_label = panel.locator("#step-label")
    failures["left"] = 1
    panel.locator("#step-slider").fill("1")
    expect(validation.locator(".error")).to_have_text("injected failure")
    # Another step and back: the failed statistics are asked for again.
    panel.locator("h2").first.click()
    page.keyboard.press("ArrowRight")
    expect(step_label).to_have_text(re.compile(r"^2 "))
    page.keyboard.press("ArrowLeft")
    expect(step_label).to_have_text(re.compile(r"^1 "))
    report = expected_report(logdir, "validation", "animals", 1)
    expect(validation.locator(".cell")).to_have_count(16)
    eventually(lambda: matrix_on_page(panel, "validation", 4), report["confusion_matrix"])

    # A failure at the same step, then a reload: asked for again.
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    frame.evaluate("""() => { const store = window.tbConfusion.store;
      const stats = {...store.get().stats};
      for (const key of Object.keys(stats)) if (key.includes('"validation","animals",1')) delete stats[key];
      store.set({stats}); }""")
    failures["left"] = 1
    expect(validation.locator(".error")).to_have_text("injected failure")
    frame.evaluate("window.tbConfusion.reload()")
    expect(validation.locator(".cell")).to_have_count(16)
    eventually(lambda: matrix_on_page(panel, "validation", 4), report["confusion_matrix"])
    assert failures["left"] == 0
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_reload_refetches_the_examples_of_a_step_written_again(reloading_tensorboard, browser):
    """A resumed training writes step 1 again (new wall time): after a reload the open cell lists the new
    examples, not the cached ones."""
    base_url, logdir = reloading_tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("fraud")
    panel.locator("#step-slider").fill("1")
    expect(panel.locator("#step-label")).to_have_text(re.compile(r"^1 "))
    card(panel, "validation").locator('.cell[data-true="1"][data-pred="1"]').click()
    ids = panel.locator(".examples-table .example-id")
    expect(ids.first).to_have_text(re.compile(r"^tx-validation-"))
    steps_url = f"{base_url}/data/plugin/tb_confusion/steps?run=validation&tag=fraud"
    before = {s["step"]: s["wall_time"] for s in get_json(steps_url)}

    time.sleep(0.05)  # a later wall time
    rng = np.random.default_rng(5)
    with EventWriter(str(logdir / "validation")) as writer:
        labels = (rng.random(200) < 0.5).astype(np.int64)
        scores = np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1).astype(np.float32)
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "fraud", labels, scores, task="binary", class_names=["legit", "fraud"],
            example_ids=[f"resumed-{i:03d}" for i in range(200)]), step=1)
    eventually(lambda: {s["step"]: s["wall_time"] for s in get_json(steps_url)}.get(1) != before[1], True,
               timeout=30)  # tensorboard saw the rewritten step
    page.locator("app-header-reload button.reload-button").click()
    expect(ids.first).to_have_text(re.compile(r"^resumed-"), timeout=15_000)
    report = expected_report(logdir, "validation", "fraud", 1)
    eventually(lambda: matrix_on_page(panel, "validation", 2), report["confusion_matrix"])
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_space_plays_and_pauses_when_no_control_has_the_focus(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("fraud")
    step_label = panel.locator("#step-label")
    panel.locator("#step-slider").fill("0")
    expect(step_label).to_have_text(re.compile(r"^0 "))
    panel.locator("h2").first.click()  # the focus on no control
    page.keyboard.press("Space")
    play = panel.locator("#play-button")
    expect(play).to_have_attribute("aria-label", "Pause")
    expect(step_label).to_have_text(re.compile(r"^1 "))
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-label", "Play through the steps")
    shown = step_label.text_content()
    page.wait_for_timeout(900)  # longer than one play tick
    assert step_label.text_content() == shown
    # On a button, Space presses that button instead.
    panel.locator("#prev-step").focus()
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-label", "Play through the steps")
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_run_chips_and_cards_share_one_order(tmp_path, browser):
    logdir = tmp_path / "logs"
    rng = np.random.default_rng(3)
    for run in ("alpha", "test", "train", "validation"):
        with EventWriter(str(logdir / run)) as writer:
            labels = (rng.random(50) < 0.5).astype(np.int64)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "fraud", labels, rng.random(50).astype(np.float32), task="binary"), step=0)
    with running_tensorboard(logdir) as base_url:
        page, panel, problems = open_panel(browser, base_url)
        order = ["train", "validation", "test", "alpha"]
        expect(panel.locator(".run-card")).to_have_count(4)
        assert [t.strip() for t in panel.locator(".run-chips .chip").all_text_contents()] == order
        assert [panel.locator(".run-card").nth(i).get_attribute("aria-label") for i in range(4)] == [f"Run {r}" for r in order]
        assert problems == {"dialogs": [], "errors": []}
        page.close()

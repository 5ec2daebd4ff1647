"""A segmentation tag (per-pixel steps summed by tb_confusion.Accumulator) in headless Chromium against a real
tensorboard: the matrix equals build_report's at the argmax and the report route's at a cutoff, a cell lists
the images the accumulator counted in it with their pixels, and nothing the step cannot answer is offered
(no likely-mislabeled order, one calibration diagram), so no request fails and the console stays clean."""

import re

import numpy as np
import pytest
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, card, eventually, expect, number

import tb_confusion
from tb_confusion.report import build_report
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLASSES = ["background", "circle", "square", "triangle"]
EPOCHS = 3
IMAGES, SIZE, BORDER, BATCH = 16, 32, 2, 4
IGNORE = 255
# The accumulator of each (run, step), as it was written: what the drawer's images must equal.
ACCUMULATED = {}


def shape_masks(rng, n):
    """n masks SIZE x SIZE: a circle, a square and a triangle (each present 70% of the time) on background,
    with an IGNORE border."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    masks = np.zeros((n, SIZE, SIZE), np.int64)
    for mask in masks:
        for shape in (1, 2, 3):
            if rng.random() < 0.3:
                continue
            cy, cx = rng.integers(6, SIZE - 6, 2)
            r = int(rng.integers(3, 6))
            inside = [(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r,
                      (abs(yy - cy) <= r) & (abs(xx - cx) <= r),
                      (yy >= cy - r) & (yy <= cy + r) & (2 * abs(xx - cx) <= yy - cy + r)][shape - 1]
            mask[inside] = shape
    masks[:, :BORDER], masks[:, -BORDER:], masks[:, :, :BORDER], masks[:, :, -BORDER:] = (IGNORE,) * 4
    return masks


def write_logs(logdir):
    """Run validation: tag pixels, a segmenter that sharpens each epoch, accumulated in batches of BATCH
    images; tag animals, a multiclass tag to come back to."""
    rng = np.random.default_rng(23)
    with EventWriter(str(logdir / "validation")) as writer:
        for epoch in range(EPOCHS):
            accumulator = tb_confusion.Accumulator("pixels", class_names=CLASSES, ignore_index=IGNORE)
            for start in range(0, IMAGES, BATCH):
                masks = shape_masks(rng, BATCH)
                logits = rng.normal(0, 1.3, masks.shape + (len(CLASSES),))
                logits += (0.6 + 0.6 * epoch) * np.eye(len(CLASSES))[np.where(masks == IGNORE, 0, masks)]
                probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
                accumulator.update(masks, probabilities.astype(np.float32),
                                   example_ids=[f"img-{epoch}-{start + i:03d}" for i in range(BATCH)])
            writer.add_summary(accumulator.summary_pb(), step=epoch)
            ACCUMULATED[("validation", epoch)] = accumulator
            labels = rng.integers(0, 3, 200)
            z = rng.normal(0, 1, (200, 3))
            z[np.arange(200), labels] += 1.5
            p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "animals", labels, p.astype(np.float32), class_names=["cat", "dog", "owl"]), step=epoch)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "segmentation_logs", write_logs) as served:
        yield served


def open_watched(browser, base_url):  # noqa: F811
    return browser_watch.open_watched(browser, base_url, height=1700)


def cells_on_page(panel):
    return [number(t) for t in card(panel, "validation").locator(".cell").all_text_contents()]


def flat(matrix):
    return [float(v) for row in matrix for v in row]


def images_in_cell(accumulator, true, pred):
    """[(id, pixels)] of the images with pixels in cell (true, pred) at the argmax, most pixels first (ties:
    the earlier image), from the accumulator's per-image cells."""
    rows, cells, counts = accumulator.state.examples()
    inside = cells == true * len(CLASSES) + pred
    pixels = {}
    for row, count in zip(rows[inside], counts[inside]):
        pixels[int(row)] = pixels.get(int(row), 0) + int(count)
    ids = accumulator.state.example_ids
    return [(ids[row], count) for row, count in sorted(pixels.items(), key=lambda item: (-item[1], item[0]))]


def listed_images(rows):
    """[(id, pixels)] of the drawer's rows."""
    return [(row.locator(".example-id").text_content(), int(number(row.locator("td.num").text_content())))
            for row in rows.all()]


def set_cutoff(panel, value):
    box = panel.locator("#threshold-slider-value")
    box.fill(str(value))
    box.press("Enter")


def test_a_segmentation_tag_shows_pixels_and_lists_images(tensorboard, browser):  # noqa: F811
    base_url, logdir = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion"
    last = EPOCHS - 1
    (record,) = tb_confusion.read(str(logdir), run="validation", tag="pixels", step=last)
    report = build_report(record)
    assert report["num_elements"] == IMAGES * (SIZE - 2 * BORDER) ** 2

    page, panel, problems = open_watched(browser, base_url)
    # Choices a per-pixel step cannot answer, made on the multiclass tag first: the likely-mislabeled
    # order and 10 equal-mass bins of one class.
    panel.locator("#tag-select").select_option("animals")
    card(panel, "validation").locator('.cell[data-true="1"][data-pred="0"]').click()
    panel.locator("#examples .examples-table tbody tr").first.wait_for()
    panel.locator("#examples-order-likely_mislabeled").click()
    expect(panel.locator("#examples-likely-issues")).not_to_have_text("")
    panel.locator("#calibration-bins").select_option("10")
    panel.locator("#calibration-equal-mass").click()
    panel.locator("#calibration-class").select_option("1")
    legend = panel.locator('#calibration-legend li[data-run="validation"]')
    expect(legend).to_have_attribute("data-bins", "10")
    panel.locator("#examples-close").click()

    # The segmentation tag at its latest step: the argmax matrix is build_report's (what
    # `tb-confusion report` prints), the card counts images and pixels.
    panel.locator("#tag-select").select_option("pixels")
    expect(panel.locator("#step-label")).to_have_text(re.compile(rf"^{last} "))
    eventually(lambda: cells_on_page(panel), flat(report["confusion_matrix"]), timeout=15)
    subtitle = card(panel, "validation").locator(".subtitle")
    counted = f"{IMAGES} images \u00b7 {report['num_elements']:,} pixels"
    expect(subtitle).to_contain_text(f"step {last} \u00b7 {counted}")
    assert panel.locator("#summary-table tr[data-metric=\"accuracy\"] td").first.text_content() == \
        f"{report['metrics']['accuracy']:.4f}"

    # Calibration: the one diagram the step keeps, whatever was chosen on the other tag.
    calibration = panel.locator("#calibration")
    expect(panel.locator("#calibration-fixed")).to_have_text(
        "accumulated step: 15 equal-width bins of the top-1 probability")
    expect(panel.locator("#calibration-bins")).to_be_disabled()
    expect(panel.locator("#calibration-bins")).to_have_value("15")
    expect(panel.locator("#calibration-equal-mass")).to_be_disabled()
    expect(panel.locator("#calibration-equal-width")).to_have_attribute("aria-pressed", "true")
    expect(panel.locator("#calibration-class")).to_be_hidden()
    expect(panel.locator("#calibration-temperature")).to_be_hidden()
    expect(legend).to_have_attribute("data-bins", "15", timeout=15_000)
    assert float(legend.get_attribute("data-ece")) == pytest.approx(report["metrics"]["ece"], abs=1e-12)
    expect(calibration.locator(".calibration-scope")).to_contain_text("Each pixel's top probability")

    # A cell lists the images the accumulator counted in it, with their pixels; no order toggle.
    accumulator = ACCUMULATED[("validation", last)]
    true, pred = 1, 0
    expected = images_in_cell(accumulator, true, pred)
    assert expected and report["confusion_matrix"][true][pred] == sum(count for _, count in expected)
    card(panel, "validation").locator(f'.cell[data-true="{true}"][data-pred="{pred}"]').click()
    drawer = panel.locator("#examples")
    rows = drawer.locator(".examples-table tbody tr")
    eventually(lambda: listed_images(rows), expected[:25], timeout=15)
    expect(drawer.locator("#examples-title")).to_have_text("Images")
    expect(drawer.locator("#examples-caption")).to_contain_text("actual circle \u2192 predicted background")
    pixels = report["confusion_matrix"][true][pred]
    expect(drawer.locator("#examples-total")).to_have_text(f"{len(expected)} images, {pixels} pixels")
    assert drawer.locator("thead th").all_text_contents() == [
        "Image", "Pixels in the cell", "Share of the image"]
    image = (SIZE - 2 * BORDER) ** 2
    assert drawer.locator("td.prob").first.text_content() == f"{100 * expected[0][1] / image:.1f}%"
    expect(panel.locator("#examples-order-likely_mislabeled")).to_be_hidden()
    expect(panel.locator("#examples-order-confidence")).to_be_hidden()
    expect(panel.locator("#examples-likely-issues")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    drawer.screenshot(path=str(ARTIFACTS / "segmentation_images.png"))

    # A cutoff: the matrix is the report route's at that cutoff, with its "below cutoff" column.
    set_cutoff(panel, 0.55)
    cutoff_report = get_json(f"{route}/report?run=validation&tag=pixels&step={last}&cutoff=0.55")
    assert len(cutoff_report["confusion_matrix"][0]) == len(CLASSES) + 1
    eventually(lambda: cells_on_page(panel), flat(cutoff_report["confusion_matrix"]), timeout=15)
    assert cutoff_report["confusion_matrix"] == build_report(record, cutoff=0.55)["confusion_matrix"]
    # The open cell still lists its images at the argmax, and says so.
    expect(drawer.locator("#examples-total")).to_contain_text(
        f"{len(expected)} images, {pixels} pixels at the argmax")
    # Its "below cutoff" column has no images: a notice, no request.
    requests = []
    page.on("request", lambda request: "/examples?" in request.url and requests.append(request.url))
    card(panel, "validation").locator(f'.cell[data-true="{true}"][data-pred="{len(CLASSES)}"]').click()
    expect(drawer.locator("#examples-notice")).to_contain_text("list images at the argmax only")
    expect(drawer.locator("#examples-caption")).to_contain_text("predicted below cutoff")
    expect(drawer.locator("#examples-total")).to_be_hidden()
    page.wait_for_timeout(400)  # past the drawer's debounce: no request went out
    assert requests == []

    # Another step at the cutoff: the report route's again.
    panel.locator("#step-slider").fill("0")
    first = get_json(f"{route}/report?run=validation&tag=pixels&step=0&cutoff=0.55")
    eventually(lambda: cells_on_page(panel), flat(first["confusion_matrix"]), timeout=15)
    page.screenshot(path=str(ARTIFACTS / "segmentation.png"))

    # Back on the multiclass tag, its choices come back.
    panel.locator("#tag-select").select_option("animals")
    expect(panel.locator("#calibration-bins")).to_be_enabled()
    expect(panel.locator("#calibration-bins")).to_have_value("10")
    expect(panel.locator("#calibration-fixed")).to_be_hidden()
    card(panel, "validation").locator('.cell[data-true="0"][data-pred="0"]').click()
    expect(panel.locator("#examples-order-likely_mislabeled")).to_be_visible()
    expect(panel.locator("#examples-title")).to_have_text("Examples")
    panel.locator("#examples .examples-table tbody tr").first.wait_for()

    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()

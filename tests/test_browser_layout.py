"""The panel's layout in headless Chromium: every matrix (up to 30 classes) fits its card without a
horizontal scrollbar, tables never cut a column, a cell's examples open beside the matrix without
scrolling, the toolbar collapses to one line when scrolled, small counts stay readable in dark mode,
and an empty logdir shows only its message.

Boxes are measured with getBoundingClientRect inside TensorBoard's plugin iframe. Screenshots go to
artifacts/ (layout_<width>_<theme>.png).
"""

import re

import numpy as np
import pytest

import tb_confusion
from tb_confusion.storage.events import EventWriter
from tb_process import running_tensorboard
from test_browser_e2e import ARTIFACTS, eventually, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUNS = ["train", "validation", "test", "holdout"]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# Longer names than fit a small cell: rotated, cut with an ellipsis, whole in the tooltip.
CATEGORIES = [f"category_{k:02d}" for k in range(30)]
MANY = [f"class {k}" for k in range(40)]  # above 30 classes: the canvas matrix


def write_layout_logs(logdir):
    """Four runs, each with a 10-, a 30- and a 40-class tag and a binary tag (example ids), one step."""
    rng = np.random.default_rng(11)
    for r, run in enumerate(RUNS):
        with EventWriter(str(logdir / run)) as writer:
            for tag, names, n in (("digits", DIGITS, 600), ("categories", CATEGORIES, 1500), ("many", MANY, 800)):
                labels = rng.integers(0, len(names), n)
                z = rng.normal(0, 1.0 + 0.1 * r, (n, len(names)))
                z[np.arange(n), labels] += 2.0
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    tag, labels, p.astype(np.float32), class_names=names,
                    example_ids=[f"{tag}-{run}-{i:04d}" for i in range(n)]), step=0)
            labels = (rng.random(400) < 0.4).astype(np.int64)
            scores = np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1).astype(np.float32)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "fraud", labels, scores, task="binary", class_names=["legit", "fraud"],
                example_ids=[f"tx-{run}-{i:04d}" for i in range(400)]), step=0)


@pytest.fixture(scope="module")
def layout_tensorboard(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("layout_logs")
    write_layout_logs(logdir)
    with running_tensorboard(logdir) as base_url:
        yield base_url


def plugin_frame(page):
    for _ in range(600):
        frame = next((f for f in page.frames if "plugin_entry.html" in f.url), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(50)
    raise AssertionError("the plugin's iframe did not load")


def open_at(browser, base_url, width, height=800, *, dark=False, tag="digits", runs=RUNS):
    """The panel at width x height with `tag` and `runs` selected, once every card shows its matrix."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(base_url + ("/?darkMode=true" if dark else "/") + "#tb_confusion")
    panel = page.frame_locator("iframe")
    panel.locator(".run-card .cell").first.wait_for(timeout=60_000)
    panel.locator("#tag-select").select_option(tag)
    for chip in panel.locator(".run-chips .chip").all():
        name = chip.get_attribute("title")
        if (chip.get_attribute("aria-pressed") == "true") != (name in runs):
            chip.click()
    expect(panel.locator(".run-card")).to_have_count(len(runs), timeout=30_000)
    return page, panel, plugin_frame(page), problems


MEASURE = """() => {
  const box = (e) => e.getBoundingClientRect();
  return [...document.querySelectorAll(".run-card")].map((card) => {
    const c = box(card);
    const table = card.querySelector("table.matrix");
    const cells = [...card.querySelectorAll("table.matrix .cell")].map(box);
    const totals = [...card.querySelectorAll("table.matrix td.total, table.matrix th.total-head")].map(box);
    const scrollers = [card, ...card.querySelectorAll(".matrix-scroll, .table-scroll, .run-body, .matrix-holder, .side")];
    return {
      run: card.getAttribute("aria-label"),
      card: {left: c.left, right: c.right, top: c.top},
      table: Boolean(table),
      cells: cells.length,
      cellWidth: cells.length ? cells[0].width : 0,
      cellHeight: cells.length ? cells[0].height : 0,
      font: cells.length ? getComputedStyle(card.querySelector(".cell")).fontSize : "",
      outside: [...cells, ...totals].filter((b) => b.left < c.left - 0.5 || b.right > c.right + 0.5).length,
      totals: totals.length,
      matrixTop: table ? box(table.querySelector("tbody")).top : null,
      overflowing: scrollers.filter((e) => e.scrollWidth > e.clientWidth + 0.5)
        .map((e) => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`),
      // Every header and cell of every table (per-class, matrix) inside its table's scroller.
      clipped: [...card.querySelectorAll(".table-scroll")].flatMap((scroller) => {
        const s = box(scroller);
        return [...scroller.querySelectorAll("thead th")].filter((th) => box(th).right > s.right + 0.5).map((th) => th.textContent);
      }),
      perRow: document.querySelector(".run-grid").dataset.perRow,
    };
  });
}"""


def check_fits(frame, classes, runs, extra=0):
    """Every card a table of classes x (classes + extra) cells, all of them and the totals inside it."""
    cards = frame.evaluate(MEASURE)
    assert len(cards) == runs
    for card in cards:
        assert card["table"], card["run"]
        assert card["cells"] == classes * (classes + extra), card
        # A total per row and per column, the grand total and the two "Total" heads.
        assert card["totals"] == classes + (classes + extra) + 1 + 2, card
        assert card["outside"] == 0, card
        assert card["overflowing"] == [], card
        assert card["clipped"] == [], card
    return cards


def wait_for_tables(panel, classes, runs, extra=0):
    # Each card is a table of classes x (classes + extra) cells once its statistics arrive.
    expect(panel.locator("table.matrix .cell")).to_have_count(runs * classes * (classes + extra), timeout=30_000)


@pytest.mark.parametrize("width, runs, tag, classes", [
    (1280, 4, "digits", 10), (1280, 4, "categories", 30), (1000, 2, "digits", 10), (1000, 2, "categories", 30),
    (1600, 4, "digits", 10)])
def test_every_matrix_fits_its_card(layout_tensorboard, browser, width, runs, tag, classes):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, width, tag=tag, runs=RUNS[:runs])
    # The cutoff column: the matrices get a "below cutoff" column (room for it is kept at cutoff 0).
    panel.locator("#threshold-slider-value").fill("0.4")
    panel.locator("#threshold-slider-value").press("Enter")
    wait_for_tables(panel, classes, runs, extra=1)
    cards = check_fits(frame, classes, runs, extra=1)
    # Cards of one row start their matrices at the same height.
    rows = {}
    for card in cards:
        rows.setdefault(round(card["card"]["top"]), []).append(card["matrixTop"])
    for tops in rows.values():
        assert max(tops) - min(tops) < 1, tops
    print(f"{width}px {runs} runs {classes} classes: {cards[0]['perRow']} per row, cells "
          f"{cards[0]['cellWidth']:.0f}x{cards[0]['cellHeight']:.0f} px, font {cards[0]['font']}")
    # The metrics table: a column per run, none cut.
    summary = frame.evaluate("""() => { const s = document.querySelector('.summary-card .table-scroll');
      const right = s.getBoundingClientRect().right;
      return {overflow: s.scrollWidth - s.clientWidth,
              cut: [...s.querySelectorAll('th')].filter((th) => th.getBoundingClientRect().right > right + 0.5).length,
              runs: s.querySelectorAll('thead th').length - 1}; }""")
    assert summary == {"overflow": 0, "cut": 0, "runs": runs}
    # A class name cut in a cell-wide header is whole in its tooltip (title) and in the text.
    header = panel.locator(".run-card").first.locator("th.column-name").nth(classes - 1)
    assert header.get_attribute("title") == (DIGITS if tag == "digits" else CATEGORIES)[classes - 1]
    # The share in the top confusions says what it is a share of.
    expect(panel.locator(".run-card").first.locator(".top-confusions .count").first).to_contain_text("% of actual)")
    assert problems == []
    page.close()


def test_above_30_classes_the_matrix_is_the_canvas_within_its_card(layout_tensorboard, browser):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1280, tag="many", runs=RUNS[:2])
    expect(panel.locator(".run-card canvas.matrix-canvas")).to_have_count(2)
    assert panel.locator("table.matrix").count() == 0
    cards = frame.evaluate("""() => [...document.querySelectorAll('.run-card')].map((card) => {
      const c = card.getBoundingClientRect(), s = card.querySelector('.matrix-stage').getBoundingClientRect();
      return [s.left >= c.left, s.right <= c.right, s.width > 400, card.scrollWidth <= card.clientWidth]; })""")
    assert cards == [[True, True, True, True]] * 2
    assert problems == []
    page.close()


def test_a_run_has_one_colour_on_its_chip_card_and_metrics_column(layout_tensorboard, browser):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1280, tag="fraud", runs=RUNS)
    expect(panel.locator("#summary-table thead th .swatch")).to_have_count(4)
    colours = frame.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.run-card')].map((card) => {
      const run = card.getAttribute('aria-label').slice(4);
      const of = (e) => getComputedStyle(e).backgroundColor;
      const chip = document.querySelector(`.run-chips .chip[title="${run}"] .swatch`);
      const column = [...document.querySelectorAll('#summary-table thead th')].find((th) => th.title === run);
      return [run, [of(card.querySelector('h2 .swatch')), of(chip), of(column.querySelector('.swatch'))]]; }))""")
    for run, (on_card, on_chip, in_metrics) in colours.items():
        assert on_card == on_chip == in_metrics, (run, on_card, on_chip, in_metrics)
    assert len({c[0] for c in colours.values()}) == 4  # four runs, four colours
    assert problems == []
    page.close()


def test_binary_per_class_table_keeps_its_support_column(layout_tensorboard, browser):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1000, tag="fraud", runs=RUNS[:2])
    expect(panel.locator("table.matrix .cell")).to_have_count(2 * 4)
    cards = frame.evaluate(MEASURE)
    for card in cards:
        assert card["outside"] == 0 and card["overflowing"] == [] and card["clipped"] == [], card
    support = frame.evaluate("""() => [...document.querySelectorAll('.run-card')].map((card) => {
      const scroller = card.querySelector('.per-class');
      const th = [...scroller.querySelectorAll('thead th')].find((t) => t.textContent === 'Support');
      return th.getBoundingClientRect().right <= scroller.getBoundingClientRect().right + 0.5; })""")
    assert support == [True, True]
    assert problems == []
    page.close()


def test_a_cell_opens_its_examples_beside_the_matrix_without_scrolling(layout_tensorboard, browser):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1280, 800, tag="digits", runs=RUNS)
    wait_for_tables(panel, 10, 4)
    # Scroll so that the second card's matrix is in view, then click one of its cells.
    validation = panel.locator('.run-card[aria-label="Run validation"]')
    frame.evaluate("""() => { const box = document.querySelector('.run-card[aria-label="Run validation"] tbody')
      .getBoundingClientRect(); window.scrollTo(0, window.scrollY + box.top - 120); }""")
    eventually(lambda: frame.evaluate("window.scrollY") > 0, True)
    before = frame.evaluate("window.scrollY")
    cell = validation.locator('.cell[data-true="8"][data-pred="3"]')
    cell.click()
    drawer = panel.locator("#examples")
    expect(drawer).to_be_visible()
    rows = drawer.locator(".examples-table tbody tr")
    rows.first.wait_for()
    assert frame.evaluate("window.scrollY") == before
    box = frame.evaluate("""() => { const b = document.querySelector('#examples').getBoundingClientRect();
      return {top: b.top, bottom: b.bottom, left: b.left, right: b.right, width: innerWidth, height: innerHeight}; }""")
    assert 0 <= box["top"] < box["bottom"] <= box["height"] and 0 <= box["left"] < box["right"] <= box["width"], box
    # The clicked cell stays visible: not under the drawer.
    cell_box = cell.evaluate("(e) => { const b = e.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom]; }")
    assert cell_box[1] <= box["left"] or cell_box[0] >= box["right"], (cell_box, box)
    assert 0 <= cell_box[2] and cell_box[3] <= box["height"]
    expect(panel.locator("#examples-caption")).to_contain_text("validation \u00b7 step 0 \u00b7 actual eight \u2192 predicted three")

    # Each example: id, actual class and its probability, predicted class and its, the runner-up and its.
    heads = drawer.locator(".examples-table thead th").all_text_contents()
    assert heads == ["Example", "Actual", "p", "Predicted", "p", "Runner-up", "p"]
    first = rows.first.locator("td").all_text_contents()
    assert re.fullmatch(r"digits-validation-\d{4}", first[0])
    # a likely label error carries a flag after its actual class (and the row says so)
    flagged = rows.first.get_attribute("data-likely-issue") is not None
    assert first[1] == ("eight \u2691" if flagged else "eight") and first[3] == "three"
    true_p, pred_p, runner_p = float(first[2]), float(first[4]), float(first[6])
    assert first[5] in DIGITS and first[5] != "three"
    assert 0 <= runner_p <= pred_p <= 1 and 0 <= true_p <= pred_p
    page.screenshot(path=str(ARTIFACTS / "layout_drawer_1280.png"))
    # Escape closes it.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert frame.evaluate("window.scrollY") == before
    assert problems == []
    page.close()


def test_the_toolbar_collapses_to_one_line_when_scrolled(layout_tensorboard, browser):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1000, 800, tag="digits", runs=RUNS[:2])
    wait_for_tables(panel, 10, 2)
    toolbar = panel.locator("#toolbar")
    expanded = toolbar.bounding_box()["height"]
    first_cell = frame.evaluate("document.querySelector('.run-card .cell').getBoundingClientRect().top")
    frame.evaluate("window.scrollTo(0, 600)")
    expect(toolbar).to_have_class(re.compile(r"\bcollapsed\b"))
    box = frame.evaluate("""() => { const b = document.querySelector('#toolbar').getBoundingClientRect();
      return {top: b.top, height: b.height}; }""")
    print(f"toolbar at 1000x800: {expanded:.0f} px expanded, {box['height']:.0f} px collapsed; first cell at y={first_cell:.0f}")
    assert box["top"] == 0
    assert box["height"] <= 48, box
    # The step and threshold stay at hand in the one line.
    expect(panel.locator("#step-slider")).to_be_visible()
    expect(panel.locator("#threshold-slider")).to_be_visible()
    # "All controls" shows every row again; back at the top it is the full toolbar.
    panel.locator("#toolbar-more").click()
    expect(panel.locator(".run-chips")).to_be_visible()
    frame.evaluate("window.scrollTo(0, 0)")
    expect(toolbar).not_to_have_class(re.compile(r"\bcollapsed\b"))
    assert abs(toolbar.bounding_box()["height"] - expanded) < 1
    assert problems == []
    page.close()


CONTRAST = """() => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll('.run-card table.matrix .cell')].map((cell) => {
    const style = getComputedStyle(cell);
    const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
    return {text: cell.textContent, diagonal: cell.dataset.true === cell.dataset.pred,
            ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  });
}"""


@pytest.mark.parametrize("dark", [True, False])
def test_cell_counts_have_a_contrast_of_at_least_4_5(layout_tensorboard, browser, dark):
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1280, 900, dark=dark, tag="digits", runs=RUNS)
    wait_for_tables(panel, 10, 4)
    assert frame.evaluate("document.documentElement.dataset.theme") == ("dark" if dark else "light")
    for normalization in ("count", "row"):
        segment = panel.locator(f'.segmented[aria-label="Show"] .segment[data-value="{normalization}"]')
        segment.click()
        expect(segment).to_have_attribute("aria-pressed", "true")  # rendered with the cells, in one frame
        cells = frame.evaluate(CONTRAST)
        assert len(cells) == 4 * 100
        # Small counts on the diagonal (correct cells) are the ones that were hard to read.
        assert any(c["diagonal"] for c in cells)
        low = [c for c in cells if c["ratio"] < 4.5]
        assert low == [], low[:5]
    page.close()
    assert problems == []


def test_screenshots_at_1280_and_1000_in_light_and_dark(layout_tensorboard, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for width, runs in ((1280, 4), (1000, 2)):
        for dark in (False, True):
            page, panel, frame, problems = open_at(browser, layout_tensorboard, width, 800, dark=dark, tag="digits", runs=RUNS[:runs])
            wait_for_tables(panel, 10, runs)
            check_fits(frame, 10, runs)
            page.screenshot(path=str(ARTIFACTS / f"layout_{width}_{'dark' if dark else 'light'}.png"))
            frame.evaluate("window.scrollTo(0, 500)")
            expect(panel.locator("#toolbar")).to_have_class(re.compile(r"\bcollapsed\b"))
            page.screenshot(path=str(ARTIFACTS / f"layout_{width}_{'dark' if dark else 'light'}_scrolled.png"))
            assert problems == []
            page.close()
    page, panel, frame, problems = open_at(browser, layout_tensorboard, 1280, 900, tag="categories", runs=RUNS)
    wait_for_tables(panel, 30, 4)
    page.screenshot(path=str(ARTIFACTS / "layout_1280_30_classes.png"))
    page.close()


def test_an_empty_logdir_shows_only_its_message(tmp_path, browser):
    logdir = tmp_path / "empty"
    logdir.mkdir()
    with running_tensorboard(logdir) as base_url:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(base_url + "/#tb_confusion")
        panel = page.frame_locator("iframe")
        expect(panel.locator(".empty h2")).to_have_text("No confusion data yet", timeout=60_000)
        expect(panel.locator("#summary-table")).to_be_hidden()
        expect(panel.locator(".summary-card")).to_be_hidden()
        expect(panel.locator(".epochs-card")).to_be_hidden()
        expect(panel.locator("#examples")).to_be_hidden()
        expect(panel.locator(".run-card")).to_have_count(0)
        assert problems == []
        page.close()

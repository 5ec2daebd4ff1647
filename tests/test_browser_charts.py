"""The panel's charts in headless Chromium against a real `tensorboard`: run colours, hover values,
legends, the best epoch, the fitted y axis and the ROC/PR zoom (issue 9, items 3 and 4).

Hover values are read from the hover box and compared with the `epochs` route (each step's
headline metrics) and the `report` route with curves=1. Run colours are compared with the swatches
of TensorBoard's own Time Series tab for the same runs. Screenshots go to artifacts/.
"""

import re
import time

import numpy as np
import pytest

import tb_confusion
from tb_confusion.storage.events import EventWriter
from tb_process import get_json, serving
from tensorboard.compat.proto import summary_pb2

from test_browser_e2e import ARTIFACTS, open_panel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

from playwright import sync_api as playwright_api  # noqa: E402
expect = playwright_api.expect

EPOCHS = 5
# TensorBoard orders runs by start time: "test" first, then "validation", then "train" -- neither
# the alphabetical order nor the panel's (train, validation, test).
RUNS = {"test": 1000.0, "validation": 2000.0, "train": 3000.0}
# Separation of the classes per epoch: validation and test peak at epoch 2, train keeps improving.
SEPARATION = {"train": [0.5, 0.8, 1.1, 1.3, 1.5], "validation": [0.4, 0.8, 1.2, 0.95, 0.7], "test": [0.45, 0.85, 1.15, 0.9, 0.65]}
SPECIES = ["cat", "dog", "<b>owl</b>", "bird"]
TIMEOUT = 30_000


def write_chart_logs(logdir):
    rng = np.random.default_rng(11)
    for run, start in RUNS.items():
        with EventWriter(str(logdir / run)) as writer:
            for epoch in range(EPOCHS):
                wall_time = start + epoch
                # A scalar, so that TensorBoard's Time Series tab lists the run with its colour.
                writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0 / (1 + epoch))]),
                                   step=epoch, wall_time=wall_time)
                n = 600
                labels = (rng.random(n) < 0.4).astype(np.int64)
                logits = rng.normal(0, 1, n) + SEPARATION[run][epoch] * (2 * labels - 1)
                scores = (1 / (1 + np.exp(-logits))).astype(np.float32)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "peak", labels, scores, task="binary", class_names=["no", "yes"]), step=epoch, wall_time=wall_time)
                labels = rng.integers(0, len(SPECIES), 400)
                z = rng.normal(0, 1.0, (400, len(SPECIES)))
                z[np.arange(400), labels] += 0.6 + 0.4 * epoch
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "species", labels, p.astype(np.float32), class_names=SPECIES), step=epoch, wall_time=wall_time)


@pytest.fixture(scope="module")
def charts_tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "chart_logs", write_chart_logs) as served:
        yield served


def route(base_url, name, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return get_json(f"{base_url}/data/plugin/tb_confusion/{name}?{query}")


def headline(value):
    """The epochs route's number of a metric: the positive class's for binary, else the macro average."""
    if isinstance(value, dict):
        return value.get("binary", value.get("macro"))
    return value


def epochs_values(base_url, run, tag, metric, threshold=0.5):
    series = route(base_url, "epochs", run=run, tag=tag, threshold=threshold)
    return {entry["step"]: headline(entry["metrics"][metric]) for entry in series if entry.get("metrics")}


def wait_until(read, accept=bool, timeout=30.0):
    """Poll read() until accept(value) holds; return that value (fail with the last one)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if accept(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r}"
        time.sleep(0.05)


def open_charts(browser, base_url, *, dark=False):  # noqa: F811
    page, panel, problems = open_panel(browser, base_url, dark=dark)
    expect(panel.locator("#tag-select")).to_have_value("peak", timeout=TIMEOUT)
    expect(panel.locator(".epochs-card .chart-legend .legend-item")).to_have_count(len(RUNS), timeout=TIMEOUT)
    expect(panel.locator(".epochs-card .chart.stale")).to_have_count(0, timeout=TIMEOUT)
    return page, panel, problems


def to_pixel(chart, x, y):
    return chart.evaluate("(element, [x, y]) => element.tbChart.toPixel(x, y)", [x, y])


def chart_view(chart):
    return chart.evaluate("(element) => element.tbChart.view()")


def hover(chart, x, y):
    point = to_pixel(chart, x, y)
    chart.locator(".chart-overlay").hover(position={"x": point["x"], "y": point["y"]})


def tip_rows(chart):
    return chart.locator(".chart-tip .chart-tip-row").evaluate_all(
        "(rows) => rows.map((row) => ({...row.dataset, text: row.querySelector('.chart-tip-value').textContent}))")


def legend_colors(panel, card):
    items = panel.locator(f"{card} .legend-item")
    return dict(zip(items.evaluate_all("(items) => items.map((item) => item.dataset.run)"),
                    items.evaluate_all("(items) => items.map((item) => item.dataset.color)")))


def test_hover_on_the_epochs_chart_reads_every_run_at_a_step(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, problems = open_charts(browser, base_url)
    expect(panel.locator("#epoch-metric")).to_have_value("f1")
    chart = panel.locator(".epochs-card .chart")
    expected = {run: epochs_values(base_url, run, "peak", "f1") for run in RUNS}
    for step in (0, 2, 4):
        hover(chart, step, expected["train"][step])
        expect(chart.locator(".chart-tip")).to_be_visible()
        expect(chart.locator(".chart-tip-title")).to_have_text(f"step {step}")
        rows = {row["run"]: row for row in tip_rows(chart)}
        assert set(rows) == set(RUNS)
        for run in RUNS:
            assert float(rows[run]["value"]) == pytest.approx(expected[run][step], abs=1e-12), (run, step)
            assert rows[run]["text"] == f"{expected[run][step]:.4f}"

    # The keyboard reaches the same values: focus the chart, Home / arrows walk the steps, and the
    # panel's own arrow keys (which change the step) stay quiet while the chart has the focus.
    step_label = panel.locator("#step-label").text_content()
    page.mouse.move(0, 0)
    chart.focus()
    page.keyboard.press("Home")
    expect(chart.locator(".chart-tip-title")).to_have_text("step 0")
    page.keyboard.press("ArrowRight")
    expect(chart.locator(".chart-tip-title")).to_have_text("step 1")
    rows = {row["run"]: row for row in tip_rows(chart)}
    assert rows["validation"]["text"] == f"{expected['validation'][1]:.4f}"
    assert panel.locator("#step-label").text_content() == step_label
    page.keyboard.press("Escape")
    expect(chart.locator(".chart-tip")).to_be_hidden()
    assert not problems["errors"] and not problems["dialogs"]


@pytest.mark.parametrize("metric, higher", [("f1", True), ("accuracy", True), ("log_loss", False), ("brier_score", False)])
def test_best_epoch_ring_sits_on_the_best_step(charts_tensorboard, browser, metric, higher):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, _ = open_charts(browser, base_url)
    panel.locator("#epoch-metric").select_option(metric)
    chart = panel.locator(".epochs-card .chart")
    expect(chart).not_to_have_class(re.compile(r"\bstale\b"), timeout=TIMEOUT)
    for run in RUNS:
        values = epochs_values(base_url, run, "peak", metric)
        best_value = (max if higher else min)(values.values())
        best_step = min(step for step, value in values.items() if value == best_value)
        if run == "validation" and metric in ("f1", "accuracy"):
            assert best_step not in (0, EPOCHS - 1), "the fixture's validation peaks inside the range"
        item = panel.locator(f'.epochs-card .legend-item[data-run="{run}"]')
        expect(item).to_have_attribute("data-best-step", str(best_step), timeout=TIMEOUT)
        assert item.locator(".legend-values").text_content() == f"best {best_value:.4f} at step {best_step}"
        pin = chart.locator(f'.chart-pin[data-run="{run}"]')
        assert int(float(pin.get_attribute("data-x"))) == best_step
        assert float(pin.get_attribute("data-y")) == pytest.approx(best_value, abs=1e-12)
        # The ring is drawn where the hover reads that step and that value.
        box, chart_box = pin.bounding_box(), chart.bounding_box()
        centre = {"x": box["x"] + box["width"] / 2 - chart_box["x"], "y": box["y"] + box["height"] / 2 - chart_box["y"]}
        expected_centre = to_pixel(chart, best_step, best_value)
        assert centre["x"] == pytest.approx(expected_centre["x"], abs=2.5)
        assert centre["y"] == pytest.approx(expected_centre["y"], abs=2.5)
        chart.locator(".chart-overlay").hover(position=centre)
        expect(chart.locator(".chart-tip-title")).to_have_text(f"step {best_step}")
        row = chart.locator(f'.chart-tip-row[data-run="{run}"]')
        assert float(row.get_attribute("data-value")) == pytest.approx(best_value, abs=1e-12)
    word = "highest" if higher else "lowest"
    expect(panel.locator(".epochs-card .note")).to_contain_text(f"best epoch ({word} ")


def test_y_axis_fits_the_values_and_toggles_back_to_zero_one(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, _ = open_charts(browser, base_url)
    panel.locator("#epoch-metric").select_option("accuracy")
    chart = panel.locator(".epochs-card .chart")
    per_run = {run: epochs_values(base_url, run, "peak", "accuracy") for run in RUNS}
    values = [v for run_values in per_run.values() for v in run_values.values()]
    # Drawn: the legend's best values are accuracy's.
    for run, run_values in per_run.items():
        item = panel.locator(f'.epochs-card .legend-item[data-run="{run}"]')
        wait_until(lambda: float(item.get_attribute("data-best-value") or "nan"),
                   lambda value: abs(value - max(run_values.values())) < 1e-12)
    low, high = chart_view(chart)["y"]
    assert low <= min(values) and max(values) <= high <= 1
    assert high - low < 0.8 * (1 - 0), "fitted: tighter than 0 to 1"
    panel.locator("#epoch-fit-y").uncheck()
    assert wait_until(lambda: chart_view(chart)["y"], lambda y: y[0] == 0) == [0, 1]
    panel.locator("#epoch-fit-y").check()
    assert wait_until(lambda: chart_view(chart)["y"], lambda y: y[0] > 0) == [low, high]


def test_roc_hover_matches_the_report_route_at_that_threshold(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, _ = open_charts(browser, base_url)
    roc = panel.locator(".curves-card .chart").first
    expect(panel.locator(".curves-card .legend-item")).to_have_count(len(RUNS), timeout=TIMEOUT)
    checked = 0
    for x, y in ((0.1, 0.8), (0.3, 0.95), (0.02, 0.4)):
        hover(roc, x, y)
        rows = wait_until(lambda: tip_rows(roc), lambda rows: len(rows) == len(RUNS))
        for row in rows:
            if not row["threshold"]:
                continue  # the (0, 0) corner: above every score
            step = get_json(f"{base_url}/data/plugin/tb_confusion/steps?run={row['run']}&tag=peak")[-1]["step"]
            report = route(base_url, "report", run=row["run"], tag="peak", step=step, threshold=row["threshold"], curves=1)
            point = report["curves"]["roc"][0]["operating_point"]
            assert float(row["x"]) == pytest.approx(point["fpr"], abs=1e-12), row
            assert float(row["y"]) == pytest.approx(point["tpr"], abs=1e-12), row
            assert row["text"].startswith(f"{point['fpr']:.4f} \u00b7 {point['tpr']:.4f} \u00b7 ")
            checked += 1
    assert checked >= 6
    # The legend's AUC is the positive class's, the Metrics table's number.
    for run in RUNS:
        step = get_json(f"{base_url}/data/plugin/tb_confusion/steps?run={run}&tag=peak")[-1]["step"]
        report = route(base_url, "report", run=run, tag="peak", step=step)
        item = panel.locator(f'.curves-card .legend-item[data-run="{run}"]')
        assert float(item.get_attribute("data-auc")) == pytest.approx(report["metrics"]["roc_auc"]["binary"], abs=1e-9)
    expect(panel.locator(".curves-scope")).to_contain_text("Positive class \u201cyes\u201d")


def test_multiclass_curves_name_their_class_and_the_tables_average(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, problems = open_charts(browser, base_url)
    panel.locator("#tag-select").select_option("species")
    panel.locator("#curve-class").select_option("2")
    expect(panel.locator(".curves-scope")).to_contain_text("class \u201c<b>owl</b>\u201d (one-vs-rest", timeout=TIMEOUT)
    expect(panel.locator(".curves-scope")).to_contain_text("macro average over every class")
    expect(panel.locator(".curves-card .legend-title")).to_have_text("AUC and AP of \u201c<b>owl</b>\u201d vs the rest")
    assert panel.locator(".curves-card b").count() == 0, "class names are text"
    reports = {}
    for run in RUNS:
        step = get_json(f"{base_url}/data/plugin/tb_confusion/steps?run={run}&tag=species")[-1]["step"]
        reports[run] = route(base_url, "report", run=run, tag="species", step=step, curves=1)
        item = panel.locator(f'.curves-card .legend-item[data-run="{run}"]')
        expect(item).to_have_attribute("data-auc", re.compile(r"^0\.\d+"), timeout=TIMEOUT)
        auc = reports[run]["metrics"]["roc_auc"]
        assert float(item.get_attribute("data-auc")) == pytest.approx(auc["per_class"][2], abs=1e-9)
        assert abs(auc["per_class"][2] - auc["macro"]) > 1e-6, "the fixture tells the two apart"
    # The Metrics table's ROC AUC is the macro average (its columns: the panel's runs in order).
    runs_on_page = panel.locator("#summary-table thead th[title]").evaluate_all("(cells) => cells.map((c) => c.title)")
    cells = panel.locator('#summary-table tr[data-metric="roc_auc"] td')
    for column, run in enumerate(runs_on_page):
        expect(cells.nth(column)).to_have_text(f"{reports[run]['metrics']['roc_auc']['macro']:.4f}")
    # Hover values are points of the report's one-vs-rest curve of that class.
    roc = panel.locator(".curves-card .chart").first
    hover(roc, 0.2, 0.6)
    rows = wait_until(lambda: tip_rows(roc), lambda rows: len(rows) == len(RUNS))
    for row in rows:
        curve = reports[row["run"]]["curves"]["roc"][2]
        points = list(zip(curve["fpr"], curve["tpr"], curve["thresholds"]))
        threshold = float(row["threshold"]) if row["threshold"] else None
        assert (float(row["x"]), float(row["y"]), threshold) in points, row
    assert not problems["errors"] and not problems["dialogs"]


def test_drag_zooms_the_roc_chart_and_double_click_resets_it(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, _ = open_charts(browser, base_url)
    for index in (0, 1):  # ROC, then precision-recall
        chart = panel.locator(".curves-card .chart").nth(index)
        expect(chart.locator(".chart-reset")).to_be_hidden()
        assert chart_view(chart) == {"x": [0, 1], "y": [0, 1]}
        box = chart.bounding_box()
        start, end = to_pixel(chart, 0.05, 0.98), to_pixel(chart, 0.35, 0.7)
        page.mouse.move(box["x"] + start["x"], box["y"] + start["y"])
        page.mouse.down()
        page.mouse.move(box["x"] + (start["x"] + end["x"]) / 2, box["y"] + (start["y"] + end["y"]) / 2)
        page.mouse.move(box["x"] + end["x"], box["y"] + end["y"])
        page.mouse.up()
        view = wait_until(lambda: chart_view(chart), lambda v: v["x"] != [0, 1])
        assert view["x"] == pytest.approx([0.05, 0.35], abs=0.01)
        assert view["y"] == pytest.approx([0.7, 0.98], abs=0.01)
        expect(chart.locator(".chart-reset")).to_be_visible()
        # Hover reads points inside the zoomed window.
        hover(chart, 0.2, 0.85)
        for row in wait_until(lambda: tip_rows(chart), len):
            assert view["x"][0] - 1e-9 <= float(row["x"]) <= view["x"][1] + 1e-9, row
            assert view["y"][0] - 1e-9 <= float(row["y"]) <= view["y"][1] + 1e-9, row
        # A threshold step redraws the markers, not the zoom.
        panel.locator("#threshold-slider-value").fill("0.3")
        panel.locator("#threshold-slider-value").press("Enter")
        assert chart_view(chart)["x"] == view["x"]
        chart.locator(".chart-overlay").dblclick(position={"x": box["width"] / 2, "y": box["height"] / 2})
        assert wait_until(lambda: chart_view(chart), lambda v: v["x"] == [0, 1]) == {"x": [0, 1], "y": [0, 1]}
        expect(chart.locator(".chart-reset")).to_be_hidden()
    # The Reset zoom button does the same.
    roc = panel.locator(".curves-card .chart").first
    roc.evaluate("(element) => element.tbChart.zoomTo([0, 0.5], [0.5, 1])")
    roc.locator(".chart-reset").click()
    assert wait_until(lambda: chart_view(roc), lambda v: v["x"] == [0, 1])["y"] == [0, 1]
    # And the keyboard: + zooms in around the crosshair, - out, 0 resets.
    page.mouse.move(0, 0)
    roc.focus()
    page.keyboard.press("+")
    view = wait_until(lambda: chart_view(roc), lambda v: v["x"] != [0, 1])
    assert view["x"][1] - view["x"][0] == pytest.approx(0.5) and view["y"][1] - view["y"][0] == pytest.approx(0.5)
    def width():
        x = chart_view(roc)["x"]
        return x[1] - x[0]
    page.keyboard.press("+")
    assert wait_until(width, lambda w: w < 0.3) == pytest.approx(0.25)
    page.keyboard.press("-")
    assert wait_until(width, lambda w: w > 0.3) == pytest.approx(0.5)
    page.keyboard.press("0")
    assert wait_until(lambda: chart_view(roc), lambda v: v["x"] == [0, 1]) == {"x": [0, 1], "y": [0, 1]}
    # Zoomed out past the whole curve: back to 0 to 1, no further.
    page.keyboard.press("+")
    wait_until(lambda: chart_view(roc), lambda v: v["x"] != [0, 1])
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert wait_until(lambda: chart_view(roc), lambda v: v["x"] == [0, 1]) == {"x": [0, 1], "y": [0, 1]}
    expect(roc.locator(".chart-reset")).to_be_hidden()


def rgb(hex_color):
    value = hex_color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i:i + 2], 16) for i in (0, 2, 4)))


def test_run_colours_are_tensorboards_and_survive_deselecting_a_run(charts_tensorboard, browser):  # noqa: F811
    base_url, _ = charts_tensorboard
    assert get_json(f"{base_url}/data/runs") == list(RUNS), "TensorBoard's order: by start time"
    # TensorBoard's own Time Series tab: the swatch of each run in its runs table.
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base_url + "/#timeseries")
    swatches = page.locator("button.run-color-swatch")
    expect(swatches).to_have_count(len(RUNS), timeout=TIMEOUT)
    tensorboard_colors = dict(swatches.evaluate_all("""(buttons) => buttons.map((button) => {
      let row = button;
      while (row.parentElement && !row.textContent.trim()) row = row.parentElement;
      return [row.textContent.trim(), getComputedStyle(button).backgroundColor];
    })"""))
    assert set(tensorboard_colors) == set(RUNS)
    assert len(set(tensorboard_colors.values())) == len(RUNS)
    page.close()

    page, panel, _ = open_charts(browser, base_url)
    for card in (".epochs-card", ".curves-card"):
        colors = wait_until(lambda: legend_colors(panel, card), lambda c: len(c) == len(RUNS))
        assert {run: rgb(color) for run, color in colors.items()} == tensorboard_colors, card
    before = legend_colors(panel, ".curves-card")
    # Deselect "train" (the panel's first run): the others keep their colours.
    panel.locator('.run-chips .chip[title="train"]').click()
    expect(panel.locator(".curves-card .legend-item")).to_have_count(len(RUNS) - 1, timeout=TIMEOUT)
    expect(panel.locator(".epochs-card .legend-item")).to_have_count(len(RUNS) - 1, timeout=TIMEOUT)
    for card in (".epochs-card", ".curves-card"):
        assert legend_colors(panel, card) == {run: before[run] for run in ("validation", "test")}, card
    # The lines are drawn in those colours too.
    series = panel.locator(".curves-card .chart").first.evaluate(
        "(element) => Object.fromEntries(element.tbChart.series().map((s) => [s.label, s.color]))")
    assert series == {run: before[run] for run in ("validation", "test")}
    # And the swatches elsewhere: run chips, run cards, the Metrics table's columns.
    background = "(element) => getComputedStyle(element).backgroundColor"
    for run in ("validation", "test"):
        expected = rgb(before[run])
        expect(panel.locator(f'.run-chips .chip[title="{run}"] .swatch')).to_have_css("background-color", expected)
        expect(panel.locator(f'.run-card[aria-label="Run {run}"] h2 .swatch')).to_have_css("background-color", expected)
        expect(panel.locator(f'#summary-table th[title="{run}"] .swatch')).to_have_css("background-color", expected)
        assert panel.locator(f'.run-chips .chip[title="{run}"] .swatch').evaluate(background) == tensorboard_colors[run]


@pytest.mark.parametrize("dark", [False, True])
def test_charts_screenshot_light_and_dark(charts_tensorboard, browser, dark):  # noqa: F811
    base_url, _ = charts_tensorboard
    page, panel, _ = open_charts(browser, base_url, dark=dark)
    expect(panel.locator("html")).to_have_attribute("data-theme", "dark" if dark else "light")
    # TensorBoard's palette in that theme: "test" (its first run) is slate, lighter in dark mode.
    expect(panel.locator('.curves-card .legend-item[data-run="test"]')).to_have_attribute(
        "data-color", "#8e98a3" if dark else "#425066", timeout=TIMEOUT)
    chart = panel.locator(".epochs-card .chart")
    hover(chart, 2, float(panel.locator('.epochs-card .legend-item[data-run="validation"]').get_attribute("data-best-value")))
    expect(chart.locator(".chart-tip-title")).to_have_text("step 2")
    ARTIFACTS.mkdir(exist_ok=True)
    curves = panel.locator(".curves-card")
    curves.scroll_into_view_if_needed()
    panel.locator(".epochs-card").screenshot(path=str(ARTIFACTS / f"charts_epochs_{'dark' if dark else 'light'}.png"))
    hover(panel.locator(".curves-card .chart").first, 0.1, 0.8)
    curves.screenshot(path=str(ARTIFACTS / f"charts_curves_{'dark' if dark else 'light'}.png"))
    page.screenshot(path=str(ARTIFACTS / f"charts_{'dark' if dark else 'light'}.png"), full_page=True)

"""Compact steps in headless Chromium against a real tensorboard: the same predictions (N=20k, C=300, 2
epochs, example ids) written twice, run `exact` with storage="exact" and run `compact` with
storage="compact". The compact run's matrix, cutoff matrices, threshold metrics and a cell's examples equal
the exact run's; its ROC AUC is within the bound its report states; the calibration card offers the top-1
diagram only while a compact step is shown; no request fails and the console stays clean. At C=300 both
runs' cells travel sparse (non-empty cells only); at C=1000 that answer is far smaller than the dense one."""

import json
import re

import numpy as np
import pytest
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, card, eventually, expect

import tb_confusion
from tb_confusion.report import build_report
from tb_confusion.server import json_http, panel_data
from tb_confusion.server.packed import unpack
from tb_confusion.storage import metadata, payload
from tb_confusion.storage.events import EventWriter
from tb_confusion.tasks import panel_parts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N, C, EPOCHS = 20_000, 300, 2
NAMES = [f"k{k:03d}" for k in range(C)]
IDS = [f"ex-{i:05d}" for i in range(N)]
# A pair of classes often confused, so one off-diagonal cell near the matrix's corner holds many examples.
CONFUSED = (1, 2)
CUTOFFS = (0.3, 0.6)
# What a compact step keeps binned or to float32: not compared for equality.
BINNED = {"roc_auc", "average_precision", "brier_score"}


def predictions(rng, epoch, n=N, c=C):
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)).astype(np.float32) * 1.5
    logits[np.arange(n), labels] += 2.5 + 1.5 * epoch
    confused = np.flatnonzero((labels == CONFUSED[0]) & (rng.random(n) < 0.6))
    logits[confused, CONFUSED[1]] += 6.0
    p = np.exp(logits - logits.max(1, keepdims=True))
    return labels, (p / p.sum(1, keepdims=True)).astype(np.float32)


def write_logs(logdir):
    rng = np.random.default_rng(31)
    with EventWriter(str(logdir / "exact")) as exact, EventWriter(str(logdir / "compact")) as compact:
        for epoch in range(EPOCHS):
            labels, p = predictions(rng, epoch)
            for writer, storage in ((exact, "exact"), (compact, "compact")):
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "classes", labels, p, class_names=NAMES, example_ids=IDS, storage=storage), step=epoch)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "compact_logs", write_logs) as served:
        yield served


def open_watched(browser, base_url):  # noqa: F811
    """The panel (browser_watch.open_watched) with its frame, for the app's debug hook."""
    page, panel, problems = browser_watch.open_watched(browser, base_url, width=1500,
                                                       ready=".run-card canvas.matrix-canvas", timeout=60_000)
    frame = next(f for f in page.frames if "plugin_entry.html" in f.url)
    return page, panel, frame, problems


def shown_matrices(frame):
    """{run: (step, matrix)} as the last render drew them (app.js's debug hook)."""
    return {v["run"]: (v["step"], v["matrix"]) for v in frame.evaluate("window.tbConfusion.views()")}


def summary_values(panel):
    """{run: {metric: text}} of the Metrics table."""
    runs = [th.get_attribute("title") for th in panel.locator("#summary-table thead th[title]").all()]
    values = {run: {} for run in runs}
    for row in panel.locator("#summary-table tbody tr").all():
        for run, cell in zip(runs, row.locator("td").all_text_contents(), strict=True):
            values[run][row.get_attribute("data-metric")] = cell
    return values


def set_cutoff(panel, value):
    box = panel.locator("#threshold-slider-value")
    box.fill(str(value))
    box.press("Enter")


def toggle_run(frame, panel, run):
    """Click run's chip in the toolbar (scrolled to the top first: scrolled past, the toolbar collapses)."""
    frame.evaluate("window.scrollTo(0, 0)")
    panel.locator(f'.run-chips .chip[title="{run}"]').click()


def drawer_ids(panel):
    return panel.locator("#examples .examples-table .example-id").all_text_contents()


def click_cell(page, panel, run, true, pred):
    """Click cell (true, pred) of run's canvas matrix at the 12 px zoom (the classes as logged)."""
    viewport = card(panel, run).locator(".matrix-viewport")
    zoom_in = card(panel, run).get_by_role("button", name="Zoom in")
    label = card(panel, run).locator(".zoom-label")
    for _ in range(12):
        if label.text_content() == "12px":
            break
        zoom_in.click()
    expect(label).to_have_text("12px")
    box = viewport.bounding_box()
    # LABEL_WIDTH, LABEL_HEIGHT in matrix_canvas_view.js; the viewport is scrolled to its top left
    page.mouse.click(box["x"] + 132 + (pred + 0.5) * 12, box["y"] + 96 + (true + 0.5) * 12)


def test_a_compact_run_shows_what_the_exact_run_shows(tensorboard, browser):  # noqa: F811
    base_url, logdir = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion"
    last = EPOCHS - 1
    (exact_record,) = tb_confusion.read(str(logdir), run="exact", tag="classes", step=last)
    expected = build_report(exact_record)
    stats = {run: get_json(f"{route}/stats?run={run}&tag=classes&step={last}") for run in ("exact", "compact")}
    assert stats["exact"]["storage"] == "exact" and stats["compact"]["storage"] == "compact"
    assert "cells" in stats["exact"]["multiclass"] and "cells" in stats["compact"]["multiclass"]  # sparse at C=300
    assert stats["exact"]["multiclass"] == stats["compact"]["multiclass"]
    bounds = stats["compact"]["report"]["binned"]["roc_auc_error_bound"]

    page, panel, frame, problems = open_watched(browser, base_url)
    expect(panel.locator("#step-label")).to_have_text(re.compile(rf"^{last} "))
    # The matrix at the argmax: both runs draw build_report's of the exact step.
    eventually(lambda: shown_matrices(frame), {"exact": (last, expected["confusion_matrix"]),
                                               "compact": (last, expected["confusion_matrix"])}, timeout=30)

    # Threshold metrics: the same text in both columns, the exact report's; ROC AUC within the bound.
    def metrics_match():
        values = summary_values(panel)
        return values.get("compact") and {k: v for k, v in values["compact"].items() if k not in BINNED} == \
            {k: v for k, v in values["exact"].items() if k not in BINNED}
    eventually(metrics_match, True, timeout=15)
    values = summary_values(panel)
    assert values["exact"]["accuracy"] == f"{expected['metrics']['accuracy']:.4f}"
    macro = expected["metrics"]["roc_auc"]["macro"]
    assert abs(float(values["compact"]["roc_auc"]) - macro) <= max(bounds) + 5e-5
    assert abs(float(values["exact"]["roc_auc"]) - macro) <= 5e-5
    expect(panel.locator(".summary-card .note")).to_contain_text("one-vs-rest curves are binned, AUC within \u00b1")

    # The curves of class 0 (the default) and each run's AUC: the compact one within class 0's bound.
    legend = panel.locator(".curves-legend")
    eventually(lambda: legend.locator('li[data-run="compact"]').get_attribute("data-auc") not in (None, ""), True)
    exact_auc = float(legend.locator('li[data-run="exact"]').get_attribute("data-auc"))
    compact_auc = float(legend.locator('li[data-run="compact"]').get_attribute("data-auc"))
    assert exact_auc == pytest.approx(expected["metrics"]["roc_auc"]["per_class"][0], abs=1e-12)
    assert abs(compact_auc - exact_auc) <= bounds[0] + 1e-12
    note = panel.locator("#curves-binned")
    expect(note).to_be_visible()
    bound_text = note.text_content().rsplit("\u00b1", 1)[1]
    assert note.text_content().startswith("compact step (compact): one-vs-rest curves are binned, AUC within \u00b1")
    assert max(bounds) <= float(bound_text) < 10 * max(bounds)
    # Another class: its curves come from the curves route when it is chosen.
    panel.locator("#curve-class").select_option("7")
    item = legend.locator('li[data-run="exact"]')
    eventually(lambda: item.get_attribute("data-auc") not in (None, "", str(exact_auc)), True, timeout=15)
    assert float(item.get_attribute("data-auc")) == pytest.approx(expected["metrics"]["roc_auc"]["per_class"][7], abs=1e-12)
    assert float(item.get_attribute("data-ap")) == pytest.approx(
        expected["metrics"]["average_precision"]["per_class"][7], abs=1e-12)

    # Calibration: top-1 only while the compact step is shown, for both runs alike, the same ECE.
    expect(panel.locator("#calibration-fixed")).to_have_text("compact step: top-1 calibration only")
    expect(panel.locator("#calibration-class")).to_be_hidden()
    expect(panel.locator("#calibration-temperature")).to_be_hidden()
    expect(panel.locator("#calibration-bins")).to_be_enabled()
    panel.locator("#calibration-equal-mass").click()
    items = {run: panel.locator(f'#calibration-legend li[data-run="{run}"]') for run in ("exact", "compact")}
    for item in items.values():
        expect(item).to_have_attribute("data-strategy", "equal_mass", timeout=15_000)
    assert items["compact"].get_attribute("data-ece") == items["exact"].get_attribute("data-ece")
    assert float(items["exact"].get_attribute("data-ece")) == pytest.approx(
        expected["metrics"]["adaptive_ece"], abs=1e-12)
    # The exact run alone offers one class against the rest again; the compact run back hides it.
    toggle_run(frame, panel, "compact")
    expect(panel.locator("#calibration-class")).to_be_visible()
    expect(panel.locator("#calibration-fixed")).to_be_hidden()
    expect(note).to_be_hidden()
    panel.locator("#calibration-class").select_option("1")
    expect(panel.locator("#calibration .calibration-scope")).to_contain_text("\u201ck001\u201d", timeout=15_000)
    toggle_run(frame, panel, "compact")
    expect(panel.locator("#calibration-class")).to_be_hidden()
    expect(panel.locator("#calibration-fixed")).to_be_visible()
    for item in items.values():
        expect(item).to_have_attribute("data-strategy", "equal_mass", timeout=15_000)
    expect(panel.locator("#calibration .calibration-scope")).to_contain_text("top probability")

    # Two cutoffs: both runs draw the exact step's cutoff matrix, "below cutoff" column included.
    for cutoff in CUTOFFS:
        set_cutoff(panel, cutoff)
        at = build_report(exact_record, cutoff=cutoff)["confusion_matrix"]
        assert len(at[0]) == C + 1
        eventually(lambda: shown_matrices(frame), {"exact": (last, at), "compact": (last, at)}, timeout=15)
        eventually(metrics_match, True, timeout=15)

    # A cell's examples: the same ids in the same order in both runs, the route's for the exact step.
    set_cutoff(panel, 0)
    true, pred = CONFUSED
    assert expected["confusion_matrix"][true][pred] > 25
    page_of = get_json(f"{route}/examples?run=exact&tag=classes&step={last}&true={true}&pred={pred}&offset=0&limit=25")
    listed = {}
    for run in ("compact", "exact"):
        click_cell(page, panel, run, true, pred)
        expect(panel.locator("#examples-caption")).to_contain_text("actual k001 \u2192 predicted k002")
        eventually(lambda: drawer_ids(panel), [e["id"] for e in page_of["examples"]], timeout=15)
        listed[run] = drawer_ids(panel)
        panel.locator("#examples-close").click()
    assert listed["compact"] == listed["exact"] and len(listed["exact"]) == 25

    # The other epoch: the same again.
    panel.locator("#step-slider").fill("0")
    (first_record,) = tb_confusion.read(str(logdir), run="exact", tag="classes", step=0)
    first = build_report(first_record)["confusion_matrix"]
    eventually(lambda: shown_matrices(frame), {"exact": (0, first), "compact": (0, first)}, timeout=30)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compact.png"))

    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()


def _matrix_at(multiclass, c, cutoff):
    """The browser's lookup (frontend/src/lookups.js) in Python, for either form of the cells."""
    cells = multiclass.get("cells", range(c * c))
    offsets, scores, totals = multiclass["cell_offsets"], np.asarray(multiclass["top_scores"]), multiclass["cell_totals"]
    matrix = np.zeros((c, c + 1))
    for k, cell in enumerate(cells):
        start, stop = offsets[k], offsets[k + 1]
        kept = stop - start - int(np.searchsorted(scores[start:stop], cutoff, side="left"))
        matrix[cell // c, cell % c] = kept
        matrix[cell // c, c] += totals[k] - kept
    return matrix if cutoff > 0 else matrix[:, :c]


def test_stats_at_1000_classes_send_the_non_empty_cells_only(monkeypatch):
    rng = np.random.default_rng(5)
    labels, p = predictions(rng, 1, n=10_000, c=1000)
    value = tb_confusion.summary.predictions_pb("classes", labels, p, class_names=[f"k{k}" for k in range(1000)],
                                                storage="compact").value[0]
    record = payload.decode(value.tensor.string_val[0], metadata.parse_plugin_data(value.metadata.plugin_data.content))
    assert panel_data.stats(record, build_report(record))["storage"] == "compact"
    report = build_report(record, curves=True)
    sparse_body = json_http.json_bytes(panel_data.stats(record, report))
    monkeypatch.setattr(panel_parts, "SPARSE_FROM_CLASSES", 10**6)  # the dense form, as before
    dense_body = json_http.json_bytes(panel_data.stats(record, report))
    sparse, dense = unpack(json.loads(sparse_body)), unpack(json.loads(dense_body))
    mc = sparse["multiclass"]
    assert len(dense["multiclass"]["cell_offsets"]) == 1000 * 1000 + 1 and "cells" not in dense["multiclass"]
    assert len(mc["cells"]) == len(mc["cell_totals"]) == len(mc["cell_offsets"]) - 1 < 30_000
    # the cells' part of the answer (packed arrays) and the whole answer
    assert len(json.dumps(json.loads(sparse_body)["multiclass"])) * 10 < len(json.dumps(json.loads(dense_body)["multiclass"]))
    assert len(sparse_body) < len(dense_body) - 5_000_000
    for cutoff in (0, 0.3, 0.6):
        at = _matrix_at(mc, 1000, cutoff)
        assert np.array_equal(at, _matrix_at(dense["multiclass"], 1000, cutoff))
        assert np.array_equal(at, build_report(record, cutoff=cutoff or None)["confusion_matrix"])

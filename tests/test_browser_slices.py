"""Slices in headless Chromium against a real tensorboard: the toolbar's "only this slice" picker makes every view
ask for the slice (the matrix and metrics equal the report route with the same slice and scikit-learn on that
subset; the examples drawer lists only the slice's ids; the over-epochs request carries it), a reload keeps it,
the Slices card's rows equal the `slices` route and a click on one selects it, a hostile attribute value is text,
and a compact step says slices need exact storage."""

import re
import urllib.parse
import zlib

import browser_watch
import numpy as np
import pytest
import sklearn.metrics as sk
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, eventually, expect, number

import tb_confusion
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 600
CLASSES = ["cat", "dog", "fox", "owl"]
HOSTILE = "<img src=x onerror=alert(1)>"
SOURCES = ["web", "scan", "fax", HOSTILE]
STEPS = (0, 1, 2)
PLUGIN = "/data/plugin/tb_confusion"


def data(run, step):
    """(labels, probabilities, ids, source, night) of `run` at `step`: scans are noisier, the hostile source
    has 12 examples (a small slice)."""
    rng = np.random.default_rng([zlib.crc32(run.encode()), step])  # not hash(): it changes with each process
    y = rng.integers(0, len(CLASSES), N)
    source = np.array(rng.choice(SOURCES[:3], N, p=[0.5, 0.3, 0.2]), dtype=object)
    source[rng.choice(N, 12, replace=False)] = HOSTILE
    noise = np.where(source == "scan", 2.2, 0.9)[:, None]
    z = rng.normal(0, 1, (N, len(CLASSES))) * noise + (1.0 + 0.4 * step) * np.eye(len(CLASSES))[y]
    p = np.exp(z - z.max(1, keepdims=True))
    p = (p / p.sum(1, keepdims=True)).astype(np.float32)
    ids = [f"{run}-{k}" for k in range(N)]
    night = np.arange(N) % 3 == 0
    return y, p, ids, source.astype(str), night


def write_logs(logdir):
    for run in ("train", "validation"):
        with EventWriter(str(logdir / run)) as writer:
            for step in STEPS:
                y, p, ids, source, night = data(run, step)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "digits", y, p, class_names=CLASSES, example_ids=ids,
                    attributes={"source": source, "night": night}), step=step)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "compact", y, p, class_names=CLASSES, storage="compact", attributes={"source": source}), step=2)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "slices_logs", write_logs) as served:
        yield served


def route(base_url, name, **params):
    query = urllib.parse.urlencode(params, doseq=True)
    return get_json(f"{base_url}{PLUGIN}/{name}?{query}")


def card(panel, run):
    return panel.locator(f'.run-card[aria-label="Run {run}"]')


def matrix_on_page(panel, run):
    texts = card(panel, run).locator(".cell").all_text_contents()
    size = len(CLASSES)
    if len(texts) != size * size:
        return None
    return [[number(t) for t in texts[i * size:(i + 1) * size]] for i in range(size)]


def summary_value(panel, metric, column):
    return panel.locator(f'#summary-table tr[data-metric="{metric}"] td').nth(column).text_content()


def test_only_this_slice_is_followed_by_every_view_and_kept_on_reload(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    panel.locator("#tag-select").select_option("digits")
    picker = panel.locator("#slice-picker")
    source_select = picker.locator('select[data-attribute="source"]')
    source_select.wait_for(timeout=20_000)
    # Each value with its examples at the shown step (the first selected run's): the attributes route.
    attributes = route(base_url, "attributes", run="train", tag="digits", step=2)
    source_info = next(a for a in attributes["attributes"] if a["name"] == "source")
    options = source_select.locator("option").all_text_contents()
    assert options[0] == f"all ({N})"
    assert options[1:] == [f"{v} ({c})" for v, c in zip(source_info["values"], source_info["counts"])]
    assert f"{HOSTILE} (12)" in options  # the hostile value, as text

    source_select.select_option("source=scan")
    for column, run in enumerate(["train", "validation"]):
        y, p, ids, source, _ = data(run, 2)
        keep = source == "scan"
        expected = sk.confusion_matrix(y[keep], p[keep].argmax(1), labels=range(len(CLASSES))).tolist()
        report = route(base_url, "report", run=run, tag="digits", step=2, slice="source=scan")
        assert report["confusion_matrix"] == expected
        eventually(lambda run=run: matrix_on_page(panel, run), expected, timeout=20)
        assert summary_value(panel, "accuracy", column) == f"{sk.accuracy_score(y[keep], p[keep].argmax(1)):.4f}"
        assert summary_value(panel, "accuracy", column) == f"{report['metrics']['accuracy']:.4f}"
        f1 = sk.f1_score(y[keep], p[keep].argmax(1), average="macro")
        assert summary_value(panel, "f1", column) == f"{f1:.4f}" == f"{report['metrics']['f1']['macro']:.4f}"
        expect(card(panel, run).locator(".subtitle")).to_contain_text("only source = scan")

    # The examples behind a cell: only scans (ids of the scan examples), as many as the sliced matrix says.
    y, p, ids, source, _ = data("validation", 2)
    keep = source == "scan"
    scan_ids = {i for i, k in zip(ids, keep) if k}
    diagonal = int(((y == 1) & (p.argmax(1) == 1) & keep).sum())
    card(panel, "validation").locator('.cell[data-true="1"][data-pred="1"]').click()
    drawer = panel.locator("#examples")
    drawer.locator(".examples-table tbody tr").first.wait_for(timeout=20_000)
    shown = drawer.locator(".examples-table tbody .example-id").all_text_contents()
    assert shown and set(shown) <= scan_ids
    assert len(shown) == min(25, diagonal)
    assert drawer.locator(".page-range").text_content().endswith(f"of {diagonal}") or diagonal <= 25

    # The over-epochs series and the examples page were asked for the slice.
    def sliced(name):
        return [u for u in requests if f"{PLUGIN}/{name}?" in u and "slice=source%3Dscan" in u]
    for _ in range(200):  # page.wait_for_timeout lets Playwright deliver the request events meanwhile
        if sliced("epochs"):
            break
        page.wait_for_timeout(100)
    assert sliced("epochs")
    assert sliced("examples") and sliced("stats")
    assert not [u for u in requests if f"{PLUGIN}/attributes?" in u and "slice=" in u]  # the picker lists the whole step

    # A reload keeps the slice (the URL holds it).
    page.wait_for_timeout(600)  # the URL is written at most every 400 ms
    assert "slice" in urllib.parse.unquote(page.url)
    page.reload()
    panel = page.frame_locator("iframe")
    panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
    expect(panel.locator('#slice-picker select[data-attribute="source"]')).to_have_value("source=scan", timeout=20_000)
    expected = sk.confusion_matrix(y[keep], p[keep].argmax(1), labels=range(len(CLASSES))).tolist()
    eventually(lambda: matrix_on_page(panel, "validation"), expected, timeout=20)

    # "All examples" shows the whole step again.
    panel.locator("#slice-clear").click()
    whole = sk.confusion_matrix(y, p.argmax(1), labels=range(len(CLASSES))).tolist()
    eventually(lambda: matrix_on_page(panel, "validation"), whole, timeout=20)
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()


def table_rows(table):
    return table.locator("tbody tr.slice-row").evaluate_all(
        "rows => rows.map(r => ({filter: r.dataset.filter, small: r.classList.contains('small'),"
        " cells: [...r.children].map(c => c.textContent)}))")


def test_the_slice_table_equals_the_slices_route_and_a_row_selects_its_slice(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    panel.locator("#tag-select").select_option("digits")
    table = panel.locator('#slice-tables .slice-table[data-run="validation"]')
    table.locator("tbody tr.slice-row").first.wait_for(timeout=20_000)
    expect(panel.locator("#slices-by")).to_have_value("source")  # the first attribute as logged
    panel.locator("#slices-metric").select_option("f1")
    expect(table.locator("thead th").first).to_have_text("source", timeout=20_000)
    answer = route(base_url, "slices", run="validation", tag="digits", step=2, by="source", metric="f1.macro",
                   min_size=30)
    expected = [{"filter": r["filter"], "small": r["small"],
                 "cells": [r["value"], f"{r['count']:,}", f"{r['metric_value']:.4f}",
                           re.sub("^-", "\u2212", f"{r['gap']:+.4f}")]} for r in answer["slices"]]
    eventually(lambda: table_rows(table), expected, timeout=20)
    # scikit-learn on each subset, and the hostile value's row: small (12 examples), greyed, last, text
    y, p, _, source, _ = data("validation", 2)
    for row in answer["slices"]:
        keep = source == row["value"]
        # over every class, as the report's macro average (a class absent from a small slice counts 0)
        assert row["metric_value"] == pytest.approx(sk.f1_score(y[keep], p[keep].argmax(1), average="macro",
                                                                labels=range(len(CLASSES)), zero_division=0))
    assert expected[-1]["cells"][0] == HOSTILE and expected[-1]["small"]
    assert table.locator("tbody tr.slice-row.small").count() == 1
    expect(table.locator("tbody tr.slice-row.small th")).to_have_text(HOSTILE)
    assert panel.locator("img[src='x']").count() == 0

    # A click on a row shows only that slice everywhere: the picker and the matrices follow.
    table.locator('tbody tr.slice-row[data-filter="source=web"]').click()
    expect(panel.locator('#slice-picker select[data-attribute="source"]')).to_have_value("source=web")
    keep = source == "web"
    expected_matrix = sk.confusion_matrix(y[keep], p[keep].argmax(1), labels=range(len(CLASSES))).tolist()
    eventually(lambda: matrix_on_page(panel, "validation"), expected_matrix, timeout=20)
    expect(table.locator('tbody tr.slice-row.chosen')).to_have_attribute("data-filter", "source=web")
    # The hostile slice selected: its matrix, and nothing ran.
    table.locator("tbody tr.slice-row.small").click()
    keep = source == HOSTILE
    expected_matrix = sk.confusion_matrix(y[keep], p[keep].argmax(1), labels=range(len(CLASSES))).tolist()
    eventually(lambda: matrix_on_page(panel, "validation"), expected_matrix, timeout=20)
    expect(card(panel, "validation").locator(".subtitle")).to_contain_text(f"only source = {HOSTILE}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "slices.png"))

    # Within another filter: the table by night among the hostile slice's examples.
    panel.locator("#slices-by").select_option("night")
    answer = route(base_url, "slices", run="validation", tag="digits", step=2, by="night", metric="f1.macro",
                   min_size=30, slice=f"source={HOSTILE}")
    eventually(lambda: [r["filter"] for r in table_rows(table)], [r["filter"] for r in answer["slices"]], timeout=20)
    assert sum(int(r["count"]) for r in answer["slices"]) == 12
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()


def test_a_compact_step_says_slices_need_exact_storage(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    panel.locator("#tag-select").select_option("compact")
    expect(panel.locator("#slice-note")).to_contain_text("Slices need exact storage", timeout=20_000)
    assert panel.locator('#slice-picker select[data-attribute="source"]').is_disabled()
    expect(panel.locator("#slices-status")).to_contain_text("stored compact")
    assert panel.locator("#slice-tables .slice-table").count() == 0
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()

"""Group by superclasses in headless Chromium against a real tensorboard: a multiclass tag logged with
class_groups shows a "Group by" control; by superclasses, the matrix and the per-group metrics equal
tb_confusion.groups.grouped_report and scikit-learn on the labels and argmax predictions mapped to groups (at the
argmax and at a cutoff, whose "below cutoff" column stays its own); a cell of superclasses lists the examples of
its classes' cells, each with its own classes; a reload keeps the choice; a tag without groups shows no control."""

import browser_watch
import numpy as np
import pytest
import sklearn.metrics as sk
from tb_process import get_json, serving
from test_browser_e2e import eventually, expect, number

import tb_confusion
from tb_confusion import groups as tbc_groups
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 900
CLASSES = ["cat", "oak", "dog", "granite", "elm", "fox", "basalt"]
GROUPS = ["animal", "tree", "animal", "rock", "tree", "animal", "rock"]  # groups ordered by first class
NAMES = ["animal", "tree", "rock"]


def write_logs(logdir):
    rng = np.random.default_rng(5)
    with EventWriter(str(logdir / "validation")) as writer:
        for step in (0, 1):
            y = rng.integers(0, len(CLASSES), N)
            z = rng.normal(0, 1.1, (N, len(CLASSES))) + (1.2 + 0.5 * step) * np.eye(len(CLASSES))[y]
            p = np.exp(z - z.max(1, keepdims=True))
            p = (p / p.sum(1, keepdims=True)).astype(np.float32)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "things", y, p, class_names=CLASSES, class_groups=GROUPS), step=step)
            writer.add_summary(tb_confusion.summary.predictions_pb("plain", y, p, class_names=CLASSES), step=step)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "groups_logs", write_logs) as served:
        yield served


def card(panel):
    return panel.locator('.run-card[aria-label="Run validation"]')


def matrix_on_page(panel, rows, columns):
    texts = card(panel).locator(".cell").all_text_contents()
    if len(texts) != rows * columns:
        return None
    return [[number(t) for t in texts[i * columns:(i + 1) * columns]] for i in range(rows)]


def per_group_rows(panel):
    rows = card(panel).locator(".per-class tbody tr").evaluate_all(
        "rows => rows.map(r => [r.querySelector('th').textContent, ...[...r.querySelectorAll('td')].map(c => c.textContent)])")
    return rows


def mapped(logdir, cutoff=0.0):
    (record,) = tb_confusion.read(str(logdir), run="validation", tag="things", step=1)
    y = np.asarray(record.labels)
    p = np.asarray(record.probabilities, dtype=np.float64)
    index = np.array([NAMES.index(g) for g in GROUPS])
    predicted = index[p.argmax(1)]
    if cutoff:
        predicted = np.where(p.max(1) >= cutoff, predicted, len(NAMES))
    return record, index[y], predicted


def test_group_by_superclasses_equals_grouped_report_and_scikit_learn(tensorboard, browser):
    base_url, logdir = tensorboard
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    panel.locator("#tag-select").select_option("plain")
    expect(panel.locator("#group-by")).to_be_hidden()
    panel.locator("#tag-select").select_option("things")
    expect(panel.locator("#group-by")).to_be_visible(timeout=20_000)
    panel.locator('#group-by button[data-value="groups"]').click()

    record, y, predicted = mapped(logdir)
    report = tbc_groups.grouped_report(record, GROUPS)
    expected = sk.confusion_matrix(y, predicted, labels=range(len(NAMES))).tolist()
    assert report["confusion_matrix"] == expected and report["class_names"] == NAMES
    eventually(lambda: matrix_on_page(panel, 3, 3), expected, timeout=20)
    expect(card(panel).locator(".subtitle")).to_contain_text("3 superclasses")
    summary = panel.locator('#summary-table tr[data-metric="accuracy"] td').first
    expect(summary).to_have_text(f"{sk.accuracy_score(y, predicted):.4f}")
    assert f"{report['metrics']['accuracy']:.4f}" == f"{sk.accuracy_score(y, predicted):.4f}"
    f1 = sk.f1_score(y, predicted, average="macro")
    expect(panel.locator('#summary-table tr[data-metric="f1"] td').first).to_have_text(f"{f1:.4f}")
    rows = per_group_rows(panel)
    precision, recall, f1s, support = sk.precision_recall_fscore_support(y, predicted, labels=range(len(NAMES)))
    for k, name in enumerate(NAMES):
        assert rows[k][:4] == [name, f"{precision[k]:.4f}", f"{recall[k]:.4f}", f"{f1s[k]:.4f}"], rows[k]
        assert number(rows[k][4]) == support[k]
        assert report["metrics"]["f1"]["per_class"][k] == pytest.approx(f1s[k], abs=1e-12)
    # A cell of superclasses lists the examples of its classes' cells, each with its own classes.
    card(panel).locator('.cell[data-true="0"][data-pred="1"]').click()
    expect(panel.locator("#examples-caption")).to_contain_text("step 1 \u00b7 actual animal \u2192 predicted tree")
    cell = np.flatnonzero((y == 0) & (predicted == 1))
    assert len(cell) > 25  # more than one page
    expect(panel.locator("#examples .page-range")).to_have_text(f"1\u201325 of {len(cell)}", timeout=20_000)
    listed = get_json(f"{base_url}/data/plugin/tb_confusion/examples?run=validation&tag=things&step=1"
                      "&true_group=0&pred_group=1&offset=0&limit=25")
    assert listed["total"] == len(cell) and {e["index"] for e in listed["examples"]} <= set(cell.tolist())
    shown = [[CLASSES[e["true"]], CLASSES[e["pred"]]] for e in listed["examples"]]
    assert all(GROUPS[CLASSES.index(a)] == "animal" and GROUPS[CLASSES.index(b)] == "tree" for a, b in shown)
    eventually(lambda: panel.locator("#examples .examples-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td.class-name')].slice(0, 2).map(c => c.firstChild.textContent))"),
        shown, timeout=20)
    panel.locator("#examples-close").click()

    # At a cutoff: the "below cutoff" column stays one column.
    panel.locator("#threshold-slider-value").fill("0.5")
    panel.locator("#threshold-slider-value").press("Enter")
    record, y, predicted = mapped(logdir, cutoff=0.5)
    report = tbc_groups.grouped_report(record, GROUPS, cutoff=0.5)
    expected = sk.confusion_matrix(y, predicted, labels=range(len(NAMES) + 1))[:len(NAMES)].tolist()
    assert report["confusion_matrix"] == expected
    eventually(lambda: matrix_on_page(panel, 3, 4), expected, timeout=20)

    # A reload keeps the grouping; back to classes shows the 7 x 7 matrix.
    page.wait_for_timeout(600)
    page.reload()
    panel = page.frame_locator("iframe")
    panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
    eventually(lambda: matrix_on_page(panel, 3, 4), expected, timeout=20)
    panel.locator('#group-by button[data-value="classes"]').click()
    eventually(lambda: len(card(panel).locator(".cell").all_text_contents()), len(CLASSES) * (len(CLASSES) + 1), timeout=20)
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()

"""Likely label issues drawn on the matrix cells, in headless Chromium against a real tensorboard: with the
matrix's "Likely label issues" box ticked, each cell's count (table: the cell's badge; canvas: the marks it
drew) equals the `label_issues` route's and tb_confusion.label_issues' on the same labels and
probabilities, at the panel's decision (a multiclass cutoff, a binary threshold), for the table and the
canvas matrix."""

import numpy as np
import pytest
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, card, eventually, expect

import tb_confusion
from tb_confusion import label_issues
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 600
ANIMALS = ["cat", "dog", "fox", "owl", "bee"]
MANY = [f"c{k:02d}" for k in range(40)]  # above the 30 classes a table fits: the canvas


def noisy(rng, classes, n, flip=0.12, margin=2.5):
    """(given labels, probabilities): a fair classifier of the true labels, of which `flip` were changed."""
    truth = rng.integers(0, classes, n)
    z = rng.normal(0, 1.0, (n, classes))
    z[np.arange(n), truth] += margin
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    given = truth.copy()
    flipped = rng.random(n) < flip
    given[flipped] = (truth[flipped] + rng.integers(1, classes, flipped.sum())) % classes
    return given, p.astype(np.float32)


def write_logs(logdir):
    """Run validation: tags animals (5 classes), many (40 classes) and binary (a positive-class score)."""
    rng = np.random.default_rng(23)
    with EventWriter(str(logdir / "validation")) as writer:
        given, p = noisy(rng, len(ANIMALS), N)
        writer.add_summary(tb_confusion.summary.predictions_pb("animals", given, p, class_names=ANIMALS), step=0)
        given, p = noisy(rng, len(MANY), 2000, margin=3.0)
        writer.add_summary(tb_confusion.summary.predictions_pb("many", given, p, class_names=MANY), step=0)
        given, p = noisy(rng, 2, N, flip=0.15, margin=1.5)
        writer.add_summary(tb_confusion.summary.predictions_pb("binary", given, p[:, 1].copy()), step=0)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "label_issue_mark_logs", write_logs) as served:
        yield served


def expected_counts(logdir, tag, *, cutoff=0.0, threshold=None):
    """Likely issues per (given, predicted) cell from tb_confusion.label_issues.find on the stored record."""
    (record,) = tb_confusion.read(str(logdir), run="validation", tag=tag, step=0)
    labels, p = np.asarray(record.labels), np.asarray(record.probabilities, dtype=np.float64)
    if threshold is not None:  # binary: the positive class's score
        flagged = label_issues.find(labels, np.stack([1 - p, p], axis=1))
        predicted = (p >= threshold).astype(int)
        shape = (2, 2)
    else:
        flagged = label_issues.find(labels, p)
        classes = p.shape[1]
        predicted = np.where(p.max(axis=1) >= cutoff, p.argmax(axis=1), classes)
        shape = (classes, classes + 1)
    counts = np.zeros(shape, dtype=int)
    np.add.at(counts, (labels[flagged], predicted[flagged]), 1)
    return counts


def shown_table_counts(panel):
    """{(true, pred): count} of the table matrix's cells that carry a count (data-issues), and the badges."""
    cells = card(panel, "validation").locator(".cell[data-issues]").evaluate_all(
        """cells => cells.map(c => [Number(c.dataset.true), Number(c.dataset.pred), Number(c.dataset.issues),
                                   c.parentElement.querySelector('.issue-mark').hidden ? null
                                     : c.parentElement.querySelector('.issue-mark').textContent])""")
    return {(i, j): (n, badge) for i, j, n, badge in cells}


def as_shown(counts):
    """The table's reading of a counts matrix: every cell's count, its badge text when non-zero."""
    return {(i, j): (int(n), str(n) if n else None) for (i, j), n in np.ndenumerate(np.asarray(counts))}


def test_the_matrix_shows_each_cells_likely_label_issues(tensorboard, browser):  # noqa: F811
    base_url, logdir = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion/label_issues?run=validation&step=0"
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    panel.locator("#tag-select").select_option("animals")
    run = card(panel, "validation")
    run.locator('.cell[data-true="0"][data-pred="0"]').wait_for()
    assert run.locator(".cell[data-issues]").count() == 0  # unticked: nothing asked, nothing shown

    box = run.locator(".label-issues-box")
    box.check()
    answer = get_json(f"{route}&tag=animals")
    want = expected_counts(logdir, "animals")
    assert answer["counts"] == want.tolist() and answer["likely_issues"] == want.sum() > 0
    # The shown matrix has C columns at argmax; the route's last column ("below cutoff") is empty then.
    eventually(lambda: shown_table_counts(panel), as_shown(want[:, :len(ANIMALS)]), timeout=15)
    expect(run.locator(".label-issues-legend")).to_have_text(f" {want.sum()} likely label issues in all")
    busiest = np.unravel_index(np.argmax(want), want.shape)
    aria = run.locator(f'.cell[data-true="{busiest[0]}"][data-pred="{busiest[1]}"]').get_attribute("aria-label")
    assert aria.endswith(f"{want.max()} likely label issue{'s' if want.max() != 1 else ''}")
    ARTIFACTS.mkdir(exist_ok=True)
    run.screenshot(path=str(ARTIFACTS / "label_issue_marks.png"))

    # A confidence cutoff moves examples to "below cutoff", never changes which are flagged.
    panel.locator("#threshold-slider-value").fill("0.6")
    panel.locator("#threshold-slider-value").press("Enter")
    want = expected_counts(logdir, "animals", cutoff=0.6)
    assert get_json(f"{route}&tag=animals&cutoff=0.6")["counts"] == want.tolist()
    assert want[:, -1].sum() > 0
    eventually(lambda: shown_table_counts(panel), as_shown(want), timeout=15)

    # 40 classes: the canvas matrix draws a mark on each cell with issues (the box stays ticked).
    panel.locator("#tag-select").select_option("many")
    canvas = run.locator(".matrix-canvas-wrap")
    canvas.wait_for()
    expect(canvas.locator(".label-issues-box")).to_be_checked()
    want = expected_counts(logdir, "many", cutoff=0.6)
    assert get_json(f"{route}&tag=many&cutoff=0.6")["counts"] == want.tolist() and want.sum() > 0
    # Once marks are drawn the canvas has settled on its first zoom; then zoom out.
    eventually(lambda: len(canvas.evaluate("e => e.issueMarks")) > 0, True, timeout=15)
    zoom = canvas.locator(".zoom-label")
    for _ in range(12):  # at 12 px every cell of the 40 classes is in view
        if zoom.text_content() == "12px":
            break
        canvas.get_by_role("button", name="Zoom out").click()
    expect(zoom).to_have_text("12px")

    def drawn():
        return sorted(tuple(m) for m in canvas.evaluate("e => e.issueMarks"))
    eventually(drawn, sorted((i, j, int(n)) for (i, j), n in np.ndenumerate(want) if n), timeout=15)
    assert want[:, -1].sum() > 0  # marks in the "below cutoff" column too

    # Binary at threshold 0.3.
    panel.locator("#tag-select").select_option("binary")
    run.locator(".matrix-table-wrap .cell").first.wait_for()
    panel.locator("#threshold-slider-value").fill("0.3")
    panel.locator("#threshold-slider-value").press("Enter")
    want = expected_counts(logdir, "binary", threshold=0.3)
    assert get_json(f"{route}&tag=binary&threshold=0.3")["counts"] == want.tolist() and want.sum() > 0
    eventually(lambda: shown_table_counts(panel), as_shown(want), timeout=15)

    # Unticked: the marks go.
    run.locator(".label-issues-box").uncheck()
    eventually(lambda: run.locator(".cell[data-issues]").count(), 0)
    assert run.locator(".issue-mark:not([hidden])").count() == 0
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()

"""The examples drawer's "Likely mislabeled first" ordering in headless Chromium against a real tensorboard:
the count in its head and the listed examples equal the examples and label_issues routes."""

import numpy as np
import pytest
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, card, eventually, expect, open_panel

import tb_confusion
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLASSES = ["cat", "dog", "fox", "owl", "bee"]
N = 600


def write_logs(logdir):
    """Run validation, tag animals: a fair classifier on labels of which 12% were flipped to another class."""
    rng = np.random.default_rng(11)
    truth = rng.integers(0, len(CLASSES), N)
    z = rng.normal(0, 1.0, (N, len(CLASSES)))
    z[np.arange(N), truth] += 2.5
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    given = truth.copy()
    flipped = rng.random(N) < 0.12
    given[flipped] = (truth[flipped] + rng.integers(1, len(CLASSES), flipped.sum())) % len(CLASSES)
    with EventWriter(str(logdir / "validation")) as writer:
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "animals", given, p.astype(np.float32), class_names=CLASSES,
            example_ids=[f"img-{i:04d}" for i in range(N)]), step=0)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "label_issue_logs", write_logs) as served:
        yield served


def test_the_drawer_lists_likely_label_errors_first_as_the_route_does(tensorboard, browser):  # noqa: F811
    base_url, _ = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion"
    counts = get_json(f"{route}/label_issues?run=validation&tag=animals&step=0")["counts"]
    # The cell with the most likely issues that also holds examples the model got confidently right.
    true, pred = max(((i, j) for i in range(len(CLASSES)) for j in range(len(CLASSES)) if i != j),
                     key=lambda c: counts[c[0]][c[1]])
    assert counts[true][pred] > 0

    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("animals")
    card(panel, "validation").locator(f'.cell[data-true="{true}"][data-pred="{pred}"]').click()
    drawer = panel.locator("#examples")
    drawer.locator(".examples-table tbody tr").first.wait_for()
    ids = drawer.locator(".examples-table .example-id")
    query = f"{route}/examples?run=validation&tag=animals&step=0&true={true}&pred={pred}&offset=0&limit=25"

    confident = get_json(query)
    assert confident["likely_issues"] == counts[true][pred]
    eventually(ids.all_text_contents, [e["id"] for e in confident["examples"]])
    expect(drawer.locator("#examples-likely-issues")).to_have_text(
        f"{counts[true][pred]} likely label issue{'' if counts[true][pred] == 1 else 's'}")
    expect(drawer.locator("#examples-order-confidence")).to_have_attribute("aria-pressed", "true")

    drawer.locator("#examples-order-likely_mislabeled").click()
    likely = get_json(query + "&order=likely_mislabeled")
    assert [e["id"] for e in likely["examples"]] != [e["id"] for e in confident["examples"]]
    eventually(ids.all_text_contents, [e["id"] for e in likely["examples"]])
    expect(drawer.locator("#examples-order-likely_mislabeled")).to_have_attribute("aria-pressed", "true")
    flagged = [e["id"] for e in likely["examples"] if e["likely_issue"]]
    assert flagged == [e["id"] for e in likely["examples"][:len(flagged)]]  # issues first
    eventually(lambda: drawer.locator('tr[data-likely-issue] .example-id').all_text_contents(), flagged)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "label_issues.png"))

    drawer.locator("#examples-order-confidence").click()
    eventually(ids.all_text_contents, [e["id"] for e in confident["examples"]])
    assert problems == {"dialogs": [], "errors": []}
    page.close()

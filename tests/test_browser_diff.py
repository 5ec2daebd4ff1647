"""The Diff card in headless Chromium against a real tensorboard: two steps of one run (and two runs at one
step) compared at the panel's decision. The signed difference matrix shown equals matrix_b - matrix_a of
tb_confusion.diff.diff on the same records (counts and row %), the learned and forgotten lists hold exactly
the ids diff.diff lists (every page), the metric deltas are diff.diff's, the forgetting count equals the
route's and diff.forgetting's; a compact run's diff equals the exact run's; an accumulated tag shows the
routes' 422 message in the card. No other request fails and the console stays clean."""

import json
import urllib.error
import urllib.request

import numpy as np
import pytest
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, eventually, expect

import tb_confusion
from tb_confusion import diff
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLASSES = ["cat", "dog", "fox", "<b>owl</b>"]
N, EPOCHS = 300, 3
IDS = np.array([f"img-{i:03d}" for i in range(N)])


def write_logs(logdir):
    """Tag animals in runs validation (exact), compact (the same predictions, storage "compact") and train;
    the examples come in a new order each epoch and improve with noise, so some flip both ways. Tag pixels
    (accumulated per-pixel steps) in validation."""
    rng = np.random.default_rng(41)
    labels = rng.integers(0, len(CLASSES), N)
    base = rng.normal(0, 1.2, (N, len(CLASSES)))
    writers = {run: EventWriter(str(logdir / run)) for run in ("validation", "compact", "train")}
    for epoch in range(EPOCHS):
        for run in ("validation", "train"):
            z = base + rng.normal(0, 1.0, base.shape)
            z[np.arange(N), labels] += 0.4 + 0.6 * epoch + (0.3 if run == "train" else 0.0)
            p = (np.exp(z) / np.exp(z).sum(1, keepdims=True)).astype(np.float32)
            order = rng.permutation(N)
            for name, storage in ((run, "exact"),) + ((("compact", "compact"),) if run == "validation" else ()):
                writers[name].add_summary(tb_confusion.summary.predictions_pb(
                    "animals", labels[order], p[order], class_names=CLASSES, example_ids=list(IDS[order]),
                    storage=storage), step=epoch)
    for epoch in range(2):
        accumulator = tb_confusion.Accumulator("pixels", class_names=["ground", "road"])
        masks = rng.integers(0, 2, (2, 8, 8))
        accumulator.update(masks, rng.dirichlet([1, 1], (2, 8, 8)).astype(np.float32), example_ids=["a", "b"])
        writers["validation"].add_summary(accumulator.summary_pb(), step=epoch)
    for writer in writers.values():
        writer.close()


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "diff_logs", write_logs) as served:
        yield served


def records(logdir, run, tag="animals"):
    return {r.step: r for r in tb_confusion.read(str(logdir), run=run, tag=tag)}


def expected(logdir, run_a, step_a, run_b, step_b, **options):
    """diff.diff's summary, and every learned and forgotten id in its order."""
    a, b = records(logdir, run_a)[step_a], records(logdir, run_b)[step_b]
    out = diff.diff(a, b, **options)
    out["ids"] = {kind: [e["id"] for e in diff.diff(a, b, flips=kind, limit=1000, **options)["examples"]["examples"]]
                  for kind in ("learned", "forgotten")}
    return out


def open_watched(browser, base_url):  # noqa: F811
    return browser_watch.open_watched(browser, base_url, height=1800)


def shown_matrix(panel):
    """The difference matrix's cells as numbers (None for "–"), row by row."""
    rows = panel.locator("#diff-matrix tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td.diff-cell')].map(c => c.dataset.value))")
    return [[float(v) if v else None for v in row] for row in rows]


def shown_ids(panel, kind, total):
    """Every id of the `kind` list, page after page (the pager's Next until the last page)."""
    ids = []
    box = panel.locator(f"#diff-{kind}")
    while True:
        if total:
            expect(box.locator(".page-range")).to_have_text(
                f"{len(ids) + 1}\u2013{min(total, len(ids) + 25)} of {total}", timeout=15_000)
        ids += box.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
        if len(ids) >= total:
            return ids
        box.locator(f"#diff-{kind}-next").click()


def check_diff(panel, want, *, show="count"):
    """The card shows `want` (expected()): the matrix, the flip counts and lists, the accuracy delta."""
    values = want["difference"] if show == "count" else want["row_percent_difference"]
    eventually(lambda: shown_matrix(panel), [[float(v) if v is not None else None for v in row] for row in values],
               timeout=15)
    if show == "count":
        assert values == (np.array(want["matrix_b"]) - np.array(want["matrix_a"])).tolist()
    counts = panel.locator("#diff-flip-counts")
    eventually(lambda: (counts.get_attribute("data-learned"), counts.get_attribute("data-forgotten")),
               (str(want["flips"]["learned"]), str(want["flips"]["forgotten"])))
    for kind in ("learned", "forgotten"):
        assert shown_ids(panel, kind, want["flips"][kind]) == want["ids"][kind]
    delta = panel.locator('#diff-metrics tr[data-key="accuracy"] td.delta')
    assert float(delta.get_attribute("data-value")) == pytest.approx(want["metric_deltas"]["accuracy"], abs=1e-12)


def route_error(url):
    """The {"error"} message of a request that must fail with 422."""
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(url, timeout=30)
    assert failure.value.code == 422
    return json.loads(failure.value.read())["error"]


def test_the_diff_card_shows_the_cores_difference_flips_and_forgetting(tensorboard, browser):  # noqa: F811
    base_url, logdir = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion"
    page, panel, problems = open_watched(browser, base_url)
    last = EPOCHS - 1

    # Open the card and compare validation's shown (last) step with the previous one, by default.
    panel.locator("#diff-toggle").click()
    panel.locator("#diff-run").select_option("validation")
    expect(panel.locator("#diff-step-a")).to_have_value(str(last - 1))
    want = expected(logdir, "validation", last - 1, "validation", last)
    assert want["flips"]["learned"] > 25 and want["flips"]["forgotten"] > 0  # more than one page, both ways
    check_diff(panel, want)
    expect(panel.locator("#diff-caption")).to_contain_text(f"A: validation \u00b7 step {last - 1} \u2192 B: "
                                                           f"validation \u00b7 step {last}")
    assert panel.locator("#diff-matrix thead th").all_text_contents()[1:] == CLASSES  # names as text

    # Forgetting over every step: the route's count and diff.forgetting's, its most-forgotten examples.
    answer = get_json(f"{route}/forgetting?run=validation&tag=animals&limit=20")
    core = diff.forgetting([records(logdir, "validation")[s] for s in range(EPOCHS)], limit=20)
    assert answer["forgetting_events"] == core["forgetting_events"] > 0
    summary = panel.locator("#forgetting-summary")
    eventually(lambda: summary.get_attribute("data-events"), str(answer["forgetting_events"]), timeout=15)
    rows = panel.locator("#forgetting-table tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => [r.dataset.id, r.dataset.history])") == [
        [e["id"], e["history"]] for e in answer["most_forgotten"]]
    assert rows.first.locator(".history-strip .mark").count() == EPOCHS

    # Row %: the row-percentage-point difference.
    panel.locator("#diff-show-row").click()
    eventually(lambda: shown_matrix(panel), [[pytest.approx(v, abs=1e-9) if v is not None else None for v in row]
                                             for row in want["row_percent_difference"]], timeout=15)
    panel.locator("#diff-show-count").click()

    # The panel's decision: a confidence cutoff adds the "below cutoff" column to the diff and the forgetting.
    panel.locator("#threshold-slider-value").fill("0.5")
    panel.locator("#threshold-slider-value").press("Enter")
    want = expected(logdir, "validation", last - 1, "validation", last, cutoff=0.5)
    check_diff(panel, want)
    assert len(want["difference"][0]) == len(CLASSES) + 1
    answer = get_json(f"{route}/forgetting?run=validation&tag=animals&cutoff=0.5&limit=20")
    eventually(lambda: summary.get_attribute("data-events"), str(answer["forgetting_events"]), timeout=15)

    # Another step A from the picker.
    panel.locator("#diff-step-a").select_option("0")
    check_diff(panel, expected(logdir, "validation", 0, "validation", last, cutoff=0.5))

    # A cell opens its examples at B.
    panel.locator('#diff-matrix td.diff-cell[data-true="0"][data-pred="1"]').click()
    expect(panel.locator("#examples-caption")).to_have_text(
        f"validation \u00b7 step {last} \u00b7 actual cat \u2192 predicted dog")
    panel.locator("#examples-close").click()

    # A compact run of the same predictions: the exact run's diff.
    panel.locator("#diff-run").select_option("compact")
    compact = expected(logdir, "compact", 0, "compact", last, cutoff=0.5)
    exact = expected(logdir, "validation", 0, "validation", last, cutoff=0.5)
    assert (compact["difference"], compact["ids"]) == (exact["difference"], exact["ids"])
    check_diff(panel, compact)
    assert get_json(f"{route}/forgetting?run=compact&tag=animals&cutoff=0.5&limit=20") == {**answer, "run": "compact"}
    eventually(lambda: summary.get_attribute("data-events"), str(answer["forgetting_events"]), timeout=15)
    expect(panel.locator("#forgetting h3")).to_have_text("Forgetting over every step of compact")

    # Two runs at the shown step.
    panel.locator("#diff-mode-runs").click()
    panel.locator("#diff-run-a").select_option("train")
    panel.locator("#diff-run-b").select_option("validation")
    check_diff(panel, expected(logdir, "train", last, "validation", last, cutoff=0.5))
    # The URL keeps the card open in its mode.
    eventually(lambda: "p.tb_confusion.diff=runs" in page.evaluate("decodeURIComponent(location.hash)"), True)
    ARTIFACTS.mkdir(exist_ok=True)
    panel.locator("#diff-matrix").scroll_into_view_if_needed()
    box = panel.locator("#diff").bounding_box()
    top = panel.locator("#diff-flip-counts").bounding_box()
    page.screenshot(path=str(ARTIFACTS / "diff.png"), clip={"x": box["x"], "y": box["y"], "width": box["width"],
                                                            "height": top["y"] + top["height"] - box["y"] + 8})
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}

    # An accumulated tag: both routes answer 422, and the card shows their messages, nothing broken.
    panel.locator("#tag-select").select_option("pixels")
    expect(panel.locator("#diff-caption")).to_have_text("Select a second run to compare two runs at this step.")
    panel.locator("#diff-mode-steps").click()
    message = route_error(f"{route}/diff?run=validation&tag=pixels&step=0&run_b=validation&step_b=1&matrices=1")
    expect(panel.locator("#diff-error")).to_have_text(message, timeout=15_000)
    expect(panel.locator("#forgetting-error")).to_have_text(
        route_error(f"{route}/forgetting?run=validation&tag=pixels&limit=20"), timeout=15_000)
    assert "accumulated" in message
    failed = {r.split("?")[0].rsplit("/", 1)[1] for r in problems["responses"]}
    assert failed <= {"diff", "forgetting"} and all(r.startswith("422 ") and "tag=pixels" in r
                                                     for r in problems["responses"])
    assert all("422" in text for text in problems["console"])
    assert (problems["dialogs"], problems["errors"]) == ([], [])
    page.close()

"""The panel's selection in the URL and the recommend-on run, in headless Chromium against a real `tensorboard`.

The selection lives in TensorBoard's own hash (`#tb_confusion&p.tb_confusion.tag=...`, the keys
TensorBoard keeps for plugins), so a reload and a pasted TensorBoard link show the same thing; a bad
value in a hand-edited URL is ignored. The recommended thresholds are computed on the run chosen in
"Recommend on", whatever cell is clicked; choosing test or training data shows a warning.
"""

import json
import re
import urllib.parse

import numpy as np
import pytest

from tensorboard.compat.proto import summary_pb2

import tb_confusion
from tb_confusion.storage.events import EventWriter
from tb_process import running_tensorboard
from test_browser_e2e import EPOCHS, EVIL, card, eventually, expect, expected_report, open_panel, write_logs

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAST = EPOCHS - 1


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    """The end-to-end logs (train, validation) plus a `test` run with the binary tag."""
    logdir = tmp_path_factory.mktemp("logs")
    write_logs(logdir)
    rng = np.random.default_rng(11)
    with EventWriter(str(logdir / "test")) as writer:
        for epoch in range(EPOCHS):
            labels = (rng.random(400) < 0.5).astype(np.int64)
            scores = np.clip(rng.normal(0.45 + 0.2 * labels, 0.25), 0, 1).astype(np.float32)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "fraud", labels, scores, task="binary", class_names=["legit", "fraud"]), step=epoch)
            # A scalar, so TensorBoard has a second tab (Scalars) to switch to.
            writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=1 / (epoch + 1))]),
                               step=epoch)
    with running_tensorboard(logdir) as base_url:
        yield base_url, logdir


def frame_of(page):
    return next(f for f in page.frames if "plugin_entry.html" in f.url)


def our_keys(page):
    """The panel's keys in TensorBoard's hash, {name: value}."""
    hash_ = page.evaluate("location.hash")
    out = {}
    for token in hash_.lstrip("#").split("&"):
        key, sep, value = token.partition("=")
        key = urllib.parse.unquote(key)
        if sep and key.startswith("p.tb_confusion."):
            out[key[len("p.tb_confusion."):]] = urllib.parse.unquote(value)
    return out


def selection_on_page(panel):
    """Every part of the selection as the page shows it."""
    return {
        "tag": panel.locator("#tag-select").input_value(),
        "runs": [c.text_content().strip() for c in panel.locator('.run-chips .chip[aria-pressed="true"]').all()],
        "cards": panel.locator(".run-card").evaluate_all("(cards) => cards.map((c) => c.getAttribute('aria-label'))"),
        "step": panel.locator("#step-label").text_content(),
        "threshold": panel.locator("#threshold-slider-value").input_value(),
        "normalization": panel.locator('.segmented[aria-label="Show"] .segment.on').text_content(),
        "order": panel.locator("#sort-select").input_value(),
        "recommend": panel.locator("#recommend-run").input_value(),
    }


def selection_in_store(page):
    return frame_of(page).evaluate("""() => { const s = window.tbConfusion.store.get();
      return {tag: s.tag, runs: s.runs, step: s.step, threshold: s.threshold, cutoff: s.cutoff,
              labelThresholds: s.labelThresholds, normalization: s.normalization, sort: s.sort, recommendRun: s.recommendRun}; }""")


CELLS = {"fraud": 4, "animals": 16, "topics": 4}  # in a card, at the default threshold or cutoff


def choose_tag(panel, tag):
    """Pick `tag` and wait until the validation card shows its matrix (not the previous tag's)."""
    panel.locator("#tag-select").select_option(tag)
    expect(card(panel, "validation").locator(".cell")).to_have_count(CELLS[tag])


def toggle_run(panel, run):
    panel.locator(".run-chips .chip", has_text=re.compile(rf"^\s*{re.escape(run)}\s*$")).click()


def close_examples(panel):
    """Close the examples drawer (it may cover a card)."""
    panel.locator("#examples-close").click()
    expect(panel.locator("#examples")).to_be_hidden()


def max_f1_label(logdir, run, tag, step):
    best = expected_report(logdir, run, tag, step)["recommended_thresholds"]["max_f1"]["threshold"]
    return best, f"Max F1 \u00b7 {float(f'{best:.4f}'):g}"


def test_recommendations_stay_on_the_chosen_run_when_cells_are_clicked(tensorboard, browser):
    logdir = tensorboard[1]
    page, panel, problems = open_on_tag(tensorboard, browser, "fraud")
    toggle_run(panel, "test")
    expect(panel.locator(".run-card")).to_have_count(3)
    recommend = panel.locator("#recommend-run")
    expect(recommend).to_have_value("validation")  # the default: the run named like validation data
    expect(panel.locator("#recommend-warning")).to_be_hidden()
    best, label = max_f1_label(logdir, "validation", "fraud", LAST)
    best_test, label_test = max_f1_label(logdir, "test", "fraud", LAST)
    assert label != label_test  # else the test could not tell the runs apart
    f1 = panel.locator("#recommend-f1")
    expect(f1).to_have_text(label)

    # Clicking cells in the other cards opens their examples and leaves the recommendations alone.
    for run in ("test", "train", "test"):
        card(panel, run).locator('.cell[data-true="1"][data-pred="0"]').click()
        expect(panel.locator("#examples-caption")).to_contain_text(f"{run} \u00b7 step {LAST} ")
        expect(recommend).to_have_value("validation")
        expect(f1).to_have_text(label)
        close_examples(panel)
    f1.click()
    eventually(lambda: round(float(panel.locator("#threshold-slider-value").input_value()), 4), round(best, 4))
    assert round(best, 4) != round(best_test, 4)
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_choosing_test_or_train_data_shows_a_warning(tensorboard, browser):
    logdir = tensorboard[1]
    page, panel, problems = open_on_tag(tensorboard, browser, "fraud")
    toggle_run(panel, "test")
    recommend = panel.locator("#recommend-run")
    warning = panel.locator("#recommend-warning")
    expect(recommend).to_have_value("validation")
    expect(warning).to_be_hidden()

    recommend.select_option("test")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("test data")
    _, label_test = max_f1_label(logdir, "test", "fraud", LAST)
    expect(panel.locator("#recommend-f1")).to_have_text(label_test)  # computed on the chosen run
    card(panel, "validation").locator('.cell[data-true="0"][data-pred="0"]').click()
    expect(panel.locator("#examples-caption")).to_contain_text("validation \u00b7 ")
    expect(recommend).to_have_value("test")
    close_examples(panel)

    recommend.select_option("train")
    expect(warning).to_contain_text("training data")
    recommend.select_option("validation")
    expect(warning).to_be_hidden()
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def set_up_a_selection(page, panel):
    """Tag, runs, step, threshold, normalization, order and recommend-on run, all away from their defaults."""
    choose_tag(panel, "fraud")
    toggle_run(panel, "test")
    toggle_run(panel, "train")
    expect(panel.locator(".run-card")).to_have_count(2)
    panel.locator("#step-slider").fill("1")
    expect(panel.locator("#step-label")).to_have_text(re.compile(r"^1 "))
    panel.locator("#threshold-slider-value").fill("0.37")
    panel.locator("#threshold-slider-value").press("Enter")
    panel.locator('.segmented[aria-label="Show"] .segment[data-value="row"]').click()
    panel.locator("#sort-select").select_option("error")
    panel.locator("#recommend-run").select_option("test")
    expected = {"tag": "fraud", "runs": ["validation", "test"], "step": 1, "threshold": 0.37, "cutoff": 0,
                "labelThresholds": None, "normalization": "row", "sort": "error", "recommendRun": "test"}
    eventually(lambda: selection_in_store(page), expected)
    # The URL follows (written at most every 400 ms).
    eventually(lambda: our_keys(page), {"tag": "fraud", "runs": json.dumps(["validation", "test"], separators=(",", ":")),
                                        "step": "1", "threshold": "0.37", "show": "row", "order": "error",
                                        "recommend": "test"})
    return expected


def open_on_tag(tensorboard, browser, tag):
    """(page, panel, problems) of a panel showing `tag`."""
    page, panel, problems = open_panel(browser, tensorboard[0])
    choose_tag(panel, tag)
    return page, panel, problems


def open_with_a_selection(tensorboard, browser):
    """(page, panel, problems, the selection in the store) after set_up_a_selection."""
    page, panel, problems = open_panel(browser, tensorboard[0])
    return page, panel, problems, set_up_a_selection(page, panel)


def test_the_selection_survives_switching_tensorboard_tabs(tensorboard, browser):
    """TensorBoard writes its tab into the same hash (and its router rewrites the URL): our keys stay."""
    page, panel, problems, expected = open_with_a_selection(tensorboard, browser)
    keys = our_keys(page)
    page.get_by_role("tab", name=re.compile("scalars", re.I)).click()
    eventually(lambda: page.evaluate("location.hash").split("&")[0], "#scalars")
    assert our_keys(page) == keys
    page.get_by_role("tab", name=re.compile("confusion", re.I)).click()
    eventually(lambda: page.evaluate("location.hash").split("&")[0], "#tb_confusion")
    assert our_keys(page) == keys
    page.reload()
    wait_for_panel(page)
    eventually(lambda: selection_in_store(page), expected, timeout=20)
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def wait_for_panel(page):
    panel = page.frame_locator("iframe")
    panel.locator(".run-card .cell").first.wait_for(timeout=30_000)
    return panel


def test_a_reload_restores_every_part_of_the_selection(tensorboard, browser):
    page, panel, problems, expected = open_with_a_selection(tensorboard, browser)
    before = selection_on_page(panel)
    assert before["cards"] == ["Run validation", "Run test"]
    assert before["threshold"] == "0.37" and before["normalization"] == "Row %"
    assert page.evaluate("location.hash").startswith("#tb_confusion&")  # TensorBoard's tab stays first

    page.reload()
    wait_for_panel(page)
    eventually(lambda: selection_in_store(page), expected, timeout=20)
    eventually(lambda: selection_on_page(panel), before, timeout=20)
    expect(panel.locator("#recommend-warning")).to_contain_text("test data")
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_a_pasted_link_restores_the_selection_in_a_fresh_page(tensorboard, browser):
    page, panel, problems, expected = open_with_a_selection(tensorboard, browser)
    before = selection_on_page(panel)
    link = page.evaluate("location.href")
    page.close()

    fresh = browser.new_page(viewport={"width": 1400, "height": 1700})  # a new context: nothing carried over
    errors = []
    fresh.on("pageerror", lambda error: errors.append(str(error)))
    fresh.goto(link)
    panel = wait_for_panel(fresh)
    eventually(lambda: selection_in_store(fresh), expected, timeout=20)
    eventually(lambda: selection_on_page(panel), before, timeout=20)

    # A link pasted into the same tab only changes the hash (no reload): the panel follows it.
    fresh.evaluate("""() => { location.hash = location.hash.replace(/threshold=0\\.37/, "threshold=0.61")
        .replace(/step=1/, "step=2").replace(/recommend=test/, "recommend=validation"); }""")
    eventually(lambda: selection_in_store(fresh), {**expected, "threshold": 0.61, "step": 2, "recommendRun": "validation"})
    expect(panel.locator("#threshold-slider-value")).to_have_value("0.61")
    expect(panel.locator("#recommend-run")).to_have_value("validation")
    assert errors == []
    fresh.close()


def test_a_hostile_or_stale_hash_value_is_ignored_value_by_value(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    page.close()
    keys = {"tag": EVIL, "runs": '["validation", "<b>x</b>", 7]', "step": "1e3", "threshold": "1.5", "cutoff": "javascript:alert(1)",
            "show": "row", "order": "<script>alert(1)</script>", "recommend": EVIL, "thresholds": "x,y"}
    hash_ = "tb_confusion&" + "&".join(f"p.tb_confusion.{k}={urllib.parse.quote(v, safe='')}" for k, v in keys.items())
    page, panel, problems = open_panel_at(browser, f"{base_url}/#{hash_}")
    # The bad values fall back to the defaults; the good ones (normalization, the known run) are applied.
    state = selection_in_store(page)
    assert state["tag"] == "animals"  # the default tag: EVIL names no tag
    assert state["runs"] == ["validation"]
    assert state["step"] == LAST
    assert (state["threshold"], state["cutoff"], state["sort"], state["recommendRun"]) == (0.5, 0, "index", None)
    assert state["normalization"] == "row"
    expect(panel.locator('.segmented[aria-label="Show"] .segment.on')).to_have_text("Row %")
    assert panel.locator("img").count() == 0 and panel.locator("script:not([src])").count() == 0
    # The URL is written again without them.
    eventually(lambda: "onerror" in page.evaluate("location.hash") or "script" in page.evaluate("location.hash"), False)
    eventually(lambda: our_keys(page).get("show"), "row")
    assert problems == {"dialogs": [], "errors": []}
    page.close()

    # A known tag with runs that no longer exist and an out-of-range threshold.
    page, panel, problems = open_panel_at(
        browser, f"{base_url}/#tb_confusion&p.tb_confusion.tag=fraud&p.tb_confusion.runs=%5B%22gone%22%5D"
                 "&p.tb_confusion.threshold=-1&p.tb_confusion.step=99")
    state = selection_in_store(page)
    assert (state["tag"], state["runs"], state["threshold"], state["step"]) == ("fraud", ["train", "validation", "test"], 0.5, LAST)
    expect(panel.locator("#threshold-slider-value")).to_have_value("0.5")
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def open_panel_at(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1700})
    problems = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (problems["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.goto(url)
    panel = wait_for_panel(page)
    eventually(lambda: selection_in_store(page)["step"] is not None, True, timeout=20)
    return page, panel, problems


def test_multilabel_all_labels_threshold_reads_mixed_after_max_f1(tensorboard, browser):
    logdir = tensorboard[1]
    page, panel, problems = open_on_tag(tensorboard, browser, "topics")
    box = panel.locator("#threshold-slider-value")
    expect(box).to_have_value("0.5")
    expect(box).not_to_have_attribute("placeholder", "mixed")
    panel.locator("#recommend-f1").click()
    best = expected_report(logdir, "validation", "topics", LAST)["recommended_thresholds"]
    expect(box).to_have_value("")
    expect(box).to_have_attribute("placeholder", "mixed")
    expect(panel.locator(".threshold-controls .hint").first).to_contain_text("mixed")
    for k in range(3):
        eventually(lambda: round(float(panel.locator(f"#label-threshold-{k}-value").input_value()), 4),
                   round(best[k]["max_f1"]["threshold"], 4))
    # The per-label boxes are in a popover, opened by its button and closed with Escape.
    summary = panel.locator("details.per-label summary")
    expect(summary).to_have_text("Per-label thresholds\u2026")
    expect(panel.locator("#label-threshold-0-value")).to_be_hidden()
    summary.click()
    expect(panel.locator("#label-threshold-0-value")).to_be_visible()
    panel.locator("#label-threshold-0-value").focus()
    page.keyboard.press("Escape")
    expect(panel.locator("#label-threshold-0-value")).to_be_hidden()
    # One threshold for all labels again: no longer mixed.
    box.fill("0.4")
    box.press("Enter")
    expect(box).not_to_have_attribute("placeholder", "mixed")
    expect(box).to_have_value("0.4")
    eventually(lambda: selection_in_store(page)["labelThresholds"], [0.4, 0.4, 0.4])
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_an_out_of_range_threshold_is_marked_invalid_and_restored_on_blur(tensorboard, browser):
    page, panel, problems = open_on_tag(tensorboard, browser, "fraud")
    box = panel.locator("#threshold-slider-value")
    message = panel.locator("#threshold-slider-error")
    expect(message).to_be_hidden()
    for typed in ("1.5", "-1"):
        box.fill(typed)
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(message).to_be_visible()
        expect(message).to_contain_text("must be a number from 0 to 1")
        expect(message).to_contain_text(typed)
        box.press("Enter")
        assert selection_in_store(page)["threshold"] == 0.5  # nothing applied
        box.press("Tab")  # blur: the box shows the threshold in use again
        expect(box).to_have_value("0.5")
        expect(box).not_to_have_attribute("aria-invalid", "true")
        expect(message).to_contain_text("Kept 0.5")
    box.fill("0.3")
    box.press("Enter")
    expect(message).to_be_hidden()
    eventually(lambda: selection_in_store(page)["threshold"], 0.3)
    # The cutoff of a multiclass tag names itself.
    choose_tag(panel, "animals")
    expect(panel.locator(".threshold-controls .field-label").first).to_have_text("Confidence cutoff")
    box.fill("2")
    expect(message).to_contain_text("Confidence cutoff must be a number from 0 to 1")
    box.press("Tab")
    expect(box).to_have_value("0")
    assert problems == {"dialogs": [], "errors": []}
    page.close()


def test_a_tooltip_opened_from_the_keyboard_hides_on_scroll(tensorboard, browser):
    base_url, _ = tensorboard
    page, panel, problems = open_panel(browser, base_url, height=700)
    choose_tag(panel, "fraud")
    card(panel, "validation").locator(".cell").first.focus()
    page.keyboard.press("ArrowRight")  # a keyboard focus: the cell's tooltip shows
    tooltip = panel.locator(".tooltip")
    expect(tooltip).to_be_visible()
    frame_of(page).evaluate("window.scrollBy(0, 150)")
    expect(tooltip).to_be_hidden()
    assert problems == {"dialogs": [], "errors": []}
    page.close()

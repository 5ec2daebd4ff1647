"""Example media (tbc.summary.examples_pb) in headless Chromium against a real tensorboard: the examples drawer
shows each example's thumbnail (the PNG logged, decoded: its natural width is the logged width) or its text
as text (a string made of tags stays text: no element, no script, no dialog), and nothing for an id without
media; the diff card's learned list and the forgetting table show them too."""

import urllib.error
import urllib.request

import numpy as np
import pytest
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, card, eventually, expect

import tb_confusion
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLASSES = ["cat", "dog", "fox"]
N = 60
IDS = [f"ex-{i:02d}" for i in range(N)]
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="alert(1)"> a <b>caption</b> & "quotes"'
NO_MEDIA = IDS[57]  # true class 0 (57 % 3), odd: would be text


def width_of(i):
    return 6 + i % 7


def image_of(i):
    """A grey image of id i, 9 rows high and width_of(i) wide (its width tells the images apart)."""
    return (np.arange(9 * width_of(i)).reshape(9, width_of(i)) * 3 + i).astype(np.uint8)


def text_of(i):
    return HOSTILE if i % 6 == 3 else f"caption of {IDS[i]}"


def media():
    """Images for even ids, text for odd ones, nothing for NO_MEDIA."""
    return {IDS[i]: image_of(i) if i % 2 == 0 else text_of(i) for i in range(N) if IDS[i] != NO_MEDIA}


def write_logs(logdir):
    """Run validation, tag animals, two steps: at step 0 every example of class 0 with an even index is
    wrong (they are learned at step 1, where every example is right). Media logged once, at step 0."""
    labels = np.arange(N) % len(CLASSES)
    with EventWriter(str(logdir / "validation")) as writer:
        writer.add_summary(tb_confusion.summary.examples_pb("animals", media()), step=0)
        for step in range(2):
            predicted = labels.copy()
            if step == 0:
                wrong = (labels == 0) & (np.arange(N) % 2 == 0)
                predicted[wrong] = 1
            p = np.full((N, len(CLASSES)), 0.05)
            p[np.arange(N), predicted] = 0.9
            writer.add_summary(tb_confusion.summary.predictions_pb(
                "animals", labels, p.astype(np.float32), class_names=CLASSES, example_ids=IDS), step=step)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "media_logs", write_logs) as served:
        yield served


def shown_media(rows):
    """{id: ("image", natural width) | ("text", text, elements inside) | ("none",)} of a table's rows."""
    return {row[0]: tuple(row[1:]) for row in rows.evaluate_all("""rows => rows.map(r => {
        const id = r.querySelector('.example-id').textContent;
        const cell = r.querySelector('td.example-media');
        const kind = cell.dataset.media;
        if (kind === 'image') { const img = cell.querySelector('img');
          return [id, kind, img.complete ? img.naturalWidth : -1, img.getAttribute('src')]; }
        if (kind === 'text') return [id, kind, cell.textContent, cell.querySelectorAll('*').length];
        return [id, kind];
    })""")}


def want_media(ids, base="./media?run=validation&tag=animals&id="):
    out = {}
    for example_id in ids:
        i = IDS.index(example_id)
        if example_id == NO_MEDIA:
            out[example_id] = ("none",)
        elif i % 2 == 0:
            out[example_id] = ("image", width_of(i), base + example_id)
        else:
            out[example_id] = ("text", text_of(i), 1)  # the text's one <span>, nothing parsed from it
    return out


def test_the_drawer_and_the_flip_lists_show_each_examples_media(tensorboard, browser):  # noqa: F811
    base_url, _ = tensorboard
    route = f"{base_url}/data/plugin/tb_confusion"
    assert get_json(f"{route}/tags")["validation"]["animals"]["has_media"] is True
    assert get_json(f"{route}/media?run=validation&tag=animals&id=ex-03") == {"id": "ex-03", "kind": "text",
                                                                             "text": HOSTILE}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{route}/media?run=validation&tag=animals&id={NO_MEDIA}", timeout=30)
    assert missing.value.code == 404

    page, panel, problems = browser_watch.open_watched(browser, base_url, height=1800)
    # The cell actual cat -> predicted cat at the last step: every id of class 0 (20, one page).
    card(panel, "validation").locator('.cell[data-true="0"][data-pred="0"]').click()
    drawer = panel.locator("#examples")
    rows = drawer.locator(".examples-table tbody tr")
    rows.first.wait_for()
    ids = rows.locator(".example-id").all_text_contents()
    assert sorted(ids) == [IDS[i] for i in range(0, N, 3)] and NO_MEDIA in ids
    # Scroll through the drawer so every lazy image comes into view and loads.
    for k in range(len(ids)):
        rows.nth(k).scroll_into_view_if_needed()
    eventually(lambda: shown_media(rows), want_media(ids), timeout=20)
    assert drawer.locator(".media-text").filter(has_text="<script>").count() >= 1  # shown as text, not run
    assert panel.locator("body").evaluate("() => window.pwned === undefined && !document.querySelector("
                                          "'.examples-table script, .examples-table b, .example-media img[src=x]')")
    ARTIFACTS.mkdir(exist_ok=True)
    rows.first.scroll_into_view_if_needed()
    drawer.screenshot(path=str(ARTIFACTS / "media_drawer.png"))
    panel.locator("#examples-close").click()

    # The diff card: step 0 -> step 1 learned the even ids of class 0, each shown with its thumbnail.
    panel.locator("#diff-toggle").click()
    learned = panel.locator("#diff-learned tbody tr")
    expect(panel.locator("#diff-learned-total")).to_have_text("10", timeout=15_000)
    learned_ids = learned.evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert sorted(learned_ids) == [IDS[i] for i in range(0, N, 6)]
    for k in range(len(learned_ids)):
        learned.nth(k).scroll_into_view_if_needed()
    eventually(lambda: shown_media(learned), want_media(learned_ids), timeout=20)

    # The forgetting table (nothing forgotten here) shows no rows, so no media; nothing went wrong meanwhile
    # but the 404s of the id without media (its image, then its text).
    expect(panel.locator("#forgetting-summary")).not_to_be_empty()
    assert problems["dialogs"] == [] and problems["errors"] == []
    assert problems["responses"] and all(r.startswith("404 ") and f"id={NO_MEDIA}" in r for r in problems["responses"])
    page.close()

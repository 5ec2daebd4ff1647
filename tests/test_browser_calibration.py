"""The Calibration card in headless Chromium against a real tensorboard: the reliability diagram's bins and
the ECE / MCE it shows equal the `calibration` route's answer and build_report's `ece`, `mce` and
`adaptive_ece`; equal-mass bins, another step, another bin count, one class one-vs-rest and the temperature
scaling preview each redraw it with the route's numbers. The card's screenshot goes to artifacts/."""

import numpy as np
import pytest
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, eventually, expect, open_panel

import tb_confusion
from tb_confusion.report import build_report
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLASSES = ["cat", "dog", "fox", "owl"]
STEPS = 3
N = 800


def write_logs(logdir):
    """Runs train/validation, tag animals: a classifier whose logits are sharpened (overconfident) less
    each epoch, labels drawn from the unsharpened probabilities."""
    rng = np.random.default_rng(5)
    for run in ("train", "validation"):
        with EventWriter(str(logdir / run)) as writer:
            for step in range(STEPS):
                z = rng.normal(0, 1, (N, len(CLASSES)))
                z[np.arange(N), rng.integers(0, len(CLASSES), N)] += 1.5
                p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
                labels = (p.cumsum(1) > rng.random((N, 1))).argmax(1)
                sharp = np.exp(z * (3.0 - step)) / np.exp(z * (3.0 - step)).sum(1, keepdims=True)
                writer.add_summary(tb_confusion.summary.predictions_pb(
                    "animals", labels, sharp.astype(np.float32), class_names=CLASSES), step=step)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "calibration_logs", write_logs) as served:
        yield served


def route(base_url, run, step, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return get_json(f"{base_url}/data/plugin/tb_confusion/calibration?run={run}&tag=animals&step={step}&{query}")


def report(logdir, run, step):
    (record,) = tb_confusion.read(str(logdir), run=run, tag="animals", step=step)
    return build_report(record)["metrics"]


def shown(panel, run):
    """What the card shows for `run`: the legend's numbers, the points and the histogram's counts."""
    item = panel.locator(f'#calibration-legend li[data-run="{run}"]')
    original = panel.locator(f'#calibration-chart g.original[data-run="{run}"]')
    points = original.locator("circle.calibration-point")
    return {
        "ece": float(item.get_attribute("data-ece")), "mce": float(item.get_attribute("data-mce")),
        "strategy": item.get_attribute("data-strategy"), "text": item.locator(".legend-values").text_content(),
        "bins": [int(b) for b in points.evaluate_all("els => els.map(e => e.dataset.bin)")],
        "accuracy": [float(a) for a in points.evaluate_all("els => els.map(e => e.dataset.accuracy)")],
        "confidence": [float(c) for c in points.evaluate_all("els => els.map(e => e.dataset.confidence)")],
        "counts": [float(c) for c in original.locator("rect.calibration-count").evaluate_all(
            "els => els.map(e => e.dataset.count)")],
    }


def expected_view(answer):
    bins = answer["bins"]
    filled = [i for i, a in enumerate(bins["accuracy"]) if a is not None]
    return {"ece": answer["ece"], "mce": answer["mce"], "strategy": answer["strategy"], "bins": filled,
            "accuracy": [bins["accuracy"][i] for i in filled], "confidence": [bins["confidence"][i] for i in filled],
            "counts": [float(c) for c in bins["count"]]}


def without_text(view):
    return {k: v for k, v in view.items() if k != "text"}


def wait_for(panel, run, answer):
    eventually(lambda: without_text(shown(panel, run)) if panel.locator(
        f'#calibration-legend li[data-run="{run}"]').count() else None, expected_view(answer), timeout=15)


def test_the_reliability_diagram_shows_the_routes_and_the_reports_numbers(tensorboard, browser):  # noqa: F811
    base_url, logdir = tensorboard
    page, panel, problems = open_panel(browser, base_url)
    panel.locator("#tag-select").select_option("animals")
    card = panel.locator("#calibration")
    card.scroll_into_view_if_needed()
    last = STEPS - 1

    # Equal-width bins at the latest step: the route's diagram, the report's ECE and MCE, for both runs.
    for run in ("train", "validation"):
        answer = route(base_url, run, last)
        wait_for(panel, run, answer)
        metrics = report(logdir, run, last)
        assert answer["ece"] == pytest.approx(metrics["ece"], abs=1e-12)
        assert answer["mce"] == pytest.approx(metrics["mce"], abs=1e-12)
        assert shown(panel, run)["text"] == f"ECE {answer['ece']:.4f} \u00b7 MCE {answer['mce']:.4f}"
    assert len(shown(panel, "validation")["counts"]) == 15
    expect(panel.locator("#calibration-equal-width")).to_have_attribute("aria-pressed", "true")

    # Equal-mass bins: the adaptive ECE.
    panel.locator("#calibration-equal-mass").click()
    answer = route(base_url, "validation", last, strategy="equal_mass")
    wait_for(panel, "validation", answer)
    assert answer["ece"] == pytest.approx(report(logdir, "validation", last)["adaptive_ece"], abs=1e-12)
    assert answer["ece"] != route(base_url, "validation", last)["ece"]
    assert shown(panel, "validation")["text"].startswith(f"Adaptive ECE {answer['ece']:.4f}")

    # Another step: the diagram follows the scrubber (step 0 is the most overconfident).
    panel.locator("#step-slider").fill("0")
    first = route(base_url, "validation", 0, strategy="equal_mass")
    wait_for(panel, "validation", first)
    assert first["ece"] == pytest.approx(report(logdir, "validation", 0)["adaptive_ece"], abs=1e-12)
    assert first["ece"] > answer["ece"]

    # 10 bins, equal width again, then one class one-vs-rest.
    panel.locator("#calibration-equal-width").click()
    panel.locator("#calibration-bins").select_option("10")
    wait_for(panel, "validation", route(base_url, "validation", 0, bins=10))
    panel.locator("#calibration-class").select_option("2")
    one = route(base_url, "validation", 0, bins=10, **{"class": 2})
    wait_for(panel, "validation", one)
    assert one["scope"] == "one_vs_rest"
    expect(card.locator(".calibration-scope")).to_contain_text("\u201cfox\u201d")

    # Temperature scaling: a dashed series per run, T and the ECE after it from the route.
    panel.locator("#calibration-class").select_option("")
    panel.locator("#calibration-temperature").click()
    fitted = route(base_url, "validation", 0, bins=10, temperature="fit")["temperature_scaling"]
    item = panel.locator('#calibration-legend li[data-run="validation"]')
    eventually(lambda: item.get_attribute("data-temperature"), str(fitted["temperature"]), timeout=15)
    assert fitted["temperature"] > 1.5  # step 0's logits were sharpened 3x
    assert fitted["ece"] < first["ece"]
    assert float(item.get_attribute("data-ece-after")) == fitted["ece"]
    scaled = panel.locator('#calibration-chart g.scaled[data-run="validation"] circle.calibration-point')
    eventually(scaled.count, sum(a is not None for a in fitted["bins"]["accuracy"]))
    expect(panel.locator("#calibration-temperature")).to_have_attribute("aria-pressed", "true")

    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "calibration.png"))
    assert problems == {"dialogs": [], "errors": []}
    page.close()


"""The Calibration card's temperature scaling preview in headless Chromium against a real tensorboard: the
matrix and headline metrics after scaling shown beside the original equal scikit-learn's on the scaled
probabilities (sigmoid(logit(p) / T), softmax(log p / T)) with T from the `calibration` route: a binary tag at
a threshold where the matrix changes, one label of a multilabel tag, and a multiclass tag, whose matrix the
argmax keeps (the card says so) and whose log loss, Brier score and ECE change."""

import warnings

import numpy as np
import pytest
import sklearn.metrics as sk
import browser_watch
from tb_process import get_json, serving
from test_browser_e2e import ARTIFACTS, eventually, expect

import tb_confusion
from tb_confusion.metrics import calibration
from tb_confusion.storage.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 800
CLASSES = ["cat", "dog", "fox", "owl"]


def write_logs(logdir):
    """Run validation, step 0: overconfident scores (logits sharpened 3x) of a binary, a multiclass and a
    multilabel tag."""
    rng = np.random.default_rng(17)
    with EventWriter(str(logdir / "validation")) as writer:
        y = rng.integers(0, 2, N)
        logit = 3.0 * (rng.normal(0, 1.2, N) + 1.0 * (2 * y - 1))
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "binary", y, (1 / (1 + np.exp(-logit))).astype(np.float32), class_names=["no", "yes"]), step=0)
        y = rng.integers(0, len(CLASSES), N)
        z = 3.0 * (rng.normal(0, 1, (N, len(CLASSES))) + 1.2 * np.eye(len(CLASSES))[y])
        p = np.exp(z - z.max(1, keepdims=True))
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "multiclass", y, (p / p.sum(1, keepdims=True)).astype(np.float32), class_names=CLASSES), step=0)
        y = rng.integers(0, 2, (N, 3))
        logit = 3.0 * (rng.normal(0, 1.2, (N, 3)) + 0.9 * (2 * y - 1))
        writer.add_summary(tb_confusion.summary.predictions_pb(
            "labels", y.astype(np.uint8), (1 / (1 + np.exp(-logit))).astype(np.float32), task="multilabel",
            class_names=["even", "big", "loop"]), step=0)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    with serving(tmp_path_factory, "temperature_logs", write_logs) as served:
        yield served


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def record(logdir, tag):
    (r,) = tb_confusion.read(str(logdir), run="validation", tag=tag, step=0)
    return np.asarray(r.labels), np.asarray(r.probabilities, dtype=np.float64)


def temperature(base_url, tag):
    answer = get_json(f"{base_url}/data/plugin/tb_confusion/calibration?run=validation&tag={tag}&step=0"
                      "&temperature=fit")
    return answer["temperature_scaling"]["temperature"]


def sigmoid_scaled(p, t):
    return 1 / (1 + np.exp(-(np.log(p) - np.log1p(-p)) / t))


def shown_matrix(block, kind):
    rows = block.locator(f'.preview-matrix[data-kind="{kind}"] tbody tr').evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => Number(c.dataset.value)))")
    return rows


def shown_metric(block, key, column):
    return float(block.locator(f'.preview-metrics tr[data-key="{key}"]').get_attribute(f"data-{column}"))


def set_threshold(panel, value):
    panel.locator("#threshold-slider-value").fill(str(value))
    panel.locator("#threshold-slider-value").press("Enter")


def test_the_preview_shows_the_matrix_and_metrics_after_scaling_as_scikit_learn_computes_them(tensorboard, browser):  # noqa: F811,E501
    base_url, logdir = tensorboard
    page, panel, problems = browser_watch.open_watched(browser, base_url)
    panel.locator("#tag-select").select_option("binary")
    set_threshold(panel, 0.3)
    panel.locator("#calibration-temperature").click()
    block = panel.locator('#temperature-preview .preview-run[data-run="validation"]')
    block.locator('.preview-matrix[data-kind="after"]').wait_for(timeout=20_000)

    y, p = record(logdir, "binary")
    t = temperature(base_url, "binary")
    assert t > 1.5  # the scores were sharpened: T softens them
    scaled = sigmoid_scaled(p, t)
    before = sk.confusion_matrix(y, p >= 0.3).tolist()
    after = sk.confusion_matrix(y, scaled >= 0.3).tolist()
    assert after != before  # the decision at 0.3 moves with T
    eventually(lambda: shown_matrix(block, "after"), after, timeout=15)
    assert shown_matrix(block, "before") == before
    expect(block.locator(".preview-head")).to_contain_text(f"T = {float(f'{t:.3g}'):g}")
    for key, fn in (("accuracy", sk.accuracy_score), ("f1", sk.f1_score), ("precision", sk.precision_score),
                    ("recall", sk.recall_score), ("mcc", sk.matthews_corrcoef)):
        assert shown_metric(block, key, "before") == pytest.approx(quiet(fn, y, p >= 0.3), abs=1e-12), key
        assert shown_metric(block, key, "after") == pytest.approx(quiet(fn, y, scaled >= 0.3), abs=1e-12), key
    assert shown_metric(block, "log_loss", "before") == pytest.approx(sk.log_loss(y, p), rel=1e-5)
    assert shown_metric(block, "log_loss", "after") == pytest.approx(sk.log_loss(y, scaled), rel=1e-5)
    assert shown_metric(block, "log_loss", "after") < shown_metric(block, "log_loss", "before")
    assert shown_metric(block, "brier_score", "after") == pytest.approx(sk.brier_score_loss(y, scaled), rel=1e-5)
    assert shown_metric(block, "brier_score", "before") == pytest.approx(sk.brier_score_loss(y, p), rel=1e-6)
    ece_after = calibration.reliability_diagram(y, scaled.astype(np.float32), task="binary")["ece"]
    assert shown_metric(block, "ece", "after") == pytest.approx(ece_after, abs=1e-6)
    ARTIFACTS.mkdir(exist_ok=True)
    panel.locator("#calibration").screenshot(path=str(ARTIFACTS / "temperature_preview.png"))

    # Multilabel: the first label's 2x2 matrices at 0.3, and the label-macro F1.
    panel.locator("#tag-select").select_option("labels")
    set_threshold(panel, 0.3)
    y, p = record(logdir, "labels")
    scaled = sigmoid_scaled(p, temperature(base_url, "labels"))
    eventually(lambda: shown_matrix(block, "after"), sk.multilabel_confusion_matrix(y, scaled >= 0.3)[0].tolist(),
               timeout=20)
    assert shown_matrix(block, "before") == sk.multilabel_confusion_matrix(y, p >= 0.3)[0].tolist()
    assert shown_metric(block, "f1", "after") == pytest.approx(
        quiet(sk.f1_score, y, scaled >= 0.3, average="macro"), abs=1e-12)

    # Multiclass: the argmax is unchanged (said, no matrices); log loss and Brier score of softmax(log p / T).
    panel.locator("#tag-select").select_option("multiclass")
    y, p = record(logdir, "multiclass")
    t = temperature(base_url, "multiclass")
    z = np.log(np.clip(p, 1e-12, None)) / t
    scaled = np.exp(z - z.max(1, keepdims=True))
    scaled /= scaled.sum(1, keepdims=True)
    assert (scaled.argmax(1) == p.argmax(1)).all()
    expect(block.locator("[data-argmax]")).to_contain_text("never changes which class is the most probable",
                                                           timeout=20_000)
    assert block.locator(".preview-matrix").count() == 0
    eventually(lambda: round(shown_metric(block, "log_loss", "after"), 6), round(sk.log_loss(y, scaled), 6), timeout=15)
    assert shown_metric(block, "brier_score", "after") == pytest.approx(
        quiet(sk.brier_score_loss, y, scaled, labels=range(len(CLASSES))), rel=1e-5)
    assert shown_metric(block, "log_loss", "before") == pytest.approx(sk.log_loss(y, p), rel=1e-5)
    assert problems == {"dialogs": [], "errors": [], "console": [], "responses": []}
    page.close()

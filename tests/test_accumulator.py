"""tb_confusion.Accumulator: per-pixel sums give the numbers scikit-learn and torchmetrics give on the
flattened pixels; merging and chunking change nothing; bad batches are refused whole."""

import numpy as np
import pytest
import torch
import torchmetrics.classification as tmc
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import tb_confusion as tbc
from tb_confusion.counts import accumulator as accumulator_module
from tb_confusion.counts.state import CUTOFF_BINS
from tb_confusion.errors import BadArgument
from tb_confusion.report import build_report
from tb_confusion.storage import metadata, payload

IGNORE = 255


def batches(seed, c, n_batches, n, h, w, *, ignore=True, skill=1.5):
    """[(labels [n, h, w] with an ignored first row, float32 softmax probabilities [n, h, w, c])]."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_batches):
        labels = rng.integers(0, c, (n, h, w))
        logits = rng.normal(size=(n, h, w, c)) + skill * np.eye(c)[labels]
        p = np.exp(logits)
        p = (p / p.sum(-1, keepdims=True)).astype(np.float32)
        if ignore:
            labels[:, 0, :] = IGNORE
        out.append((labels, p))
    return out


def flattened(parts, c):
    y = np.concatenate([labels.reshape(-1) for labels, _ in parts])
    p = np.concatenate([probabilities.reshape(-1, c) for _, probabilities in parts])
    keep = y != IGNORE
    return y[keep], p[keep]


def accumulate(parts, c, **options):
    acc = tbc.Accumulator("pixels", class_names=[f"c{k}" for k in range(c)], ignore_index=IGNORE, **options)
    for labels, probabilities in parts:
        acc.update(labels, probabilities)
    return acc


@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 6), n_batches=st.integers(1, 3), n=st.integers(1, 3),
       h=st.integers(2, 7), w=st.integers(1, 7), skill=st.floats(0, 4))
def test_numbers_equal_scikit_learn_and_torchmetrics_on_the_flattened_pixels(seed, c, n_batches, n, h, w, skill):
    parts = batches(seed, c, n_batches, n, h, w, skill=skill)
    y, p = flattened(parts, c)
    report = build_report(accumulate(parts, c).record(), curves=True)
    metrics, pred, labels = report["metrics"], p.argmax(1), list(range(c))

    assert report["confusion_matrix"] == skm.confusion_matrix(y, pred, labels=labels).tolist()
    tm_matrix = tmc.MulticlassConfusionMatrix(c, ignore_index=IGNORE)
    all_y = torch.from_numpy(np.concatenate([labels_.reshape(-1) for labels_, _ in parts]))
    all_p = torch.from_numpy(np.concatenate([probabilities.reshape(-1, c) for _, probabilities in parts]))
    assert report["confusion_matrix"] == tm_matrix(all_p, all_y).tolist()
    assert report["num_elements"] == len(y)
    assert metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    jaccard = skm.jaccard_score(y, pred, labels=labels, average=None, zero_division=0)
    assert metrics["iou"]["per_class"] == pytest.approx(jaccard, abs=1e-12)
    assert metrics["iou"]["mean"] == pytest.approx(jaccard.mean(), abs=1e-12)
    tm_iou = tmc.MulticlassJaccardIndex(c, average="none", ignore_index=IGNORE, zero_division=0)(all_p, all_y)
    assert metrics["iou"]["per_class"] == pytest.approx(tm_iou.double().numpy(), abs=1e-6)
    support = np.bincount(y, minlength=c)
    assert metrics["frequency_weighted_iou"] == pytest.approx(np.dot(support, jaccard) / support.sum(), abs=1e-12)
    assert metrics["dice"]["per_class"] == pytest.approx(
        skm.f1_score(y, pred, labels=labels, average=None, zero_division=0), abs=1e-12)
    assert metrics["log_loss"] == pytest.approx(skm.log_loss(y, p.astype(np.float64), labels=labels), rel=1e-6)
    if c > 2:
        assert metrics["top_k_accuracy"]["2"] == pytest.approx(skm.top_k_accuracy_score(y, p, k=2, labels=labels))
    for norm, key in (("l1", "ece"), ("max", "mce")):
        expected = tmc.MulticlassCalibrationError(c, n_bins=15, norm=norm, ignore_index=IGNORE)(all_p, all_y)
        assert metrics[key] == pytest.approx(float(expected), abs=1e-5)
    # binned ranking: within the bound the report states, per class
    for k, bound in enumerate(report["binned"]["roc_auc_error_bound"]):
        positive = y == k
        if 0 < positive.sum() < len(y):
            exact = skm.roc_auc_score(positive, p[:, k])
            assert abs(metrics["roc_auc"]["per_class"][k] - exact) <= bound + 1e-12


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 5), cutoff_bin=st.integers(0, CUTOFF_BINS))
def test_the_cutoff_matrix_is_exact_at_multiples_of_its_resolution(seed, c, cutoff_bin):
    parts = batches(seed, c, 2, 2, 5, 6)
    y, p = flattened(parts, c)
    cutoff = cutoff_bin / CUTOFF_BINS
    report = build_report(accumulate(parts, c).record(), cutoff=cutoff)
    pred = np.where(p.max(1).astype(np.float64) >= cutoff, p.argmax(1), c)
    expected = skm.confusion_matrix(y, pred, labels=range(c + 1))[:c]
    if cutoff == 0:
        expected = expected[:, :c]
    assert report["confusion_matrix"] == expected.tolist()


def test_merging_halves_and_chunking_batches_change_no_sum(monkeypatch):
    parts = batches(3, 4, 4, 2, 6, 5)
    whole = accumulate(parts, 4)
    merged = accumulate(parts[:2], 4).merge(accumulate(parts[2:], 4))
    monkeypatch.setattr(accumulator_module, "_ELEMENTS_PER_PASS", 7)  # every batch in many passes
    chunked = accumulate(parts, 4)
    for other in (merged, chunked):
        for name in ("cells", "scores", "calibration"):
            np.testing.assert_allclose(getattr(other.state, name), getattr(whole.state, name), rtol=1e-12)
        assert [list(a) for a in other.state.examples()] == [list(a) for a in whole.state.examples()]
        assert other.state.num_examples == whole.state.num_examples == 8


def test_weights_multiply_and_equal_scikit_learns_sample_weight():
    rng = np.random.default_rng(5)
    (labels, p), = batches(5, 3, 1, 3, 4, 4, ignore=False)
    sample, element = rng.random(3), rng.random((3, 4, 4))
    acc = tbc.Accumulator("px")
    acc.update(labels, p, sample_weight=sample, element_weight=element)
    weights = (sample[:, None, None] * element).reshape(-1)
    report = build_report(acc.record())
    y, pred = labels.reshape(-1), p.reshape(-1, 3).argmax(1)
    np.testing.assert_allclose(report["confusion_matrix"], skm.confusion_matrix(y, pred, sample_weight=weights))
    assert report["weighted"] is True
    assert report["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=weights))


def test_torch_channels_first_and_logits_give_the_channels_last_numbers():
    parts = batches(11, 3, 2, 2, 4, 5)
    expected = build_report(accumulate(parts, 3).record())
    acc = tbc.Accumulator("pixels", class_names=["c0", "c1", "c2"], ignore_index=IGNORE, channels_first=True,
                          from_logits=True)
    for labels, p in parts:
        acc.update(torch.from_numpy(labels), torch.from_numpy(np.log(p)).permute(0, 3, 1, 2))
    got = build_report(acc.record())
    assert got["confusion_matrix"] == expected["confusion_matrix"]
    assert got["metrics"]["log_loss"] == pytest.approx(expected["metrics"]["log_loss"], rel=1e-5)


def test_a_written_step_reads_back_as_the_same_report():
    acc = accumulate(batches(2, 4, 2, 3, 6, 6), 4)
    summary = acc.summary_pb()
    value = summary.value[0]
    plugin_data = metadata.parse_plugin_data(value.metadata.plugin_data.content)
    assert (plugin_data.version, plugin_data.task) == (metadata.COUNTS_VERSION, "segmentation")
    record = payload.decode(value.tensor.string_val[0], plugin_data, run="r", tag="pixels", step=3)
    for options in ({}, {"cutoff": 0.55, "curves": True}):
        assert build_report(record, **options) == {**build_report(acc.record(), **options), "run": "r", "step": 3}


def test_max_examples_drops_the_samplers_padding_at_the_end():
    parts = batches(4, 3, 3, 2, 3, 3)
    capped = accumulate(parts, 3, max_examples=5)
    expected = accumulate(parts[:2] + [(parts[2][0][:1], parts[2][1][:1])], 3)
    assert capped.state.num_examples == 5 and capped.examples_seen == 6
    np.testing.assert_array_equal(capped.state.cells, expected.state.cells)


@pytest.mark.parametrize("labels, probabilities, options, message", [
    (np.zeros(4, int), np.full((4, 2), 0.5), {}, "labels must have shape [N, ...]"),
    (np.zeros((2, 3), int), np.full((2, 4, 2), 0.5), {}, "probabilities must have shape [N, ..., C] matching labels"),
    (np.zeros((2, 3), int), np.full((2, 2, 3), 0.5), {}, "pass channels_first=True"),
    (np.full((1, 2), 3), np.full((1, 2, 3), 1 / 3), {}, "labels must lie in [0, 3) or be the ignore_index; got 3"),
    (np.zeros((1, 2), int), np.array([[[np.nan, 1.0], [0.5, 0.5]]]), {}, "element 0 sums to nan"),
    (np.zeros((1, 2), int), np.array([[[0.7, 0.7], [0.5, 0.5]]]), {}, "must sum to 1 over the classes"),
    (np.zeros((1, 2), int), np.array([[[1.5, -0.5], [0.5, 0.5]]]), {}, "must be in [0, 1]; got -0.5"),
    (np.zeros((1, 2), float) + 0.5, np.full((1, 2, 2), 0.5), {}, "labels must be integer class indices"),
    (np.zeros((1, 2), int), np.full((1, 2, 2), 0.5), {"sample_weight": [-1.0]}, "sample_weight must be finite and >= 0"),
    (np.zeros((1, 2), int), np.full((1, 2, 2), 0.5), {"element_weight": [1.0]}, "element_weight must be numbers of shape (1, 2)"),
    (np.zeros((2, 2), int), np.full((2, 2, 2), 0.5), {"example_ids": ["a", "a"]}, "example_ids must be unique"),
    (np.zeros((2, 2), int), np.full((2, 2, 2), 0.5), {"example_ids": ["a"]}, "example_ids must have shape (2,)"),
])
def test_a_bad_batch_is_refused_whole_naming_what_is_wrong(labels, probabilities, options, message):
    acc = accumulate(batches(1, 2, 1, 2, 2, 2, ignore=False), 2) if "lie in" not in message else tbc.Accumulator("p")
    before = None if acc.state is None else acc.state.cells.copy()
    with pytest.raises(BadArgument, match=_literal(message)):
        acc.update(labels, probabilities, **options)
    if before is not None:
        np.testing.assert_array_equal(acc.state.cells, before)


@pytest.mark.parametrize("options, message", [
    ({"task": "multiclass"}, "task must be one of 'segmentation'; got 'multiclass'"),
    ({"class_names": ["only"]}, "class_names must be two or more unique names"),
    ({"ignore_index": 2.5}, "ignore_index must be an int or None; got 2.5"),
    ({"channels_first": "yes"}, "channels_first"),
    ({"max_examples": -1}, "max_examples must be an int >= 0 or None; got -1"),
])
def test_bad_options_are_refused_at_construction(options, message):
    with pytest.raises(BadArgument, match=_literal(message)):
        tbc.Accumulator("pixels", **options)


def test_an_empty_accumulator_and_mismatched_merges_say_so():
    with pytest.raises(BadArgument, match="holds no batch yet: call update"):
        tbc.Accumulator("pixels").summary_pb()
    three, four = accumulate(batches(1, 3, 1, 1, 2, 2), 3), accumulate(batches(1, 4, 1, 1, 2, 2), 4)
    with pytest.raises(BadArgument, match="cannot merge a state of 4 classes into one of 3"):
        three.merge(four)
    with pytest.raises(BadArgument, match="probabilities have 4 classes; this accumulator counts 3"):
        three.update(*batches(1, 4, 1, 1, 2, 2)[0])
    a, b = tbc.Accumulator("p"), tbc.Accumulator("p")
    labels, p = batches(1, 2, 1, 2, 2, 2, ignore=False)[0]
    a.update(labels, p, example_ids=["x", "y"])
    b.update(labels, p, example_ids=["y", "z"])
    with pytest.raises(BadArgument, match="example id 'y' is in both states.*DistributedSampler"):
        a.merge(b)


def test_the_exact_writers_point_per_pixel_input_to_the_accumulator():
    with pytest.raises(BadArgument, match="shape \\[N\\] or \\[N, C\\].*tb_confusion.Accumulator"):
        tbc.summary.predictions_pb("p", np.zeros((2, 3), int), np.full((2, 3, 4), 0.25))
    with pytest.raises(BadArgument, match="per-pixel targets are summed with tb_confusion.Accumulator"):
        tbc.summary.predictions_pb("p", [0, 1], [0.2, 0.8], task="segmentation")


def _literal(text):
    import re

    return re.escape(text)

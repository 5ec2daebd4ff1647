"""Compact storage of multiclass steps: the numbers it keeps exact equal the exact step's on the same
predictions, the binned ones stay within their stated bound, and a damaged compact step is refused."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from tb_confusion import errors, label_issues
from tb_confusion.compact import facts as compact_facts
from tb_confusion.report import build_report
from tb_confusion.server import json_http, panel_data
from tb_confusion.statistics import of as statistics_of
from tb_confusion.storage import _proto, compact_payload, kinds, metadata, payload
from tb_confusion.storage.payload import Record

EXACT_KEYS = ("precision", "recall", "f1", "fbeta", "specificity", "iou", "support", "accuracy", "balanced_accuracy",
              "cohen_kappa", "mcc", "log_loss", "top_k_accuracy", "ece", "mce", "adaptive_ece")


def predictions(seed, n, c, scale=2.0, skill=3.0, weighted=False):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) * scale
    logits[np.arange(n), labels] += skill
    p = np.exp(logits - logits.max(1, keepdims=True))
    p = (p / p.sum(1, keepdims=True)).astype(np.float32)
    weights = rng.random(n) + 0.1 if weighted else None
    return labels.astype(np.uint8 if c <= 256 else np.uint16), p, weights


def both(labels, p, weights=None, ids=None):
    """(the exact Record, the compact record decoded from its bytes) of the same predictions."""
    c = p.shape[1]
    names = [f"c{k}" for k in range(c)]
    exact = Record("multiclass", labels, p, names, weights=weights, run="r", tag="t", step=1)
    if ids is not None:
        exact._example_ids, exact._example_id_offsets = payload.pack_example_ids(ids)
    blob = compact_payload.encode(labels, compact_facts.of(labels, p, weights), weights=weights, example_ids=ids)
    content = metadata.create_summary_metadata(task="multiclass", class_names=names, dtype="float32",
                                               version=metadata.COMPACT_VERSION).plugin_data.content
    compact = payload.decode(blob, metadata.parse_plugin_data(content), run="r", tag="t", step=1)
    return exact, compact


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), c=st.integers(3, 12), scale=st.floats(0.1, 4),
       weighted=st.booleans(), cutoff=st.sampled_from([None, 0.0, 0.3, 0.55, 0.9]))
def test_what_compact_keeps_exact_equals_the_exact_step(seed, n, c, scale, weighted, cutoff):
    labels, p, weights = predictions(seed, n, c, scale, weighted=weighted)
    exact, compact = both(labels, p, weights)
    a, b = build_report(compact, cutoff=cutoff, curves=True), build_report(exact, cutoff=cutoff, curves=True)
    assert a["confusion_matrix"] == b["confusion_matrix"] and a["coverage"] == b["coverage"]
    for key in EXACT_KEYS:
        assert a["metrics"][key] == b["metrics"][key], key
    assert a["metrics"]["brier_score"] == pytest.approx(b["metrics"]["brier_score"], abs=1e-6)
    bounds = a["binned"]["roc_auc_error_bound"]
    # the bound takes each class's totals from the labels; they are the ranked counts' last sums
    w = np.ones(n) if weights is None else weights
    positives, negatives = statistics_of(compact)._ranked.totals()
    np.testing.assert_allclose(positives, np.bincount(labels, w, minlength=c), rtol=1e-12)
    np.testing.assert_allclose(negatives, w.sum() - np.bincount(labels, w, minlength=c), rtol=1e-12, atol=1e-9)
    for k, (got, want) in enumerate(zip(a["metrics"]["roc_auc"]["per_class"], b["metrics"]["roc_auc"]["per_class"])):
        assert (got is None) == (want is None)
        if got is not None:
            assert abs(got - want) <= bounds[k] + 1e-12
    # the panel's statistics and a cell's examples are the exact step's
    stats_a = panel_data.stats(compact, build_report(compact, curves=True))
    stats_b = panel_data.stats(exact, build_report(exact, curves=True))
    assert json_http.json_bytes(stats_a["multiclass"]) == json_http.json_bytes(stats_b["multiclass"])
    true, pred = int(labels[0]), int(p[0].argmax())
    for column in (pred, c):  # likely label issues are approximate in compact steps (their own test)
        assert _without_issues(panel_data.examples(compact, true=true, pred=column, cutoff=0.5)) == \
            _without_issues(panel_data.examples(exact, true=true, pred=column, cutoff=0.5))


def _without_issues(page):
    page = dict(page, likely_issues=None)
    page["examples"] = [dict(row, likely_issue=None) for row in page["examples"]]
    return page


def test_binned_ranking_is_close_to_scikit_learn_at_imagenet_like_spread():
    labels, p, _ = predictions(7, 20_000, 100, scale=1.0)
    _, compact = both(labels, p)
    report = build_report(compact)
    onehot = np.eye(100)[labels]
    exact_auc = skm.roc_auc_score(onehot, p, average=None)
    exact_ap = skm.average_precision_score(onehot, p, average=None)
    auc_error = np.abs(np.array(report["metrics"]["roc_auc"]["per_class"]) - exact_auc)
    assert (auc_error <= np.array(report["binned"]["roc_auc_error_bound"]) + 1e-12).all()
    assert auc_error.max() < 1e-3
    assert np.abs(np.array(report["metrics"]["average_precision"]["per_class"]) - exact_ap).max() < 2e-3


def test_likely_label_issues_agree_with_the_exact_step():
    labels, p, _ = predictions(3, 5000, 20)
    rng = np.random.default_rng(4)
    noisy = np.where(rng.random(5000) < 0.1, rng.integers(0, 20, 5000), labels).astype(np.uint8)
    exact, compact = both(noisy, p)
    a = label_issues.of_step(statistics_of(compact)).flagged
    b = label_issues.of_step(statistics_of(exact)).flagged
    assert b.sum() > 100 and (a == b).mean() >= 0.99


def test_ids_weights_and_what_is_not_kept():
    labels, p, weights = predictions(2, 50, 5, weighted=True)
    ids = [f"img-{i}" for i in range(50)]
    exact, compact = both(labels, p, weights, ids)
    assert compact.example_ids == ids and np.array_equal(compact.weights, weights)
    with pytest.raises(errors.NotStored, match="stored compact"):
        statistics_of(compact).probabilities  # noqa: B018


def test_a_newer_reader_is_needed_and_says_so(monkeypatch):
    labels, p, _ = predictions(1, 20, 4)
    blob = compact_payload.encode(labels, compact_facts.of(labels, p))
    content = metadata.create_summary_metadata(task="multiclass", class_names=list("abcd"), dtype="float32",
                                               version=metadata.COMPACT_VERSION).plugin_data.content
    monkeypatch.setattr(metadata, "FORMAT_VERSION", 2)
    with pytest.raises(errors.NewerFormat, match="upgrade tb_confusion"):
        payload.decode(blob, metadata.parse_plugin_data(content))


def _reencoded(message):
    import struct

    import google_crc32c

    message.ClearField("checksum")
    body = message.SerializeToString()
    return body + payload._CHECKSUM_KEY + struct.pack("<I", google_crc32c.value(body))


@pytest.mark.parametrize("damage, message", [
    (lambda m: _entry(m, "pred").values.__setattr__("data", b"\x09" * 20), "pred must be class indices"),
    (lambda m: _entry(m, "top").values.__setattr__("data", np.full(20, np.nan, "<f4").tobytes()), "top must be"),
    (lambda m: _entry(m, "runner_up_score").values.__setattr__("data", np.ones(20, "<f4").tobytes()),
     "out of order"),
    (lambda m: _entry(m, "others_counts").values.__setattr__("data", b""), "others_counts"),
    (lambda m: _entry(m, "others_keys").values.__setattr__("data", np.zeros(len(_entry(m, "others_keys").values.data) // 2,
                                                                           "<u2").tobytes()), "bins out of range"),
    (lambda m: m.compact.remove(_entry(m, "true_rank")), "without true_rank"),
    (lambda m: m.labels.__setattr__("data", b"\x07" * 20), "labels must lie in [0, 4)"),
])
def test_a_damaged_or_foreign_compact_step_is_unreadable(damage, message):
    labels, p, _ = predictions(5, 20, 4)
    parsed = _proto.Payload.FromString(compact_payload.encode(labels, compact_facts.of(labels, p)))
    damage(parsed)
    content = metadata.create_summary_metadata(task="multiclass", class_names=list("abcd"), dtype="float32",
                                               version=metadata.COMPACT_VERSION).plugin_data.content
    with pytest.raises(errors.Unreadable, match=message.replace("[", r"\[").replace(")", r"\)")):
        payload.decode(_reencoded(parsed), metadata.parse_plugin_data(content))


def _entry(message, name):
    return next(entry for entry in message.compact if entry.name == name)


@pytest.mark.parametrize("storage, task, n, c, expected", [
    ("auto", "multiclass", 1000, 1000, "exact"), ("auto", "multiclass", 5000, 1000, "compact"),
    ("auto", "binary", 10**7, 2, "exact"), ("exact", "multiclass", 10**6, 100, "exact"),
    ("compact", "multiclass", 10, 3, "compact"),
])
def test_auto_stores_large_multiclass_steps_compact(storage, task, n, c, expected):
    assert kinds.choose(storage, task, n, c) == expected


@pytest.mark.parametrize("storage, task, message", [
    ("small", "multiclass", "storage must be one of 'auto', 'exact', 'compact'; got 'small'"),
    ("compact", "binary", "storage='compact' keeps multiclass steps; this step is binary"),
])
def test_bad_storage_is_refused_naming_it(storage, task, message):
    with pytest.raises(errors.BadArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        kinds.choose(storage, task, 10, 3)


def test_json_of_a_compact_report_is_plain():
    labels, p, _ = predictions(9, 40, 6)
    _, compact = both(labels, p)
    json.dumps(build_report(compact, curves=True))


def test_a_diff_of_two_compact_steps_equals_the_exact_diff_but_for_binned_metrics():
    from tb_confusion import diff

    labels, p1, _ = predictions(11, 400, 6)
    _, p2, _ = predictions(12, 400, 6)
    ids = [f"e{i}" for i in range(400)]
    exact_a, compact_a = both(labels, p1, ids=ids)
    exact_b, compact_b = both(labels, p2, ids=ids)
    a, b = diff.diff(exact_a, exact_b), diff.diff(compact_a, compact_b)
    binned = {"roc_auc", "average_precision", "brier_score"}  # Brier: to float32 (its own test)
    for key in a:
        if key.startswith("metric"):
            assert {k: v for k, v in a[key].items() if k not in binned} == \
                {k: v for k, v in b[key].items() if k not in binned}, key
        else:
            assert a[key] == b[key], key


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), c=st.integers(2, 40), levels=st.sampled_from([2, 4, 1000]))
def test_facts_equal_their_definitions_with_many_ties(seed, n, c, levels):
    """Ranks with ties (the larger class index first), argmax, runner-up (the first maximum other than the
    argmax), square sums and the histograms, on probabilities with few distinct values."""
    from tb_confusion.metrics import probabilistic

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    p = rng.integers(0, levels, (n, c)).astype(np.float32) / levels
    p[rng.random((n, c)) < 0.1] = 2.0 ** -30  # below the floor bin's edge
    facts = compact_facts.of(labels, p)
    assert np.array_equal(facts.true_rank, probabilistic.true_class_ranks(labels, p))
    assert np.array_equal(facts.pred, p.argmax(axis=1)) and np.array_equal(facts.top, p.max(axis=1))
    masked = p.copy()
    masked[np.arange(n), facts.pred] = -np.inf
    if c > 1:
        assert np.array_equal(facts.runner_up, masked.argmax(axis=1))
    assert np.allclose(facts.square_sum, (p.astype(np.float64) ** 2).sum(axis=1), rtol=1e-6)
    keys = compact_facts.keys(p)
    for k in range(c):
        others = (labels != k) & (facts.pred != k) & (facts.runner_up != k)
        want = np.bincount(keys[others, k], minlength=compact_facts.NUM_BINS)
        got_keys, got_counts = facts.others(k)
        assert np.array_equal(np.flatnonzero(want), got_keys) and np.array_equal(want[want > 0], got_counts)

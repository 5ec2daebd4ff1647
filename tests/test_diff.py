"""tb_confusion.diff against direct computations: scikit-learn matrices, numpy flips, a plain loop for
forgetting events, and the errors that name what cannot be compared."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix

from tb_confusion import diff
from tb_confusion.report import build_report
from tb_confusion.server import panel_data
from tb_confusion.storage.payload import Record, pack_example_ids

SETTINGS = settings(max_examples=40, deadline=None)


def record(task, labels, probabilities, *, ids=None, names=None, step=0, run="r"):
    names = list(names or [f"c{i}" for i in range(probabilities.shape[1] if probabilities.ndim == 2 else 2)])
    extra = {}
    if ids is not None:
        data, offsets = pack_example_ids(list(ids))
        extra = {"_example_ids": data, "_example_id_offsets": offsets}
    return Record(task=task, labels=np.asarray(labels), probabilities=np.asarray(probabilities), class_names=names,
                  run=run, tag="t", step=step, **extra)


def multiclass(rng, n, c):
    labels = rng.integers(0, c, n)
    p = rng.dirichlet(np.ones(c), n) + 0.8 * np.eye(c)[labels] * rng.random((n, 1))
    return labels, (p / p.sum(1, keepdims=True)).astype(np.float32)


def predict(labels, p, cutoff):
    pred = p.argmax(1)
    if cutoff is not None:
        pred = np.where(p.max(1).astype(np.float64) < cutoff, p.shape[1], pred)
    return pred


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), c=st.integers(2, 5),
       cutoff=st.one_of(st.none(), st.floats(0, 1)), keep=st.floats(0.3, 1.0))
def test_multiclass_matrix_and_flips_match_sklearn_and_numpy_on_ids_in_any_order(seed, n, c, cutoff, keep):
    rng = np.random.default_rng(seed)
    ya, pa = multiclass(rng, n, c)
    yb, pb = multiclass(rng, n, c)
    ids = np.array([f"ex{i}" for i in range(n)])
    in_b = rng.permutation(n)[: max(1, int(n * keep))]  # B: a shuffled subset, plus ids A does not have
    b_ids = np.concatenate([ids[in_b], [f"new{i}" for i in range(3)]])
    yb, pb = np.concatenate([yb[in_b], yb[:3] if n >= 3 else np.zeros(3, int)]), np.concatenate(
        [pb[in_b], np.full((3, c), 1.0 / c, np.float32)])
    a = record("multiclass", ya, pa, ids=ids)
    b = record("multiclass", yb, pb, ids=b_ids, step=1)
    out = diff.diff(a, b, cutoff=cutoff)

    rows_b = np.arange(len(in_b))  # the aligned examples, in B's order
    rows_a = in_b
    columns = c + (cutoff is not None)
    cm = lambda y, p: confusion_matrix(y, p, labels=range(columns))[:c]
    pred_a, pred_b = predict(ya, pa, cutoff)[rows_a], predict(yb, pb, cutoff)[rows_b]
    expected = cm(yb[rows_b], pred_b) - cm(ya[rows_a], pred_a)
    assert np.array_equal(out["difference"], expected)
    assert np.array_equal(out["matrix_a"], cm(ya[rows_a], pred_a))
    al = out["alignment"]
    assert (al["by"], al["aligned"], al["only_a"], al["only_b"]) == ("id", len(in_b), n - len(in_b), 3)
    assert set(al["only_b_ids"]) == {"new0", "new1", "new2"}

    right_a, right_b = pred_a == ya[rows_a], pred_b == yb[rows_b]
    learned = set(ids[rows_a][~right_a & right_b])
    forgotten = set(ids[rows_a][right_a & ~right_b])
    assert out["flips"]["learned"] == len(learned) and out["flips"]["forgotten"] == len(forgotten)
    assert out["flips"]["stayed_correct"] == int((right_a & right_b).sum())
    page = diff.Diff(a, b, cutoff=cutoff).flips("learned", limit=1000)
    assert {e["id"] for e in page["examples"]} == learned
    for e in page["examples"]:
        i = int(e["id"][2:])
        k = e["index"]
        assert (e["index_a"], e["true"], e["pred_a"], e["pred_b"]) == (i, yb[k], predict(ya, pa, cutoff)[i],
                                                                       predict(yb, pb, cutoff)[k])
        assert e["score_b"] == pytest.approx(float(pb[k].max())) and e["true_score_a"] == pytest.approx(pa[i, ya[i]])
    moved = [e["true_score_b"] - e["true_score_a"] for e in page["examples"]]
    assert moved == sorted(moved, reverse=True)
    # row % difference: each side's own row shares, in percentage points
    for r in range(c):
        ra, rb = np.bincount(pred_a[ya[rows_a] == r], minlength=columns), np.bincount(
            pred_b[yb[rows_b] == r], minlength=columns)
        for j in range(columns):
            got = out["row_percent_difference"][r][j]
            if ra.sum() and rb.sum():
                assert got == pytest.approx(100 * rb[j] / rb.sum() - 100 * ra[j] / ra.sum())
            else:
                assert got is None


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), threshold=st.floats(0, 1), pairs=st.booleans())
def test_binary_by_index_matches_sklearn_at_the_threshold(seed, n, threshold, pairs):
    rng = np.random.default_rng(seed)
    ya, yb = rng.integers(0, 2, n), rng.integers(0, 2, n)
    sa, sb = rng.random(n).astype(np.float32), rng.random(n).astype(np.float32)
    pa, pb = (np.stack([1 - sa, sa], 1), np.stack([1 - sb, sb], 1)) if pairs else (sa, sb)
    out = diff.diff(record("binary", ya, pa), record("binary", yb, pb, step=1), threshold=threshold, flips="forgotten",
                    limit=1000)
    pred_a, pred_b = (sa.astype(np.float64) >= threshold).astype(int), (sb.astype(np.float64) >= threshold).astype(int)
    assert out["alignment"]["by"] == "index"
    expected = confusion_matrix(yb, pred_b, labels=[0, 1]) - confusion_matrix(ya, pred_a, labels=[0, 1])
    assert np.array_equal(out["difference"], expected)
    forgotten = np.flatnonzero((pred_a == ya) & (pred_b != yb))
    assert sorted(e["index"] for e in out["examples"]["examples"]) == forgotten.tolist()
    assert out["examples"]["total"] == out["flips"]["forgotten"] == len(forgotten)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), labels=st.integers(1, 4),
       thresholds=st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_multilabel_counts_exact_matches_and_label_matrices(seed, n, labels, thresholds):
    rng = np.random.default_rng(seed)
    ya, yb = (rng.random((n, labels)) < 0.5).astype(int), (rng.random((n, labels)) < 0.5).astype(int)
    pa, pb = rng.random((n, labels)), rng.random((n, labels))
    t = np.array(thresholds[:labels])
    result = diff.Diff(record("multilabel", ya, pa), record("multilabel", yb, pb), thresholds=t.tolist())
    out = result.summary()
    pred_a, pred_b = (pa >= t).astype(int), (pb >= t).astype(int)
    def per_label(y, pred):  # sklearn's multilabel_confusion_matrix reads one column as binary: go label by label
        return np.stack([confusion_matrix(y[:, k], pred[:, k], labels=[0, 1]) for k in range(labels)])

    expected = per_label(yb, pred_b) - per_label(ya, pred_a)
    assert np.array_equal(out["label_difference"], expected)
    assert np.array_equal(out["difference"], expected.sum(0))
    right_a, right_b = (pred_a == ya).all(1), (pred_b == yb).all(1)
    assert out["flips"]["learned"] == int((~right_a & right_b).sum())
    for e in result.flips("learned", limit=1000)["examples"]:
        k = e["index"]
        assert e["true"] == np.flatnonzero(yb[k]).tolist() and e["pred_b"] == np.flatnonzero(pred_b[k]).tolist()
    assert out["metric_deltas"]["accuracy"] == pytest.approx(right_b.mean() - right_a.mean())


def test_metric_deltas_are_the_two_reports_headline_numbers():
    rng = np.random.default_rng(3)
    a, b = record("multiclass", *multiclass(rng, 200, 4)), record("multiclass", *multiclass(rng, 200, 4), step=1)
    out = diff.diff(a, b, cutoff=0.4)
    report_a, report_b = build_report(a, cutoff=0.4), build_report(b, cutoff=0.4)
    assert out["metrics_a"] == panel_data.epoch_metrics(report_a)
    assert out["metrics_b"] == panel_data.epoch_metrics(report_b)
    assert out["metric_deltas"]["f1"] == pytest.approx(out["metrics_b"]["f1"] - out["metrics_a"]["f1"])
    assert np.array_equal(np.array(out["matrix_b"]), report_b["confusion_matrix"])  # all examples aligned


def test_a_step_against_itself_has_no_flips_and_a_zero_matrix():
    a = record("multiclass", *multiclass(np.random.default_rng(0), 50, 3))
    out = diff.diff(a, a)
    assert not np.any(out["difference"]) and out["flips"]["learned"] == out["flips"]["forgotten"] == 0
    assert all(v == 0 for v in out["metric_deltas"].values() if v is not None)


# -- bad inputs --------------------------------------------------------------------------------------


def test_inputs_that_cannot_be_compared_are_named():
    rng = np.random.default_rng(1)
    y, p = multiclass(rng, 10, 3)
    a = record("multiclass", y, p, names=["cat", "dog", "bird"])
    with pytest.raises(ValueError, match=r"class names differ \(class 2 is 'bird' vs 'fish'\)"):
        diff.diff(a, record("multiclass", y, p, names=["cat", "dog", "fish"]))
    with pytest.raises(ValueError, match="3 vs 4 classes"):
        diff.diff(a, record("multiclass", *multiclass(rng, 10, 4)))
    with pytest.raises(ValueError, match="task differs: .* is multiclass, .* is multilabel"):
        diff.diff(a, record("multilabel", (p > 0.3).astype(int), p, names=["cat", "dog", "bird"]))
    with pytest.raises(ValueError, match="has 10 examples .* has 12"):
        diff.diff(a, record("multiclass", *multiclass(rng, 12, 3), names=["cat", "dog", "bird"]))
    ids = [f"x{i}" for i in range(10)]
    with pytest.raises(ValueError, match=r"B \(run 'r', tag 't', step 0\) has example ids and A .* has none"):
        diff.diff(a, record("multiclass", y, p, ids=ids, names=["cat", "dog", "bird"]))
    twice = ids[:9] + ["x4"]
    with pytest.raises(ValueError, match="example ids of B .* repeat 'x4' \\(rows 4 and 9\\)"):
        diff.diff(record("multiclass", y, p, ids=ids), record("multiclass", y, p, ids=twice))
    with pytest.raises(ValueError, match="example ids of A .* repeat 'x4'"):
        diff.diff(record("multiclass", y, p, ids=twice), record("multiclass", y, p, ids=ids))
    with pytest.raises(ValueError, match="flips must be one of learned, forgotten; got 'both'"):
        diff.diff(a, a, flips="both")
    with pytest.raises(ValueError, match="cutoff must be a number in"):
        diff.diff(a, a, cutoff=1.5)
    with pytest.raises(ValueError, match="thresholds must have one value per label"):
        diff.diff(*[record("multilabel", (p > 0.3).astype(int), p)] * 2, thresholds=[0.5])


# -- forgetting events -------------------------------------------------------------------------------


def history_records(rng, right, present, c=3):
    """Records whose correctness at argmax is `right` [steps, N] where `present` (ids in shuffled order)."""
    n = right.shape[1]
    labels = rng.integers(0, c, n)
    records = []
    for step in range(len(right)):
        rows = rng.permutation(np.flatnonzero(present[step]))
        guess = np.where(right[step, rows], labels[rows], (labels[rows] + 1) % c)
        p = np.full((len(rows), c), 0.1 / (c - 1))
        p[np.arange(len(rows)), guess] = 0.9
        strangers = 0 if step == len(right) - 1 else 1  # examples the reference (last) step does not have
        y = np.concatenate([labels[rows], np.zeros(strangers, int)])
        p = np.concatenate([p, np.full((strangers, c), 1 / c)])
        ids = [f"e{i}" for i in rows] + [f"stranger{step}"] * strangers
        records.append(record("multiclass", y, p, step=step * 10, ids=ids))
    return labels, records


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 8), n=st.integers(1, 40))
def test_forgetting_events_equal_a_direct_loop(seed, steps, n):
    rng = np.random.default_rng(seed)
    right = rng.random((steps, n)) < 0.5
    present = rng.random((steps, n)) < 0.8
    present[-1] = True  # the reference (last) step has every example
    _, records = history_records(rng, right, present)
    out = diff.forgetting(records, limit=n)

    events = np.zeros(n, int)
    histories = []
    for i in range(n):
        previous, text = None, ""
        for s in range(steps):
            if not present[s, i]:
                text += "-"
                continue
            text += "1" if right[s, i] else "0"
            events[i] += previous is True and not right[s, i]
            previous = bool(right[s, i])
        histories.append(text)
    assert out["forgetting_events"] == events.sum()
    assert out["forgotten_examples"] == (events > 0).sum()
    assert out["events_histogram"] == np.bincount(events, minlength=1).tolist()
    never = [i for i in range(n) if not (right[:, i] & present[:, i]).any()]
    assert out["never_learned"] == len(never)
    listed_never = out["never_learned_examples"]
    assert {e["id"] for e in listed_never} == {f"e{i}" for i in never}
    assert [e["index"] for e in listed_never] == sorted(e["index"] for e in listed_never)
    listed = out["most_forgotten"]
    assert [e["forgetting_events"] for e in listed] == sorted(events[events > 0].tolist(), reverse=True)
    last_order = records[-1].example_ids
    for e in listed + out["never_learned_examples"]:
        i = int(e["id"][1:])
        assert e["history"] == histories[i] and last_order[e["index"]] == e["id"]
    assert [s["unmatched"] for s in out["steps"]] == [1] * (steps - 1) + [0]
    assert [s["correct"] for s in out["steps"]] == (right & present).sum(1).tolist()
    assert [s["step"] for s in out["steps"]] == [10 * s for s in range(steps)]


def test_forgetting_needs_matchable_steps():
    rng = np.random.default_rng(0)
    a = record("multiclass", *multiclass(rng, 10, 3))
    with pytest.raises(ValueError, match="step .*step 1.* has 12 examples, the reference step 10"):
        diff.forgetting([record("multiclass", *multiclass(rng, 12, 3), step=1), a])
    with pytest.raises(ValueError, match="class names differ"):
        diff.forgetting([record("multiclass", *multiclass(rng, 10, 3), names="xyz"), a])
    with pytest.raises(ValueError, match="at least one step"):
        diff.forgetting([])
    with pytest.raises(ValueError, match="limit must be an integer >= 0"):
        diff.forgetting([a], limit=-1)
    out = diff.forgetting([a, a, a], limit=0)  # no ids, equal N: by index
    assert out["forgetting_events"] == 0 and out["most_forgotten"] == []

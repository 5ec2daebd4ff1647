"""tb_confusion.slices: each slice's numbers equal scikit-learn's on the slice's examples, the table's order,
counts and flags, the filter, and its errors."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import tb_confusion as tbc
from tb_confusion import errors, slices
from tb_confusion.report import build_report
from tb_confusion.statistics import Statistics
from tb_confusion.storage import metadata, payload


def _logged(labels, probabilities, **options):
    """The Record a reader gets back of a step written with these arguments."""
    value = tbc.summary.predictions_pb("p", labels, probabilities, **options).value[0]
    return payload.decode(value.tensor.string_val[0], metadata.parse_plugin_data(value.metadata.plugin_data.content),
                          run="r", tag="p", step=3)


@st.composite
def sliced_steps(draw):
    task = draw(st.sampled_from(["binary", "multiclass", "multilabel"]))
    n = draw(st.integers(1, 80))
    c = 2 if task == "binary" else draw(st.integers(3, 5) if task == "multiclass" else st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if task == "multilabel":
        labels, probabilities = rng.integers(0, 2, (n, c)), rng.random((n, c)).astype(np.float32)
    elif task == "binary":
        labels, probabilities = rng.integers(0, 2, n), rng.random(n).astype(np.float32)
    else:
        labels, probabilities = rng.integers(0, c, n), rng.dirichlet(np.ones(c), n).astype(np.float32)
    values = draw(st.sampled_from([["web", "scan", "phone"], [0, 7, -3, 12], [True, False]]))
    attribute = [values[k] for k in rng.integers(0, len(values), n)]
    weights = rng.random(n) + 0.05 if draw(st.booleans()) else None
    return task, labels, probabilities, attribute, weights


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(step=sliced_steps(), threshold=st.sampled_from([0.5, 0.3]))
def test_each_slice_equals_scikit_learn_on_its_examples(step, threshold):
    task, labels, probabilities, attribute, weights = step
    record = _logged(labels, probabilities, task=task, sample_weight=weights, attributes={"a": attribute})
    entries = slices.reports(record, "a", threshold=threshold)
    assert sum(e["count"] for e in entries) == len(labels)
    assert [e["value"] for e in entries] == sorted(set(attribute))
    column = np.array(attribute, dtype=object)
    for entry in entries:
        keep = np.flatnonzero(column == entry["value"])
        assert entry["count"] == len(keep) and entry["filter"] == f"a={entry['value']}"
        report = entry["report"]
        y, p = labels[keep], probabilities[keep]
        w = None if weights is None else weights[keep]
        if task == "multilabel":
            predicted = (p.astype(np.float64) >= threshold).astype(int)
            expected = skm.multilabel_confusion_matrix(y, predicted, sample_weight=w)
            assert np.allclose(report["label_confusion_matrices"], expected)
            assert report["metrics"]["f1"]["macro"] == pytest.approx(
                skm.f1_score(y, predicted, average="macro", sample_weight=w, zero_division=0))
        else:
            predicted = (p.astype(np.float64) >= threshold).astype(int) if task == "binary" else p.argmax(axis=1)
            c = 2 if task == "binary" else p.shape[1]
            expected = skm.confusion_matrix(y, predicted, labels=range(c), sample_weight=w)
            assert np.allclose(report["confusion_matrix"], expected)
            assert report["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted, sample_weight=w))
            assert report["metrics"]["f1"]["macro"] == pytest.approx(
                skm.f1_score(y, predicted, average="macro", labels=range(c), sample_weight=w, zero_division=0))
            if task == "binary" and len(set(y.tolist())) == 2:
                assert report["metrics"]["roc_auc"]["binary"] == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w))
        assert report["num_examples"] == len(keep)
        # one code path: the slice's report is the report of a step holding just those examples
        alone = _logged(y, p, task=task, sample_weight=w)
        assert {k: v for k, v in report.items() if k != "wall_time"} == \
               {k: v for k, v in build_report(alone, threshold=threshold).items() if k != "wall_time"}


def _digits_like(n=300, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    probabilities = rng.dirichlet(np.ones(3), n).astype(np.float32)
    source = rng.choice(["web", "scan", "phone", "fax"], n, p=[0.5, 0.3, 0.15, 0.05])
    good = source == "web"
    probabilities[good] = np.eye(3, dtype=np.float32)[labels[good]] * 0.9 + 0.1 / 3  # web is easy
    return labels, probabilities, source


def test_the_table_sorts_by_the_gap_worst_first_and_flags_small_slices():
    labels, probabilities, source = _digits_like()
    record = _logged(labels, probabilities, attributes={"source": source}, example_ids=[f"x{k}" for k in range(300)])
    table = slices.table(record, "source", metric="accuracy", min_size=30)
    whole = skm.accuracy_score(labels, probabilities.argmax(1))
    assert table["whole"] == {"count": 300, "weight": None, "metric_value": pytest.approx(whole)}
    rows = table["slices"]
    assert sorted(r["value"] for r in rows) == ["fax", "phone", "scan", "web"]
    for row in rows:
        keep = source == row["value"]
        assert row["count"] == keep.sum() and row["small"] == (keep.sum() < 30)
        accuracy = skm.accuracy_score(labels[keep], probabilities[keep].argmax(1))
        assert row["metric_value"] == pytest.approx(accuracy) and row["gap"] == pytest.approx(accuracy - whole)
        assert "report" not in row
    big = [r for r in rows if not r["small"]]
    assert [r["small"] for r in rows] == [False] * len(big) + [True] * (len(rows) - len(big))
    assert [r["gap"] for r in big] == sorted(r["gap"] for r in big)  # worst (most negative) first
    assert rows[len(big) - 1]["value"] == "web"
    lower = slices.table(record, "source", metric="log_loss", min_size=0, with_reports=True)
    assert lower["higher_is_better"] is False
    gaps = [r["gap"] for r in lower["slices"]]
    assert gaps == sorted(gaps, reverse=True) and all(r["report"]["num_examples"] == r["count"] for r in lower["slices"])


def test_only_keeps_the_examples_of_a_slice_with_their_ids_and_attributes():
    labels, probabilities, source = _digits_like()
    device = np.arange(300) % 3
    record = _logged(labels, probabilities, attributes={"source": source, "device": device},
                     example_ids=[f"x{k}" for k in range(300)])
    web = slices.only(record, {"source": "web", "device": "2"})
    keep = np.flatnonzero((source == "web") & (device == 2))
    assert web.example_ids == [f"x{k}" for k in keep]
    assert web.attributes == {"source": ["web"] * len(keep), "device": [2] * len(keep)}
    assert (web.run, web.tag, web.step) == ("r", "p", 3)
    assert slices.only(record, [("device", 2)]).num_examples == (device == 2).sum()  # the value itself
    assert slices.only(Statistics(record), {}) is record
    no_ids = _logged(labels, probabilities, attributes={"source": source})
    assert slices.only(no_ids, {"source": "fax"}).example_ids == [str(k) for k in np.flatnonzero(source == "fax")]
    ids = [f"é{k}" * (k % 4) for k in range(300)]  # non-ASCII and empty ids
    unicode_ids = _logged(labels, probabilities, attributes={"source": source}, example_ids=ids)
    assert slices.only(unicode_ids, {"source": "scan"}).example_ids == [ids[k] for k in np.flatnonzero(source == "scan")]


def test_bad_names_values_and_options_say_what_exists():
    labels, probabilities, source = _digits_like()
    record = _logged(labels, probabilities, attributes={"source": source})
    with pytest.raises(errors.NotFound, match=r"attribute 'device' is not logged with this step; "
                                                 r"its attributes: 'source'"):
        slices.only(record, {"device": "1"})
    with pytest.raises(errors.NotFound, match=r"attribute 'source' has no value 'tv' .*its values: fax, phone, "
                                                 r"scan, web"):
        slices.only(record, {"source": "tv"})
    with pytest.raises(errors.NotFound, match="its attributes: none"):
        slices.table(_logged(labels, probabilities), "source")
    with pytest.raises(errors.BadArgument, match=r"metric 'f9.macro' is not in a multiclass report"):
        slices.table(record, "source", metric="f9.macro")
    with pytest.raises(errors.BadArgument, match="metric 'weighted' is not a number; got False"):
        slices.table(record, "source", metric="weighted")
    with pytest.raises(errors.BadArgument, match="min_size must be an integer >= 0; got -1"):
        slices.table(record, "source", min_size=-1)
    with pytest.raises(errors.BadArgument, match="names attribute 'source' twice"):
        slices.only(record, [("source", "web"), ("source", "scan")])
    device = _logged(labels, probabilities, attributes={"source": source, "device": (source == "web").astype(int)})
    with pytest.raises(errors.NotFound, match="no example of this step is in the slice source=web, device=0"):
        slices.only(device, {"source": "web", "device": 0})
    for text in ("source", "=web", 3):
        with pytest.raises(errors.BadArgument, match="a slice is NAME=VALUE"):
            slices.parse_filter(text)
    assert slices.parse_filter("url=a=b") == ("url", "a=b")


def test_a_compact_step_says_it_cannot_be_sliced():
    labels, probabilities, source = _digits_like()
    record = _logged(labels, probabilities, storage="compact", attributes={"source": source})
    assert record.attributes["source"] == source.tolist()
    for call in (lambda: slices.only(record, {"source": "web"}), lambda: slices.table(record, "source")):
        with pytest.raises(errors.NotStored, match="stored compact.*storage='exact'"):
            call()

"""Likely label errors (tb_confusion.label_issues): the confident-joint definition, agreement with cleanlab
on real classifiers' out-of-fold probabilities with injected label noise, and the examples / label_issues
routes that serve them."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_predict
from test_plugin_routes import error, make_client, ok

from tb_confusion import label_issues, statistics
from tb_confusion.storage.events import EventWriter
from tb_confusion.storage.payload import Record
from tb_confusion.summary import predictions_pb


def _confident_joint_issues(labels, p):
    """The definition written out one example at a time (Northcutt et al. 2021, section 3.1, with cleanlab's
    tolerances): thresholds, confident classes, the guess, off the diagonal, and not predicted as given."""
    n, k = p.shape
    thresholds = []
    for j in range(k):
        mine = [p[i, j] for i in range(n) if labels[i] == j]
        thresholds.append(max(sum(mine) / len(mine), 2e-6) if mine else 2.0)
    flags = []
    for i in range(n):
        row = [float(v) for v in p[i]]
        confident = [j for j in range(k) if row[j] >= thresholds[j] - 1e-6]
        if not confident:
            flags.append(False)
            continue
        guess = confident[0] if len(confident) == 1 else max(range(k), key=lambda j: (row[j], -j))
        bumped = list(row)
        bumped[labels[i]] += 1e-6
        predicted = max(range(k), key=lambda j: (bumped[j], -j))
        flags.append(guess != labels[i] and predicted != labels[i])
    return np.array(flags, dtype=bool)


def _probabilities(draw_seed, n, k, dtype, ties):
    rng = np.random.default_rng(draw_seed)
    p = rng.dirichlet(np.full(k, 0.7), n)
    if ties:  # coarse probabilities: many exact ties with each other and with the thresholds
        p = np.round(p * 4) / 4
    return rng.integers(0, k, n), p.astype(dtype)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), k=st.integers(2, 6), ties=st.booleans(),
       dtype=st.sampled_from([np.float64, np.float32, np.float16]))
def test_flags_are_the_off_diagonal_of_the_confident_joint(seed, n, k, ties, dtype):
    labels, p = _probabilities(seed, n, k, dtype, ties)
    expected = _confident_joint_issues(labels, p.astype(np.float64))
    assert label_issues.find(labels, p).tolist() == expected.tolist()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), k=st.integers(2, 6))
def test_thresholds_are_the_mean_self_confidence_and_ranking_puts_issues_first(seed, n, k):
    labels, p = _probabilities(seed, n, k, np.float64, False)
    thresholds = label_issues.confident_thresholds(labels, p)
    for j in range(k):
        mine = p[labels == j, j]
        assert thresholds[j] == pytest.approx(mine.mean() if len(mine) else 2.0, rel=1e-12)
    flagged, scores = label_issues.find(labels, p), label_issues.self_confidence(labels, p)
    order = label_issues.rank(flagged, scores)
    assert sorted(order.tolist()) == list(range(n))
    keys = [(not flagged[i], scores[i], i) for i in order]
    assert keys == sorted(keys)


def test_bad_shapes_and_labels_are_refused_naming_them():
    with pytest.raises(ValueError, match="labels must be class indices"):
        label_issues.find([0, 3], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"probabilities must be \[N, K\]"):
        label_issues.find([0, 1], [0.2, 0.9])


# -- agreement with cleanlab ----------------------------------------------------------------------------


def _noisy(loader, rate=0.1, seed=0):
    """(features, true labels, given labels with `rate` of them flipped to another class, flipped mask)."""
    x, y = loader(return_X_y=True)
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    flipped = rng.random(len(y)) < rate
    given_labels = y.copy()
    given_labels[flipped] = (y[flipped] + rng.integers(1, k, flipped.sum())) % k
    return x, y, given_labels, flipped


def _out_of_fold(x, labels):
    model = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.1)
    return cross_val_predict(model, x, labels, cv=5, method="predict_proba")


def _precision_recall(found, reference):
    hits = int((found & reference).sum())
    return hits / max(int(found.sum()), 1), hits / max(int(reference.sum()), 1)


@pytest.fixture(scope="module")
def cleanlab_filter():
    return pytest.importorskip("cleanlab.filter")


@pytest.mark.parametrize("loader", [load_digits, load_breast_cancer], ids=["digits", "breast_cancer"])
def test_agrees_with_cleanlab_on_out_of_fold_probabilities_with_flipped_labels(cleanlab_filter, loader,
                                                                                capsys):
    x, _, noisy, flipped = _noisy(loader)
    p = _out_of_fold(x, noisy)
    ours = label_issues.find(noisy, p)
    theirs = {by: cleanlab_filter.find_label_issues(noisy, p, filter_by=by, n_jobs=1)
              for by in ("confident_learning", "prune_by_noise_rate")}
    figures = {"cleanlab confident_learning": _precision_recall(ours, theirs["confident_learning"]),
               "cleanlab prune_by_noise_rate": _precision_recall(ours, theirs["prune_by_noise_rate"]),
               "truly flipped (ours)": _precision_recall(ours, flipped),
               "truly flipped (cleanlab prune_by_noise_rate)":
                   _precision_recall(theirs["prune_by_noise_rate"], flipped)}
    with capsys.disabled():
        print(f"\n{loader.__name__}: N={len(noisy)} flipped={int(flipped.sum())} ours={int(ours.sum())} "
              + "; ".join(f"vs {name}: precision {precision:.3f} recall {recall:.3f}"
                          for name, (precision, recall) in figures.items()))
    # Same definition, same float64 probabilities: the sets agree (reported above, bounded loosely here
    # because the per-class means are summed in another order than numpy's pairwise mean).
    precision, recall = figures["cleanlab confident_learning"]
    assert precision >= 0.99 and recall >= 0.99
    # The noise-rate pruning keeps the examples with the largest margins per off-diagonal cell.
    assert figures["cleanlab prune_by_noise_rate"][0] >= 0.8
    # Most of what we flag was truly flipped, and most flips are found.
    assert figures["truly flipped (ours)"][0] >= 0.6 and figures["truly flipped (ours)"][1] >= 0.6
    ranked = cleanlab_filter.find_label_issues(noisy, p, filter_by="confident_learning",
                                               return_indices_ranked_by="self_confidence", n_jobs=1)
    scores = label_issues.self_confidence(noisy, p)
    ours_ranked = label_issues.rank(ours, scores)[:int(ours.sum())]
    assert scores[ours_ranked].tolist() == scores[ranked].tolist()  # the same ranking up to ties


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 200), k=st.integers(2, 6))
def test_equals_cleanlab_confident_learning_on_random_probabilities(cleanlab_filter, seed, n, k):
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])  # cleanlab needs every class
    p = rng.dirichlet(np.full(k, 0.5), n)
    theirs = cleanlab_filter.find_label_issues(labels, p, filter_by="confident_learning", n_jobs=1)
    assert label_issues.find(labels, p).tolist() == theirs.tolist()


def test_binary_scores_and_multilabel_labels_are_two_class_problems(cleanlab_filter):
    x, _, noisy, _ = _noisy(load_breast_cancer)
    pairs = _out_of_fold(x, noisy)
    theirs = cleanlab_filter.find_label_issues(noisy, pairs, filter_by="confident_learning", n_jobs=1)
    names = ["malignant", "benign"]
    for positive_class in (0, 1):
        scores = pairs[:, positive_class]
        record = Record("binary", noisy, scores, names, positive_class=positive_class)
        assert label_issues.of_step(statistics.of(record)).flagged.tolist() == theirs.tolist()
    softmax_pairs = statistics.of(Record("binary", noisy, pairs, names))
    assert label_issues.of_step(softmax_pairs).flagged.tolist() == theirs.tolist()
    # a multilabel step: label 1 holds the same problem
    rng = np.random.default_rng(1)
    on = np.stack([rng.integers(0, 2, len(noisy)), noisy], axis=1)
    probabilities = np.stack([rng.random(len(noisy)), pairs[:, 1]], axis=1)
    data = statistics.of(Record("multilabel", on, probabilities, ["a", "b"]))
    assert label_issues.of_step(data, label=1).flagged.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="label"):
        label_issues.of_step(data)


# -- the routes ------------------------------------------------------------------------------------------


def _digits_noisy_step():
    x, _, noisy, _ = _noisy(load_digits)
    return noisy, _out_of_fold(x, noisy).astype(np.float32)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A client over runs with a multiclass tag (digits, flipped labels), a binary and a multilabel tag."""
    root = tmp_path_factory.mktemp("label_issue_logs")
    labels, p = _digits_noisy_step()
    rng = np.random.default_rng(3)
    with EventWriter(str(root / "train")) as writer:
        writer.add_summary(predictions_pb("digits", labels, p, class_names=[str(k) for k in range(10)],
                                          example_ids=[f"d{i}" for i in range(len(labels))]), 0)
        y = rng.integers(0, 2, 300)
        writer.add_summary(predictions_pb("binary", y, np.clip(y * 0.4 + rng.random(300) * 0.6, 0, 1)), 0)
        ml = rng.integers(0, 2, (200, 3))
        writer.add_summary(predictions_pb("tags", ml, np.clip(ml * 0.3 + rng.random((200, 3)) * 0.7, 0, 1),
                                          task="multilabel"), 0)
    return make_client(root), labels, p


def test_examples_in_likely_mislabeled_order_list_the_cells_issues_first(served):
    client, labels, p = served
    flagged = label_issues.find(labels, p)
    scores = label_issues.self_confidence(labels, p)
    top = p.argmax(axis=1)
    seen = 0
    for true, pred in [(3, 5), (8, 1), (9, 7), (4, 4), (1, 8)]:
        params = {"run": "train", "tag": "digits", "step": "0", "true": str(true), "pred": str(pred),
                  "limit": "1000"}
        confident = ok(client, "examples", **params)
        likely = ok(client, "examples", **params, order="likely_mislabeled")
        in_cell = np.flatnonzero((labels == true) & (top == pred))
        expected = sorted(in_cell, key=lambda i: (not flagged[i], scores[i], i))
        assert [e["index"] for e in likely["examples"]] == [int(i) for i in expected]
        assert likely["likely_issues"] == confident["likely_issues"] == int(flagged[in_cell].sum())
        assert [e["likely_issue"] for e in likely["examples"]] == [bool(flagged[i]) for i in expected]
        assert likely["order"] == "likely_mislabeled" and confident["order"] == "confidence"
        assert sorted(e["index"] for e in confident["examples"]) == sorted(int(i) for i in in_cell)
        seen += likely["likely_issues"]
    assert seen > 0  # the chosen cells hold some issues; a diagonal cell holds none
    diagonal = ok(client, "examples", run="train", tag="digits", step="0", true="4", pred="4")
    assert diagonal["likely_issues"] == 0


def test_bad_order_values_are_400(served):
    client = served[0]
    for value in ("likely", "CONFIDENCE", "<b>x</b>"):
        message = error(client, "examples", 400, run="train", tag="digits", step="0", true="1", pred="1",
                        order=value)
        assert "'order'" in message and "likely_mislabeled" in message and value[:5] in message


def test_label_issues_route_counts_the_issues_of_every_cell(served):
    client, labels, p = served
    answer = ok(client, "label_issues", run="train", tag="digits", step="0")
    flagged = label_issues.find(labels, p)
    counts = np.array(answer["counts"])
    assert counts.shape == (10, 11)  # the last column: below the cutoff
    assert counts.sum() == answer["likely_issues"] == int(flagged.sum()) > 0
    expected = np.zeros((10, 11), dtype=int)
    np.add.at(expected, (labels[flagged], p.argmax(axis=1)[flagged]), 1)
    assert counts.tolist() == expected.tolist()
    cut = np.array(ok(client, "label_issues", run="train", tag="digits", step="0", cutoff="0.9")["counts"])
    assert cut.sum() == counts.sum() and cut[:, 10].sum() > 0  # issues move to "below cutoff", none lost
    for true in range(10):
        for pred in range(11):
            if cut[true, pred]:
                page = ok(client, "examples", run="train", tag="digits", step="0", true=str(true),
                          pred=str(pred), cutoff="0.9", limit="1")
                assert page["likely_issues"] == cut[true, pred]
    assert answer["thresholds"] == pytest.approx(label_issues.confident_thresholds(labels, p).tolist())


def test_label_issues_of_binary_and_multilabel_tags(served):
    client = served[0]
    binary = ok(client, "label_issues", run="train", tag="binary", step="0", threshold="0.3")
    assert np.array(binary["counts"]).shape == (2, 2) and len(binary["thresholds"]) == 2
    total = sum(ok(client, "examples", run="train", tag="binary", step="0", threshold="0.3", true=str(t),
                   pred=str(q), limit="1")["likely_issues"] for t in (0, 1) for q in (0, 1))
    assert total == binary["likely_issues"]
    per_label = ok(client, "label_issues", run="train", tag="tags", step="0", label="2")
    assert np.array(per_label["counts"]).shape == (2, 2) and per_label["label"] == 2
    assert "label" in error(client, "label_issues", 400, run="train", tag="tags", step="0")

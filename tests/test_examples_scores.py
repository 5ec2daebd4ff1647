"""A cell's examples carry the true class's probability and the runner-up class, for every task."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion.server import panel_data
from tb_confusion.storage.payload import Record


def _probability(record, row, k):
    p = np.asarray(record.probabilities, dtype=np.float64)
    if record.task == "binary" and p.ndim == 1:
        return p[row] if k == record.positive_class else 1.0 - p[row]
    return p[row, k]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), c=st.integers(3, 7), pairs=st.booleans(),
       cutoff=st.sampled_from([None, 0.0, 0.4, 0.7]), positive_class=st.sampled_from([0, 1]))
def test_single_label_examples_name_the_true_and_runner_up_probabilities(seed, n, c, pairs, cutoff, positive_class):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(c), n).astype(np.float32)
    multiclass = Record("multiclass", rng.integers(0, c, n), p, [f"c{k}" for k in range(c)])
    scores = rng.random(n).astype(np.float32)
    binary = Record("binary", rng.integers(0, 2, n), np.stack([1 - scores, scores], 1) if pairs else scores,
                    ["no", "yes"], positive_class=positive_class)
    for record, (t_max, p_max) in ((multiclass, (c - 1, c)), (binary, (1, 1))):
        for true in range(t_max + 1):
            for pred in range(p_max + 1):
                page = panel_data.examples(record, true=true, pred=pred, cutoff=cutoff, threshold=0.5, limit=1000)
                for example in page["examples"]:
                    row = example["index"]
                    classes = range(c if record.task == "multiclass" else 2)
                    others = [k for k in classes if k != pred]
                    best = max(others, key=lambda k: (_probability(record, row, k), -k))
                    assert example["true_score"] == _probability(record, row, true)
                    assert example["runner_up"] == best
                    assert example["runner_up_score"] == _probability(record, row, best)
                    assert example["runner_up_score"] <= example["score"] or pred == c  # below the cutoff


def test_multilabel_examples_give_the_probability_of_the_labels_true_state():
    rng = np.random.default_rng(4)
    labels, p = rng.integers(0, 2, (60, 3)), rng.random((60, 3)).astype(np.float32)
    record = Record("multilabel", labels, p, ["x", "y", "z"])
    for true in (0, 1):
        for pred in (0, 1):
            for example in panel_data.examples(record, true=true, pred=pred, label=2, limit=100)["examples"]:
                on = float(p[example["index"], 2])
                assert example["true_score"] == (on if true else 1.0 - on)
                assert example["runner_up"] is None and example["runner_up_score"] is None

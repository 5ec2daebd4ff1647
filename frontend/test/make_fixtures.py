"""Fixtures for the node tests: sufficient statistics plus the Python core's numbers at many thresholds.

    .venv/bin/python frontend/test/make_fixtures.py > fixtures.json

Prints one JSON object {cases: [...]}; frontend/test/fixtures.js runs it and caches nothing, so the
numbers always come from the Python code in the checkout.
"""

import json
import sys
import warnings

import numpy as np
from sklearn import metrics as skm


def binary_stats(labels, scores, weights):
    """The `stats` route's binary object: distinct scores descending with cumulative weights."""
    order = np.argsort(-scores, kind="stable")
    scores, labels, weights = scores[order], labels[order], weights[order]
    last_of_each = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1]
    tps = np.cumsum(weights * (labels == 1))[last_of_each]
    fps = np.cumsum(weights * (labels == 0))[last_of_each]
    return {
        "thresholds": scores[last_of_each].tolist(),
        "tps": tps.tolist(),
        "fps": fps.tolist(),
        "positives": float(weights[labels == 1].sum()),
        "negatives": float(weights[labels == 0].sum()),
    }


def cumsum_within(values, counts):
    """Running sums restarting at every cell."""
    out = np.empty_like(values)
    start = 0
    for count in counts:
        out[start:start + count] = np.cumsum(values[start:start + count])
        start += count
    return out


def multiclass_stats(labels, probabilities, weights, weighted):
    c = probabilities.shape[1]
    pred = probabilities.argmax(axis=1)
    top = probabilities.max(axis=1)
    cell = labels * c + pred
    order = np.lexsort((top, cell))
    counts = np.bincount(cell, minlength=c * c)
    return {
        "cell_offsets": np.r_[0, np.cumsum(counts)].tolist(),
        "top_scores": top[order].tolist(),
        "cum_weights": cumsum_within(weights[order], counts).tolist() if weighted else None,
        "cell_totals": np.bincount(cell, weights=weights, minlength=c * c).tolist(),
    }


def expected(labels, pred, weights, num_classes, below_cutoff_column=False):
    """scikit-learn's numbers (zero_division=0) for labels 0..C-1; pred may hold C = "below cutoff"."""
    classes = list(range(num_classes))
    matrix = skm.confusion_matrix(labels, pred, labels=classes + [num_classes], sample_weight=weights)
    out = {
        "confusion_matrix": matrix[:num_classes, : num_classes + below_cutoff_column].tolist(),
        "accuracy": skm.accuracy_score(labels, pred, sample_weight=weights),
        "balanced_accuracy": skm.balanced_accuracy_score(labels, pred, sample_weight=weights),
        "mcc": skm.matthews_corrcoef(labels, pred, sample_weight=weights),
    }
    kappa = skm.cohen_kappa_score(labels, pred, sample_weight=weights, replace_undefined_by=0.0)
    out["cohen_kappa"] = float(kappa)
    for name, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
        out[name] = {
            "per_class": fn(labels, pred, labels=classes, average=None, sample_weight=weights, zero_division=0).tolist(),
            **{
                avg: fn(labels, pred, labels=classes, average=avg, sample_weight=weights, zero_division=0)
                for avg in ("macro", "micro", "weighted")
            },
        }
    return json.loads(json.dumps(out, default=float))


def binary_case(name, rng, n, weighted=False, positive_rate=0.4):
    labels = (rng.random(n) < positive_rate).astype(int)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1).astype(np.float32)
    scores[: n // 10] = np.round(scores[: n // 10], 1)  # ties
    scores64 = scores.astype(np.float64)
    weights = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    thresholds = [0.0, 0.1, 0.3, 0.5, 0.55, 0.77, 0.9, 1.0, 1.01, float(scores64[3]), float(scores64[7])]
    w = weights if weighted else None
    has_both = 0 < labels.sum() < n
    return {
        "name": name,
        "task": "binary",
        "num_classes": 2,
        "binary": binary_stats(labels, scores64, weights),
        "roc_auc": skm.roc_auc_score(labels, scores64, sample_weight=w) if has_both else None,
        "average_precision": skm.average_precision_score(labels, scores64, sample_weight=w) if has_both else None,
        "at": [
            {"threshold": t, **expected(labels, (scores64 >= t).astype(int), weights if weighted else None, 2)}
            for t in thresholds
        ],
    }


def multiclass_case(name, rng, n, c, weighted=False, absent_class=None):
    labels = rng.integers(0, c, n)
    if absent_class is not None:
        labels[labels == absent_class] = 0
    logits = rng.normal(0, 1, (n, c))
    logits[np.arange(n), labels] += 1.5
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probabilities = probabilities.astype(np.float32).astype(np.float64)
    weights = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    top = probabilities.max(axis=1)
    cutoffs = [0.0, 0.3, 0.5, 0.9, 1.0, float(top[5])]
    at = []
    for cutoff in cutoffs:
        pred = probabilities.argmax(axis=1)
        if cutoff > 0:
            pred = np.where(top >= cutoff, pred, c)
        at.append({"cutoff": cutoff, **expected(labels, pred, weights if weighted else None, c, cutoff > 0)})
    return {
        "name": name,
        "task": "multiclass",
        "num_classes": c,
        "multiclass": multiclass_stats(labels, probabilities, weights, weighted),
        "at": at,
    }


def main():
    warnings.simplefilter("ignore")  # undefined metrics are part of what is tested
    rng = np.random.default_rng(20240601)
    cases = [
        binary_case("binary", rng, 600),
        binary_case("binary weighted", rng, 400, weighted=True),
        binary_case("binary without positives", rng, 50, positive_rate=0.0),
        multiclass_case("multiclass", rng, 500, 5),
        multiclass_case("multiclass weighted, class 3 absent", rng, 400, 4, weighted=True, absent_class=3),
    ]
    json.dump({"cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()

"""Fixtures for the node tests: the `stats` route's sufficient statistics and build_report's numbers.

    .venv/bin/python frontend/test/make_fixtures.py > fixtures.json

Prints {cases: [{name, task, stats, at: [{threshold | cutoff | thresholds, report}]}]}. The statistics
come from tb_confusion.server.panel_data (what the plugin sends), the expected numbers from
tb_confusion.report.build_report (what `tb-confusion report` prints), on random records that include
ties, sample weights, an absent class and a label without positives, on multiclass steps with enough
classes that the cells go out sparse (non-empty cells only), on a compact multiclass step (storage
"compact", its report's "binned" bound), and on accumulated per-pixel steps (tb_confusion.Accumulator,
with an ignored border and per-element weights).
"""

import json
import sys
import warnings

import numpy as np

import tb_confusion
from tb_confusion.server import json_http, panel_data
from tb_confusion.storage import metadata, payload
from tb_confusion.storage.payload import Record
from tb_confusion.report import build_report


def as_json(value):
    return json.loads(json_http.json_bytes(value))


def stats_of(record):
    """The `stats` route's object, exactly as the plugin builds it."""
    return as_json(panel_data.step_stats(record))


def binary_case(name, rng, n, weighted=False, positive_rate=0.4, top_score=None):
    labels = (rng.random(n) < positive_rate).astype(np.int64)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1).astype(np.float32)
    scores[: n // 10] = np.round(scores[: n // 10], 1)  # ties
    if top_score is not None:  # the top score, on three examples
        scores = np.minimum(scores, np.float32(top_score))
        scores[-3:] = top_score
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    record = Record(task="binary", labels=labels, probabilities=scores, class_names=["negative", "positive"],
                    weights=weights)
    thresholds = [0.0, 0.1, 0.3, 0.5, 0.55, 0.77, 0.9, 1.0, float(scores[3]), float(scores[7])]
    return {
        "name": name,
        "task": "binary",
        "stats": stats_of(record),
        "at": [{"threshold": t, "report": build_report(record, threshold=t, cost_fp=1.0, cost_fn=5.0)}
               for t in thresholds],
    }


def probabilities_for(rng, labels, c):
    logits = rng.normal(0, 1, (len(labels), c))
    logits[np.arange(len(labels)), labels] += 1.5
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return p.astype(np.float32)


def multiclass_case(name, rng, n, c, weighted=False, absent_class=None, compact=False):
    """compact: the step as storage="compact" keeps it (the same statistics, a binned AUC bound)."""
    labels = rng.integers(0, c, n)
    if absent_class is not None:
        labels[labels == absent_class] = 0
    probabilities = probabilities_for(rng, labels, c)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    names = [f"class {k}" for k in range(c)]
    if compact:
        record = compact_record(labels, probabilities, names, weights)
    else:
        record = Record(task="multiclass", labels=labels, probabilities=probabilities, class_names=names,
                        weights=weights)
    top = probabilities.max(axis=1)
    cutoffs = [None, 0.3, 0.5, 0.9, 1.0, float(top[5])]
    return {
        "name": name,
        "task": "multiclass",
        "stats": stats_of(record),
        "at": [{"cutoff": cutoff, "report": build_report(record, cutoff=cutoff)} for cutoff in cutoffs],
    }


def compact_record(labels, probabilities, names, weights=None):
    """The step as predictions_pb(storage="compact") writes it, read back by the plugin's decoder."""
    value = tb_confusion.summary.predictions_pb("compact", labels, probabilities, class_names=names,
                                                sample_weight=weights, storage="compact").value[0]
    return payload.decode(value.tensor.string_val[0], metadata.parse_plugin_data(value.metadata.plugin_data.content))


def multilabel_case(name, rng, n, c, weighted=False):
    labels = (rng.random((n, c)) < 0.35).astype(np.uint8)
    labels[:, -1] = 0  # a label without positives
    scores = np.clip(rng.normal(0.3 + 0.35 * labels, 0.2), 0, 1).astype(np.float32)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    record = Record(task="multilabel", labels=labels, probabilities=scores,
                    class_names=[f"label {k}" for k in range(c)], weights=weights)
    per_label = [[0.5] * c, [0.2, 0.4, 0.6, 0.8][:c], [0.0] * c, [1.0] * c]
    return {
        "name": name,
        "task": "multilabel",
        "stats": stats_of(record),
        "at": [{"thresholds": t, "report": build_report(record, thresholds=t)} for t in per_label],
    }


def segmentation_case(name, rng, n, c, size=12, weighted=False):
    """Masks of n images size x size with a 255 border, probabilities from noisy one-hot logits, in two
    batches; weighted: per-element weights."""
    labels = rng.integers(0, c, (n, size, size))
    labels[:, 0], labels[:, -1], labels[:, :, 0], labels[:, :, -1] = 255, 255, 255, 255
    logits = rng.normal(0, 1, (n, size, size, c)) + 1.5 * np.eye(c)[np.where(labels == 255, 0, labels)]
    probabilities = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
    weights = rng.uniform(0.2, 3.0, labels.shape) if weighted else None
    names = [f"class {k}" for k in range(c)]
    accumulator = tb_confusion.Accumulator("pixels", class_names=names, ignore_index=255)
    for part in (slice(0, n // 2), slice(n // 2, n)):
        accumulator.update(labels[part], probabilities[part],
                           element_weight=None if weights is None else weights[part])
    record = accumulator.record()
    cutoffs = [None, 0.2, 0.3, 0.5, 0.555, 0.9, 1.0]
    return {
        "name": name,
        "task": "segmentation",
        "stats": stats_of(record),
        "at": [{"cutoff": cutoff, "report": build_report(record, cutoff=cutoff)} for cutoff in cutoffs],
    }


def main():
    warnings.simplefilter("ignore")  # undefined metrics are part of what is tested
    rng = np.random.default_rng(20240601)
    cases = [
        binary_case("binary", rng, 600),
        binary_case("binary weighted", rng, 400, weighted=True),
        binary_case("binary without positives", rng, 50, positive_rate=0.0),
        binary_case("binary without positives, top score 1", rng, 50, positive_rate=0.0, top_score=1.0),
        binary_case("binary without negatives, top score 1", rng, 50, positive_rate=1.0, top_score=1.0),
        multiclass_case("multiclass", rng, 500, 5),
        multiclass_case("multiclass weighted, class 3 absent", rng, 400, 4, weighted=True, absent_class=3),
        multiclass_case("multiclass, 80 classes (sparse cells)", rng, 1500, 80),
        multiclass_case("multiclass weighted, 70 classes (sparse cells)", rng, 900, 70, weighted=True),
        multiclass_case("multiclass compact, 70 classes", rng, 900, 70, compact=True),
        multilabel_case("multilabel", rng, 300, 4),
        multilabel_case("multilabel weighted", rng, 300, 4, weighted=True),
        segmentation_case("segmentation", rng, 6, 4),
        segmentation_case("segmentation, per-pixel weights", rng, 6, 3, weighted=True),
    ]
    json.dump({"cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()

"""The Statistics of a compact multiclass step: labels, weights and each example's argmax and top
probability as an exact step has them (so the matrix, cutoff matrix, cells, decision tables, diffs and
top-1 calibration run unchanged), the true class's probability and rank for log loss and top-k, and
one-vs-rest counts that are exact for positives, argmax and runner-up entries and binned for the rest."""

import functools

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.compact import facts as compact_facts
from tb_confusion.errors import NotStored
from tb_confusion.statistics import Statistics
from tb_confusion import tasks
from tb_confusion.metrics._checks import check_weights


class CompactStatistics(Statistics):
    """Statistics of a compact step's Record (see the module docstring); `probabilities` raises
    errors.NotStored."""

    kind = "compact"

    def __init__(self, record):  # noqa: D107  (no Statistics.__init__: there are no probabilities to check)
        self.record = record
        self.task = tasks.get(record.task)
        self.labels = np.asarray(record.labels)
        self.facts = record.facts
        self.weights = check_weights(record.weights, len(self.labels))
        self.class_names = [str(name) for name in record.class_names]
        self.positive_class = record.positive_class
        self._memo = {}

    @property
    def probabilities(self):
        record = self.record
        raise NotStored(
            f"{record.run}/{record.tag} step {record.step} is stored compact, so this needs what it does not keep: "
            "every class's probability of each example. It keeps each example's top two classes, the true "
            "class's probability and rank, and per class a histogram of the other probabilities")

    @functools.cached_property
    def top(self):
        return self.facts.pred.astype(np.int64), self.facts.top

    @property
    def true_scores(self):
        return self.facts.true_score

    @property
    def true_ranks(self):
        return self.facts.true_rank

    @functools.cached_property
    def class_counts(self):
        """[BinaryCounts] per class: positives, argmax and runner-up negatives at their own scores, the
        other negatives at their bins' centers."""
        return [m.binary_counts(*parts) for parts in self._parts]

    def micro_counts(self):
        """BinaryCounts of every (example, class) pair pooled."""
        parts = self._parts
        return m.binary_counts(*(np.concatenate([part[i] for part in parts]) for i in range(3)))  # (truth, score, w)

    def auc_error_bound(self):
        """Per class, the most the ROC AUC can be off: a positive and a binned negative sharing a bin could
        be in either order, so |error| <= (positive, binned negative) pairs in one bin / (P N)."""
        bounds = []
        y, w = self.labels, self._weights()
        edges_key = compact_facts.keys
        for k, (truth, _, weight) in enumerate(self._parts):
            positives = weight[truth].sum()
            negatives = weight[~truth].sum()
            if positives <= 0 or negatives <= 0:
                bounds.append(None)
                continue
            mine = y == k
            shared = np.bincount(edges_key(self.facts.true_score[mine]), w[mine], minlength=compact_facts.NUM_BINS)
            keys, counts = self.facts.others(k)
            bounds.append(float(np.dot(shared[keys.astype(np.int64)], counts) / (positives * negatives)))
        return bounds

    @functools.cached_property
    def _parts(self):
        """[(truth, scores, weights)] per class (see _one_vs_rest), built once for the counts, the micro
        average and the error bound."""
        return list(self._one_vs_rest())

    def _weights(self):
        return np.ones(len(self.labels)) if self.weights is None else self.weights

    def _one_vs_rest(self):
        """Per class k: (scores, truth, weights) whose binary_counts are class k's one-vs-rest counts."""
        f, y, w = self.facts, self.labels.astype(np.int64), self._weights()
        centers = compact_facts.bin_centers()
        runner_distinct = (f.runner_up != y) & (f.runner_up != f.pred)
        wrong = f.pred != y
        by_label = _groups(y, len(self.class_names))
        by_pred = _groups(np.where(wrong, f.pred, -1), len(self.class_names))
        by_runner = _groups(np.where(runner_distinct, f.runner_up, -1), len(self.class_names))
        for k in range(len(self.class_names)):
            binned, binned_counts = f.others(k)
            rows = (by_label[k], by_pred[k], by_runner[k])
            scores = np.concatenate([f.true_score[rows[0]], f.top[rows[1]], f.runner_up_score[rows[2]]]).astype(
                np.float64)
            truth = np.zeros(len(scores) + len(binned), bool)
            truth[:len(rows[0])] = True
            yield (truth, np.concatenate([scores, centers[binned.astype(np.int64)]]),
                   np.concatenate([w[rows[0]], w[rows[1]], w[rows[2]], binned_counts]))

    def nbytes_bound(self):
        n, c = len(self.labels), len(self.class_names)
        held = sum(np.asarray(a).nbytes for a in self.facts) + self.labels.nbytes
        return held + n * 40 + c * 8192 + 4096


def _groups(keys, count):
    """For each value 0..count-1, the indices where `keys` equals it (negative keys belong to none)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.searchsorted(sorted_keys, np.arange(count + 1))
    return [order[starts[k]:starts[k + 1]] for k in range(count)]

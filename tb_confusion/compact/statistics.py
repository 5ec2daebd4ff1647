"""The Statistics of a compact multiclass step: labels, weights and each example's argmax and top
probability as an exact step has them (so the matrix, cutoff matrix, cells, decision tables, diffs and
top-1 calibration run unchanged), the true class's probability and rank for log loss and top-k, and
one-vs-rest counts that are exact for positives, argmax and runner-up entries and binned for the rest."""

import numpy as np

from tb_confusion.compact import facts as compact_facts
from tb_confusion.compact import ranking as compact_ranking
from tb_confusion.errors import NotStored
from tb_confusion import statistics as step_statistics
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

    @step_statistics.built_once
    def top(self):
        return self.facts.pred.astype(np.int64), self.facts.top

    @property
    def true_scores(self):
        return self.facts.true_score

    @property
    def true_ranks(self):
        return self.facts.true_rank

    @step_statistics.built_once
    def class_counts(self):
        """[BinaryCounts] per class: positives, argmax and runner-up negatives at their own scores, the
        other negatives at their bins' centers (views of one sort of every class's entries: compact.ranking)."""
        ranked = self._ranked
        return [ranked.counts(k) for k in range(len(self.class_names))]

    def micro_counts(self):
        """BinaryCounts of every (example, class) pair pooled."""
        return compact_ranking.rank(self._entries(), 1, pooled=True).counts(0)

    def ranking_areas(self):
        """(ROC AUC [C] with NaN where undefined, average precision [C], AP undefined [C]) of every class's
        one-vs-rest counts at once (compact.ranking.Ranked.areas), memoized. Uses the class counts when
        they are built, else ranks without keeping them (an `epochs` table needs only these areas)."""
        def compute():
            ranked = self.__dict__.get("_ranked")
            if ranked is not None:
                return ranked.areas()
            entries = self._entries()
            if entries.integral:  # the same numbers from the positives' groups alone (~2x less work)
                return compact_ranking.integral_areas(entries, len(self.class_names))
            return compact_ranking.rank(entries, len(self.class_names), thresholds=False).areas()

        return self.memo(("ranking_areas",), compute)

    def auc_error_bound(self):
        """Per class, the most the ROC AUC can be off: a positive and a binned negative sharing a bin could
        be in either order, so |error| <= (positive, binned negative) pairs in one bin / (P N)."""
        f, c = self.facts, len(self.class_names)
        y, w = self.labels.astype(np.int64), self._weights()
        bins = compact_facts.NUM_BINS
        binned = np.repeat(np.arange(c, dtype=np.int64), np.diff(f.others_rows)) * bins + f.others_keys.astype(np.int64)
        mine = y * bins + compact_facts.keys(f.true_score)  # ascending: classes in order, keys within each
        at = np.minimum(np.searchsorted(binned, mine), max(len(binned) - 1, 0))
        shared = np.zeros(len(y)) if not len(binned) else np.where(binned[at] == mine, f.others_counts[at], 0.0)
        pairs = np.bincount(y, w * shared, minlength=c)
        # Each class's one-vs-rest totals: every example is a positive of its class and a negative of the
        # others (the ranked counts' last sums; not read from them, which would sort every class's entries).
        positives = np.bincount(y, w, minlength=c)
        negatives = w.sum() - positives
        defined = (positives > 0) & (negatives > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = pairs / (positives * negatives)
        return [float(b) if ok else None for b, ok in zip(bound, defined)]

    def _entries(self):
        return compact_ranking.entries(self.facts, self.labels, self.weights)

    @step_statistics.built_once
    def _ranked(self):
        return compact_ranking.rank(self._entries(), len(self.class_names))

    def _weights(self):
        return np.ones(len(self.labels)) if self.weights is None else self.weights

    def nbytes_bound(self):
        n, c = len(self.labels), len(self.class_names)
        held = sum(np.asarray(a).nbytes for a in self.facts) + self.labels.nbytes
        # the class counts: up to 3 exact entries per example and one per stored bin, 24 bytes each
        ranked = (3 * n + len(self.facts.others_keys)) * 24
        return held + ranked + n * 16 + c * 8192 + 4096


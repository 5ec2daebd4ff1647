"""The seam between a stored step and its numbers: what every report, panel answer and CLI line of
one step is computed from, each part built once, on first use, and then shared.

    statistics = Statistics(record)          # cheap: checks shapes, computes nothing yet
    statistics.class_counts                  # one sort per class (one-vs-rest BinaryCounts)
    statistics.top                           # argmax and top score per example (multiclass)

`report.build_report`, the `stats`, `report`, `examples` and `epochs` routes and the CLI all take a
Statistics, so a step served to the panel is sorted once however many of them ask. A step read from
another storage kind (binned or accumulated counts) plugs in by providing the same attributes.
"""

import threading

import numpy as np

from tb_confusion import metrics, tasks
from tb_confusion.errors import BadArgument
from tb_confusion.metrics._checks import check_weights
from tb_confusion.metrics._parallel import SORTS


class built_once:
    """`functools.cached_property` with a lock per instance and attribute: Python 3.11's holds one lock per
    attribute for every instance of the class, so twenty requests for twenty different steps' class counts
    would sort one step at a time. Built once per instance; later reads are plain attribute lookups."""

    def __init__(self, build):
        self.build = build
        self.__doc__ = build.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        held = instance.__dict__
        if self.name in held:
            return held[self.name]
        with held.setdefault("_lock " + self.name, threading.Lock()):  # setdefault: atomic, one lock wins
            if self.name not in held:
                held[self.name] = self.build(instance)
            return held[self.name]


class Statistics:
    """Sufficient statistics of one Record (see the module docstring).

    Attributes: record, task (a tasks.Task), labels, probabilities, weights (float64 or None),
    class_names (str), positive_class.
    """

    kind = "exact"

    def __init__(self, record):
        self.record = record
        self.task = tasks.get(record.task)
        self.labels = np.asarray(record.labels)
        self.probabilities = np.asarray(record.probabilities)
        self.weights = check_weights(record.weights, len(self.labels))
        self.class_names = [str(name) for name in record.class_names]
        self.positive_class = record.positive_class
        problem = self.task.check(self.labels, self.probabilities, len(self.class_names))
        if problem:
            raise BadArgument(problem)
        self._memo = {}

    @property
    def weighted(self):
        return self.weights is not None

    def memo(self, key, compute):
        """`compute()` once per `key` for this step: for numbers that do not move with the threshold
        (ranking metrics, log loss, recommended thresholds at given costs), so a report at a new threshold
        or an epochs request recomputes only what the threshold changes. Callers must not mutate the result."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def memoized(self):
        """A copy of what `memo` holds so far (key -> value): what a cache keeps of a step it evicts."""
        return dict(self._memo)

    @built_once
    def class_counts(self):
        """[metrics.BinaryCounts] per class, one-vs-rest, as the task ranks each class."""
        with SORTS:
            return self.task.class_counts(self)

    def counts_at(self, k, threshold):
        """(tp, fp) of class k's one-vs-rest ranking at `threshold` (score >= threshold): a bisection
        over its sorted counts instead of a pass over the examples."""
        return metrics.counts_at(self.class_counts[k], threshold)

    @built_once
    def top(self):
        """(argmax class [N], its probability [N]) of each example."""
        return metrics.top_class(self.probabilities)

    @property
    def true_scores(self):
        """The probability of each example's true class [N] (single-label [N, C] steps); computed on each
        access (the numbers made from it are memoized, not it)."""
        return self.probabilities[np.arange(len(self.labels)), self.labels.astype(np.intp)]

    @property
    def true_ranks(self):
        """How many classes rank above each example's true class [N] (ties as scikit-learn's top-k);
        computed on each access, as true_scores."""
        return metrics.probabilistic.true_class_ranks(self.labels, self.probabilities)

    def nbytes_bound(self):
        """An upper bound of the bytes this object holds once every part is built (for cache sizing)."""
        n, arrays = len(self.labels), (self.labels, self.probabilities, self.weights)
        # one sorted copy per class kept (a binary step keeps its positive class's only: tasks.binary.PositiveKept)
        ranked = 1 if self.task.name == "binary" else len(self.class_names)
        # `top` (argmax and top score) only for multiclass; the memo holds per-class numbers and curves of
        # at most a few hundred points per class, and the likely label issues (label_issues.of_step: ~9 bytes
        # per example, per label for multilabel)
        top = n * 16 if self.task.name == "multiclass" else 0
        issues = n * 9 * (ranked if self.task.decision == "per_label" else 1)
        return sum(a.nbytes for a in arrays if a is not None) + n * ranked * 24 + top + ranked * 8192 + issues + 1024


def of(source):
    """`source` itself when it is a Statistics (of any kind), else the statistics of a Record (exact, or
    compact when it has facts) or of an accumulated step's CountsRecord."""
    from tb_confusion.counts.statistics import CountStatistics  # both subclass Statistics
    from tb_confusion.compact.statistics import CompactStatistics

    if isinstance(source, Statistics):
        return source
    if hasattr(source, "counts"):
        return CountStatistics(source)
    return CompactStatistics(source) if getattr(source, "facts", None) is not None else Statistics(source)

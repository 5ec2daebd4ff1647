"""The over-epochs series of one step at any decision, from a table small enough to keep for every epoch.

A step's full `Statistics` holds its probabilities and one sorted ranking per class (~5 MiB at N=100k
binary); a hundred epochs of that do not fit a cache, and an `epochs` request at a new threshold would
decode and sort every evicted step again. What the headline numbers need at a decision is much less: each
example's decision score (the positive class's probability, or the top probability for a multiclass
cutoff), its true class and the class it goes to above the decision, sorted by score once, with per-class
prefix sums at up to 64 marks. The matrix at a threshold t is then one bisection plus a count of the examples
between t and the mark below it (unweighted; weighted steps count every example above t), and the threshold-free
numbers (ROC AUC, average precision, log loss, Brier score, ...) are taken once from the step's report.

    table = DecisionTable(statistics)      # once per step: one report, one sort; 5-7 bytes per example
    table.headline(threshold=0.3)          # {metric key: number}, equal to the report's headline values

With sample weights the counts are sums of floats taken in another order than the report's, so they
agree to ~1e-16 relative rather than bit for bit.

Multilabel steps have no table (exact-match accuracy needs every label of an example at once): the
caller computes their headline numbers from the step's Statistics.
"""

from typing import NamedTuple

import numpy as np

from tb_confusion import catalogue, metrics as m
from tb_confusion.jsonable import jsonable
from tb_confusion.report import DEFAULT_THRESHOLD, build_report
from tb_confusion.tasks import multiclass

HEADLINE = catalogue.keys(headline=True)
RATIOS = m.per_class.RATIOS
# the matrix-wide numbers from its sums (Sums), by the formulas metrics' matrix functions use
# (each of a stack of matrices at once: arrays [S], NaN where the report says None)
FROM_SUMS = {
    "accuracy": lambda s: m.per_class.accuracy_of_sums(s.correct.sum(axis=-1), s.total),
    "balanced_accuracy": lambda s: m.per_class.balanced_accuracy_of_sums(s.correct, s.true),
    "cohen_kappa": lambda s: m.agreement.kappa_of_sums(*s.square()),
    "mcc": lambda s: m.agreement.mcc_of_sums(*s.square())[0],  # 0.0 when undefined, as in the report
}
SUPPORTED_TASKS = ("binary", "multiclass")


class Unsupported(Exception):
    """A headline metric this table cannot compute from a matrix (the caller uses the step's Statistics)."""


def supports(task_name):
    """Whether a DecisionTable can stand for a step of this task."""
    return task_name in SUPPORTED_TASKS


class DecisionTable:
    """One step's headline numbers at any threshold (binary) or cutoff (multiclass); see the module doc."""

    def __init__(self, statistics):
        task = statistics.task.name
        if not supports(task):
            raise ValueError(f"a DecisionTable needs a binary or multiclass step; got {task}")
        self.task = task
        self.class_names = statistics.class_names
        self.positive_class = statistics.positive_class
        self._fixed = threshold_free(statistics)
        labels = np.asarray(statistics.labels)
        true_dtype = np.min_scalar_type(len(self.class_names))  # every class index, and C (below: "not correct")
        if task == "binary":
            score = m.binary_score(statistics.probabilities, self.positive_class)
            pred = None
        else:
            pred, score = statistics.top
        order = _ascending_order(score)
        self._score = np.ascontiguousarray(score[order])
        self._true = labels[order].astype(true_dtype)
        self._pred = None if pred is None else pred[order].astype(true_dtype)
        weights = statistics.weights
        self._weights = None if weights is None else weights[order]
        self._dtype = np.int64 if weights is None else np.float64  # the report's: integer counts unweighted
        # Per class, what lies below a decision: the examples' true class, and for multiclass the correct ones'
        # class and the predicted class. Each is counted at a few marks once (prefix sums), so a decision counts
        # only the examples between the mark below it and it: an `epochs` request does that for every step.
        c = len(self.class_names)
        correct = None if pred is None else np.where(self._true == self._pred, self._true, c).astype(true_dtype)
        self._columns = [a for a in (self._true, correct, self._pred) if a is not None]
        # (weighted: no marks, sums over the examples above a decision as before: float sums subtracted from the
        # totals would leave residues where the report has 0, turning 0/0 into 1)
        marks = 1 if weights is not None else max(1, min(64, len(order) // (8 * len(self._columns) * c)))
        self._marks = np.linspace(0, len(order), marks + 1).astype(np.int64)
        self._prefix = [self._prefix_sums(column, width) for column, width in zip(self._columns, (c, c + 1, c))]
        self._totals = self._prefix[0][-1]  # examples (or weights) per true class: the true classes' last mark

    def nbytes(self):
        """Bytes held (for cache sizing)."""
        arrays = (self._score, self._weights, *self._columns, *self._prefix)
        return sum(a.nbytes for a in arrays if a is not None) + 2048

    def headline(self, *, threshold=None, cutoff=None, beta=1.0):
        """{key: number or None} for every headline metric of the catalogue, as
        `catalogue.headline(build_report(statistics, threshold=..., cutoff=...)["metrics"][key])`
        (`headlines` of this one table)."""
        return headlines([self], threshold=threshold, cutoff=cutoff, beta=beta)[0]

    def matrix(self, *, threshold=None, cutoff=None):
        """The confusion matrix at the decision, as build_report makes it: binary 2x2 at `threshold`
        (positive when score >= threshold, float64); multiclass C x C at the argmax, or C x (C + 1) with
        a "below cutoff" column when `cutoff` is given."""
        if self.task == "binary":
            below = self._count_below(DEFAULT_THRESHOLD if threshold is None else threshold)
            negative = 1 - self.positive_class
            matrix = np.zeros((2, 2), dtype=self._dtype)
            matrix[:, negative] = self._below(0, below)
            matrix[:, self.positive_class] = self._above(0, below)
            return matrix
        if cutoff is None:
            return self._matrix_above(0)
        below = self._count_below(cutoff)
        c = len(self.class_names)
        matrix = np.zeros((c, c + 1), dtype=self._dtype)
        matrix[:, :c] = self._matrix_above(below)
        matrix[:, c] = self._below(0, below)
        return matrix

    def sums(self, *, threshold=None, cutoff=None):
        """The Sums of matrix(threshold=..., cutoff=...): what the headline numbers need of it. Multiclass
        counts them from the examples above the cutoff (O(N + C), not the C x C matrix: ~1 ms instead of
        ~5 ms at 1,000 classes, for each of 90 epochs at each new cutoff)."""
        if self.task == "binary":
            return Sums.of(self.matrix(threshold=threshold))
        below = 0 if cutoff is None else self._count_below(cutoff)
        c = len(self.class_names)
        correct, predicted = self._above(1, below)[:c], self._above(2, below)[:c]
        if cutoff is not None:
            predicted = np.append(predicted, self._below(0, below).sum())  # the "below cutoff" column
        return Sums(correct, self._totals, predicted, self._totals.sum())

    def _below(self, column, below):
        """Per class, the examples (or weights) among the `below` lowest-scored of column `column` (0: true
        class, 1: class of the correct ones (C for the others), 2: predicted class): the prefix sum at the
        last mark <= below plus a count of the examples after it."""
        mark = int(np.searchsorted(self._marks, below, side="right")) - 1
        start, counts = int(self._marks[mark]), self._prefix[column][mark]
        if below > start:
            weights = None if self._weights is None else self._weights[start:below]
            counts = counts + np.bincount(self._columns[column][start:below], weights=weights, minlength=len(counts))
        return counts.astype(self._dtype, copy=False)

    def _above(self, column, below):
        """Per class, the examples (or weights) of column `column` from the `below`-th lowest score up."""
        if self._weights is None:  # integer counts: the totals (the prefix sums at the last mark) minus below
            return self._prefix[column][-1] - self._below(column, below)
        width = self._prefix[column].shape[1]
        return np.bincount(self._columns[column][below:], weights=self._weights[below:], minlength=width)

    def _prefix_sums(self, column, width):
        """[marks + 1, width]: per class (0 .. width - 1), the examples (or weights) of `column` before each mark."""
        between = np.repeat(np.arange(len(self._marks) - 1), np.diff(self._marks))
        counts = np.bincount(between * width + column, weights=self._weights,
                             minlength=(len(self._marks) - 1) * width).reshape(-1, width)
        prefix = np.zeros((len(self._marks), width), dtype=self._dtype)
        np.cumsum(counts, axis=0, out=prefix[1:])
        return prefix

    def _count_below(self, decision):
        """How many examples have a score < decision (compared in float64, as the report does)."""
        return int(np.searchsorted(self._score, _smallest_at_least(decision, self._score.dtype), side="left"))

    def _matrix_above(self, start):
        c = len(self.class_names)
        cells = self._true[start:].astype(np.intp) * c + self._pred[start:]
        weights = None if self._weights is None else self._weights[start:]
        counts = np.bincount(cells, weights=weights, minlength=c * c).reshape(c, c)
        return counts.astype(self._dtype, copy=False)  # an empty weighted bincount is int64


class Sums(NamedTuple):
    """What the headline numbers need of a true x predicted matrix [C, C] or [C, C + 1]: its diagonal
    `correct` [C], row sums `true` [C], column sums `predicted` (one per column) and `total`, in the
    matrix's dtype (integer counts unweighted: then every number equals the matrix's bit for bit)."""

    correct: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    total: object

    @classmethod
    def of(cls, matrix):
        m = np.asarray(matrix)
        return cls(np.diagonal(m[:, : m.shape[0]]).copy(), m.sum(axis=1), m.sum(axis=0), m.sum())

    @classmethod
    def stack(cls, many):
        """The Sums of several matrices of one shape as one: every field gains a leading axis [S, ...]."""
        return cls(*(np.stack(field) for field in zip(*many)))

    def class_counts(self):
        """(tp, fp, fn, tn) per class, as metrics.class_counts of the matrix (of each matrix when stacked)."""
        tp = self.correct
        fp = self.predicted[..., : tp.shape[-1]] - tp
        fn = self.true - tp
        return tp, fp, fn, np.asarray(self.total)[..., None] - tp - fp - fn

    def square(self):
        """(trace, row sums, column sums) in float64 of the matrix made square (metrics.agreement.square:
        an empty "below cutoff" row), for kappa_of_sums and mcc_of_sums."""
        true = self.true.astype(np.float64)
        extra = self.predicted.shape[-1] - true.shape[-1]
        if extra:
            true = np.concatenate([true, np.zeros(true.shape[:-1] + (extra,))], axis=-1)
        return self.correct.sum(axis=-1, dtype=np.float64), true, self.predicted.astype(np.float64)


def headlines(tables, *, threshold=None, cutoff=None, beta=1.0):
    """[DecisionTable.headline(...)] of each table: the numbers that move with the decision computed for
    every step of a stack at once (one numpy call per metric instead of one per metric and step: an `epochs`
    request over a hundred steps spent most of its time in those calls)."""
    out = [None] * len(tables)
    alike = {}  # tables whose matrices stack: same task, classes and positive class
    for i, table in enumerate(tables):
        alike.setdefault((table.task, len(table.class_names), table.positive_class), []).append(i)
    for (task, _, positive_class), members in alike.items():
        sums = Sums.stack([tables[i].sums(threshold=threshold, cutoff=cutoff) for i in members])
        counts = sums.class_counts()
        moving = {}
        for key in HEADLINE:
            if key in tables[members[0]]._fixed:
                continue
            if task not in catalogue.BY_KEY[key].tasks:  # e.g. frequency-weighted IoU: segmentation only
                moving[key] = np.full(len(members), np.nan)
            elif key in RATIOS:
                values, _ = m.per_class.divide(*RATIOS[key](*counts))
                # catalogue.headline: the positive class's value for binary, else the macro average
                moving[key] = values[:, positive_class] if task == "binary" else np.mean(values, axis=1)
            elif key in FROM_SUMS:
                moving[key] = FROM_SUMS[key](sums)
            else:
                raise Unsupported(f"the decision table cannot compute headline metric {key!r}")
        for row, i in enumerate(members):
            numbers = dict(tables[i]._fixed)
            numbers.update((key, None if np.isnan(values[row]) else float(values[row])) for key, values in moving.items())
            out[i] = jsonable({key: numbers[key] for key in HEADLINE})
    return out


def threshold_free(statistics):
    """{key: number or None} of the headline metrics that do not move with the decision, as the step's
    report (at default arguments) gives them.

    A compact step answers ROC AUC and average precision from every class's areas at once
    (CompactStatistics.ranking_areas: one sort for all classes) instead of a report, whose per-class
    ranking calls numpy twice per class (~150 ms at 1,000 classes, for each of 90 epochs); the other
    numbers share the report's memo keys and formulas."""
    keys = [key for key in HEADLINE if not catalogue.BY_KEY[key].decision]
    areas = getattr(statistics, "ranking_areas", None)
    if areas is None or statistics.task.name != "multiclass":
        report = build_report(statistics)
        return {key: catalogue.headline(report["metrics"].get(key)) for key in keys}
    auc, ap, _ = areas()
    out = {"roc_auc": None if np.isnan(auc).any() else float(np.mean(auc.tolist())),
           "average_precision": float(np.mean(ap.tolist())),
           "log_loss": multiclass.log_loss(statistics)}
    for key in keys:
        metric = catalogue.BY_KEY[key]
        if key not in out and metric.compute is not None and statistics.task.name in metric.tasks:
            out[key] = statistics.memo(("metric", key), lambda metric=metric: metric.compute(statistics))[0]
    return jsonable({key: out.get(key) for key in keys})


def _ascending_order(score):
    """Indices sorting `score` ascending, ties in index order: for non-negative float32 scores one sort
    of (bits << 32 | index) (~4x faster than a stable argsort at N=50,000)."""
    if score.dtype == np.float32 and len(score) < 2**32:
        bits = np.ascontiguousarray(score).view(np.uint32)
        if len(bits) and bits.max() < 0x7F800000:  # finite and >= +0.0: the bits sort like the floats
            key = bits.astype(np.uint64) << np.uint64(32)
            key |= np.arange(len(score), dtype=np.uint64)
            key.sort()
            return (key & np.uint64(0xFFFFFFFF)).astype(np.intp)
    return np.argsort(score, kind="stable")


def _smallest_at_least(value, dtype):
    """The smallest number of `dtype` that is >= `value` (a float64): for scores s of that dtype,
    s >= value exactly when s >= this number, so the sorted scores can be searched in their own dtype."""
    value = np.float64(value)
    if dtype == np.float64:
        return value
    cast = np.asarray(value).astype(dtype)
    if np.float64(cast) < value:
        cast = np.nextafter(cast, dtype.type(np.inf))
    return cast

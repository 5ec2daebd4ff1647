"""Likely label errors of one step: confident learning (Northcutt, Jiang and Chuang, JAIR 2021) on the
stored probabilities, as cleanlab 2.x defines it for `find_label_issues(filter_by="confident_learning")`.

    self-confidence  s_n = p[n, y_n]          the probability the model gives the example's given label
    threshold        t_j = mean of s_n over the examples labelled j   (2 for a class nobody is labelled,
                                                                       so it is never confident; >= 2e-6)
    confident in j   p[n, j] >= t_j - 1e-6
    guess            the one confident class, or the most probable class when several are confident
    likely issue     some class is confident, the guess differs from y_n (the example sits off the
                     diagonal of the "confident joint"), and the model does not predict y_n itself
                     (argmax of p with 1e-6 added to p[n, y_n] is not y_n; cleanlab's last filter)

Issues rank by self-confidence, lowest first (cleanlab's default `rank_by_kind="self_confidence"`).
The numbers depend only on labels and probabilities: not on the panel's threshold or cutoff, and not
on sample weights (confident learning has none; a weighted step is counted unweighted here).

Tasks: multiclass as is; binary as two classes (a [N] score of the positive class p becomes [1 - p, p]
in class-index order); multilabel one label at a time, each label a binary problem (not off / on),
which is cleanlab's one-vs-rest view of a label before it aggregates labels per example.
"""

import numpy as np

from tb_confusion.errors import BadArgument

MISSING_CLASS_THRESHOLD = 2.0  # above any probability: a class nobody is labelled is never confident
THRESHOLD_FLOOR = 2e-6
TOLERANCE = 1e-6
_CHUNK_VALUES = 1 << 22  # rows are compared a block at a time: a few MB whatever N x K is


def self_confidence(labels, probabilities):
    """p[n, labels[n]] for each example, float64 [N]."""
    labels, probabilities = _checked(labels, probabilities)
    return probabilities[np.arange(len(labels)), labels].astype(np.float64)


def confident_thresholds(labels, probabilities):
    """t_j, the mean self-confidence of the examples labelled j, per class [K] (float64)."""
    labels, probabilities = _checked(labels, probabilities)
    return _thresholds(labels, probabilities.shape[1], self_confidence(labels, probabilities))


def find(labels, probabilities):
    """A bool mask [N]: True where the given label is a likely error (see the module docstring)."""
    labels, probabilities = _checked(labels, probabilities)
    n, k = probabilities.shape
    thresholds = _thresholds(labels, k, self_confidence(labels, probabilities)) - TOLERANCE
    flagged = np.zeros(n, dtype=bool)
    rows = max(1, _CHUNK_VALUES // max(k, 1))
    for start in range(0, n, rows):
        block = probabilities[start:start + rows].astype(np.float64)
        given = labels[start:start + rows]
        confident = block >= thresholds
        how_many = confident.sum(axis=1)
        guess = np.where(how_many > 1, block.argmax(axis=1), confident.argmax(axis=1))
        off_diagonal = (how_many > 0) & (guess != given)
        block[np.arange(len(given)), given] += TOLERANCE
        flagged[start:start + rows] = off_diagonal & (block.argmax(axis=1) != given)
    return flagged


def rank(flagged, scores):
    """Indices of all examples, likely issues first, each group by `scores` (self-confidence) ascending,
    ties by index. Restricting to `flagged` rows gives cleanlab's ranking of its issues."""
    flagged, scores = np.asarray(flagged, dtype=bool), np.asarray(scores, dtype=np.float64)
    index = np.arange(len(scores))
    return np.lexsort((index, scores, ~flagged))


class LabelIssues:
    """One step's likely label errors (of one label for multilabel).

    Attributes: given [N] (class index, or 0/1 for a label), self_confidence [N], thresholds [K],
    flagged [N] bool.
    """

    def __init__(self, given, probabilities):
        self.given = np.asarray(given)  # the stored labels' own small integer dtype: no copy
        self.self_confidence = self_confidence(self.given, probabilities)
        self.thresholds = _thresholds(self.given, probabilities.shape[1], self.self_confidence)
        self.flagged = find(self.given, probabilities)

    @property
    def count(self):
        return int(self.flagged.sum())

    def order(self, rows):
        """`rows` (example indices) likely issues first, each group by self-confidence ascending."""
        rows = np.asarray(rows, dtype=np.int64)
        return rows[rank(self.flagged[rows], self.self_confidence[rows])]

    def cell_counts(self, truth, pred, shape):
        """Likely issues per matrix cell: an int64 array `shape` of the flagged examples at (truth, pred)."""
        cells = np.ravel_multi_index((truth[self.flagged], pred[self.flagged]), shape)
        return np.bincount(cells, minlength=shape[0] * shape[1]).reshape(shape)


def of_step(statistics, *, label=None):
    """The LabelIssues of a tb_confusion.statistics.Statistics, computed once per step (and label)."""
    def compute():
        if statistics.kind == "compact":
            return compact_issues(statistics.labels, statistics.facts, len(statistics.class_names))
        return LabelIssues(*class_problem(statistics, label=label))

    return statistics.memo(("label_issues", label), compute)


def compact_issues(labels, facts, num_classes):
    """LabelIssues of a compact step, which keeps each example's two most probable classes and its given
    label's probability: the confident-joint rule over those three classes (a less probable class that
    clears its own threshold is not seen, so a few issues can be missed; thresholds and self-confidence
    are exact)."""
    issues = LabelIssues.__new__(LabelIssues)
    issues.given = np.asarray(labels)
    y = issues.given.astype(np.int64)
    issues.self_confidence = facts.true_score.astype(np.float64)
    issues.thresholds = _thresholds(y, num_classes, issues.self_confidence)
    limit = issues.thresholds - TOLERANCE
    pred, runner = facts.pred.astype(np.int64), facts.runner_up.astype(np.int64)
    top, second = facts.top.astype(np.float64), facts.runner_up_score.astype(np.float64)
    pred_ok, runner_ok = top >= limit[pred], second >= limit[runner]
    label_ok = (issues.self_confidence >= limit[y]) & (y != pred) & (y != runner)
    how_many = pred_ok.astype(int) + runner_ok + label_ok
    guess = np.where(pred_ok, pred, np.where(runner_ok, runner, y))  # the most probable confident class
    off_diagonal = (how_many > 0) & (guess != y)
    rival, rival_score = np.where(pred != y, pred, runner), np.where(pred != y, top, second)
    boosted = issues.self_confidence + TOLERANCE
    predicts_given = (boosted > rival_score) | ((boosted == rival_score) & (y < rival))
    issues.flagged = off_diagonal & ~predicts_given
    return issues


def class_problem(statistics, *, label=None):
    """(given labels [N], probabilities [N, K]) of a step as a single-label problem (module docstring)."""
    labels, probabilities = statistics.labels, statistics.probabilities
    if labels.ndim == 2:  # multilabel: one label as its own binary problem
        if label is None:
            raise BadArgument("label issues of a multilabel step are per label: give 'label'")
        return labels[:, label], _two_columns(probabilities[:, label], positive_class=1)
    if probabilities.ndim == 1:
        return labels, _two_columns(probabilities, positive_class=statistics.positive_class)
    return labels, probabilities


def _two_columns(score, *, positive_class):
    score = np.asarray(score, dtype=np.float64)
    columns = [1.0 - score, score] if positive_class == 1 else [score, 1.0 - score]
    return np.stack(columns, axis=1)


def _thresholds(labels, num_classes, confidence):
    counts = np.bincount(labels, minlength=num_classes)
    sums = np.bincount(labels, weights=confidence, minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), MISSING_CLASS_THRESHOLD)
    return np.maximum(means, THRESHOLD_FLOOR)


def _checked(labels, probabilities):
    labels, probabilities = np.asarray(labels), np.asarray(probabilities)
    if probabilities.ndim != 2:
        raise BadArgument(f"probabilities must be [N, K]; got shape {probabilities.shape}")
    if labels.shape != (len(probabilities),):
        raise BadArgument(f"labels must be [N] with N={len(probabilities)}; got shape {labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= probabilities.shape[1]):
        raise BadArgument(f"labels must be class indices in [0, {probabilities.shape[1]}); "
                          f"got values from {labels.min()} to {labels.max()}")
    return labels.astype(np.int64), probabilities

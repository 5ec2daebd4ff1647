"""Two steps compared example by example, and each example's history over every step (docs/diff.md).

    diff(a, b, threshold=0.5)        # a, b: Records or Statistics of one tag (two steps, or two runs)
    forgetting(steps, cutoff=0.3)    # steps: every step of one (run, tag), ascending

"Correct" at a decision (the threshold, per-label thresholds or cutoff that build_report takes):
binary and multiclass, the predicted class equals the label (a multiclass row below the cutoff is never
correct); multilabel, every label is right (exact match, the report's `accuracy`).

Examples are aligned by their logged ids (both sides must have them), or by index when neither side has
ids and both have the same number of examples. Matrices and flips count examples (sample weights are not
applied); metric deltas compare the two steps' own reports (weighted when the step is, over all of its
examples). Pure numpy: no server code.
"""

import math
from typing import NamedTuple

import numpy as np

from tb_confusion import catalogue
from tb_confusion import statistics as _statistics
from tb_confusion.errors import BadArgument
from tb_confusion.metrics._checks import check_thresholds, check_unit_interval
from tb_confusion.metrics.confusion import multilabel_predictions
from tb_confusion.report import DEFAULT_THRESHOLD, build_report
from tb_confusion.tasks import BELOW_CUTOFF

FLIP_KINDS = ("learned", "forgotten")
SAMPLE_IDS = 10  # ids present on one side only, listed by name (all are counted)


# -- the decision and what it makes of each example ---------------------------------------------------


def decision(task, num_classes, *, threshold=None, thresholds=None, cutoff=None):
    """{"threshold", "thresholds", "cutoff"} as they apply to `task` (a tasks.Task): checked like
    build_report checks them, defaults filled in, None for what the task does not use."""
    threshold = DEFAULT_THRESHOLD if threshold is None else check_unit_interval("threshold", threshold)
    cutoff = None if cutoff is None else check_unit_interval("cutoff", cutoff)
    per_label = None
    if task.decision == "per_label":
        per_label = check_thresholds(thresholds if thresholds is not None else threshold, num_classes).tolist()
    return {"threshold": threshold if task.decision != "cutoff" else None,
            "thresholds": per_label, "cutoff": cutoff if task.decision == "cutoff" else None}


class Outcome(NamedTuple):
    """Each example's decision at one step. Classes tasks: true, pred int64 [N] (pred = C: below the
    cutoff); multilabel: bool [N, L]. score: the predicted class's probability (multilabel: the lowest,
    over labels, of the predicted state's); true_score: the same for the true class (state)."""

    true: np.ndarray
    pred: np.ndarray
    score: np.ndarray
    true_score: np.ndarray
    correct: np.ndarray

    def take(self, rows):
        return Outcome(*(part[rows] for part in self))


def outcome(source, rule):
    """The Outcome of every example of `source` (a Record or Statistics) at `rule` (see `decision`)."""
    data = _statistics.of(source)
    if data.kind == "compact":  # the kept facts: argmax, top and the true class's probability
        true, pred, score = data.task.cell_assignment(data, threshold=rule["threshold"], cutoff=rule["cutoff"])
        return Outcome(true, pred, score, data.true_scores.astype(np.float64), pred == true)
    p = data.probabilities
    if data.task.matrix == "labels":
        true = data.labels.astype(bool)
        pred = multilabel_predictions(p, rule["thresholds"])
        p = p.astype(np.float64)
        score = np.where(pred, p, 1.0 - p).min(axis=1, initial=1.0)
        true_score = np.where(true, p, 1.0 - p).min(axis=1, initial=1.0)
        return Outcome(true, pred, score, true_score, (true == pred).all(axis=1))
    true, pred, score = data.task.cell_assignment(data, threshold=rule["threshold"], cutoff=rule["cutoff"])
    if p.ndim == 1:  # binary scores of the positive class
        positive = np.asarray(p, dtype=np.float64)
        true_score = np.where(true == data.positive_class, positive, 1.0 - positive)
    else:
        true_score = p[np.arange(len(true)), true].astype(np.float64)
    return Outcome(true, pred, score, true_score, pred == true)


def predicted_labels(task, class_names, rule):
    """The matrix's column names, as the report names them."""
    if task.matrix == "labels":
        return ["negative", "positive"]
    return list(class_names) + ([BELOW_CUTOFF] if rule["cutoff"] is not None else [])


def count_matrices(task, class_names, rule, result):
    """(matrix [rows, columns], per-label [L, 2, 2] or None) of example counts of an Outcome."""
    if task.matrix == "labels":
        y, p = result.true, result.pred
        per_label = np.stack([np.stack([(~y & ~p).sum(0), (~y & p).sum(0)], -1),
                              np.stack([(y & ~p).sum(0), (y & p).sum(0)], -1)], 1).astype(np.int64)
        return per_label.sum(axis=0), per_label
    rows, columns = len(class_names), len(predicted_labels(task, class_names, rule))
    flat = np.bincount(result.true * columns + result.pred, minlength=rows * columns)
    return flat.reshape(rows, columns).astype(np.int64), None


def row_percent(matrix):
    """100 x each cell over its row's total (NaN for the cells of an empty row)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * matrix / matrix.sum(axis=1, keepdims=True)


def row_percent_difference(matrix_a, matrix_b):
    """B's row percentages minus A's, in percentage points, as nested lists; None where either row is empty."""
    difference = row_percent(matrix_b) - row_percent(matrix_a)
    return [[None if math.isnan(v) else v for v in row] for row in difference.tolist()]


def headline_metrics(report):
    """The headline catalogue metrics of a report (what the `epochs` route charts)."""
    return {key: catalogue.headline(report["metrics"].get(key)) for key in catalogue.keys(headline=True)}


# -- alignment -----------------------------------------------------------------------------------------


class Alignment(NamedTuple):
    """Pairs of rows (index_a[k], index_b[k]) holding the same example, in B's order; `by` is "id" or
    "index"; only_a / only_b: rows of ids present on one side only (ascending)."""

    by: str
    index_a: np.ndarray
    index_b: np.ndarray
    only_a: np.ndarray
    only_b: np.ndarray


def describe(record, name=None):
    """How messages name one step: "A (run 'train', tag 'digits', step 3)"."""
    where = f"run {record.run!r}, tag {record.tag!r}, step {record.step}"
    return f"{name} ({where})" if name else where


def id_positions(record, what):
    """{id: row} of a Record's example ids; BadArgument naming `what` and one repeated id."""
    positions = {}
    for row, example_id in enumerate(record.example_ids):
        if positions.setdefault(example_id, row) != row:
            raise BadArgument(f"example ids of {what} repeat {example_id!r} (rows {positions[example_id]} and "
                              f"{row}): examples cannot be matched across steps")
    return positions


def rows_in(record, positions, what):
    """For each example of `record`, its row in the reference whose `positions` ({id: row}) are given,
    or -1; BadArgument naming `what` when the record repeats an id."""
    rows = np.fromiter((positions.get(x, -1) for x in record.example_ids), np.int64, record.num_examples)
    matched = np.sort(rows[rows >= 0])
    repeated = matched[1:][matched[1:] == matched[:-1]]
    if len(repeated):
        id_positions(record, what)  # names the repeated id
    return rows


def align(a, b, *, names=("A", "B")):
    """The Alignment of Records `a` and `b` (see the module docstring); BadArgument when they cannot be."""
    if a.has_example_ids != b.has_example_ids:
        (with_ids, x), (without, y) = sorted(zip(names, (a, b)), key=lambda pair: not pair[1].has_example_ids)
        raise BadArgument(f"{describe(x, with_ids)} has example ids and {describe(y, without)} has none: log "
                          "example_ids on both to match examples")
    if not a.has_example_ids:
        if a.num_examples != b.num_examples:
            raise BadArgument(f"without example ids examples are matched by index, but {describe(a, names[0])} "
                              f"has {a.num_examples} examples and {describe(b, names[1])} has {b.num_examples}: "
                              "log example_ids to compare them")
        rows = np.arange(a.num_examples)
        empty = np.zeros(0, np.int64)
        return Alignment("index", rows, rows.copy(), empty, empty.copy())
    in_a = rows_in(b, id_positions(a, describe(a, names[0])), describe(b, names[1]))
    matched = in_a >= 0
    seen = np.zeros(a.num_examples, bool)
    seen[in_a[matched]] = True
    return Alignment("id", in_a[matched], np.flatnonzero(matched), np.flatnonzero(~seen), np.flatnonzero(~matched))


def check_same_tag(a, b, *, names=("A", "B")):
    """BadArgument naming the difference unless Statistics `a` and `b` have one task and class names."""
    first, second = describe(a.record, names[0]), describe(b.record, names[1])
    if a.task.name != b.task.name:
        raise BadArgument(f"task differs: {first} is {a.task.name}, {second} is {b.task.name}")
    if a.class_names != b.class_names:
        if len(a.class_names) != len(b.class_names):
            detail = f"{len(a.class_names)} vs {len(b.class_names)} classes"
        else:
            k = next(i for i, (x, y) in enumerate(zip(a.class_names, b.class_names)) if x != y)
            detail = f"class {k} is {a.class_names[k]!r} vs {b.class_names[k]!r}"
        raise BadArgument(f"class names differ ({detail}): {first} has {a.class_names}, {second} has "
                          f"{b.class_names}")
    if a.task.matrix == "classes" and len(a.class_names) == 2 and a.positive_class != b.positive_class:
        raise BadArgument(f"positive class differs: {first} has {a.positive_class}, {second} has "
                          f"{b.positive_class}")


# -- two steps -----------------------------------------------------------------------------------------


class Diff:
    """B - A of two steps of one tag at one decision (module docstring); `summary()` and `flips()` give
    the `diff` route's JSON (docs/diff.md)."""

    def __init__(self, a, b, *, threshold=None, thresholds=None, cutoff=None):
        self.a, self.b = _statistics.of(a), _statistics.of(b)
        check_same_tag(self.a, self.b)
        self.task, self.class_names = self.b.task, self.b.class_names
        self.rule = decision(self.task, len(self.class_names), threshold=threshold, thresholds=thresholds,
                             cutoff=cutoff)
        options = {k: v for k, v in (("threshold", threshold), ("thresholds", thresholds), ("cutoff", cutoff))
                   if v is not None}
        self.report_a, self.report_b = build_report(self.a, **options), build_report(self.b, **options)
        self.alignment = align(self.a.record, self.b.record)
        self.outcome_a = outcome(self.a, self.rule).take(self.alignment.index_a)
        self.outcome_b = outcome(self.b, self.rule).take(self.alignment.index_b)
        self.learned = ~self.outcome_a.correct & self.outcome_b.correct
        self.forgotten = self.outcome_a.correct & ~self.outcome_b.correct

    def summary(self, *, matrices=True):
        """Everything but the flip lists: steps, alignment, matrices (None when not `matrices`: a page of
        flips needs none, and at C = 1000 they are millions of numbers), metric deltas, flip counts."""
        a, b, rule = self.outcome_a, self.outcome_b, self.rule
        matrix_a, labels_a = count_matrices(self.task, self.class_names, rule, a)
        matrix_b, labels_b = count_matrices(self.task, self.class_names, rule, b)
        metrics_a, metrics_b = headline_metrics(self.report_a), headline_metrics(self.report_b)
        relabelled = (a.true != b.true) if a.true.ndim == 1 else (a.true != b.true).any(axis=1)
        alignment = self.alignment
        out = {
            "task": self.task.name, "class_names": list(self.class_names),
            "predicted_labels": predicted_labels(self.task, self.class_names, rule),
            "a": _side(self.a), "b": _side(self.b), "decision": dict(rule),
            "alignment": {
                "by": alignment.by, "aligned": len(alignment.index_b),
                "only_a": len(alignment.only_a), "only_b": len(alignment.only_b),
                "only_a_ids": [self.a.record.example_id(i) for i in alignment.only_a[:SAMPLE_IDS]],
                "only_b_ids": [self.b.record.example_id(i) for i in alignment.only_b[:SAMPLE_IDS]],
                "label_changed": int(relabelled.sum()),
            },
            "matrix_a": None, "matrix_b": None, "difference": None, "row_percent_difference": None,
            "label_difference": None,
            "metrics_a": metrics_a, "metrics_b": metrics_b,
            "metric_deltas": {key: None if metrics_a[key] is None or metrics_b[key] is None
                              else metrics_b[key] - metrics_a[key] for key in metrics_a},
            "flips": {"learned": int(self.learned.sum()), "forgotten": int(self.forgotten.sum()),
                      "stayed_correct": int((a.correct & b.correct).sum()),
                      "stayed_wrong": int((~a.correct & ~b.correct).sum())},
        }
        if matrices:
            out.update(matrix_a=matrix_a.tolist(), matrix_b=matrix_b.tolist(),
                       difference=(matrix_b - matrix_a).tolist(),
                       row_percent_difference=row_percent_difference(matrix_a, matrix_b),
                       label_difference=None if labels_a is None else (labels_b - labels_a).tolist())
        return out

    def flips(self, kind, *, offset=0, limit=50):
        """One page of the `kind` ("learned" or "forgotten") flips, the largest move of the true class's
        probability first (ties: lower index in B first)."""
        if kind not in FLIP_KINDS:
            raise BadArgument(f"flips must be one of {', '.join(FLIP_KINDS)}; got {kind!r}")
        for name, value, low in (("offset", offset, 0), ("limit", limit, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise BadArgument(f"{name} must be an integer >= {low}; got {value!r}")
        a, b = self.outcome_a, self.outcome_b
        chosen = np.flatnonzero(self.learned if kind == "learned" else self.forgotten)
        moved = b.true_score[chosen] - a.true_score[chosen]
        chosen = chosen[np.lexsort((self.alignment.index_b[chosen], -moved if kind == "learned" else moved))]
        page = chosen[offset:offset + limit]
        rows = [{
            "index": int(self.alignment.index_b[k]), "index_a": int(self.alignment.index_a[k]),
            "id": self.b.record.example_id(int(self.alignment.index_b[k])),
            "true": _value(b.true[k]), "true_a": _value(a.true[k]),
            "pred_a": _value(a.pred[k]), "pred_b": _value(b.pred[k]),
            "score_a": float(a.score[k]), "score_b": float(b.score[k]),
            "true_score_a": float(a.true_score[k]), "true_score_b": float(b.true_score[k]),
        } for k in page]
        return {"kind": kind, "total": len(chosen), "offset": int(offset), "limit": int(limit),
                "examples": rows}


def diff(a, b, *, threshold=None, thresholds=None, cutoff=None, flips=None, offset=0, limit=50, matrices=True):
    """The `diff` route's object for steps `a` and `b` (Records or Statistics): Diff.summary(matrices=...),
    plus "examples", one page of Diff.flips(flips) (None when `flips` is None). See docs/diff.md."""
    result = Diff(a, b, threshold=threshold, thresholds=thresholds, cutoff=cutoff)
    page = None if flips is None else result.flips(flips, offset=offset, limit=limit)
    return {**result.summary(matrices=matrices), "examples": page}


def _side(data):
    record = data.record
    return {"run": record.run, "tag": record.tag, "step": record.step, "wall_time": record.wall_time,
            "num_examples": int(record.num_examples), "has_example_ids": record.has_example_ids}


def _value(x):
    """A class index as int; a multilabel row (bool [L]) as the list of its positive labels."""
    return np.flatnonzero(x).tolist() if np.ndim(x) else int(x)


# -- every step: forgetting events ---------------------------------------------------------------------


def forgetting(steps, *, threshold=None, thresholds=None, cutoff=None, limit=20, reference=None):
    """Forgetting events (Toneva et al. 2019) over `steps`, every step of one (run, tag) in ascending
    order: a sequence of Records or Statistics (len() and indexing; each is read once, in order, so a lazy
    sequence keeps one step in memory besides the packed history).

    The examples are those of `reference` (default: the last step); another step's examples are matched to
    them by id (or by index: no ids and the same N). A forgetting event is a step where an example is wrong
    after being right at its previous step (the last one where it was present). Returns the `forgetting`
    route's object (docs/diff.md): per-step counts, totals, the `limit` most forgotten examples and the first
    `limit` never-learned ones, each with its history ("1" right, "0" wrong, "-" absent, one per step).
    """
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise BadArgument(f"limit must be an integer >= 0; got {limit!r}")
    if not len(steps):
        raise BadArgument("forgetting needs at least one step; got none")
    ref = _statistics.of(steps[-1] if reference is None else reference)
    rule = decision(ref.task, len(ref.class_names), threshold=threshold, thresholds=thresholds, cutoff=cutoff)
    n = ref.record.num_examples
    positions = id_positions(ref.record, describe(ref.record)) if ref.record.has_example_ids else None
    last = np.full(n, -1, np.int8)  # -1 not seen yet, 0 wrong, 1 right, at the example's previous step
    events, ever_right = np.zeros(n, np.int64), np.zeros(n, bool)
    present_bits, right_bits, per_step = [], [], []
    for k in range(len(steps)):
        data = _statistics.of(steps[k])
        check_same_tag(ref, data, names=("the reference step", "step"))
        rows, unmatched = _rows_of(data.record, ref.record, positions)
        right_here = outcome(data, rule).correct
        present, right = np.zeros(n, bool), np.zeros(n, bool)
        matched = rows >= 0
        present[rows[matched]] = True
        right[rows[matched]] = right_here[matched]
        forgotten = present & (last == 1) & ~right
        learned = present & (last == 0) & right
        events += forgotten
        ever_right |= right
        last = np.where(present, right.astype(np.int8), last)
        present_bits.append(np.packbits(present))
        right_bits.append(np.packbits(right))
        per_step.append({"step": data.record.step, "present": int(present.sum()), "correct": int(right.sum()),
                         "unmatched": unmatched, "learned": int(learned.sum()), "forgotten": int(forgotten.sum())})
    history = _History(np.stack(present_bits), np.stack(right_bits))
    seen = last >= 0
    never = np.flatnonzero(seen & ~ever_right)
    forgotten_rows = np.flatnonzero(events > 0)
    forgotten_rows = forgotten_rows[np.lexsort((forgotten_rows, -events[forgotten_rows]))]
    true = outcome(ref, rule).true

    def listing(rows):
        return [{"index": int(i), "id": ref.record.example_id(int(i)), "true": _value(true[i]),
                 "forgetting_events": int(events[i]), "history": text}
                for i, text in zip(rows, history.texts(rows))]

    return {
        "run": ref.record.run, "tag": ref.record.tag, "task": ref.task.name, "class_names": list(ref.class_names),
        "reference_step": ref.record.step, "num_examples": int(n), "decision": rule, "steps": per_step,
        "forgetting_events": int(events.sum()), "forgotten_examples": len(forgotten_rows),
        "never_learned": len(never), "unforgettable": int((ever_right & (events == 0)).sum()),
        "events_histogram": np.bincount(events, minlength=1).tolist(), "limit": int(limit),
        "most_forgotten": listing(forgotten_rows[:limit]), "never_learned_examples": listing(never[:limit]),
    }


def _rows_of(record, reference, positions):
    """(row in the reference of each example of `record` or -1, how many have none)."""
    if positions is None:
        if record.has_example_ids or record.num_examples != reference.num_examples:
            why = ("has example ids and the reference step has none" if record.has_example_ids else
                   f"has {record.num_examples} examples, the reference step {reference.num_examples}, and "
                   "no example ids were logged")
            raise BadArgument(f"{describe(record, 'step')} {why}: examples cannot be matched across steps")
        return np.arange(record.num_examples), 0
    if not record.has_example_ids:
        raise BadArgument(f"{describe(record, 'step')} has no example ids and the reference step "
                          f"({describe(reference)}) has them: examples cannot be matched across steps")
    rows = rows_in(record, positions, describe(record, "step"))
    return rows, int((rows < 0).sum())


class _History:
    """Right/present bits of every (step, example), packed 8 examples a byte (np.packbits)."""

    def __init__(self, present, right):
        self.present, self.right = present, right

    def texts(self, rows):
        rows = np.asarray(rows, np.int64)
        shift = (7 - (rows & 7)).astype(np.uint8)
        present = (self.present[:, rows >> 3] >> shift) & 1
        right = (self.right[:, rows >> 3] >> shift) & 1
        symbols = np.where(present == 0, "-", np.where(right == 1, "1", "0"))
        return ["".join(column) for column in symbols.T]

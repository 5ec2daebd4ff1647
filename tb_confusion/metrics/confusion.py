"""Confusion matrices: binary (score >= threshold), multiclass (argmax, optional cutoff), multilabel."""

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.metrics._checks import check_thresholds, check_unit_interval, check_weights
from tb_confusion.metrics._parallel import parallel_map, spans, transposed_chunks

NORMALIZATIONS = ("none", "true", "pred", "all")
# Above this many classes numpy's own argmax (long inner loops) beats the column-wise kernel.
_COLUMNWISE_MAX_CLASSES = 32


def confusion_matrix(y_true, y_pred, num_classes, *, num_predicted=None, sample_weight=None):
    """[num_classes, num_predicted] (weighted) counts, rows = true class, columns = predicted.

    One bincount of true * num_predicted + pred; int64 without weights, float64 with them.
    """
    num_predicted = num_classes if num_predicted is None else num_predicted
    index = np.asarray(y_true, dtype=np.intp) * num_predicted + np.asarray(y_pred, dtype=np.intp)
    counts = np.bincount(index, weights=sample_weight, minlength=num_classes * num_predicted)
    return counts.reshape(num_classes, num_predicted)


def _top_of_columns(columns):
    """(argmax, max) per row of a chunk given as its [C, n] transposed columns; first index on ties.

    np.argmax(axis=1) loops per row and holds the GIL; on transposed columns the work is C long
    vectorized passes that release it."""
    top = columns.max(axis=0)
    n = len(top)
    # argmax = number of leading columns that are not the maximum
    arg = np.zeros(n, dtype=np.uint8)
    not_yet = np.ones(n, dtype=bool)
    differs = np.empty(n, dtype=bool)
    for j in range(columns.shape[0] - 1):
        np.not_equal(columns[j], top, out=differs)
        np.logical_and(not_yet, differs, out=not_yet)
        np.add(arg, not_yet.view(np.uint8), out=arg)
    return arg, top


def _top_chunks(p, start, stop):
    """Yield (a, b, argmax, max) over rows start..stop in cache-sized chunks."""
    if p.shape[1] <= _COLUMNWISE_MAX_CLASSES:
        for a, b, columns in transposed_chunks(p, start, stop):
            yield (a, b, *_top_of_columns(columns))
    else:
        for a in range(start, stop, 8192):
            chunk = p[a : a + 8192]
            arg = chunk.argmax(axis=1)
            yield a, a + len(chunk), arg, np.take_along_axis(chunk, arg[:, None], axis=1)[:, 0]


def top_class(probabilities):
    """(argmax int64 [N], top probability [N]) of each row of [N, C] probabilities."""
    p = np.asarray(probabilities)
    arg = np.empty(len(p), dtype=np.int64)
    top = np.empty(len(p), dtype=p.dtype)

    def work(span):
        for a, b, arg_chunk, top_chunk in _top_chunks(p, *span):
            arg[a:b], top[a:b] = arg_chunk, top_chunk

    parallel_map(work, spans(len(p)))
    return arg, top


def multiclass_confusion(labels, probabilities, *, cutoff=None, sample_weight=None):
    """[C, C] matrix of true x argmax; with `cutoff`, [C, C + 1] whose last column counts the rows
    whose top probability is below the cutoff (compared in float64)."""
    p = np.asarray(probabilities)
    y = np.asarray(labels)
    w = check_weights(sample_weight, len(y))
    num_classes = p.shape[1]
    cut = None if cutoff is None else np.float64(check_unit_interval("cutoff", cutoff))
    width = num_classes + (cut is not None)

    def count(span):
        total = np.zeros(num_classes * width, dtype=np.int64 if w is None else np.float64)
        buffer = None
        for a, b, arg, top in _top_chunks(p, *span):
            if buffer is None:  # the first chunk is the largest
                buffer = np.empty(b - a, dtype=np.intp)
            index = buffer[: b - a]
            np.multiply(y[a:b], np.intp(width), out=index)  # in intp: stored labels are uint8/uint16
            index += arg
            if cut is not None:
                # rejected rows move from their argmax column to the last column
                index += (top < cut) * (num_classes - arg.astype(np.intp))
            total += np.bincount(index, weights=None if w is None else w[a:b], minlength=total.size)
        return total

    return sum(parallel_map(count, spans(len(y)))).reshape(num_classes, width)


def confusion_from_top(labels, predicted, top, num_classes, *, cutoff=None, sample_weight=None):
    """multiclass_confusion from each row's argmax and top probability instead of the probabilities."""
    y = np.asarray(labels).astype(np.intp)
    w = check_weights(sample_weight, len(y))
    cut = None if cutoff is None else np.float64(check_unit_interval("cutoff", cutoff))
    width = num_classes + (cut is not None)
    column = np.asarray(predicted).astype(np.intp)
    if cut is not None:
        column = np.where(np.asarray(top, dtype=np.float64) < cut, num_classes, column)
    total = np.bincount(y * width + column, weights=w, minlength=num_classes * width)
    return (total if w is not None else total.astype(np.int64)).reshape(num_classes, width)


def binary_score(probabilities, positive_class=1):
    """The score thresholded for the binary task: p for [N], p[:, positive_class] for [N, 2]."""
    p = np.asarray(probabilities)
    return p if p.ndim == 1 else p[:, positive_class]


def binary_confusion(labels, probabilities, threshold=0.5, *, positive_class=1, sample_weight=None):
    """2x2 matrix in class-index order; a row is predicted positive when score >= threshold (float64).

    With positive_class=1 this is [[TN, FP], [FN, TP]].
    """
    t = np.float64(check_unit_interval("threshold", threshold))
    score = binary_score(probabilities, positive_class)
    y = np.asarray(labels)
    w = check_weights(sample_weight, len(y))
    positive = score >= t
    y_pred = positive if positive_class == 1 else ~positive
    return confusion_matrix(y, y_pred, 2, sample_weight=w)


def multilabel_predictions(probabilities, thresholds):
    """bool [N, C]: probability >= the label's threshold (float64 comparison)."""
    p = np.asarray(probabilities)
    return p >= check_thresholds(thresholds, p.shape[1])[None, :]


def multilabel_confusion(labels, probabilities, thresholds=None, *, sample_weight=None):
    """[C, 2, 2] per-label matrices [[TN, FP], [FN, TP]] like sklearn's multilabel_confusion_matrix."""
    y = np.asarray(labels).astype(bool, copy=False)
    predicted = multilabel_predictions(probabilities, thresholds)
    w = check_weights(sample_weight, len(y))
    return label_matrices(y, predicted, w)


def label_matrices(y, predicted, w):
    """[C, 2, 2] per-label [[TN, FP], [FN, TP]] from bool labels and predictions, weights or None."""
    both = y & predicted
    if w is None:
        tp, true_sum, pred_sum = both.sum(0), y.sum(0), predicted.sum(0)
        fp, fn = pred_sum - tp, true_sum - tp
        tn = len(y) - tp - fp - fn  # integers: exact
    else:
        # Every cell is its own weighted sum. As differences (tn = total - tp - fp - fn) weights such
        # as 0.1 leave a ~1e-16 residue of either sign where a count is exactly 0, and MCC then reads
        # ~1e-8 or NaN instead of 0 (undefined).
        tp, fp = w @ both, w @ (predicted & ~y)
        fn, tn = w @ (y & ~predicted), w @ ~(y | predicted)
    return np.stack([np.stack([tn, fp], -1), np.stack([fn, tp], -1)], 1)


def normalize(matrix, how="none"):
    """Matrix normalized by true row ("true"), predicted column ("pred") or grand total ("all");
    empty rows/columns give 0."""
    if how not in NORMALIZATIONS:
        raise BadArgument(f"normalize must be one of {NORMALIZATIONS}; got {how!r}")
    m = np.asarray(matrix, dtype=np.float64)
    if how == "none":
        return m
    if how == "true":
        denominator = m.sum(axis=1, keepdims=True)
    elif how == "pred":
        denominator = m.sum(axis=0, keepdims=True)
    else:
        denominator = np.full((1, 1), m.sum())
    return np.divide(m, denominator, out=np.zeros_like(m), where=denominator != 0)

"""kernel.batch_sums compiled with numba: one pass over the elements, on THREADS threads (the `fast` extra,
`pip install tb_confusion[fast]`). Importing this module needs numba; tb_confusion.counts.kernel picks it.

Per element, in one visit of its C probabilities: the row-sum and sign check, argmax and top score, the
true class's score and rank (scikit-learn's tie rule), the score bin of every class, the cell x top-score
bin, the calibration bin, the clipped log-loss term and the example's cell. Each thread sums into its own
histograms, added at the end. Bins are computed as kernel._bins does (float32 multiply, clip, floor), so
the counts equal the numpy kernel's; float sums differ only by summation order.
"""

import threading

import numpy as np
from numba import njit

from tb_confusion.counts.kernel import _CALIBRATION_EDGES, BatchSums
from tb_confusion.counts.state import CALIBRATION_BINS, CUTOFF_BINS, SCORE_BINS
from tb_confusion.tasks.multiclass import TOP_K

THREADS = 2
BLOCK = 64  # elements per transposed block: [C, BLOCK] float32 stays in L1
_THREADED = 1 << 14  # fewer elements run on the calling thread alone
_SCORE_SCALE = np.float32(SCORE_BINS)
_CUTOFF_SCALE = np.float32(CUTOFF_BINS)
_EPS = np.float32(np.finfo(np.float32).eps)
_ONE_MINUS_EPS = np.float32(1) - _EPS
_NO_ROWS = np.zeros(0, np.int64)
_UNIT = np.ones(1, np.int64)  # "no weights": every element counts 1, summed in int64 histograms


def batch_sums(probabilities, labels, weights, rows, *, num_examples, num_classes):
    """kernel.batch_sums, compiled (same arguments, same BatchSums)."""
    sums, _ = _run(probabilities, labels, weights, rows, 0, 0, None, num_examples, num_classes, check=None)
    return sums


def pass_sums(probabilities, labels, weights, start, per_example, ignore_index, *, num_examples, num_classes,
              tolerance=None):
    """BatchSums of elements start.. of a batch (probabilities [M, C] float32, labels [M] int64, weights
    [M] or None of those elements), element start + i belonging to example (start + i) // per_example, and
    elements labelled `ignore_index` (None: none) skipped without a copy.

    With `tolerance`, every element (the ignored too) is also checked: finite, >= 0, summing to 1 within
    `tolerance`. Returns (sums, index of the first element failing the check, or -1)."""
    return _run(probabilities, labels, weights, _NO_ROWS, start, per_example, ignore_index, num_examples,
                num_classes, check=tolerance)


def _run(p, y, w, rows, start, per_example, ignore, n, c, check):
    p = np.ascontiguousarray(p, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    weighted = w is not None
    w = _UNIT if w is None else np.ascontiguousarray(w, dtype=np.float64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    ks = np.array([k for k in TOP_K if k < c], dtype=np.int64)
    m = len(y)
    threads = THREADS if m >= _THREADED else 1
    # histograms in the weights' type: int64 counts (w is [1]) or float64 sums
    parts = [(np.zeros(c * c * CUTOFF_BINS, w.dtype), np.zeros(c * SCORE_BINS, w.dtype),
              np.zeros(c * SCORE_BINS, w.dtype), np.zeros((3, CALIBRATION_BINS)), np.zeros(len(ks)),
              np.zeros(1), np.zeros(n * c * c, w.dtype)) for _ in range(threads)]
    bad = [-1] * threads
    tolerance = 0.0 if check is None else float(check)
    args = (p, y, w, int(weighted), rows, start, per_example, ignore is not None,
            0 if ignore is None else int(ignore), check is not None, tolerance, ks, _CALIBRATION_EDGES)

    def run(t):
        bad[t] = _span(*args, m * t // threads, m * (t + 1) // threads, *parts[t])

    # plain threads (the kernel releases the GIL), started per call: no OpenMP runtime, safe across fork()
    helpers = [threading.Thread(target=run, args=(t,)) for t in range(1, threads)]
    for helper in helpers:
        helper.start()
    run(0)
    for helper in helpers:
        helper.join()
    cells, every, positives, calibration, top_k, log_loss, examples = (sum(column) for column in zip(*parts))
    scores = np.empty((c, 2, SCORE_BINS))
    scores[:, 1] = positives.reshape(c, SCORE_BINS)
    scores[:, 0] = every.reshape(c, SCORE_BINS) - scores[:, 1]
    nonzero = np.flatnonzero(examples)
    examples = (nonzero // (c * c), nonzero % (c * c), examples[nonzero])
    sums = BatchSums(cells.reshape(c * c, CUTOFF_BINS), scores, calibration, top_k, float(log_loss[0]),
                     examples, n, weighted)
    return sums, next((b for b in bad if b >= 0), -1)


@njit(cache=True, nogil=True)
def _span(p, y, w, wstride, rows, start, per_example, has_ignore, ignore, check, tolerance, ks, edges, lo, hi,
          cells, every, positives, calibration, top_k, log_loss, examples):
    # Elements go BLOCK at a time through a transposed copy, [class, element]: the per-class loops then run
    # across elements, which the compiler vectorizes; only the histogram increments stay scalar.
    c = p.shape[1]
    bad = -1
    score_last = np.float32(SCORE_BINS - 1)
    cutoff_last = np.float32(CUTOFF_BINS - 1)
    zero = np.float32(0)
    loss = 0.0
    block = np.empty((c, BLOCK), np.float32)
    total = np.empty(BLOCK)
    low = np.empty(BLOCK, np.float32)
    top = np.empty(BLOCK, np.float32)
    best = np.empty(BLOCK, np.int64)
    rank = np.empty(BLOCK, np.int64)
    label = np.empty(BLOCK, np.int64)
    true_score = np.empty(BLOCK, np.float32)
    weight = np.zeros(BLOCK, every.dtype)
    index = np.empty((c, BLOCK), np.int64)
    example = 0 if per_example == 0 else (start + lo) // per_example
    next_example = (example + 1) * per_example - start  # the first element of the next example
    for a in range(lo, hi, BLOCK):
        n = min(BLOCK, hi - a)
        for j in range(n):
            for k in range(c):
                block[k, j] = p[a + j, k]
        for j in range(n, BLOCK):  # a short last block: zero rows, weight 0
            for k in range(c):
                block[k, j] = zero
        total[:] = 0.0
        low[:] = zero
        for k in range(c):
            for j in range(BLOCK):
                total[j] += np.float64(block[k, j])
                low[j] = min(low[j], block[k, j])
        for j in range(BLOCK):
            weight[j] = 0
            label[j] = 0
            if j >= n:
                continue
            usable = low[j] >= 0 and np.isfinite(total[j])
            if check and bad < 0 and not (usable and abs(total[j] - 1.0) <= tolerance):  # NaN sums are off
                bad = a + j
            if not usable:  # skipped: NaN or negative scores must not index the histograms
                for k in range(c):
                    block[k, j] = zero
                continue
            if has_ignore and y[a + j] == ignore:
                continue
            label[j] = y[a + j]
            weight[j] = w[(a + j) * wstride]
        for j in range(BLOCK):
            true_score[j] = block[label[j], j]
            top[j] = block[0, j]
            best[j] = 0
            rank[j] = 0
        for k in range(c):
            for j in range(BLOCK):
                score = block[k, j]
                higher = score > top[j]
                best[j] = k if higher else best[j]
                top[j] = score if higher else top[j]
                # scikit-learn's top-k order: higher scores first, equal scores by larger class index first
                rank[j] += (score > true_score[j]) | ((score == true_score[j]) & (k > label[j]))
        for k in range(c):
            for j in range(BLOCK):
                index[k, j] = k * SCORE_BINS + np.int64(min(block[k, j] * _SCORE_SCALE, score_last))
        # element by element: neighbours often share a bin, and C distinct classes between two increments of
        # one bin keep them from waiting on each other
        for j in range(n):
            for k in range(c):
                every[index[k, j]] += weight[j]
        for j in range(n):
            if weight[j] == 0:  # ignored, skipped, or weighing nothing: adds nothing anywhere
                continue
            wj = weight[j]
            yj = label[j]
            score = true_score[j]
            positives[yj * SCORE_BINS + np.int64(min(score * _SCORE_SCALE, score_last))] += wj
            cell = yj * c + best[j]
            cells[cell * CUTOFF_BINS + np.int64(min(top[j] * _CUTOFF_SCALE, cutoff_last))] += wj
            confidence = np.float64(top[j])
            band = min(max(np.int64(confidence * CALIBRATION_BINS), 0), CALIBRATION_BINS - 1)
            while band > 0 and edges[band] > confidence:  # searchsorted(edges, confidence, "right") - 1
                band -= 1
            while band < CALIBRATION_BINS - 1 and edges[band + 1] <= confidence:
                band += 1
            calibration[0, band] += wj
            calibration[1, band] += confidence * wj
            if best[j] == yj:
                calibration[2, band] += wj
            for t in range(len(ks)):
                if rank[j] < ks[t]:
                    top_k[t] += wj
            clipped = min(max(score, _EPS), _ONE_MINUS_EPS)  # probabilistic._clip in float32
            loss -= np.log(np.float64(clipped)) * wj
            if per_example == 0:
                example = rows[a + j]
            else:
                while a + j >= next_example:  # (start + a + j) // per_example, without a division
                    example += 1
                    next_example += per_example
            examples[example * c * c + cell] += wj
    log_loss[0] += loss
    return bad

"""What a compact step keeps of [N, C] multiclass probabilities (the writer's side of docs/storage.md).

Per example: the argmax class and its probability (`pred`, `top`), the most probable other class and its
probability (`runner_up`, `runner_up_score`), the true class's probability and rank (`true_score`,
`true_rank`), and the sum of squared probabilities (`square_sum`, for the Brier score). Per class k: a
histogram of p_k over the examples whose label, argmax and runner-up are all other than k, in log-spaced
bins: the float32 value's top 13 bits (sign, exponent, 4 mantissa bits), so each bin spans 1/16 of an
octave (a relative width of at most 6.25%); everything below 2^-20 (~1e-6) shares the lowest bin. The
histograms are kept sparse, row by row: `others_rows` [C + 1] offsets into `others_keys` (the non-empty
bins of each class, ascending) and `others_counts` (their weighted counts).
"""

from typing import NamedTuple

import numpy as np

from tb_confusion import metrics as m
from tb_confusion.metrics._parallel import parallel_map, spans

BIN_SHIFT = 19
NUM_BINS = (0x3F800000 >> BIN_SHIFT) + 1  # keys of [0, 1] in float32: 0 .. 2032
FLOOR_KEY = int(np.float32(2.0 ** -20).view(np.uint32)) >> BIN_SHIFT  # scores below 2^-20 share this bin
# Rows per block when binning every class's probability: [rows, C] keys of ~16 MB.
_BLOCK_VALUES = 1 << 22
# Rows per block at most: top_class and true_class_ranks run a block below 65,536 rows (metrics._parallel.spans)
# in the calling thread, so a span running on the pool never waits on the pool.
_NESTED_ROWS = (1 << 16) - 1
# Rows per thread at least: two threads from 16,384 rows on (ImageNet's 50,000 validation rows: two).
_SPAN_ROWS = 1 << 14


class Facts(NamedTuple):
    pred: np.ndarray
    top: np.ndarray
    runner_up: np.ndarray
    runner_up_score: np.ndarray
    true_score: np.ndarray
    true_rank: np.ndarray
    square_sum: np.ndarray
    others_rows: np.ndarray
    others_keys: np.ndarray
    others_counts: np.ndarray

    def others(self, k):
        """(keys, counts) of class k's histogram of the other examples' probabilities."""
        start, stop = self.others_rows[k], self.others_rows[k + 1]
        return self.others_keys[start:stop], self.others_counts[start:stop]

    def others_totals(self):
        """[C]: each class's histogram total."""
        rows = np.repeat(np.arange(len(self.others_rows) - 1), np.diff(self.others_rows))
        return np.bincount(rows, self.others_counts, minlength=len(self.others_rows) - 1)


def bin_edges():
    """float64 [NUM_BINS]: the lower edge of each bin (the float32 value with the key's bits)."""
    return (np.arange(NUM_BINS, dtype=np.uint32) << BIN_SHIFT).view(np.float32).astype(np.float64)


def bin_centers():
    """float64 [NUM_BINS]: where a binned score stands for its bin: the geometric middle of the bin
    (2^(1/32) above its lower edge; the floor bin at 2^-21), so its scores are as likely above as below."""
    edges = bin_edges()
    centers = edges * 2.0 ** (1 / 32)
    centers[FLOOR_KEY] = 2.0 ** -21
    return centers


def keys(scores):
    """The bin of each float32 score in [0, 1]."""
    binned = (np.ascontiguousarray(scores, dtype=np.float32).view(np.uint32) >> BIN_SHIFT).astype(np.int64)
    return np.maximum(binned, FLOOR_KEY, out=binned)


def of(labels, probabilities, weights=None):
    """Facts of validated multiclass arrays (labels [N] ints, probabilities [N, C] float32 or float16,
    weights [N] float64 or None). float16 probabilities are widened to float32 exactly."""
    p = np.asarray(probabilities)
    if p.dtype != np.float32:
        p = p.astype(np.float32)
    y = np.asarray(labels).astype(np.int64, copy=False)
    n, c = p.shape
    pred = np.empty(n, dtype=np.int64)
    top = np.empty(n, dtype=np.float32)
    runner_up = np.empty(n, dtype=np.int64)
    runner_up_score = np.empty(n, dtype=np.float32)
    square_sum = np.empty(n, dtype=np.float32)
    true_rank = np.empty(n, dtype=np.int32)
    # histogram cells key-major (key * C + class): the classes of one row mostly share a few keys, so
    # neighbouring elements count into neighbouring cells (~20% faster than class-major at C=1,000)
    columns = np.arange(c, dtype=np.uint32)[None, :]

    def span(bounds):
        """The facts of rows [start, stop), a block at a time; returns the span's histogram counts."""
        others = np.zeros(c * NUM_BINS)
        rows = max(1, min(_BLOCK_VALUES // c, _NESTED_ROWS))
        for a in range(bounds[0], bounds[1], rows):
            b = min(a + rows, bounds[1])
            block = p[a:b]
            index = np.arange(b - a)
            pred[a:b], top[a:b] = m.top_class(block)
            true_rank[a:b] = m.probabilistic.block_true_ranks(block, y[a:b])
            square_sum[a:b] = np.einsum("ij,ij->i", block, block, dtype=np.float64)
            masked = block.copy()
            masked[index, pred[a:b]] = -np.inf
            runner_up[a:b] = second = masked.argmax(axis=1) if c > 1 else pred[a:b]
            runner_up_score[a:b] = block[index, second]
            del masked
            # keys below FLOOR_KEY keep cells of their own here, folded into the floor bin at the end
            cells = np.ascontiguousarray(block).view(np.uint32) >> np.uint32(BIN_SHIFT)
            cells *= np.uint32(c)
            cells += columns
            w = None if weights is None else np.repeat(weights[a:b], c)
            others += np.bincount(cells.reshape(-1), w, minlength=c * NUM_BINS)
            # take out the entries kept exactly: the true class, the argmax and the runner-up of each row
            kept = np.stack([y[a:b], pred[a:b], second], axis=1)
            distinct = np.ones(kept.shape, dtype=bool)
            distinct[:, 1] = kept[:, 1] != kept[:, 0]
            distinct[:, 2] = (kept[:, 2] != kept[:, 0]) & (kept[:, 2] != kept[:, 1])
            taken = cells[index[:, None], kept][distinct]
            taken_w = None if weights is None else np.broadcast_to(weights[a:b, None], kept.shape)[distinct]
            others -= np.bincount(taken, taken_w, minlength=c * NUM_BINS)
        return others

    others = sum(parallel_map(span, spans(n, minimum=_SPAN_ROWS)))
    true_score = p[np.arange(n), y]
    by_key = others.reshape(NUM_BINS, c)
    by_key[FLOOR_KEY] = by_key[:FLOOR_KEY + 1].sum(axis=0)
    by_key[:FLOOR_KEY] = 0.0
    dense = np.maximum(by_key, 0.0).T
    row, key = np.nonzero(dense)
    rows = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=c))])
    return Facts(pred, top, runner_up, runner_up_score, true_score, true_rank, square_sum,
                 rows, key.astype(np.uint16), dense[row, key])


"""Accumulated statistics of a per-element (per-pixel) step: sums that add up batch by batch and merge
across workers, from which every number of the step is computed.

    state = CountState(num_classes=21)
    state.add(kernel.batch_sums(...))        # one batch (tb_confusion.counts.kernel)
    state.merge(other_state)                  # another worker's, or another shard's
    state.matrix_at(cutoff=0.5)               # [C, C + 1] with the "below cutoff" column

Everything is float64 (exact for integer counts below 2**53, and weights need it). What is exact and
what is binned (docs/segmentation.md):
- exact: the matrix at the argmax, top-k hits, the log-loss sum, the 15 equal-width calibration bins
  (ECE, MCE and the reliability diagram as torchmetrics bins them), per-example cell counts;
- binned: each class's one-vs-rest score distribution in SCORE_BINS bins (ROC, PR, AUC, AP: the AUC
  error is at most `auc_error_bound`), and each cell's top score in CUTOFF_BINS bins (the cutoff
  matrix is exact at multiples of 1 / CUTOFF_BINS).
"""

import math

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.metrics.calibration import DEFAULT_BINS as CALIBRATION_BINS
from tb_confusion.metrics.ranking import BinaryCounts
from tb_confusion.tasks.multiclass import TOP_K

SCORE_BINS = 1000
CUTOFF_BINS = 100
DENSE = ("cells", "scores", "calibration", "top_k")  # the arrays that add up element by element


class CountState:
    """The sums of one step (see the module docstring). Arrays:

    cells [C * C, CUTOFF_BINS]: elements by cell (true * C + argmax) and top-score bin;
    scores [C, 2, SCORE_BINS]: class k's probability binned, over elements of another class ([k, 0])
      and of class k ([k, 1]);
    calibration [3, CALIBRATION_BINS]: per equal-width top-score bin, weight, sum of weight x top score,
      sum of weight x (argmax right);
    top_k [len(ks)]: weight of elements whose true class ranks below k, for k in `ks`;
    log_loss: the weighted sum of -log p(true class).
    Per example (image): rows, cells, counts of its non-empty cells (parallel arrays), `num_examples`,
    and `example_ids` (a list of str, or None when no ids were given).
    """

    def __init__(self, num_classes, *, weighted=False):
        c = self.num_classes = int(num_classes)
        self.weighted = bool(weighted)
        self.ks = tuple(k for k in TOP_K if k < c)
        self.cells = np.zeros((c * c, CUTOFF_BINS))
        self.scores = np.zeros((c, 2, SCORE_BINS))
        self.calibration = np.zeros((3, CALIBRATION_BINS))
        self.top_k = np.zeros(len(self.ks))
        self.log_loss = 0.0
        self.num_examples = 0
        self.example_ids = None
        self._example_parts = []  # (rows, cells, counts) chunks, joined on demand

    # -- building -----------------------------------------------------------------------------------

    def add(self, sums, *, example_ids=None):
        """Add one batch's sums (a kernel.BatchSums) covering `sums.num_examples` new examples."""
        self.check_ids(example_ids)
        self.cells += sums.cells
        self.scores += sums.scores
        self.calibration += sums.calibration
        self.top_k += sums.top_k
        self.log_loss += sums.log_loss
        self.weighted |= sums.weighted
        rows, cells, counts = sums.examples
        self._append_examples(rows + self.num_examples, cells, counts)
        if example_ids is not None:
            self.example_ids = self.example_ids if self.example_ids is not None else []
            self.example_ids.extend(example_ids)
        self.num_examples += sums.num_examples

    def merge(self, other, *, sums=True):
        """Add another state's sums (another worker's or shard's) to this one; returns self.

        Example ids must not repeat across the two: a repeated id is an example counted twice (the
        padding a DistributedSampler adds; see tb_confusion.counts.distributed.real_examples).
        sums=False adds only the examples (their cells, ids and number): for a merge across workers
        whose dense sums and log loss were already reduced by the framework's collective."""
        if not isinstance(other, CountState):
            raise BadArgument(f"merge takes another Accumulator or CountState; got {type(other).__name__}")
        if other.num_classes != self.num_classes:
            raise BadArgument(f"cannot merge a state of {other.num_classes} classes into one of {self.num_classes}")
        if (self.example_ids is None) != (other.example_ids is None) and self.num_examples and other.num_examples:
            raise BadArgument("cannot merge a state with example ids and one without: pass example_ids to every "
                              "update, or to none")
        if self.example_ids is not None and other.example_ids is not None:
            repeated = set(self.example_ids).intersection(other.example_ids)
            if repeated:
                raise BadArgument(
                    f"example id {sorted(repeated)[0]!r} is in both states ({len(repeated)} repeated ids): an "
                    "example would count twice. With a DistributedSampler, drop its padding first "
                    "(tb_confusion.counts.distributed.unpadded)")
        if sums:
            for name in DENSE:
                getattr(self, name).__iadd__(getattr(other, name))
            self.log_loss += other.log_loss
        self.weighted |= other.weighted
        rows, cells, counts = other.examples()
        self._append_examples(rows + self.num_examples, cells, counts)
        if other.example_ids is not None:
            self.example_ids = (self.example_ids or []) + list(other.example_ids)
        self.num_examples += other.num_examples
        return self

    def _append_examples(self, rows, cells, counts):
        if len(rows):
            self._example_parts.append((rows.astype(np.int64), cells.astype(np.int64), counts.astype(np.float64)))

    def check_ids(self, example_ids):
        """BadArgument unless `example_ids` (a list of str, or None) can be added: ids given to every
        update or to none, and none repeated within the step."""
        if example_ids is None:
            if self.example_ids is not None:
                raise BadArgument("example_ids were given to earlier updates: give them to every update")
            return
        if len(set(example_ids)) != len(example_ids):  # within the batch first: wrong whatever came before
            seen = set()
            repeated = next(i for i in example_ids if i in seen or seen.add(i))
            raise BadArgument(f"example_ids must be unique within a step; {repeated!r} repeats")
        if self.example_ids is None and self.num_examples:
            raise BadArgument("example_ids were not given to earlier updates: give them to every update")
        repeated = set(example_ids).intersection(self.example_ids or ())
        if repeated:
            raise BadArgument(f"example_ids must be unique within a step; {sorted(repeated)[0]!r} repeats")

    def examples(self):
        """(rows [M], cells [M], counts [M]): each example's non-empty cells (cell = true * C + argmax)."""
        if len(self._example_parts) != 1:
            parts = self._example_parts or [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))]
            rows, cells, counts = (np.concatenate(column) for column in zip(*parts))
            # one entry per (example, cell), ordered by example then cell: a batch summed in several
            # passes gives an example's cell once per pass
            width = self.num_classes ** 2
            keys, where = np.unique(rows * width + cells, return_inverse=True)
            self._example_parts = [(keys // width, keys % width, np.bincount(where, counts, minlength=len(keys)))]
        return self._example_parts[0]

    def set_examples(self, rows, cells, counts):
        """Replace the per-example cell counts (decoding a stored step)."""
        self._example_parts = [(rows, cells, counts)]

    # -- numbers --------------------------------------------------------------------------------------

    @property
    def total(self):
        """The (weighted) number of elements counted."""
        return float(self.cells.sum())

    @property
    def matrix(self):
        """[C, C] true x argmax counts."""
        c = self.num_classes
        return self.cells.sum(axis=1).reshape(c, c)

    def matrix_at(self, cutoff=None):
        """[C, C] without a cutoff, else [C, C + 1]: elements whose top score is below `cutoff` move to
        the last column. Exact at multiples of 1 / CUTOFF_BINS; between them a bin counts as kept when
        its lower edge is >= cutoff."""
        matrix = self.matrix
        if cutoff is None or cutoff <= 0:
            return matrix
        first = min(CUTOFF_BINS, math.ceil(cutoff * CUTOFF_BINS - 1e-9))
        c = self.num_classes
        kept = self.cells[:, first:].sum(axis=1).reshape(c, c)
        below = matrix.sum(axis=1) - kept.sum(axis=1)
        return np.concatenate([kept, np.maximum(below, 0.0)[:, None]], axis=1)

    def class_counts(self):
        """metrics.BinaryCounts per class, one-vs-rest, at the bins' lower edges."""
        return [_binned_counts(self.scores[k, 1], self.scores[k, 0]) for k in range(self.num_classes)]

    def micro_counts(self):
        """BinaryCounts of every (element, class) pair pooled (micro averaging)."""
        return _binned_counts(self.scores[:, 1].sum(axis=0), self.scores[:, 0].sum(axis=0))

    def auc_error_bound(self):
        """Per class, the most the binned ROC AUC can differ from the exact one: pairs of a positive and a
        negative in one bin count 1/2 and could be 0 or 1, so |error| <= sum_b pos_b neg_b / (2 P N)."""
        pos, neg = self.scores[:, 1], self.scores[:, 0]
        p, n = pos.sum(axis=1), neg.sum(axis=1)
        shared = (pos * neg).sum(axis=1)
        return [float(s / (2 * a * b)) if a > 0 and b > 0 else None for s, a, b in zip(shared, p, n)]

    def calibration_table(self):
        """{"edges", "count", "confidence", "accuracy"} as metrics.calibration.bins gives for the top-1
        probabilities (None where a bin is empty)."""
        count, confidence, hits = self.calibration
        filled = count > 0
        safe = np.where(filled, count, 1.0)
        edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1).astype(np.float32).astype(np.float64)
        return {
            "strategy": "equal_width", "edges": edges,
            "count": count.astype(np.int64) if not self.weighted else count,
            "confidence": [float(x) if f else None for x, f in zip(confidence / safe, filled)],
            "accuracy": [float(x) if f else None for x, f in zip(hits / safe, filled)],
        }

    def nbytes(self):
        rows, cells, counts = self.examples()
        ids = sum(len(i) for i in self.example_ids) if self.example_ids else 0
        return self.cells.nbytes + self.scores.nbytes + rows.nbytes + cells.nbytes + counts.nbytes + 2 * ids + 4096


def _binned_counts(positives, negatives):
    """BinaryCounts from two histograms over [0, 1): thresholds are the non-empty bins' lower edges,
    highest first; tps / fps count the elements in that bin and above."""
    keep = np.flatnonzero(positives + negatives)[::-1]
    return BinaryCounts(keep / positives.shape[-1], np.cumsum(positives[keep]), np.cumsum(negatives[keep]))

"""The sums of one batch of elements: what CountState adds up (see tb_confusion.counts.state).

    sums = batch_sums(probabilities, labels, weights, rows, num_examples=8, num_classes=21)

probabilities: float32 [M, C] rows of valid elements (ignored ones already dropped); labels: int [M];
weights: float64 [M] or None; rows: int [M], the example (image) each element belongs to.

This is the numpy kernel. With numba installed (the `fast` extra) the Accumulator uses the same sums
compiled into one pass (tb_confusion.counts.compiled; `fused()` says which); TB_CONFUSION_KERNEL=numpy
forces this one, TB_CONFUSION_KERNEL=compiled requires the compiled one.
"""

import os
import warnings
from typing import NamedTuple

import numpy as np

from tb_confusion.metrics import probabilistic
from tb_confusion.counts.state import CALIBRATION_BINS, CUTOFF_BINS, SCORE_BINS
from tb_confusion.tasks.multiclass import TOP_K

# Rows per pass when binning every class's score: keeps the [rows, C] index array near 32 MiB.
_BIN_ELEMENTS = 1 << 22
_COMPILED = []  # [module or None] once numba's import was tried
_CALIBRATION_EDGES = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1).astype(np.float32).astype(np.float64)


class BatchSums(NamedTuple):
    cells: np.ndarray
    scores: np.ndarray
    calibration: np.ndarray
    top_k: np.ndarray
    log_loss: float
    examples: tuple
    num_examples: int
    weighted: bool


def batch_sums(probabilities, labels, weights, rows, *, num_examples, num_classes):
    """BatchSums of one batch (see the module docstring)."""
    p, y, w, c = probabilities, labels.astype(np.int64, copy=False), weights, num_classes
    m = len(y)
    index = np.arange(m)
    pred = p.argmax(axis=1)
    top = p[index, pred]
    p_true = p[index, y]
    cell = y * c + pred

    top_bin = _bins(top, CUTOFF_BINS)
    cells = np.bincount(cell * CUTOFF_BINS + top_bin, w, minlength=c * c * CUTOFF_BINS).reshape(c * c, CUTOFF_BINS)

    positives = np.bincount(y * SCORE_BINS + _bins(p_true, SCORE_BINS), w, minlength=c * SCORE_BINS)
    every = _all_score_bins(p, w)
    scores = np.empty((c, 2, SCORE_BINS))
    scores[:, 1] = positives.reshape(c, SCORE_BINS)
    scores[:, 0] = every.reshape(c, SCORE_BINS) - scores[:, 1]

    conf = top.astype(np.float64)
    band = np.clip(np.searchsorted(_CALIBRATION_EDGES, conf, side="right") - 1, 0, CALIBRATION_BINS - 1)
    right = (pred == y).astype(np.float64)
    calibration = np.stack([
        np.bincount(band, w, minlength=CALIBRATION_BINS),
        np.bincount(band, conf if w is None else conf * w, minlength=CALIBRATION_BINS),
        np.bincount(band, right if w is None else right * w, minlength=CALIBRATION_BINS),
    ])

    mass = float(m if w is None else w.sum())
    ks = [k for k in TOP_K if k < c]
    if mass > 0 and m:
        hits = probabilistic.top_k_accuracy(y, p, ks, sample_weight=w)
        top_k = np.array([hits[k] * mass for k in ks])
        log_loss = probabilistic.log_loss(y, p, task="multiclass", sample_weight=w) * mass
    else:
        top_k, log_loss = np.zeros(len(ks)), 0.0

    key = rows.astype(np.int64) * (c * c) + cell
    per_example = np.bincount(key, w, minlength=num_examples * c * c)
    nonzero = np.flatnonzero(per_example)
    examples = (nonzero // (c * c), nonzero % (c * c), per_example[nonzero])
    return BatchSums(cells, scores, calibration, top_k, float(log_loss), examples, num_examples, w is not None)


def _bins(scores, bins):
    """Bin index of each float32 score in `bins` equal-width bins over [0, 1] (1 in the last), computed
    in float32 the same way for every histogram, so a class's positives are a part of all its scores."""
    scaled = scores * np.float32(bins)
    np.minimum(scaled, np.float32(bins - 1), out=scaled)
    return scaled.astype(np.int64)


def _all_score_bins(p, w):
    """[C * SCORE_BINS]: every element's score of every class k, binned at k * SCORE_BINS + bin."""
    m, c = p.shape
    offsets = (np.arange(c, dtype=np.int64) * SCORE_BINS)[None, :]
    total = np.zeros(c * SCORE_BINS)
    step = max(1, _BIN_ELEMENTS // c)
    for a in range(0, m, step):
        index = _bins(p[a:a + step], SCORE_BINS)
        index += offsets
        weights = None if w is None else np.repeat(w[a:a + step], c)
        total += np.bincount(index.reshape(-1), weights, minlength=c * SCORE_BINS)
    return total


def fused():
    """The compiled kernel module (tb_confusion.counts.compiled) when numba imports, else None; numba is
    imported on the first call only. TB_CONFUSION_KERNEL=numpy gives None, =compiled raises without numba."""
    choice = os.environ.get("TB_CONFUSION_KERNEL", "").strip().lower()
    if choice == "numpy":
        return None
    if not _COMPILED:
        try:
            from tb_confusion.counts import compiled
            compiled.build()
        except ImportError:
            compiled = None
        except Exception as error:  # numba present but unusable: no writable cache directory, or a numba or
            # LLVM that cannot build the pass (its LLVM intrinsics are tested on numba 0.68 / llvmlite 0.50)
            warnings.warn(f"tb_confusion: the compiled kernel failed to load ({error}); using numpy",
                          stacklevel=2)
            compiled = None
        _COMPILED.append(compiled)
    if _COMPILED[0] is None and choice == "compiled":
        raise ImportError("TB_CONFUSION_KERNEL=compiled needs numba: pip install tb_confusion[fast]")
    return _COMPILED[0]

"""Log loss, Brier score and top-k accuracy from probabilities."""

import numpy as np

from tb_confusion.metrics._checks import check_weights
from tb_confusion.metrics._parallel import parallel_map, spans, transposed_chunks


def _clip(p):
    # scikit-learn clips to [eps, 1 - eps] of the dtype it computes in: the input's float dtype (float16,
    # float32, float64), else float64. We clip the same way, then take logs and means in float64.
    dtype = p.dtype if p.dtype in (np.float16, np.float32, np.float64) else np.dtype(np.float64)
    p = p.astype(dtype, copy=False)
    eps = np.finfo(dtype).eps
    return np.clip(p, eps, dtype.type(1) - eps).astype(np.float64)


def _mean(loss, w):
    if w is not None and not w.sum():
        return None
    return float(np.average(loss, weights=w)) if len(loss) else None


def log_loss(labels, probabilities, *, task, positive_class=1, sample_weight=None):
    """Mean negative log-likelihood of the true labels, like scikit-learn's log_loss with all labels.

    binary: [N] probabilities are the positive class's (the other class gets 1 - p), [N, 2] are per class;
    multiclass: -log p[true class]; multilabel: binary cross-entropy of each label, averaged over labels.
    None when there are no examples (or all weights are 0)."""
    y = np.asarray(labels)
    p = np.asarray(probabilities)
    w = check_weights(sample_weight, len(y))
    if task == "multilabel":
        y = y.astype(bool, copy=False)
        per_label = [
            _mean(-np.log(_clip(np.where(y[:, k], p[:, k], 1 - p[:, k]))), w) for k in range(p.shape[1])
        ]
        return None if any(v is None for v in per_label) else float(np.mean(per_label))
    if p.ndim == 1:
        p_true = np.where(y == positive_class, p, 1 - p)
    else:
        p_true = np.take(p.reshape(-1), np.arange(len(y)) * p.shape[1] + y.astype(np.intp))
    return _mean(-np.log(_clip(p_true)), w)


def log_loss_of_true(true_scores, *, sample_weight=None):
    """Multiclass log loss from each row's probability of its true class (what log_loss computes)."""
    p = np.asarray(true_scores)
    return _mean(-np.log(_clip(p)), check_weights(sample_weight, len(p)))


def top_k_of_ranks(ranks, ks, *, sample_weight=None):
    """{k: share of rows whose true class ranks below k} from true_class_ranks."""
    w = check_weights(sample_weight, len(ranks))
    return {k: _mean(np.asarray(ranks) < k, w) for k in ks}


def brier_of_sums(true_scores, square_sums, num_classes, *, sample_weight=None):
    """Multiclass Brier score from each row's sum of squared probabilities and its true class's
    probability: sum_c (p_c - y_c)^2 = sum_c p_c^2 - 2 p_true + 1 (halved for two classes)."""
    loss = np.asarray(square_sums, dtype=np.float64) - 2.0 * np.asarray(true_scores, dtype=np.float64) + 1.0
    loss = np.maximum(loss, 0.0) * (0.5 if num_classes < 3 else 1.0)
    return _mean(loss, check_weights(sample_weight, len(loss)))


def brier_score(labels, probabilities, *, task, positive_class=1, sample_weight=None):
    """Mean squared distance between the probabilities and the one-hot truth, like scikit-learn's
    brier_score_loss: halved for two columns (so binary lies in [0, 1]), summed over C >= 3 classes.

    binary [N]: (y - p)^2 with y = (label == positive_class); [N, 2] and multiclass [N, C]: the sum over
    columns. Computed in float64 (scikit-learn keeps float32 inputs in float32). None when there are no
    examples or every weight is 0; multilabel has no Brier score here (None)."""
    if task == "multilabel":
        return None
    y = np.asarray(labels).astype(np.intp, copy=False)
    p = np.asarray(probabilities)
    w = check_weights(sample_weight, len(y))
    if p.ndim == 1:
        return _mean(((y == positive_class) - p.astype(np.float64)) ** 2, w)
    loss = np.empty(len(y))
    rows = max(1, (1 << 20) // p.shape[1])  # 8 MiB of float64 per chunk, whatever C is
    for a in range(0, len(y), rows):
        difference = p[a : a + rows].astype(np.float64)
        difference[np.arange(len(difference)), y[a : a + rows]] -= 1.0
        loss[a : a + rows] = np.einsum("ij,ij->i", difference, difference)
    if p.shape[1] < 3:
        loss *= 0.5
    return _mean(loss, w)


def _ranks_small(columns, chunk, y):
    # rank of the true class = classes scoring higher + tied classes with a larger index (scikit-learn
    # orders ties by a reversed stable argsort, so among equal scores the larger index ranks first)
    n = len(y)
    true_score = columns[y, np.arange(n)]
    rank = np.zeros(n, dtype=np.int32)
    ties = np.zeros(n, dtype=np.int32)
    mask = np.empty(n, dtype=bool)
    for column in columns:
        np.greater(column, true_score, out=mask)
        rank += mask
        np.equal(column, true_score, out=mask)
        ties += mask
    tied = np.flatnonzero(ties > 1)
    if len(tied):
        later = np.arange(chunk.shape[1])[None, :] > y[tied, None]
        rank[tied] += ((chunk[tied] == true_score[tied, None]) & later).sum(axis=1)
    return rank


def block_true_ranks(block, y):
    """true_class_ranks of one block of rows [B, C] (int64 [B]), in the calling thread: the writer of compact
    steps (compact.facts) runs it on its own spans. Two comparisons per element counted as bytes; ties other
    than the true class itself are rare, so the tie rule runs on the rows that have them only."""
    y = np.asarray(y).astype(np.intp, copy=False)
    t = block[np.arange(len(y)), y][:, None]
    count = np.uint16 if block.shape[1] < 2**16 else np.int64  # a count of at most C
    at_least = (block >= t).view(np.uint8).sum(axis=1, dtype=count).astype(np.int64)
    above = (block > t).view(np.uint8).sum(axis=1, dtype=count).astype(np.int64)
    tied = np.flatnonzero(at_least - above > 1)
    if len(tied):
        later = np.arange(block.shape[1])[None, :] > y[tied, None]
        above[tied] += ((block[tied] == t[tied]) & later).sum(axis=1)
    return above


def _ranks(p, y, start, stop):
    if p.shape[1] <= 32:
        return [_ranks_small(columns, p[a:b], y[a:b]) for a, b, columns in transposed_chunks(p, start, stop)]
    return [block_true_ranks(p[a : a + 4096], y[a : a + 4096]) for a in range(start, stop, 4096)]


def true_class_ranks(labels, probabilities):
    """int32 [N]: how many classes rank above each row's true class (0 = the top), ties broken like
    scikit-learn's top_k_accuracy_score (among equal probabilities the larger class index ranks first)."""
    y = np.asarray(labels).astype(np.intp, copy=False)
    p = np.asarray(probabilities)
    parts = parallel_map(lambda span: _ranks(p, y, *span), spans(len(y)))
    return np.concatenate([r for part in parts for r in part]) if len(y) else np.zeros(0, dtype=np.int32)


def top_k_accuracy(labels, probabilities, ks, *, sample_weight=None):
    """{k: share of rows whose true class is among the k highest probabilities} for each k in `ks`,
    ties broken like scikit-learn's top_k_accuracy_score (larger class index first)."""
    w = check_weights(sample_weight, len(labels))
    rank = true_class_ranks(labels, probabilities)
    return {k: _mean(rank < k, w) for k in ks}

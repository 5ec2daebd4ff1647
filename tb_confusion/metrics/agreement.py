"""Cohen's kappa and Matthews correlation from a confusion matrix (scikit-learn's formulas)."""

import numpy as np


def square(matrix):
    """A [C, C + 1] matrix (last column = rejected) as [C + 1, C + 1] with an empty "rejected" row,
    i.e. the matrix scikit-learn builds when predictions hold an extra label; square ones unchanged."""
    m = np.asarray(matrix)
    rows, cols = m.shape
    if rows == cols:
        return m
    return np.vstack([m, np.zeros((cols - rows, cols), dtype=m.dtype)])


def cohen_kappa(matrix):
    """Cohen's kappa (unweighted) of a true x predicted matrix, None when undefined (0/0)."""
    m = square(matrix).astype(np.float64)
    predicted, true = m.sum(axis=0), m.sum(axis=1)
    total = predicted.sum()
    if total == 0:
        return None
    # scikit-learn sums the off-diagonal cells of the matrix and of outer(predicted, true) / total;
    # the same sums in O(C): everything minus the diagonal
    observed_disagreement = total - np.trace(m)
    expected_disagreement = (total * true.sum() - np.dot(predicted, true)) / total
    if expected_disagreement == 0:
        return None
    return float(1 - observed_disagreement / expected_disagreement)


def matthews_corrcoef(matrix):
    """Multiclass Matthews correlation; 0.0 when undefined like scikit-learn. Returns (value, undefined)."""
    m = square(matrix)
    true = m.sum(axis=1, dtype=np.float64)
    predicted = m.sum(axis=0, dtype=np.float64)
    correct = np.trace(m, dtype=np.float64)
    total = predicted.sum()
    cov_true_pred = correct * total - np.dot(true, predicted)
    cov_pred_pred = total**2 - np.dot(predicted, predicted)
    cov_true_true = total**2 - np.dot(true, true)
    product = cov_pred_pred * cov_true_true
    if not product > 0:  # 0/0; a rounding residue below 0 (weights far apart in size) is 0 too
        return 0.0, True
    return float(cov_true_pred / np.sqrt(product)), False

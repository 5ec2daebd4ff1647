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
    return kappa_of_sums(np.trace(m), m.sum(axis=1), m.sum(axis=0))


def kappa_of_sums(correct, true, predicted):
    """cohen_kappa from the square matrix's trace, row sums and column sums (float64; rows and columns
    of the same length): what the `epochs` route's decision table counts without a C x C matrix."""
    total = predicted.sum()
    if total == 0:
        return None
    # scikit-learn sums the off-diagonal cells of the matrix and of outer(predicted, true) / total;
    # the same sums in O(C): everything minus the diagonal
    observed_disagreement = total - correct
    expected_disagreement = (total * true.sum() - np.dot(predicted, true)) / total
    if expected_disagreement == 0:
        return None
    return float(1 - observed_disagreement / expected_disagreement)


def matthews_corrcoef(matrix):
    """Multiclass Matthews correlation; 0.0 when undefined like scikit-learn. Returns (value, undefined)."""
    m = square(matrix)
    return mcc_of_sums(np.trace(m, dtype=np.float64), m.sum(axis=1, dtype=np.float64),
                       m.sum(axis=0, dtype=np.float64))


def mcc_of_sums(correct, true, predicted):
    """matthews_corrcoef from the square matrix's trace, row sums and column sums (as kappa_of_sums)."""
    total = predicted.sum()
    cov_true_pred = correct * total - np.dot(true, predicted)
    cov_pred_pred = total**2 - np.dot(predicted, predicted)
    cov_true_true = total**2 - np.dot(true, true)
    product = cov_pred_pred * cov_true_true
    if not product > 0:  # 0/0; a rounding residue below 0 (weights far apart in size) is 0 too
        return 0.0, True
    return float(cov_true_pred / np.sqrt(product)), False

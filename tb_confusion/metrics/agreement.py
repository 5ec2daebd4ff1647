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
    of the same length): what the `epochs` route's decision table counts without a C x C matrix.

    Also of many matrices at once: correct [S], true and predicted [S, C] -> kappa [S], NaN where undefined."""
    total = predicted.sum(axis=-1)
    # scikit-learn sums the off-diagonal cells of the matrix and of outer(predicted, true) / total;
    # the same sums in O(C): everything minus the diagonal
    observed_disagreement = total - correct
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_disagreement = (total * true.sum(axis=-1) - _dot(predicted, true)) / total
        kappa = 1 - observed_disagreement / expected_disagreement
    undefined = (total == 0) | (expected_disagreement == 0)
    if np.ndim(kappa):
        return np.where(undefined, np.nan, kappa)
    return None if undefined else float(kappa)


def _dot(a, b):
    """Row by row dot products of [..., C] arrays (one dot product for vectors)."""
    return np.dot(a, b) if a.ndim == 1 else np.einsum("...i,...i->...", a, b)


def matthews_corrcoef(matrix):
    """Multiclass Matthews correlation; 0.0 when undefined like scikit-learn. Returns (value, undefined)."""
    m = square(matrix)
    return mcc_of_sums(np.trace(m, dtype=np.float64), m.sum(axis=1, dtype=np.float64),
                       m.sum(axis=0, dtype=np.float64))


def mcc_of_sums(correct, true, predicted):
    """matthews_corrcoef from the square matrix's trace, row sums and column sums (as kappa_of_sums):
    (value, undefined), or of many matrices at once (values [S] with 0.0 where undefined, undefined [S])."""
    total = predicted.sum(axis=-1)
    cov_true_pred = correct * total - _dot(true, predicted)
    cov_pred_pred = total**2 - _dot(predicted, predicted)
    cov_true_true = total**2 - _dot(true, true)
    product = cov_pred_pred * cov_true_true
    undefined = ~(product > 0)  # 0/0; a rounding residue below 0 (weights far apart in size) is 0 too
    if np.ndim(product):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(undefined, 0.0, cov_true_pred / np.sqrt(np.where(undefined, 1.0, product))), undefined
    if undefined:
        return 0.0, True
    return float(cov_true_pred / np.sqrt(product)), False

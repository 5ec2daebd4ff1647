"""Comparing two accumulated steps (tb_confusion.counts.state.CountState), for the tests that merge
across workers: the merged step must equal one process's."""

import numpy as np


def assert_same_sums(merged, one):
    """Counts integer-equal, float sums within 1e-12, the same examples with the same cells by id."""
    for name in ("cells", "scores"):
        assert np.array_equal(getattr(merged, name), getattr(one, name)), name
    np.testing.assert_allclose(merged.calibration, one.calibration, rtol=1e-12)
    np.testing.assert_allclose(merged.top_k, one.top_k, rtol=1e-12)
    assert np.isclose(merged.log_loss, one.log_loss, rtol=1e-12)
    assert merged.num_examples == one.num_examples
    assert cells_by_id(merged) == cells_by_id(one)


def cells_by_id(state):
    """{example id: sorted [(cell, count)]}: each example's cells, whatever order the merge put rows in."""
    rows, cells, counts = state.examples()
    out = {}
    for r, c, n in zip(rows, cells, counts):
        out.setdefault(state.example_ids[r], []).append((int(c), float(n)))
    return {k: sorted(v) for k, v in out.items()}

"""The compiled kernel (tb_confusion.counts.compiled, numba) gives the numpy kernel's sums: equal integer
counts, float sums within 1e-12 relative, log loss within 1e-9; and the Accumulator raises the same errors
with either. Skipped without numba."""

import os
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

pytest.importorskip("numba")

import tb_confusion as tbc  # noqa: E402
from tb_confusion.counts import accumulator, compiled, kernel  # noqa: E402
from tb_confusion.errors import BadArgument  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@contextmanager
def _kernel(name):
    before = os.environ.get("TB_CONFUSION_KERNEL")
    os.environ["TB_CONFUSION_KERNEL"] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ["TB_CONFUSION_KERNEL"]
        else:
            os.environ["TB_CONFUSION_KERNEL"] = before


def _probabilities(rng, shape, ties):
    """float32 rows summing to 1; with `ties`, small integer ratios (many equal scores, exact zeros)."""
    if ties:
        counts = rng.integers(0, 4, shape).astype(np.float64)
        counts[..., 0] += 1
        return (counts / counts.sum(-1, keepdims=True)).astype(np.float32)
    logits = rng.normal(size=shape) * 3
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _assert_same(a, b, weighted):
    """a, b: (cells, scores, calibration, top_k, log_loss, (rows, cells, counts)) of the two kernels."""
    mass = max(float(np.asarray(a[0]).sum()), 1.0)
    for name, x, z in zip(("cells", "scores", "calibration", "top_k"), a[:4], b[:4]):
        assert x.shape == z.shape, name
        if weighted or name in ("calibration", "top_k"):
            np.testing.assert_allclose(z, x, rtol=1e-12, atol=1e-12 * mass, err_msg=name)
        else:
            np.testing.assert_array_equal(z, x, err_msg=name)
    assert b[4] == pytest.approx(a[4], rel=1e-9, abs=1e-12)
    np.testing.assert_array_equal(b[5][0], a[5][0])
    np.testing.assert_array_equal(b[5][1], a[5][1])
    if weighted:
        np.testing.assert_allclose(b[5][2], a[5][2], rtol=1e-12)
    else:
        np.testing.assert_array_equal(b[5][2], a[5][2])


def _fields(sums):
    return sums.cells, sums.scores, sums.calibration, sums.top_k, sums.log_loss, sums.examples


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 30), m=st.integers(0, 400), weighted=st.booleans(),
       ties=st.booleans())
def test_batch_sums_equal_the_numpy_kernels(seed, c, m, weighted, ties):
    rng = np.random.default_rng(seed)
    p = _probabilities(rng, (m, c), ties)
    y = rng.integers(0, c, m)
    rows = np.sort(rng.integers(0, 5, m))
    w = rng.random(m) * (rng.random(m) < 0.8) if weighted else None
    args = dict(num_examples=5, num_classes=c)
    expected = kernel.batch_sums(p, y, w, rows, **args)
    got = compiled.batch_sums(p, y, w, rows, **args)
    _assert_same(_fields(expected), _fields(got), weighted)
    if m:  # (np.bincount of no elements gives int64 even with weights)
        assert got.cells.dtype == expected.cells.dtype and got.examples[2].dtype == expected.examples[2].dtype
    assert (got.num_examples, got.weighted) == (expected.num_examples, expected.weighted)


def _state(kernel_name, batches, c, **options):
    with _kernel(kernel_name):
        acc = tbc.Accumulator("pixels", **options)
        for y, p, kwargs in batches:
            acc.update(y, p, **kwargs)
    s = acc.state
    return (s.cells, s.scores, s.calibration, s.top_k, s.log_loss, s.examples()), s


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 30), n=st.integers(1, 4), h=st.integers(1, 9),
       w=st.integers(1, 9), weights=st.sampled_from(["none", "sample", "element", "both"]),
       ties=st.booleans(), float16=st.booleans(), ignore=st.booleans(), batches=st.integers(1, 3))
def test_accumulator_sums_equal_with_either_kernel(seed, c, n, h, w, weights, ties, float16, ignore, batches):
    rng = np.random.default_rng(seed)
    data = []
    for _ in range(batches):
        y = rng.integers(0, c, (n, h, w))
        if ignore:
            y[rng.random(y.shape) < 0.3] = 255
        p = _probabilities(rng, (n, h, w, c), ties)
        if float16:
            p = p.astype(np.float16)
        kwargs = {}
        if weights in ("sample", "both"):
            kwargs["sample_weight"] = rng.random(n) * 3
        if weights in ("element", "both"):
            kwargs["element_weight"] = rng.integers(0, 3, (n, h, w)).astype(np.float64)
        data.append((y, p, kwargs))
    options = dict(ignore_index=255 if ignore else None)
    expected, numpy_state = _state("numpy", data, c, **options)
    got, compiled_state = _state("compiled", data, c, **options)
    _assert_same(expected, got, weights != "none")
    assert compiled_state.num_examples == numpy_state.num_examples == n * batches


def test_passes_and_blocks_split_anywhere(monkeypatch):
    # passes of 37 elements: examples span passes and blocks, and each pass starts mid-example
    monkeypatch.setattr(accumulator, "_ELEMENTS_PER_PASS", 37)
    monkeypatch.setattr(accumulator, "_COMPILED_ELEMENTS_PER_PASS", 37)
    rng = np.random.default_rng(3)
    y = rng.integers(0, 6, (5, 13, 11))
    y[:, ::4] = 255
    data = [(y, _probabilities(rng, (5, 13, 11, 6), False), {"element_weight": rng.random((5, 13, 11))}),
            (y, _probabilities(rng, (5, 13, 11, 6), True), {})]
    expected, _ = _state("numpy", data, 6, ignore_index=255)
    got, _ = _state("compiled", data, 6, ignore_index=255)
    _assert_same(expected, got, True)


def _error(kernel_name, y, p, **options):
    with _kernel(kernel_name):
        acc = tbc.Accumulator("pixels", class_names=["a", "b", "c"], ignore_index=255, **options)
        with pytest.raises(BadArgument) as raised:
            acc.update(y, p)
        assert acc.num_examples == 0 and not acc.state.cells.any()
    return str(raised.value)


@pytest.mark.parametrize("bad", ["nan", "inf", "negative", "sum", "ignored", "padding"])
def test_bad_probabilities_raise_the_same_message(bad):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, (2, 4, 5))
    p = _probabilities(rng, (2, 4, 5, 3), False)
    options = {}
    where = (1, 2, 3)
    if bad == "nan":
        p[where] = [np.nan, 0.5, 0.5]
    elif bad == "inf":
        p[where] = [np.inf, 0.0, 0.0]
    elif bad == "negative":
        p[where] = [-0.25, 0.75, 0.5]
    elif bad == "sum":
        p[where] = [0.5, 0.5, 0.5]
    elif bad == "ignored":  # ignored elements are checked too
        p[where] = [0.5, 0.5, 0.5]
        y[where] = 255
    else:  # past max_examples: checked, then not counted
        p[where] = [0.5, 0.5, 0.5]
        options["max_examples"] = 1
    message = _error("numpy", y, p, **options)
    assert _error("compiled", y, p, **options) == message
    assert "probabilities" in message


def test_logits_are_counted_the_same():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, (3, 6, 7))
    logits = rng.normal(size=(3, 4, 6, 7)).astype(np.float32) * 4
    data = [(y, logits, {})]
    options = dict(channels_first=True, from_logits=True)
    expected, _ = _state("numpy", data, 4, **options)
    got, _ = _state("compiled", data, 4, **options)
    _assert_same(expected, got, False)


def test_the_environment_picks_the_kernel():
    with _kernel("numpy"):
        assert kernel.fused() is None
    with _kernel("compiled"):
        assert kernel.fused() is compiled
    with _kernel(""):
        assert kernel.fused() is compiled  # numba imports here


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 4), ignore=st.booleans(), ties=st.booleans(),
       per_pass=st.integers(500, 5000))
def test_large_images_read_their_cells_off_the_cell_table(seed, c, ignore, ties, per_pass):
    # unweighted images of >= C * C * 100 / 16 elements take each image's cells from the change in the cell
    # table at its end: passes and the two threads' halves start and end mid-image
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, (3, 31, 29))
    if ignore:
        y[:, ::5] = 255
    data = [(y, _probabilities(rng, y.shape + (c,), ties), {})]
    options = dict(ignore_index=255 if ignore else None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accumulator, "_COMPILED_ELEMENTS_PER_PASS", per_pass)
        patch.setattr(compiled, "_THREADED", 1)
        expected, _ = _state("numpy", data, c, **options)
        got, _ = _state("compiled", data, c, **options)
    _assert_same(expected, got, False)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 12), m=st.integers(1, 300), weighted=st.booleans())
def test_rows_that_are_not_probabilities_are_counted_nowhere_unchecked(seed, c, m, weighted):
    # without a tolerance (logits went through a softmax) NaN or negative rows add nothing anywhere
    rng = np.random.default_rng(seed)
    p = _probabilities(rng, (m, c), False)
    bad = rng.random(m) < 0.2
    p[bad, rng.integers(0, c, m)[bad]] = rng.choice([np.nan, -0.5, np.inf, -np.inf], bad.sum())
    y = rng.integers(0, c, m)
    w = rng.random(m) if weighted else None
    per_example = 7
    got, first_bad, first_bad_label = compiled.pass_sums(p, y, w, 0, per_example, None,
                                                         num_examples=(m + 6) // 7, num_classes=c)
    keep = ~bad
    rows = np.arange(m) // per_example
    expected = kernel.batch_sums(p[keep], y[keep], None if w is None else w[keep], rows[keep],
                                 num_examples=(m + 6) // 7, num_classes=c)
    _assert_same(_fields(expected), _fields(got), weighted)
    assert (first_bad, first_bad_label) == (-1, -1)


@pytest.mark.parametrize("label", [3, -1, 254])
def test_bad_labels_raise_the_same_message(label):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, (2, 4, 5))
    y[1, 2, 3] = label
    y[0, 0] = 255  # ignored: not a class, no error
    p = _probabilities(rng, (2, 4, 5, 3), False)
    message = _error("numpy", y, p)
    assert _error("compiled", y, p) == message
    assert f"got {label}" in message


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 25), ties=st.booleans(), ignore=st.booleans(),
       threads=st.sampled_from([1, 2]))
def test_int32_counts_equal_int64_counts(seed, c, ties, ignore, threads):
    # unweighted, each thread counts in int32 (calls below compiled._NARROW elements) and the parts are added
    # in int64; the int64 counters of larger calls give the same sums, in the same dtypes
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, (2, 37, 41))
    if ignore:
        y[:, ::3] = 255
    p = _probabilities(rng, y.shape + (c,), ties).reshape(-1, c)
    ignore_index = 255 if ignore else None
    results = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled, "THREADS", threads)
        patch.setattr(compiled, "_THREADED", 1)
        for narrow in (compiled._NARROW, 0):
            patch.setattr(compiled, "_NARROW", narrow)
            results.append(compiled.pass_sums(p, y.reshape(-1), None, 0, 37 * 41, ignore_index, num_examples=2,
                                              num_classes=c, tolerance=1e-3))
    (narrow, *narrow_bad), (wide, *wide_bad) = results
    assert narrow_bad == wide_bad == [-1, -1]
    for name, x, z in zip(("cells", "scores", "calibration", "top_k"), _fields(wide)[:4], _fields(narrow)[:4]):
        np.testing.assert_array_equal(z, x, err_msg=name)
        assert z.dtype == x.dtype, name
    assert narrow.log_loss == wide.log_loss
    for x, z in zip(wide.examples, narrow.examples):
        np.testing.assert_array_equal(z, x)
        assert z.dtype == x.dtype == np.int64
    assert narrow.cells.dtype == np.int64 and narrow.cells.sum() == (y != 255).sum()


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), c=st.integers(2, 30), m=st.integers(1, 300), weighted=st.booleans())
def test_rows_at_the_tolerances_edge_are_judged_as_numpy_judges_them(seed, c, m, weighted):
    # the pass sums rows in float32 and sums again in float64 only the blocks holding a row near the edge:
    # rows whose float64 sums are a few float32 roundings inside or outside 1 +- 1e-3 are judged as
    # row_off_sum judges them, and a row judged good counts as elsewhere
    from tb_confusion.storage.validation import SUM_TOLERANCE, row_off_sum
    rng = np.random.default_rng(seed)
    p = _probabilities(rng, (m, c), False)
    near = rng.random(m) < 0.1
    for row in np.flatnonzero(near):  # move the largest score until the float64 sum is just in or out
        target = 1.0 + rng.choice([-1, 1]) * SUM_TOLERANCE * (1 + rng.uniform(-2e-5, 2e-5))
        k = int(np.argmax(p[row]))
        p[row, k] = np.float32(p[row, k] + (target - p[row].sum(dtype=np.float64)))
    y = rng.integers(0, c, m)
    w = rng.random(m) if weighted else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiled, "_THREADED", 1 << 30)  # one thread: the first bad row is the first found
        got, first_bad, _ = compiled.pass_sums(p, y, w, 0, 1, None, num_examples=m, num_classes=c,
                                               tolerance=SUM_TOLERANCE)
    off = row_off_sum(p, SUM_TOLERANCE)
    assert first_bad == (-1 if off is None else off[0])
    expected = kernel.batch_sums(p, y, w, np.arange(m), num_examples=m, num_classes=c)
    _assert_same(_fields(expected), _fields(got), weighted)


def test_a_pass_numba_cannot_build_falls_back_to_numpy(monkeypatch):
    # a numba or LLVM that cannot compile the pass (an intrinsic it does not know) fails when the kernel is
    # picked, with a warning, and the Accumulator then counts with numpy (the compiled pass is never called)
    def unbuildable(*args, **kwargs):
        raise RuntimeError("LLVM ERROR: unknown intrinsic llvm.prefetch")

    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, (2, 6, 7))
    data = [(y, _probabilities(rng, y.shape + (3,), False), {})]
    expected, _ = _state("numpy", data, 3)
    with monkeypatch.context() as patch:
        patch.setattr(compiled, "build", unbuildable)
        patch.setattr(compiled, "pass_sums", unbuildable)
        patch.setattr(kernel, "_COMPILED", [])
        with _kernel(""), pytest.warns(UserWarning, match="compiled kernel failed to load .*llvm.prefetch.*numpy"):
            assert kernel.fused() is None
        got, _ = _state("", data, 3)
    _assert_same(expected, got, False)
    with _kernel(""):
        assert kernel.fused() is compiled

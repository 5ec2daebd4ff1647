"""Hypothesis strategies and scikit-learn references shared by the metrics and report tests."""

import warnings

import numpy as np
from hypothesis import strategies as st

RTOL, ATOL = 1e-9, 1e-12


def close(ours, theirs, what=""):
    """Assert equal to relative 1e-9 (absolute 1e-12 near 0); None on our side matches NaN on theirs."""
    theirs = float(theirs)
    if ours is None:
        assert np.isnan(theirs), f"{what}: ours is None, scikit-learn's is {theirs}"
        return
    assert not np.isnan(theirs), f"{what}: ours is {ours}, scikit-learn's is NaN"
    assert np.isclose(ours, theirs, rtol=RTOL, atol=ATOL), f"{what}: ours {ours!r} != scikit-learn's {theirs!r}"


def all_close(ours, theirs, what=""):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs), f"{what}: {len(ours)} values vs {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        close(a, b, f"{what}[{i}]")


def quiet(fn, *args, **kwargs):
    """scikit-learn warns on undefined values; the tests check those values instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@st.composite
def scores(draw, n, rng):
    """float32 scores in [0, 1] with ties: a coarse grid (often) or continuous values, plus 0 and 1."""
    levels = draw(st.sampled_from([2, 3, 8, 64, 0]))
    if levels:
        s = rng.integers(0, levels + 1, n) / levels
    else:
        s = rng.random(n)
    return s.astype(np.float32)


@st.composite
def weights(draw, n, rng, allow_zero=False):
    """None, or dyadic weights (exact sums, so ties in counts are exact on both sides)."""
    mode = draw(st.sampled_from(["none", "dyadic", "dyadic"] + (["zeros"] if allow_zero else [])))
    if mode == "none":
        return None
    w = rng.integers(1, 17, n) / 4.0
    if mode == "zeros":
        w[rng.random(n) < 0.3] = 0.0
        w[0] = max(w[0], 0.25)
    return w


@st.composite
def binary_cases(draw):
    """(labels, probabilities [N] or [N, 2], weights, threshold, positive_class)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 40))
    s = draw(scores(n, rng))
    kind = draw(st.sampled_from(["mixed", "mixed", "all0", "all1"]))
    y = {"mixed": rng.integers(0, 2, n), "all0": np.zeros(n, int), "all1": np.ones(n, int)}[kind]
    if draw(st.booleans()):  # informative scores: positives score higher on average
        s = np.clip(s + 0.3 * y, 0, 1).astype(np.float32)
    w = draw(weights(n, rng))
    threshold = draw(st.sampled_from(["zero", "one", "score", "half", "random"]))
    threshold = {"zero": 0.0, "one": 1.0, "score": float(s[rng.integers(n)]), "half": 0.5,
                 "random": float(rng.random())}[threshold]
    positive_class = draw(st.sampled_from([1, 1, 0]))
    two_columns = draw(st.booleans())
    if two_columns:
        p = np.stack([1 - s, s], axis=1) if positive_class == 1 else np.stack([s, 1 - s], axis=1)
    else:
        p = s if positive_class == 1 else (1 - s).astype(np.float32)
    return y, p.astype(np.float32), w, threshold, positive_class


@st.composite
def multiclass_cases(draw, max_classes=6):
    """(labels, probabilities [N, C] rows summing to 1, weights, cutoff or None)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 50))
    c = draw(st.integers(3, max_classes))
    present = draw(st.sampled_from(["all", "some", "one"]))
    pool = {"all": np.arange(c), "some": rng.choice(c, size=max(1, c // 2), replace=False),
            "one": np.array([rng.integers(c)])}[present]
    y = rng.choice(pool, n).astype(draw(st.sampled_from([np.int64, np.uint8])))  # uint8: as stored
    levels = draw(st.sampled_from([1, 2, 4, 0]))  # coarse grids give tied probabilities
    raw = rng.integers(0, levels + 1, (n, c)).astype(float) if levels else rng.random((n, c))
    raw[raw.sum(1) == 0, 0] = 1.0
    if draw(st.booleans()):  # one class predicted for every row
        raw[:, rng.integers(c)] += 10.0
    p = (raw / raw.sum(1, keepdims=True)).astype(np.float32)
    w = draw(weights(n, rng))
    cutoff = draw(st.sampled_from([None, None, "score", 0.5, 0.0, 1.0]))
    if cutoff == "score":
        cutoff = float(p.max(1)[rng.integers(n)])
    return y, p, w, cutoff


@st.composite
def multilabel_cases(draw):
    """(labels uint8 [N, C], probabilities [N, C], weights, per-label thresholds)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 40))
    c = draw(st.integers(2, 5))  # scikit-learn reads one column as binary, not multilabel
    y = (rng.random((n, c)) < rng.random(c)).astype(np.uint8)
    if draw(st.booleans()):
        y[:, rng.integers(c)] = draw(st.sampled_from([0, 1]))  # a label always absent / present
    p = np.stack([draw(scores(n, rng)) for _ in range(c)], axis=1)
    w = draw(weights(n, rng))
    thresholds = [float(v) for v in rng.choice([0.0, 1.0, 0.5, float(p.flat[0]), rng.random()], c)]
    return y, p.astype(np.float32), w, thresholds

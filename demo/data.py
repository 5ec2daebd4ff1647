"""Data for the demo: scikit-learn's digits (ships offline), split once, plus the derived tasks."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LABEL_NAMES = ["even", "greater than 4", "has a loop"]
_LOOPED = {0, 6, 8, 9}


def digits_splits(seed=0):
    """{"train"|"validation"|"test": (x float32 [n, 64] in [0, 1], digit [n], example ids [n])}, 60/20/20."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    ids = np.array([f"digit-{i:04d}" for i in range(len(x))])
    index = np.arange(len(x))
    train, rest = train_test_split(index, test_size=0.4, random_state=seed, stratify=digits.target)
    validation, test = train_test_split(rest, test_size=0.5, random_state=seed, stratify=digits.target[rest])
    return {name: (x[i], digits.target[i], ids[i]) for name, i in
            [("train", train), ("validation", validation), ("test", test)]}


STROKES = ["thin", "medium", "thick"]


def stroke(x):
    """Each digit's stroke, an attribute to slice by: "thin", "medium" or "thick", its ink (the sum of its
    pixels) in the lower, middle or upper third of all of scikit-learn's digits (the same cut points for every
    split, so an example has one stroke everywhere)."""
    ink = np.asarray(x, dtype=np.float64).reshape(len(x), -1).sum(axis=1)
    return np.array(STROKES)[np.searchsorted(_ink_cut_points(), ink, side="right")]


def _ink_cut_points():
    every = load_digits().data / 16.0
    return np.quantile(every.sum(axis=1), [1 / 3, 2 / 3])


def binary_target(digit):
    """1 for the digit 3, 0 for the rest: an imbalanced binary task where the threshold matters."""
    return (digit == 3).astype(np.int64)


def multilabel_target(digit):
    """Multi-hot [n, 3]: even, greater than 4, has a loop (0, 6, 8, 9)."""
    return np.stack([digit % 2 == 0, digit > 4, np.isin(digit, list(_LOOPED))], axis=1).astype(np.int64)

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


def binary_target(digit):
    """1 for the digit 3, 0 for the rest: an imbalanced binary task where the threshold matters."""
    return (digit == 3).astype(np.int64)


def multilabel_target(digit):
    """Multi-hot [n, 3]: even, greater than 4, has a loop (0, 6, 8, 9)."""
    return np.stack([digit % 2 == 0, digit > 4, np.isin(digit, list(_LOOPED))], axis=1).astype(np.int64)

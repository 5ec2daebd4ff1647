"""Argument checks shared by the metrics core; messages name the argument and the bad value."""

import math
import numbers

import numpy as np

from tb_confusion.errors import BadArgument


def check_unit_interval(name, value):
    """`value` as a float in [0, 1], or errors.BadArgument (a ValueError) naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise BadArgument(f"{name} must be a number in [0, 1]; got {value!r}")
    return float(value)


def check_nonnegative(name, value):
    """`value` as a finite float >= 0, or errors.BadArgument (a ValueError) naming `name`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise BadArgument(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def check_weights(sample_weight, n):
    """None, or float64 [n] finite and >= 0."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise BadArgument(f"sample_weight must have shape ({n},); got {w.shape}")
    if n and not (np.isfinite(w).all() and w.min() >= 0):
        raise BadArgument("sample_weight must be finite and >= 0")
    return w


def check_thresholds(thresholds, num_labels, name="thresholds"):
    """Per-label thresholds as float64 [num_labels]; a scalar applies to every label."""
    if thresholds is None:
        return np.full(num_labels, 0.5)
    if isinstance(thresholds, numbers.Real) and not isinstance(thresholds, bool):
        return np.full(num_labels, check_unit_interval(name, thresholds))
    values = list(thresholds)
    if len(values) != num_labels:
        raise BadArgument(f"{name} must have one value per label ({num_labels}); got {len(values)}")
    return np.array([check_unit_interval(f"{name}[{i}]", v) for i, v in enumerate(values)])

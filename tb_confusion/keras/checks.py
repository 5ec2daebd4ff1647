"""The callback's constructor checks: errors name the argument and the value."""

import numbers
import os

import numpy as np

def check_path(log_dir):
    if isinstance(log_dir, os.PathLike):
        log_dir = os.fspath(log_dir)
    if not isinstance(log_dir, str) or not log_dir:
        raise ValueError(f"log_dir must be a non-empty path; got {log_dir!r}")
    return log_dir


def check_text(value, what):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string; got {value!r}")
    return value


def check_positive_int(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be a positive integer; got {value!r}")
    return int(value)


def check_choice(value, choices, what, allow_none=False):
    if value is None and allow_none:
        return None
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}{' or None' if allow_none else ''}; got {value!r}")
    return value


def check_class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__"):
        raise ValueError(f"class_names must be a sequence of strings; got {class_names!r}")
    return list(class_names)

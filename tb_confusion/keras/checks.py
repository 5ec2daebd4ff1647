"""The callback's constructor checks: errors name the argument and the value."""

import os

from tb_confusion.storage.validation import check_choice, check_positive_int, check_text  # noqa: F401  (the callback's)


def check_path(log_dir):
    if isinstance(log_dir, os.PathLike):
        log_dir = os.fspath(log_dir)
    if not isinstance(log_dir, str) or not log_dir:
        raise ValueError(f"log_dir must be a non-empty path; got {log_dir!r}")
    return log_dir


def check_class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__"):
        raise ValueError(f"class_names must be a sequence of strings; got {class_names!r}")
    return list(class_names)



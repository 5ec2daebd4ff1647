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


def check_class_groups(class_groups, class_names, task):
    """None, or `class_groups` as given to summary.predictions_pb: its form now, and against the class names
    and task when they are known (the first write checks the rest, before any file exists)."""
    from collections.abc import Mapping

    from tb_confusion.storage import class_groups as groups_format

    if class_groups is None:
        return None
    if task not in (None, groups_format.TASK):
        return groups_format.prepare(class_groups, class_names or [], task)  # raises: multiclass only
    if not isinstance(class_groups, Mapping) and (isinstance(class_groups, (str, bytes))
                                                  or not hasattr(class_groups, "__len__")):
        return groups_format.prepare(class_groups, class_names or [], groups_format.TASK)  # raises: its form
    if class_names is not None:
        groups_format.prepare(class_groups, class_names, groups_format.TASK)
    return dict(class_groups) if isinstance(class_groups, Mapping) else list(class_groups)

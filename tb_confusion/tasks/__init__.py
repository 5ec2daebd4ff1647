"""The task registry: every kind of classification problem tb_confusion knows, one entry each.

    task = tasks.get(record.task)   # errors.BadArgument naming the known tasks otherwise

Adding a task is one module here (a tasks.base.Task subclass) plus its entry in TASKS and its mirror
in frontend/src/tasks.js (docs/architecture.md walks through it).
"""

from tb_confusion.errors import BadArgument
from tb_confusion.tasks.base import Task
from tb_confusion.tasks.binary import Binary
from tb_confusion.tasks.multiclass import BELOW_CUTOFF, TOP_K, Multiclass
from tb_confusion.tasks.multilabel import Multilabel
from tb_confusion.tasks.segmentation import Segmentation

TASKS = {task.name: task for task in (Binary(), Multiclass(), Multilabel(), Segmentation())}
NAMES = tuple(TASKS)

__all__ = ["BELOW_CUTOFF", "NAMES", "TASKS", "TOP_K", "Task", "get", "describe"]


def get(name):
    """The Task registered under `name`."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise BadArgument(f"task must be {_choices()}; got {name!r}") from None


def describe():
    """[task.describe()] for the panel, in registry order."""
    return [task.describe() for task in TASKS.values()]


def _choices():
    names = [repr(name) for name in NAMES]
    return ", ".join(names[:-1]) + " or " + names[-1]

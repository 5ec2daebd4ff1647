"""The task registry: every task answers the same questions, and callers ask instead of branching."""

import numpy as np
import pytest

from tb_confusion import errors, tasks
from tb_confusion.storage.payload import Record
from tb_confusion.statistics import Statistics


def test_registry_lists_each_task_once_under_its_name():
    assert tasks.NAMES == ("binary", "multiclass", "multilabel", "segmentation")
    for name in tasks.NAMES:
        task = tasks.get(name)
        assert isinstance(task, tasks.Task) and task.name == name
    assert [entry["name"] for entry in tasks.describe()] == list(tasks.NAMES)


@pytest.mark.parametrize("name", ["Binary", "", None, "regression", 3])
def test_an_unknown_task_is_a_bad_argument_naming_the_known_ones(name):
    with pytest.raises(errors.BadArgument, match=r"task must be 'binary', 'multiclass', 'multilabel' or 'segmentation'; got"):
        tasks.get(name)


@pytest.mark.parametrize("task, labels, probabilities, problem", [
    ("binary", [0, 1], np.zeros((2, 3)), "binary records need 2 class names"),
    ("binary", [0, 2], np.zeros(2), "labels must lie in [0, 2); got values from 0 to 2"),
    ("multiclass", [0, 1], np.zeros((2, 2)), "multiclass probabilities must have shape [N, 3]"),
    ("multiclass", [[0], [1]], np.zeros((2, 3)), "labels must have shape [N] matching probabilities"),
    ("multilabel", np.zeros((2, 2)), np.zeros((2, 3)), "multilabel labels and probabilities must have shape (2, 3)"),
])
def test_check_says_what_does_not_fit(task, labels, probabilities, problem):
    c = 2 if task == "binary" else 3
    assert problem in tasks.get(task).check(np.asarray(labels), np.asarray(probabilities), c)
    names = [f"c{k}" for k in range(c)]
    with pytest.raises(errors.BadArgument, match=problem.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        Statistics(Record(task, np.asarray(labels), np.asarray(probabilities), names))


def test_cells_of_each_task_lie_within_its_bounds():
    rng = np.random.default_rng(3)
    records = {
        "binary": Record("binary", rng.integers(0, 2, 50), rng.random(50), ["a", "b"]),
        "multiclass": Record("multiclass", rng.integers(0, 4, 50), rng.random((50, 4)), list("abcd")),
        "multilabel": Record("multilabel", rng.integers(0, 2, (50, 3)), rng.random((50, 3)), list("xyz")),
    }
    for name, record in records.items():
        task = tasks.get(name)
        true_high, pred_high = task.cell_bounds(record.num_classes)
        statistics = Statistics(record)
        true, pred, score = task.cell_assignment(statistics, threshold=0.4, cutoff=0.5,
                                                 label=1 if task.cell_needs_label else None)
        assert true.max() <= true_high and pred.max() <= pred_high
        assert ((0 <= score) & (score <= 1)).all()

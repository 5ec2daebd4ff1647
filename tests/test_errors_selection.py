"""Domain errors in one module, one selection rule: the reader, the CLI and the server say the same."""

import pytest

from tb_confusion import errors
from tb_confusion.reading.selection import run_order, select, select_steps, shorten


class _Step:
    def __init__(self, step):
        self.step = step


class _Series:
    def __init__(self, *steps):
        self.steps = [_Step(s) for s in steps]


INDEX = {"train": {"digits": _Series(0, 1, 2), "spam": _Series(0)}, "validation": {"digits": _Series(1, 2)},
         "empty": {"digits": _Series()}}


@pytest.mark.parametrize("kind, status, builtin", [
    (errors.BadArgument, 400, ValueError), (errors.NotFound, 404, LookupError),
    (errors.LogdirNotFound, 404, FileNotFoundError), (errors.Unreadable, 422, ValueError),
    (errors.NewerFormat, 422, ValueError),
])
def test_each_error_has_one_http_status_and_is_the_builtin_callers_catch(kind, status, builtin):
    error = kind("message")
    assert errors.http_status(error) == status
    assert isinstance(error, builtin) and isinstance(error, errors.Error)


def test_runs_come_grouped_by_directory_then_train_validation_test_then_by_name():
    runs = ["z", "a/test", "b/validation", "train", "exp/val", "b/train", "Eval", "a", "a/extra", "B"]
    assert sorted(runs, key=run_order) == ["train", "Eval", "B", "a", "z", "a/test", "a/extra", "b/train",
                                           "b/validation", "exp/val"]


def test_select_every_step_of_every_run_in_order():
    pairs = select(INDEX, step="all")
    assert [s.step for _, s in pairs] == [0, 1, 2, 0, 1, 2]  # train/digits, train/spam, validation/digits
    assert [series for series, _ in pairs][2:5] == [INDEX["train"]["digits"], INDEX["train"]["spam"], INDEX["validation"]["digits"]]


def test_select_latest_of_one_tag_across_runs_skips_runs_without_it():
    pairs = select(INDEX, tag="digits", step="latest")
    assert [s.step for _, s in pairs] == [2, 2]  # "empty" has no step yet
    assert [s.step for _, s in select(INDEX, tag="spam", step="latest")] == [0]


@pytest.mark.parametrize("where, message", [
    ({"run": "test"}, "run 'test' not found; runs with tb_confusion data: train, validation, empty"),
    ({"tag": "nope"}, "tag 'nope' not found in any run; tags: digits, spam"),
    ({"run": "train", "tag": "nope"}, "tag 'nope' not found in run 'train'; tags: digits, spam"),
    ({"step": 9}, "step 9 not found; steps: 0, 1, 2"),
    ({"run": "train", "tag": "digits", "step": 9}, "step 9 not found for run 'train', tag 'digits'; steps: 0, 1, 2"),
    ({"run": "empty", "tag": "digits", "step": "latest"}, "run 'empty' tag 'digits' has no steps yet"),
])
def test_what_is_missing_is_named_with_what_exists(where, message):
    with pytest.raises(errors.NotFound) as caught:
        select(INDEX, **where)
    assert str(caught.value) == message


def test_long_listings_are_shortened():
    assert shorten(range(30)) == list(range(10)) + ["..."] + list(range(25, 30))
    assert select_steps(_Series(1, 5).steps, 5)[0].step == 5

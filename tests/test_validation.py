"""Every bad input to the writers: a ValueError naming the argument and the bad value, nothing written."""

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.reading import offline
from tb_confusion.storage import validation
from tb_confusion.storage.events import EventWriter

rng = np.random.default_rng(0)
P3 = rng.dirichlet(np.ones(3), 5).astype(np.float32)
Y3 = np.array([0, 1, 2, 1, 0])
PB = np.array([0.1, 0.9, 0.5, 0.3, 0.7], np.float32)
YB = np.array([0, 1, 1, 0, 1])

BAD = [
    ("mismatch", dict(labels=Y3[:4], probabilities=P3), r"same length.*\(4,\).*\(5, 3\)"),
    ("empty", dict(labels=[], probabilities=np.zeros((0, 3))), r"empty \(N=0\)"),
    ("nan", dict(labels=YB, probabilities=[0.1, np.nan, 0.5, 0.3, 0.7]), r"finite; got nan"),
    ("inf", dict(labels=YB, probabilities=[0.1, np.inf, 0.5, 0.3, 0.7]), r"finite; got inf"),
    ("above one", dict(labels=YB, probabilities=[0.1, 1.5, 0.5, 0.3, 0.7]), r"\[0, 1\]; got 1.5.*from_logits"),
    ("below zero", dict(labels=YB, probabilities=[-0.2, 0.5, 0.5, 0.3, 0.7]), r"\[0, 1\]; got -0.2"),
    ("softmax sum", dict(labels=Y3, probabilities=P3 * 0.5, task="multiclass"), r"sum to 1.*row 0 sums to 0.5"),
    ("label range", dict(labels=[0, 1, 3, 1, 0], probabilities=P3), r"labels must be class indices in \[0, 2\].*got 3"),
    ("negative label", dict(labels=[0, -1, 1, 1, 0], probabilities=PB), r"labels must be class indices in \[0, 1\].*got -1"),
    ("fractional label", dict(labels=[0, 0.5, 1, 1, 0], probabilities=PB), r"whole class indices; got 0.5"),
    ("class_names length", dict(labels=Y3, probabilities=P3, class_names=["a", "b"]), r"class_names must have 3 entries.*got 2"),
    ("class_names duplicate", dict(labels=Y3, probabilities=P3, class_names=["a", "b", "a"]), r"unique; got 'a' twice"),
    ("class_names string", dict(labels=Y3, probabilities=P3, class_names="abc"), r"sequence of strings; got the string 'abc'"),
    ("example_ids length", dict(labels=Y3, probabilities=P3, example_ids=["a"]), r"example_ids must have 5 entries.*got 1"),
    ("example_ids type", dict(labels=YB, probabilities=PB, example_ids=[1.5] * 5), r"strings or integers; got 1.5"),
    ("weights length", dict(labels=YB, probabilities=PB, sample_weight=[1, 2]), r"sample_weight must have shape \[5\]"),
    ("weights negative", dict(labels=YB, probabilities=PB, sample_weight=[1, -2, 1, 1, 1]), r"non-negative; got -2"),
    ("task", dict(labels=YB, probabilities=PB, task="regression"), r"task must be one of .*got 'regression'"),
    ("dtype", dict(labels=YB, probabilities=PB, dtype="int8"), r"dtype must be one of .*got 'int8'"),
    ("binary with 3 columns", dict(labels=Y3, probabilities=P3, task="binary"), r"task='binary' must have shape \[N\], \[N, 1\] or \[N, 2\]"),
    ("multilabel shape", dict(labels=Y3, probabilities=P3, task="multilabel"), r"multi-hot with the shape"),
    ("multilabel values", dict(labels=np.full((5, 3), 2), probabilities=P3, task="multilabel"), r"labels must contain only \(0, 1\); got 2"),
    ("one-hot with two ones", dict(labels=[[1, 1, 0]] + [[1, 0, 0]] * 4, probabilities=P3, task="multiclass"), r"exactly one 1 per row; row 0"),
    ("string labels", dict(labels=["a"] * 5, probabilities=PB), r"labels must be numeric"),
    ("3-d probabilities", dict(labels=YB, probabilities=np.zeros((5, 2, 2))), r"shape \[N\] or \[N, C\]"),
    ("from_logits", dict(labels=YB, probabilities=PB, from_logits="yes"), r"from_logits must be True or False; got 'yes'"),
]


@pytest.mark.parametrize("case,kwargs,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_a_message_naming_it(case, kwargs, message, tmp_path):
    kwargs = dict(kwargs)
    labels, probabilities = kwargs.pop("labels"), kwargs.pop("probabilities")
    with EventWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=message):
            writer.add_summary(tbc.summary.predictions_pb("p", labels, probabilities, **kwargs), step=0)
    assert list(offline.list_series(str(tmp_path))) == []  # nothing half-written


@pytest.mark.parametrize("name", ["", None, 3])
def test_bad_name(name):
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        tbc.summary.predictions_pb(name, YB, PB)


def test_bad_step_is_refused(tmp_path):
    with EventWriter(str(tmp_path)) as writer, pytest.raises(ValueError, match="step must be an integer; got 'x'"):
        writer.add_summary(tbc.summary.predictions_pb("p", YB, PB), step="x")


@pytest.mark.parametrize("labels,probabilities,task", [
    (YB, PB, "binary"), (YB, PB[:, None], "binary"), (YB, np.stack([1 - PB, PB], 1), "binary"),
    (YB.astype(bool), PB, "binary"), (Y3, P3, "multiclass"), (np.eye(3)[Y3], P3, "multiclass"),
    (Y3[:, None], P3, "multiclass"), (YB[:, None], PB[:, None], "binary"),
    (np.array([[1, 0, 1]] * 5), rng.random((5, 3)), "multilabel"),
])
def test_task_is_inferred_from_shapes(labels, probabilities, task):
    arrays = validation.prepare(labels, probabilities)
    assert arrays["task"] == task


def test_from_logits_applies_softmax_and_sigmoid():
    logits = rng.normal(size=(5, 3)) * 20
    arrays = validation.prepare(Y3, logits, from_logits=True)
    expected = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(arrays["probabilities"], expected / expected.sum(1, keepdims=True), rtol=1e-6)
    sig = validation.prepare(YB, np.array([-800.0, 0, 800, 1, -1]), from_logits=True)["probabilities"]
    np.testing.assert_allclose(sig, [0, 0.5, 1, 1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))], rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda w: w.add_summary(tbc.summary.predictions_pb("p", YB, PB), step=2**70), "step must fit in 64 bits"),
    (lambda w: w.add_summary(tbc.summary.predictions_pb("p", YB, PB), step=0, wall_time="now"),
     "wall_time must be a finite number"),
    (lambda w: w.add_summary(tbc.summary.predictions_pb("p", YB, PB, description=123), step=0),
     "description must be a string or None; got 123"),
    (lambda w: w.add_summary(tbc.summary.predictions_pb("p", YB, PB.astype(np.complex64)), step=0),
     "probabilities must be real numbers; got complex dtype complex64"),
    (lambda w: w.add_summary(tbc.summary.predictions_pb("p", YB, PB, example_ids=[b"a", b"\xff", b"c", b"d", b"e"]),
                             step=0), r"example_ids must be UTF-8 text; entry 1 is b'\\xff'"),
    (lambda w: w.add_summary(tbc.summary.predictions_pb(
        "p", np.zeros(2, int), np.full((2, 65_537), 1 / 65_537, np.float32)), step=0),
     "probabilities have 65,537 columns; tb_confusion takes at most 65,536 classes"),
])
def test_writer_inputs_that_escaped_the_rule_name_the_argument_and_write_nothing(tmp_path, call, message):
    with EventWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=message):
            call(writer)
    assert list(offline.list_series(str(tmp_path))) == []


@pytest.mark.parametrize("logdir", [None, 3, ""])
def test_an_event_writer_needs_a_logdir(logdir):
    with pytest.raises(ValueError, match=r"logdir must be a directory path or URL; got"):
        EventWriter(logdir)


def test_negative_steps_are_int64_steps_like_tensorboards(tmp_path):
    with EventWriter(str(tmp_path)) as writer:
        writer.add_summary(tbc.summary.predictions_pb("p", YB, PB), step=-1)
    assert offline.list_series(str(tmp_path)) == {".": {"p": [-1]}}

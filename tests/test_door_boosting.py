"""The XGBoost and LightGBM doors on real short trainings (scikit-learn digits and breast_cancer): what each
round logged is the booster's own prediction truncated at that round, with the eval set's labels."""

import copy
import os
import subprocess
import sys

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import confusion_matrix

import tb_confusion as tbc
import tb_confusion.lightgbm as tbc_lgb
import tb_confusion.xgboost as tbc_xgb
from tb_confusion import groups
from tb_confusion.doors.lightgbm import _scores, _scores_via_eval

ROUNDS = 4
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def split(data, n_train):
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data.target))
    x, y = data.data[order].astype("float32"), data.target[order]
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


DIGITS = split(load_digits(), 1200)
CANCER = split(load_breast_cancer(), 400)


def logged(log_dir, run, tag="predictions"):
    """{step: Record} of one run."""
    return {record.step: record for record in tbc.read(str(log_dir), run=run, tag=tag)}


def runs(log_dir):
    return sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []


# Digits by shape: the group of each class ("round" first, as it first appears in class order).
SHAPE_OF = ["round", "straight", "curly", "curly", "straight", "curly", "round", "straight", "round", "round"]
SHAPE_INDEX = np.array([["round", "straight", "curly"].index(name) for name in SHAPE_OF])


def assert_grouped_by_shape(record, predicted_classes):
    """The record's grouped matrix is scikit-learn's on its labels and `predicted_classes` mapped to shapes."""
    assert record.class_groups == SHAPE_OF
    report = groups.grouped_report(record, record.class_groups)
    assert report["class_names"] == ["round", "straight", "curly"]
    expected = confusion_matrix(SHAPE_INDEX[record.labels], SHAPE_INDEX[predicted_classes], labels=[0, 1, 2])
    np.testing.assert_array_equal(report["confusion_matrix"], expected)


def softmax(margins):
    shifted = np.exp(margins - margins.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


# XGBoost.

def test_xgboost_native_multiclass_logs_each_round_as_the_truncated_booster_predicts_it(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val)
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dtrain, "train"), (dval, "validation")],
                                               class_names=NAMES)
    booster = xgb.train(dict(objective="multi:softprob", num_class=10, max_depth=2, nthread=2), dtrain, ROUNDS,
                        evals=[(dtrain, "train"), (dval, "validation")], callbacks=[callback], verbose_eval=False)
    assert runs(tmp_path) == ["train", "validation"]
    for run, x, y in (("train", x_train, y_train), ("validation", x_val, y_val)):
        records = logged(tmp_path, run)
        assert sorted(records) == list(range(ROUNDS))
        for step, record in records.items():
            expected = booster.predict(xgb.DMatrix(x), iteration_range=(0, step + 1))  # a fresh DMatrix: no cache
            assert record.task == "multiclass" and record.class_names == NAMES
            np.testing.assert_array_equal(record.labels, y)
            assert np.allclose(record.probabilities, expected, atol=1e-6)
        assert not np.allclose(records[0].probabilities, records[ROUNDS - 1].probabilities)


def test_xgboost_sklearn_binary_every_n_rounds_logs_the_last_round_too(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, eval_set=[(x_val, y_val)], every_n_rounds=2)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2, n_jobs=2, callbacks=[callback])
    model.fit(x_train, y_train, eval_set=[(x_val, y_val)], verbose=False)
    assert runs(tmp_path) == ["validation_0"]  # XGBoost's own name for the first eval set
    records = logged(tmp_path, "validation_0")
    assert sorted(records) == [1, 3, 4]  # rounds 2n-1, and the last one from after_training
    for step, record in records.items():
        expected = model.predict_proba(x_val, iteration_range=(0, step + 1))[:, 1]
        assert record.task == "binary"
        np.testing.assert_array_equal(record.labels, y_val)
        assert np.allclose(record.probabilities, expected, atol=1e-6)
    clone(model).fit(x_train, y_train, verbose=False)  # the callback survives scikit-learn's deep copy


def test_xgboost_multi_softmax_logs_the_softmax_of_its_margins_with_weights_and_ids(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    weights = np.linspace(0.5, 2.0, len(y_val))
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val, weight=weights)
    ids = [f"digit-{k}" for k in range(len(y_val))]
    source = np.where(np.arange(len(y_val)) % 3 == 0, "scan", "web")
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, [(dval, "validation")], example_ids={"validation": ids},
                                               attributes={"validation": {"source": source}})
    booster = xgb.train(dict(objective="multi:softmax", num_class=10, max_depth=2, nthread=2), dtrain, 3,
                        callbacks=[callback])
    for step, record in logged(tmp_path, "validation").items():
        fresh = xgb.DMatrix(x_val)
        margins = booster.predict(fresh, output_margin=True, iteration_range=(0, step + 1))
        assert np.allclose(record.probabilities, softmax(margins), atol=1e-6)
        np.testing.assert_array_equal(record.probabilities.argmax(axis=1),
                                      booster.predict(fresh, iteration_range=(0, step + 1)))
        np.testing.assert_allclose(record.weights, weights.astype("float32"))
        assert record.example_ids == ids
        np.testing.assert_array_equal(tbc.slices.attribute(record, "source").per_example(), source)


def test_xgboost_continued_training_continues_the_steps(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val)
    params = dict(objective="binary:logistic", max_depth=2, nthread=2)
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dval, "validation")])
    first = xgb.train(params, dtrain, 2, callbacks=[callback])
    booster = xgb.train(params, dtrain, 2, xgb_model=first, callbacks=[callback])
    records = logged(tmp_path, "validation")
    assert sorted(records) == [0, 1, 2, 3]
    assert np.allclose(records[3].probabilities, booster.predict(xgb.DMatrix(x_val), iteration_range=(0, 4)))


def test_xgboost_binary_logitraw_logs_the_sigmoid_of_its_margins(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val)
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dval, "validation")])
    booster = xgb.train(dict(objective="binary:logitraw", max_depth=2, nthread=2), dtrain, 2, callbacks=[callback])
    for step, record in logged(tmp_path, "validation").items():
        margins = booster.predict(xgb.DMatrix(x_val), iteration_range=(0, step + 1))
        assert margins.min() < 0 or margins.max() > 1  # margins, not probabilities
        assert record.task == "binary" and np.allclose(record.probabilities, 1 / (1 + np.exp(-margins)), atol=1e-6)


def test_xgboost_early_stopping_logs_the_round_training_stopped_at(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, eval_set=[(x_val, y_val)], every_n_rounds=100)
    model = xgb.XGBClassifier(n_estimators=60, learning_rate=1.0, max_depth=6, early_stopping_rounds=2, n_jobs=2,
                              callbacks=[callback])
    model.fit(x_train, y_train, eval_set=[(x_val, y_val)], verbose=False)
    last = model.get_booster().num_boosted_rounds() - 1
    assert last < 59  # it did stop early
    records = logged(tmp_path, "validation_0")
    assert sorted(records) == [last]
    assert np.allclose(records[last].probabilities, model.predict_proba(x_val, iteration_range=(0, last + 1))[:, 1])


def test_xgboost_class_groups_group_each_rounds_matrix_as_scikit_learn(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val)
    by_shape = {shape: [NAMES[k] for k in range(10) if SHAPE_OF[k] == shape] for shape in ("curly", "round", "straight")}
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dval, "validation")], class_names=NAMES,
                                               class_groups=by_shape)  # a dict is stored as the per-class list
    booster = xgb.train(dict(objective="multi:softprob", num_class=10, max_depth=2, nthread=2), dtrain, 2,
                        callbacks=[callback])
    records = logged(tmp_path, "validation")
    assert sorted(records) == [0, 1]
    for step, record in records.items():
        np.testing.assert_array_equal(record.labels, y_val)
        assert_grouped_by_shape(record, booster.predict(xgb.DMatrix(x_val), iteration_range=(0, step + 1)).argmax(1))


@pytest.mark.parametrize("params, class_groups, message", [
    (dict(objective="binary:logistic"), ["x", "y"],
     "class_groups apply to multiclass predictions (one true and one predicted class per example); got task 'binary'"),
    (dict(objective="multi:softprob", num_class=2), ["x", "y", "z"],
     "class_groups must have 2 entries (one group per class); got 3: ['x', 'y', 'z']"),
])
def test_xgboost_class_groups_that_do_not_fit_the_objective_are_refused_before_training(tmp_path, params,
                                                                                        class_groups, message):
    x_train, y_train, _, _ = CANCER
    dtrain = xgb.DMatrix(x_train, y_train)
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dtrain, "train")], class_groups=class_groups)
    with pytest.raises(ValueError) as error:
        xgb.train(dict(params, max_depth=2, nthread=2), dtrain, 2, callbacks=[callback])
    assert message in str(error.value)
    assert runs(tmp_path) == []


@pytest.mark.parametrize("objective", ["reg:squarederror", "binary:hinge", "rank:pairwise"])
def test_xgboost_objective_without_probabilities_is_refused_by_name(tmp_path, objective):
    x_train, y_train, _, _ = CANCER
    dtrain = xgb.DMatrix(x_train, y_train)
    callback = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(dtrain, "train")])
    with pytest.raises(ValueError, match=f"objective .*got '{objective}'"):
        xgb.train(dict(objective=objective, max_depth=2), dtrain, 2, callbacks=[callback])
    assert runs(tmp_path) == []


def test_xgboost_eval_data_the_model_cannot_take_is_refused_before_writing(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    narrow = tbc_xgb.ConfusionMatrixCallback(tmp_path, eval_set=[(x_val[:, :5], y_val)])
    with pytest.raises(ValueError, match="'validation_0' has 5 features; the model takes 30"):
        xgb.XGBClassifier(n_estimators=2, callbacks=[narrow]).fit(x_train, y_train)
    unlabelled = tbc_xgb.ConfusionMatrixCallback(tmp_path, evals=[(xgb.DMatrix(x_val), "validation")])
    with pytest.raises(ValueError, match="'validation' needs one label per row"):
        xgb.train(dict(objective="binary:logistic"), xgb.DMatrix(x_train, y_train), 2, callbacks=[unlabelled])
    assert runs(tmp_path) == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "exactly one of evals= .* or eval_set="),
    (dict(evals=[], eval_set=[]), "exactly one of evals="),
    (dict(evals=[("x", "validation")]), r"evals\[0\] must be a \(DMatrix, name\) pair; got \('x'"),
    (dict(evals="validation"), "evals must be a non-empty list"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(4))]), "X has 3 rows, y has shape"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], every_n_rounds=0), "every_n_rounds must be a positive .*got 0"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], tag=""), "tag must be a non-empty string; got ''"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], dtype="float64"), "dtype must be one of .*'float64'"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], class_names="ab"), "class_names must be a sequence"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], example_ids=["a"]), "example_ids must be a dict"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], example_ids={"validation": []}),
     r"example_ids names eval sets \['validation'\] .*\['validation_0'\]"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], attributes={"source": ["a", "b", "a"]}),
     r"attributes must be a dict \{eval set name: \{attribute name: \[N\] values\}\}"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], attributes={"validation": {"source": ["a", "b", "a"]}}),
     r"attributes names eval sets \['validation'\] .*\['validation_0'\]"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], class_groups="ab"),
     r"class_groups must be a sequence of group names \(one per class\) or a dict .*got 'ab'"),
    (dict(eval_set=[(np.zeros((3, 2)), np.zeros(3))], class_names=["a", "b", "c"], class_groups=["x", "y"]),
     r"class_groups must have 3 entries \(one group per class\); got 2: \['x', 'y'\]"),
])
def test_xgboost_bad_arguments_raise_value_error_naming_them(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tbc_xgb.ConfusionMatrixCallback(tmp_path, **kwargs)


def test_xgboost_duplicate_names_and_log_dir_are_refused():
    dmatrix = xgb.DMatrix(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"names must be unique .*\['v'\]"):
        tbc_xgb.ConfusionMatrixCallback("logs", evals=[(dmatrix, "v"), (dmatrix, "v")])
    with pytest.raises(ValueError, match="log_dir must be a non-empty path; got None"):
        tbc_xgb.ConfusionMatrixCallback(None, evals=[(dmatrix, "v")])


# LightGBM.

def test_lightgbm_native_multiclass_logs_each_round_as_the_truncated_booster_predicts_it(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    params = dict(objective="multiclass", num_class=10, max_depth=3, num_leaves=7, num_threads=2, verbose=-1)
    booster = lgb.train(params, train_set, ROUNDS, valid_sets=[train_set, valid_set],
                        valid_names=["train", "validation"],
                        callbacks=[tbc_lgb.ConfusionMatrixCallback(tmp_path, class_names=NAMES)])
    assert runs(tmp_path) == ["train", "validation"]
    for run, x, y in (("train", x_train, y_train), ("validation", x_val, y_val)):
        records = logged(tmp_path, run)
        assert sorted(records) == list(range(ROUNDS))
        for step, record in records.items():
            assert record.task == "multiclass" and record.class_names == NAMES
            np.testing.assert_array_equal(record.labels, y)
            assert np.allclose(record.probabilities, booster.predict(x, num_iteration=step + 1), atol=1e-6)
        assert not np.allclose(records[0].probabilities, records[ROUNDS - 1].probabilities)


# LightGBM 4.7's LGBMClassifier label-encodes eval_set's labels, not eval_y's: string classes need eval_set.
@pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")
def test_lightgbm_sklearn_binary_with_string_classes_every_n_rounds(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    words = np.array(["malignant", "benign"])
    y_train_words, y_val_words = words[y_train], words[y_val]
    large = x_val[:, 0] > np.median(x_val[:, 0])  # a bool attribute: slices "large=True" / "large=False"
    callback = tbc_lgb.ConfusionMatrixCallback(tmp_path, class_names=np.unique(y_train_words), every_n_rounds=3,
                                               attributes={"valid_0": {"large": large}})
    model = lgb.LGBMClassifier(n_estimators=5, max_depth=3, num_leaves=7, n_jobs=2, verbose=-1)
    model.fit(x_train, y_train_words, eval_set=[(x_val, y_val_words)], callbacks=[callback])
    assert runs(tmp_path) == ["valid_0"]  # LightGBM's own name for the first eval set

    records = logged(tmp_path, "valid_0")
    assert sorted(records) == [2, 4]
    for step, record in records.items():
        assert record.task == "binary" and record.class_names == list(model.classes_)
        np.testing.assert_array_equal(model.classes_[record.labels], y_val_words)
        assert np.allclose(record.probabilities, model.predict_proba(x_val, num_iteration=step + 1)[:, 1], atol=1e-6)
        np.testing.assert_array_equal(tbc.slices.attribute(record, "large").per_example(), large)


def test_lightgbm_one_vs_all_logs_scaled_sigmoids_and_only_the_named_sets(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    params = dict(objective="ova", num_class=10, max_depth=2, num_leaves=4, num_threads=2, verbose=-1)
    callback = tbc_lgb.ConfusionMatrixCallback(tmp_path, eval_sets=["training"], tag="ova")
    booster = lgb.train(params, train_set, 2, valid_sets=[valid_set], callbacks=[callback])
    assert runs(tmp_path) == ["training"]  # not valid_0: only the named set
    for step, record in logged(tmp_path, "training", tag="ova").items():
        sigmoids = booster.predict(x_train, num_iteration=step + 1)
        assert np.allclose(record.probabilities, sigmoids / sigmoids.sum(axis=1, keepdims=True), atol=1e-6)
        np.testing.assert_array_equal(record.probabilities.argmax(axis=1), sigmoids.argmax(axis=1))
        np.testing.assert_array_equal(record.labels, y_train)


def test_lightgbm_class_groups_group_each_rounds_matrix_as_scikit_learn(tmp_path):
    x_train, y_train, x_val, y_val = DIGITS
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    params = dict(objective="multiclass", num_class=10, max_depth=2, num_leaves=4, num_threads=2, verbose=-1)
    booster = lgb.train(params, train_set, 2, valid_sets=[valid_set],
                        callbacks=[tbc_lgb.ConfusionMatrixCallback(tmp_path, class_groups=SHAPE_OF)])
    records = logged(tmp_path, "valid_0")
    assert sorted(records) == [0, 1]
    for step, record in records.items():
        np.testing.assert_array_equal(record.labels, y_val)
        assert_grouped_by_shape(record, booster.predict(x_val, num_iteration=step + 1).argmax(1))


@pytest.mark.parametrize("params, class_groups, message", [
    (dict(objective="binary"), ["x", "y"],
     "class_groups apply to multiclass predictions (one true and one predicted class per example); got task 'binary'"),
    (dict(objective="multiclass", num_class=2), ["x", "y", "z"],
     "class_groups must have 2 entries (one group per class); got 3: ['x', 'y', 'z']"),
])
def test_lightgbm_class_groups_that_do_not_fit_the_objective_are_refused_before_writing(tmp_path, params,
                                                                                       class_groups, message):
    x_train, y_train, x_val, y_val = CANCER
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    callback = tbc_lgb.ConfusionMatrixCallback(tmp_path, class_groups=class_groups)
    with pytest.raises(ValueError) as error:
        lgb.train({**params, "verbose": -1, "num_threads": 2}, train_set, 2, valid_sets=[valid_set],
                  callbacks=[callback])
    assert message in str(error.value)
    assert runs(tmp_path) == []


def test_lightgbm_public_fallback_reads_the_same_scores():
    x_train, y_train, x_val, y_val = DIGITS
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    seen = []

    def compare(env):
        for index, rows in ((0, len(y_train)), (1, len(y_val))):
            seen.append(np.array_equal(_scores(env.model, index, rows),
                                       _scores_via_eval(env.model, index).reshape(rows, -1).squeeze()))

    params = dict(objective="multiclass", num_class=10, max_depth=2, num_leaves=4, num_threads=2, verbose=-1)
    lgb.train(params, train_set, 2, valid_sets=[valid_set], callbacks=[compare])
    assert seen == [True] * 4


@pytest.mark.parametrize("params, message", [
    (dict(objective="regression"), "objective .*got 'regression'"),
    (dict(), "objective .*got 'regression'"),  # LightGBM's default
    (dict(objective="multiclass", num_class=2), None),  # accepted: the control case
    (dict(objective="binary"), None),
])
def test_lightgbm_objective_without_probabilities_is_refused_by_name(tmp_path, params, message):
    x_train, y_train, x_val, y_val = CANCER
    train_set = lgb.Dataset(x_train, y_train)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    callback = tbc_lgb.ConfusionMatrixCallback(tmp_path)
    train = lambda: lgb.train({**params, "verbose": -1, "num_threads": 2}, train_set, 2,
                              valid_sets=[valid_set], callbacks=[callback])
    if message is None:
        train()
        assert runs(tmp_path) == ["valid_0"]
    else:
        with pytest.raises(ValueError, match=message):
            train()
        assert runs(tmp_path) == []


def test_lightgbm_unknown_eval_set_and_cv_are_refused(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    train_set = lgb.Dataset(x_train, y_train, free_raw_data=False)
    valid_set = lgb.Dataset(x_val, y_val, reference=train_set)
    params = dict(objective="binary", verbose=-1, num_threads=2)
    callback = tbc_lgb.ConfusionMatrixCallback(tmp_path, eval_sets=["validation"])
    with pytest.raises(ValueError, match=r"\['validation'\] that LightGBM does not have; .*\['training', 'valid_0'\]"):
        lgb.train(params, train_set, 2, valid_sets=[valid_set], callbacks=[callback])
    with pytest.raises(ValueError, match="there is no eval set to log"):
        lgb.train(params, train_set, 2, callbacks=[tbc_lgb.ConfusionMatrixCallback(tmp_path)])
    with pytest.raises(ValueError, match="lgb.cv is not supported"):
        lgb.cv(params, train_set, 2, nfold=2, callbacks=[tbc_lgb.ConfusionMatrixCallback(tmp_path)])
    assert runs(tmp_path) == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(eval_sets="valid_0"), "eval_sets must be None or a non-empty list .*'valid_0'"),
    (dict(eval_sets=[""]), r"eval_sets\[0\] must be a non-empty string"),
    (dict(every_n_rounds=-1), "every_n_rounds must be a positive integer; got -1"),
    (dict(every_n_rounds=True), "every_n_rounds must be a positive integer; got True"),
    (dict(log_dir=""), "log_dir must be a non-empty path; got ''"),
    (dict(description=3), "description must be a string or None; got 3"),
    (dict(class_groups="ab"), r"class_groups must be a sequence of group names \(one per class\) or a dict .*got 'ab'"),
    (dict(class_names=["a", "b"], class_groups={"x": ["a"]}), r"class_groups must put every class in a group; 1 in "
     r"none: \['b'\]"),
])
def test_lightgbm_bad_arguments_raise_value_error_naming_them(tmp_path, kwargs, message):
    kwargs = {"log_dir": tmp_path, **kwargs}
    with pytest.raises(ValueError, match=message):
        tbc_lgb.ConfusionMatrixCallback(kwargs.pop("log_dir"), **kwargs)


def test_lightgbm_callback_copies_and_reuses_across_trainings(tmp_path):
    x_train, y_train, x_val, y_val = CANCER
    callback = copy.deepcopy(tbc_lgb.ConfusionMatrixCallback(tmp_path))
    for _ in range(2):  # a second fit into the same runs appends a second file, steps 0.. again
        lgb.LGBMClassifier(n_estimators=2, verbose=-1, n_jobs=2).fit(
            x_train, y_train, eval_X=(x_val,), eval_y=(y_val,), callbacks=[callback])
    assert len(os.listdir(tmp_path / "valid_0")) == 2


def test_importing_tb_confusion_imports_neither_library():
    code = "import sys, tb_confusion; assert not {'xgboost', 'lightgbm'} & set(sys.modules), sys.modules.keys()"
    subprocess.run([sys.executable, "-c", code], check=True)

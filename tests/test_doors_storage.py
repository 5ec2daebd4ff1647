"""Every writer takes storage="auto" | "exact" | "compact" and refuses anything else naming `storage`."""

import numpy as np
import pytest

import tb_confusion as tbc

DOORS = {
    "keras": lambda storage: tbc.keras.ConfusionMatrixCallback("logs", (np.zeros((4, 3)), np.zeros(4, int)),
                                                               storage=storage),
    "lightning": lambda storage: tbc.lightning.ConfusionMatrixCallback(storage=storage),
    "transformers": lambda storage: tbc.transformers.ConfusionMatrixCallback(storage=storage),
    "xgboost": lambda storage: tbc.xgboost.ConfusionMatrixCallback("logs", evals=[], storage=storage),
    "lightgbm": lambda storage: tbc.lightgbm.ConfusionMatrixCallback("logs", storage=storage),
    "predictions_pb": lambda storage: tbc.summary.predictions_pb("p", [0, 1, 2], np.eye(3), storage=storage),
}


@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_bad_storage_is_refused_naming_it(door):
    with pytest.raises(ValueError, match="storage must be one of 'auto', 'exact', 'compact'; got 'small'"):
        DOORS[door]("small")


def test_xgboost_rounds_are_stored_compact_when_asked(tmp_path):
    xgb = pytest.importorskip("xgboost")
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    train, valid = xgb.DMatrix(x[:1200], y[:1200]), xgb.DMatrix(x[1200:], y[1200:])
    callback = tbc.xgboost.ConfusionMatrixCallback(tmp_path, evals=[(valid, "valid")], storage="compact")
    booster = xgb.train({"objective": "multi:softprob", "num_class": 10, "max_depth": 2}, train, num_boost_round=2,
                        evals=[(valid, "valid")], callbacks=[callback], verbose_eval=False)
    records = list(tbc.read(str(tmp_path), run="valid"))
    assert [r.facts is not None for r in records] == [True, True]
    expected = booster.predict(valid).argmax(1)
    assert np.array_equal(records[-1].facts.pred, expected)

"""XGBoost >= 2: `ConfusionMatrixCallback` logs each boosting round's predictions on the eval sets.

    import tb_confusion.xgboost
    xgb.train(params, dtrain, 100, evals=[(dval, "validation")],
              callbacks=[tb_confusion.xgboost.ConfusionMatrixCallback("logs/run1", evals=[(dval, "validation")])])

Importing this module imports XGBoost; `import tb_confusion` does not. See docs/doors/boosting.md; the code
lives in tb_confusion/doors/xgboost.py.
"""

from tb_confusion.doors.xgboost import ConfusionMatrixCallback

__all__ = ["ConfusionMatrixCallback"]

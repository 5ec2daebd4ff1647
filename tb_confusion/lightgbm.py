"""LightGBM >= 4: `ConfusionMatrixCallback` logs each boosting round's probabilities on the validation sets.

    import tb_confusion.lightgbm
    lgb.train(params, train_set, 100, valid_sets=[valid_set],
              callbacks=[tb_confusion.lightgbm.ConfusionMatrixCallback("logs/run1")])

Importing this module imports LightGBM; `import tb_confusion` does not. See docs/doors/boosting.md; the code
lives in tb_confusion/doors/lightgbm.py.
"""

from tb_confusion.doors.lightgbm import ConfusionMatrixCallback

__all__ = ["ConfusionMatrixCallback"]

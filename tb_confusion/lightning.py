"""PyTorch Lightning 2.x: `ConfusionMatrixCallback` logs each validation epoch's predictions.

    import tb_confusion.lightning
    trainer = L.Trainer(logger=TensorBoardLogger("logs"),
                        callbacks=[tb_confusion.lightning.ConfusionMatrixCallback()])

Importing this module imports Lightning (`lightning.pytorch`, and `pytorch_lightning` when installed);
`import tb_confusion` does not. See docs/doors/lightning.md; the code lives in tb_confusion/doors/lightning.py.
"""

from tb_confusion.doors.lightning import ConfusionMatrixCallback, merge_ranks

__all__ = ["ConfusionMatrixCallback", "merge_ranks"]

"""Hugging Face `transformers.Trainer`: log every evaluation's predictions with one callback.

    trainer = Trainer(model, args, train_dataset=train, eval_dataset=val, compute_metrics=my_metrics)
    tbc.transformers.ConfusionMatrixCallback().attach(trainer)
    trainer.train()

Importing this module imports transformers; `import tb_confusion` does not. See docs/doors/transformers.md.
"""

from tb_confusion.doors.transformers import ConfusionMatrixCallback

__all__ = ["ConfusionMatrixCallback"]

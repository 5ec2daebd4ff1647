"""Keras 3 (TensorFlow backend): log each epoch's predictions on a dataset with one callback.

    model.fit(x, y, validation_data=val_ds, epochs=30,
              callbacks=[tbc.keras.ConfusionMatrixCallback("logs/run1", data=val_ds)])

Labels and probabilities come from the same batches in one pass over `data`, so a shuffling
dataset stays aligned. See docs/keras.md. Modules: callback (the Keras hooks), sources (arrays,
tf.data, PyDataset, generators), graph (the traced pass), batches (plumbing), checks (arguments).
"""

from tb_confusion.keras.callback import ConfusionMatrixCallback

__all__ = ["ConfusionMatrixCallback"]

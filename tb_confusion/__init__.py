"""tb_confusion: log each epoch's predictions; judge the classifier at any threshold in TensorBoard.

    import tb_confusion as tbc
    tbc.summary.predictions_pb(...)        # no TensorFlow needed
    tbc.summary.predictions(...)           # tf.summary style
    tbc.keras.ConfusionMatrixCallback(...) # Keras (imported on first use)
    tbc.lightning / tbc.transformers / tbc.xgboost / tbc.lightgbm .ConfusionMatrixCallback(...)  # likewise
    tbc.read("logs")                       # Records back, same decoder as the plugin
    tbc.Accumulator("pixels", ...)         # per-pixel targets summed batch by batch (segmentation)
    tbc.slices.table(record, "source")     # numbers per value of an attribute logged with attributes=...
"""

import importlib

__version__ = "0.1.0"

from tb_confusion import summary  # noqa: E402  (no TensorFlow import at module load)
from tb_confusion.storage.payload import Record  # noqa: E402
from tb_confusion.reading.offline import read  # noqa: E402
from tb_confusion.counts.accumulator import Accumulator  # noqa: E402

__all__ = ["summary", "read", "Record", "Accumulator", "slices", "keras", "lightning", "transformers", "xgboost",
           "lightgbm", "__version__"]

_DOORS = ("keras", "lightning", "transformers", "xgboost", "lightgbm")
_LAZY = _DOORS + ("slices",)  # slices loads the metrics and the report only when used


def __getattr__(name):
    # `tbc.keras` (and each framework door) imports its framework only when it is used.
    if name in _LAZY:
        module = importlib.import_module(f"tb_confusion.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tb_confusion' has no attribute {name!r}")

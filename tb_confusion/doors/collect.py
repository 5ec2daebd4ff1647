"""One evaluation pass gathered batch by batch, then written as one step (shared by every framework door)."""

import os

import numpy as np

from tb_confusion import summary
from tb_confusion.errors import BadArgument
from tb_confusion.storage.events import EventWriter


def as_numpy(value, name):
    """A dense numpy array from numpy, lists, torch tensors (any device/dtype) or TensorFlow tensors."""
    if value is None:
        return None
    if hasattr(value, "detach"):  # torch: leave the graph and the device; bfloat16/half have no numpy dtype
        value = value.detach().cpu()
        if value.is_floating_point():
            value = value.float()
        return value.numpy()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # TensorFlow eager tensors
        return np.asarray(value.numpy())
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:
        raise BadArgument(f"{name} must be array-like; got {type(value).__name__}: {error}") from None


class Collector:
    """Labels, scores, example ids and weights of one pass, added batch by batch from the same batches.

        collector = Collector()
        for batch in loader:
            collector.add(labels, probabilities, example_ids=ids)
        collector.write(writer, "predictions", step=epoch, task="multiclass")

    Ids, weights and attributes ({name: batch values}, see `summary.predictions_pb`) are all-or-nothing over a
    pass: a pass that has them (or an attribute) for some batches only is an error.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget everything added (call at the start of each pass)."""
        self._parts = {"labels": [], "probabilities": [], "example_ids": [], "sample_weight": [], "attributes": []}

    def __len__(self):
        return sum(len(part) for part in self._parts["labels"])

    def add(self, labels, probabilities, *, example_ids=None, sample_weight=None, attributes=None):
        """Add one batch; the arrays' first dimension is the batch. `attributes`: {name: the batch's values}."""
        if attributes is not None and not isinstance(attributes, dict):
            raise BadArgument(f"attributes must be a dict {{name: the batch's values}}; got {type(attributes).__name__}")
        batch = {"labels": as_numpy(labels, "labels"), "probabilities": as_numpy(probabilities, "probabilities"),
                 "example_ids": as_numpy(example_ids, "example_ids"),
                 "sample_weight": as_numpy(sample_weight, "sample_weight"),
                 "attributes": None if attributes is None else {
                     name: as_numpy(values, f"attributes[{name!r}]").reshape(-1) for name, values in attributes.items()}}
        for key in ("labels", "probabilities"):
            if batch[key].ndim == 0:
                raise BadArgument(f"{key} of a batch must have a batch dimension; got a scalar {batch[key]!r}")
        for key in ("example_ids", "sample_weight"):
            if batch[key] is not None:
                batch[key] = batch[key].reshape(-1)
        for key, value in batch.items():
            self._parts[key].append(value)

    def arrays(self):
        """{"labels", "probabilities", "example_ids", "sample_weight", "attributes"} of the pass, concatenated."""
        if not self._parts["labels"]:
            raise BadArgument("no batches were collected for this step (the evaluation pass was empty)")
        out = {key: np.concatenate(self._parts[key]) for key in ("labels", "probabilities")}
        for key in ("example_ids", "sample_weight"):
            present = [part is not None for part in self._parts[key]]
            if any(present) and not all(present):
                raise BadArgument(f"{key} were given for {sum(present)} of {len(present)} batches; "
                                  "give them for every batch or none")
            out[key] = np.concatenate(self._parts[key]) if all(present) else None
        out["attributes"] = self._attributes()
        return out

    def _attributes(self):
        parts = self._parts["attributes"]
        names = {name for part in parts if part for name in part}
        if not names:
            return None
        for name in sorted(names):
            present = sum(part is not None and name in part for part in parts)
            if present != len(parts):
                raise BadArgument(f"attributes[{name!r}] were given for {present} of {len(parts)} batches; "
                                  "give each attribute for every batch or none")
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}

    def summary_pb(self, name, **options):
        """The pass as a `Summary` (like `summary.predictions_pb`); options as there (task, class_names,
        class_groups, ...)."""
        arrays = self.arrays()
        return summary.predictions_pb(name, arrays["labels"], arrays["probabilities"],
                                      example_ids=arrays["example_ids"], sample_weight=arrays["sample_weight"],
                                      attributes=arrays["attributes"], **options)

    def write(self, writer, name, step, **options):
        """Validate, encode and write the pass as one step with `writer` (an `EventWriter` or anything with
        `add_summary(summary, step)`). Bad data raises ValueError before anything is written."""
        writer.add_summary(self.summary_pb(name, **options), step)


class LazyWriter:
    """An `EventWriter` for one directory, opened at the first write (so a bad first step leaves no file)."""

    def __init__(self, log_dir):
        if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir):
            raise BadArgument(f"log_dir must be a directory path; got {log_dir!r}")
        self.log_dir = os.fspath(log_dir)
        self._writer = None

    def add_summary(self, summary_pb, step):
        if self._writer is None:
            self._writer = EventWriter(self.log_dir, filename_suffix=".tb_confusion")
        self._writer.add_summary(summary_pb, step)

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


__all__ = ["Collector", "LazyWriter", "as_numpy"]

"""Keras 3 (TensorFlow backend): log each epoch's predictions on a dataset with one callback.

    model.fit(x, y, validation_data=val_ds, epochs=30,
              callbacks=[tbc.keras.ConfusionMatrixCallback("logs/run1", data=val_ds)])

Labels and probabilities come from the same batches in one pass over `data`, so a shuffling
dataset stays aligned. Per-pixel targets (segmentation masks) are summed batch by batch instead
(keras.per_pixel), merged across the workers of a tf.distribute strategy. See docs/keras.md.
"""

import itertools
import os

import numpy as np
import tensorflow as tf
import keras

from tb_confusion import summary
from tb_confusion.counts.tf_distributed import is_chief as _is_chief
from tb_confusion.errors import BadArgument
from tb_confusion.keras import per_pixel
from tb_confusion.keras.batches import as_numpy, concat_optional, pick, unpack
from tb_confusion.keras.checks import (check_choice, check_class_names, check_path,
                                       check_positive_int, check_text)
from tb_confusion.keras.graph import EMPTY, graph_loop
from tb_confusion.keras.sources import as_source, class_names_of
from tb_confusion.storage import id_tables, kinds
from tb_confusion.storage.class_groups import NO_PIXEL_GROUPS, check_early as check_class_groups
from tb_confusion.storage.metadata import DTYPES, TASKS
from tb_confusion.storage.validation import check_flag

__all__ = ["ConfusionMatrixCallback"]

_NO_PIXEL_ATTRIBUTES = ("attributes apply to per-example predictions; a per-pixel (segmentation) step keeps sums "
                        "over all pixels, which cannot be split by attribute (docs/slices.md)")


class ConfusionMatrixCallback(keras.callbacks.Callback):
    """Writes the model's predictions on `data` to `<log_dir>/<name>` at `step=epoch`.

    Args:
      log_dir: the same directory you give `keras.callbacks.TensorBoard`.
      data: (x, y) or (x, y, sample_weight) arrays; a `tf.data.Dataset` of such tuples; a
        `keras.utils.PyDataset` (e.g. a `flow_from_directory` iterator); or a generator/iterator of
        such batches with `steps=` (or a `len()`).
      name: the run, i.e. the subdirectory of `log_dir` ("validation", "train", "test", ...).
      tag: the tag within the run.
      class_names: one name per class; by default taken from `data.class_indices` or
        `data.class_names` when present, else "0", "1", ...
      task, from_logits, dtype: as in `tb_confusion.summary.predictions`; task="segmentation" (also chosen
        when labels have spatial dims, e.g. masks [N, H, W] or [N, H, W, 1] with outputs [N, H, W, C])
        sums each batch into a tb_confusion.Accumulator instead (dtype does not apply).
      ignore_index: segmentation only: a label value whose pixels are not counted (e.g. 255).
      storage: "auto" (default), "exact" or "compact", as in `tb_confusion.summary.predictions_pb`.
      example_ids: for arrays, a sequence of N ids (strings or ints); for any kind of data, the name
        of a feature of a dict `x` holding the ids (it is removed before the model is called).
      attributes: per-example categories to slice the report by (docs/slices.md): for any kind of data, the
        name of a feature of a dict `x`, or a sequence of them (each removed before the model is called; the
        attribute takes the feature's name; string features are decoded as UTF-8); for arrays also a dict
        {name: N values (str, int or bool)}. Not for per-pixel targets.
      class_groups: multiclass only: the super-class of each class, a list of one group name per class or a
        dict {group: [class names]}, as in `tb_confusion.summary.predictions_pb` (docs/groups.md).
      every_n_epochs: write every n-th epoch (epochs n-1, 2n-1, ...) and always the last one.
      steps: batches per epoch for a generator/iterator (default: `len(data)`); for other kinds,
        a cap on the batches read.
      batch_size: batch size for array data.
      output: for a model with several outputs, the index or key of the one to log (also
        applied to `y` when it has the same structure).
      description: optional markdown shown with the tag.
    """

    def __init__(self, log_dir, data, *, name="validation", tag="predictions", class_names=None,
                 task=None, every_n_epochs=1, from_logits=False, dtype="float32", example_ids=None,
                 steps=None, batch_size=32, output=None, description=None, ignore_index=None, storage="auto",
                 attributes=None, class_groups=None):
        super().__init__()
        self.log_dir = check_path(log_dir)
        self.name = check_text(name, "name")
        self.tag = check_text(tag, "tag")
        self.every_n_epochs = check_positive_int(every_n_epochs, "every_n_epochs")
        self.steps = None if steps is None else check_positive_int(steps, "steps")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.task = check_choice(task, TASKS, "task", allow_none=True)
        self.dtype = check_choice(dtype, DTYPES, "dtype")
        self.storage = kinds.check(storage)
        self.from_logits = check_flag(from_logits, "from_logits")
        self.output = output
        self.description = description
        self._source = as_source(data, steps=self.steps, batch_size=self.batch_size)
        self.example_ids = self._source.check_example_ids(example_ids)
        self.attributes = self._source.check_attributes(attributes)
        if self.attributes is not None and (self.task == "segmentation" or ignore_index is not None):
            raise BadArgument(_NO_PIXEL_ATTRIBUTES)
        self.class_names = check_class_names(class_names) or class_names_of(data)
        self.class_groups = check_class_groups(class_groups, self.class_names, self.task)
        if self.class_groups is not None and ignore_index is not None:
            raise BadArgument(NO_PIXEL_GROUPS)
        if ignore_index is not None and self.task not in (None, "segmentation"):
            raise BadArgument("ignore_index applies to per-pixel targets (task='segmentation'); "
                              f"got task={self.task!r}")
        self.ignore_index = ignore_index
        if self.task == "segmentation" or ignore_index is not None:
            self._new_accumulator()  # checks ignore_index and class_names now, not after the first epoch
        self.run_dir = os.path.join(self.log_dir, self.name)
        self._writer = None
        self._predict = self._graph = self._replica_step = None

    # Keras hooks: short, delegating to the helpers below.

    def set_model(self, model):
        super().set_model(model)
        self._predict = self._graph = self._replica_step = None  # a new model needs new traced functions

    def on_epoch_end(self, epoch, logs=None):
        if not self._due(epoch):
            return
        strategy = self._strategy()
        if self._per_pixel_dataset():  # every worker reads its shard and joins the merge
            accumulator = self.accumulate()
            if _is_chief(strategy):
                self._write_accumulated(accumulator, epoch)
        elif _is_chief(strategy):
            self._write(epoch)

    def on_train_end(self, logs=None):
        self._close()

    # Helpers.

    def _due(self, epoch):
        last = (self.params or {}).get("epochs")
        return ((epoch + 1) % self.every_n_epochs == 0 or epoch + 1 == last
                or bool(getattr(self.model, "stop_training", False)))

    def _write(self, epoch):
        batches, pixels = self._python_batches()
        if pixels:  # per-pixel targets from a PyDataset or generator: summed on this process
            accumulator = per_pixel.accumulate_batches(self._new_accumulator(), batches,
                                                       self._predict_function(), self.output)
            return self._write_accumulated(accumulator, epoch)
        labels, probabilities, weights, ids, attributes = self.collect(batches)
        options = dict(task=self.task, class_names=self.class_names, example_ids=ids, attributes=attributes,
                       class_groups=self.class_groups,
                       sample_weight=weights, from_logits=self.from_logits, dtype=self.dtype, storage=self.storage)
        pb = summary.predictions_pb(self.tag, labels, probabilities, description=self.description, **options)
        if self._writer is None:  # bad data raised above, before any file exists
            self._writer = tf.summary.create_file_writer(self.run_dir)
            self._id_tables = set()
        # ids already written for this tag go out as a reference to their table (storage/id_tables.py)
        pb = id_tables.strip_repeated(pb, self._id_tables)
        with self._writer.as_default():
            tf.summary.experimental.write_raw_pb(pb.SerializeToString(), step=epoch)
        self._writer.flush()  # visible in TensorBoard now, not after flush_millis

    def _write_accumulated(self, accumulator, epoch):
        if not accumulator.num_examples:
            raise ValueError(f"data yielded no batches for the {self.name!r} predictions")
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.run_dir)
        with self._writer.as_default():
            summary.accumulated(accumulator, step=epoch)
        self._writer.flush()

    def _python_batches(self):
        """(this pass's batches, whether y is per pixel) for Python sources, judged by the first batch;
        (None, False) for Datasets and arrays."""
        if self._source.as_dataset() is not None:
            return None, False
        batches = self._source.batches(self.example_ids, self._attribute_keys())
        first = next(batches, None)
        if first is None:
            raise ValueError(f"data yielded no batches for the {self.name!r} predictions")
        pixels = self.task == "segmentation" or self.task is None and per_pixel.spatial_labels(
            as_numpy(pick(first[1], self.output, "y")))
        if pixels and self.attributes is not None:
            raise BadArgument(_NO_PIXEL_ATTRIBUTES)
        if pixels and self.class_groups is not None:
            raise BadArgument(NO_PIXEL_GROUPS)
        return itertools.chain([first], batches), pixels

    def _attribute_keys(self):
        """The dict-x features holding attributes (none when arrays hold them in `attributes`)."""
        return self.attributes if isinstance(self.attributes, tuple) else ()

    def _new_accumulator(self):
        return per_pixel.new_accumulator(self.tag, class_names=self.class_names,
                                         ignore_index=self.ignore_index, from_logits=self.from_logits,
                                         description=self.description)

    def _per_pixel_dataset(self):
        """True when the data is a Dataset (or arrays) of per-pixel targets: a pass under the strategy."""
        dataset = self._source.as_dataset()
        if dataset is None or self.task not in (None, "segmentation"):
            return False
        _, y, _ = unpack(dataset.element_spec)
        if self.task is None and not per_pixel.spatial_labels(pick(y, self.output, "y")):
            return False
        if self.example_ids is not None and not isinstance(self.example_ids, str):
            raise BadArgument("example_ids must name a feature of a dict x for per-pixel targets (the ids "
                              "travel with their batch to each replica); got a sequence of ids")
        if self.attributes is not None:
            raise BadArgument(_NO_PIXEL_ATTRIBUTES)
        if self.class_groups is not None:
            raise BadArgument(NO_PIXEL_GROUPS)
        return True

    def accumulate(self):
        """The accumulated step of one pass over a Dataset (arrays) of per-pixel targets: each replica's
        batches summed on its worker, merged across workers (every worker gets the step)."""
        strategy = self._strategy()
        if self._replica_step is None:
            id_key = self.example_ids if isinstance(self.example_ids, str) else None
            step = per_pixel.replica_step(self.model, self.output, id_key)
            self._replica_step = tf.function(lambda element: strategy.run(step, args=(element,)),
                                             reduce_retracing=True)
        accumulator = self._new_accumulator()
        per_pixel.accumulate_dataset(accumulator, self._source.as_dataset(), strategy, self._replica_step)
        return accumulator

    def collect(self, batches=None):
        """(labels, probabilities, sample_weight or None, example ids or None, attributes {name: values} or
        None) for one pass over data (`batches`: the pass's Python batches when already started)."""
        dataset = self._source.as_dataset()
        keys = self._attribute_keys()
        if dataset is not None:
            labels, probabilities, weights, ids, *features = self._graph_pass(dataset)
            found = dict(zip(keys, features)) if keys else None
            return (labels, probabilities, weights, self._source.fixed_ids(self.example_ids, ids),
                    self._attributes_of(self._source.fixed_attributes(self.attributes, found)))
        predict = self._predict_function()
        labels, probabilities, weights, ids, features = [], [], [], [], {key: [] for key in keys}
        for x, y, w, batch_ids, batch_features in batches or self._source.batches(self.example_ids, keys):
            probabilities.append(as_numpy(pick(predict(x), self.output, "model output")))
            labels.append(as_numpy(pick(y, self.output, "y")))
            weights.append(None if w is None else as_numpy(w).reshape(-1))
            ids.append(batch_ids)
            for key in keys:
                features[key].append(batch_features[key])
        if not labels:
            raise ValueError(f"data yielded no batches for the {self.name!r} predictions")
        found = {key: np.concatenate(parts) for key, parts in features.items()} if keys else None
        return (np.concatenate(labels), np.concatenate(probabilities),
                concat_optional(weights, "sample_weight"), concat_optional(ids, "example_ids"),
                self._attributes_of(self._source.fixed_attributes(self.attributes, found)))

    @staticmethod
    def _attributes_of(found):
        """{name: values} for the writer: string features (bytes from TensorFlow) decoded as UTF-8."""
        if found is None:
            return None
        out = {}
        for name, values in found.items():
            array = np.asarray(values) if not isinstance(values, (list, tuple)) else None
            if array is not None and array.dtype.kind in "SO" and array.size and isinstance(array.flat[0], bytes):
                try:
                    values = np.array([value.decode("utf-8") for value in array.tolist()], dtype=str)
                except (UnicodeDecodeError, AttributeError):
                    raise BadArgument(f"attributes[{name!r}] must be UTF-8 text, integers or booleans; got "
                                      f"{array.flat[0]!r}...") from None
            out[name] = values
        return out

    def _predict_function(self):
        # Traced once per model: ~4x cheaper per batch than an eager model(x) call.
        if self._predict is None:
            model = self.model
            self._predict = tf.function(lambda x: model.predict_step((x,)), reduce_retracing=True)
        return self._predict

    def _graph_pass(self, dataset):
        # The whole pass in one traced call (like Keras' steps_per_execution): a Python loop
        # over a tf.data batch costs about as much as predicting it.
        if self._graph is None:
            self._graph = tf.function(graph_loop(self.model, dataset.element_spec, self.output,
                                                  self.example_ids if isinstance(self.example_ids, str) else None,
                                                  self._attribute_keys()))
        try:
            outputs = self._graph(iter(dataset))  # an iterator: looping a dataset in-graph is ~6x slower
        except tf.errors.InvalidArgumentError as error:
            if EMPTY in error.message:
                raise ValueError(f"data yielded no batches for the {self.name!r} predictions") from None
            raise
        return [None if o is None else as_numpy(o) for o in outputs]

    def _strategy(self):
        return getattr(self.model, "distribute_strategy", None) or tf.distribute.get_strategy()

    def _close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

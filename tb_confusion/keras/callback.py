"""Keras 3 (TensorFlow backend): log each epoch's predictions on a dataset with one callback.

    model.fit(x, y, validation_data=val_ds, epochs=30,
              callbacks=[tbc.keras.ConfusionMatrixCallback("logs/run1", data=val_ds)])

Labels and probabilities come from the same batches in one pass over `data`, so a shuffling
dataset stays aligned. See docs/keras.md.
"""

import numbers
import os

import numpy as np
import tensorflow as tf
import keras

from tb_confusion import summary
from tb_confusion.storage.metadata import DTYPES, TASKS
from tb_confusion.storage.validation import brief as _brief, prepare

__all__ = ["ConfusionMatrixCallback"]


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
      task, from_logits, dtype: as in `tb_confusion.summary.predictions`.
      example_ids: for arrays, a sequence of N ids (strings or ints); for any kind of data, the name
        of a feature of a dict `x` holding the ids (it is removed before the model is called).
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
                 steps=None, batch_size=32, output=None, description=None):
        super().__init__()
        self.log_dir = _check_path(log_dir)
        self.name = _check_text(name, "name")
        self.tag = _check_text(tag, "tag")
        self.every_n_epochs = _check_positive_int(every_n_epochs, "every_n_epochs")
        self.steps = None if steps is None else _check_positive_int(steps, "steps")
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        self.task = _check_choice(task, TASKS, "task", allow_none=True)
        self.dtype = _check_choice(dtype, DTYPES, "dtype")
        if not isinstance(from_logits, (bool, np.bool_)):
            raise ValueError(f"from_logits must be True or False; got {from_logits!r}")
        self.from_logits = bool(from_logits)
        self.output = output
        self.description = description
        self._source = _as_source(data, steps=self.steps, batch_size=self.batch_size)
        self.example_ids = self._source.check_example_ids(example_ids)
        self.class_names = _check_class_names(class_names) or _class_names_of(data)
        self.run_dir = os.path.join(self.log_dir, self.name)
        self._writer = None
        self._predict = self._graph = None

    # Keras hooks: short, delegating to the helpers below.

    def set_model(self, model):
        super().set_model(model)
        self._predict = self._graph = None  # a new model needs new traced functions

    def on_epoch_end(self, epoch, logs=None):
        if self._due(epoch) and _is_chief(self._strategy()):
            self._write(epoch)

    def on_train_end(self, logs=None):
        self._close()

    # Helpers.

    def _due(self, epoch):
        last = (self.params or {}).get("epochs")
        return ((epoch + 1) % self.every_n_epochs == 0 or epoch + 1 == last
                or bool(getattr(self.model, "stop_training", False)))

    def _write(self, epoch):
        labels, probabilities, weights, ids = self.collect()
        options = dict(task=self.task, class_names=self.class_names, example_ids=ids,
                       sample_weight=weights, from_logits=self.from_logits, dtype=self.dtype)
        if self._writer is None:
            prepare(labels, probabilities, **options)  # bad data raises before any file exists
            self._writer = tf.summary.create_file_writer(self.run_dir)
        with self._writer.as_default():
            summary.predictions(self.tag, labels, probabilities, step=epoch,
                                description=self.description, **options)
        self._writer.flush()  # visible in TensorBoard now, not after flush_millis

    def collect(self):
        """(labels, probabilities, sample_weight or None, example ids or None) for one pass over data."""
        dataset = self._source.as_dataset()
        if dataset is not None:
            labels, probabilities, weights, ids = self._graph_pass(dataset)
            return labels, probabilities, weights, self._source.fixed_ids(self.example_ids, ids)
        predict = self._predict_function()
        labels, probabilities, weights, ids = [], [], [], []
        for x, y, w, batch_ids in self._source.batches(self.example_ids):
            probabilities.append(_numpy(_pick(predict(x), self.output, "model output")))
            labels.append(_numpy(_pick(y, self.output, "y")))
            weights.append(None if w is None else _numpy(w).reshape(-1))
            ids.append(batch_ids)
        if not labels:
            raise ValueError(f"data yielded no batches for the {self.name!r} predictions")
        return (np.concatenate(labels), np.concatenate(probabilities),
                _concat_optional(weights, "sample_weight"), _concat_optional(ids, "example_ids"))

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
            self._graph = tf.function(_graph_loop(self.model, dataset.element_spec, self.output,
                                                  self.example_ids if isinstance(self.example_ids, str) else None))
        try:
            outputs = self._graph(iter(dataset))  # an iterator: looping a dataset in-graph is ~6x slower
        except tf.errors.InvalidArgumentError as error:
            if _EMPTY in error.message:
                raise ValueError(f"data yielded no batches for the {self.name!r} predictions") from None
            raise
        labels, probabilities, weights, ids = (None if o is None else _numpy(o) for o in outputs)
        return labels, probabilities, weights, ids

    def _strategy(self):
        return getattr(self.model, "distribute_strategy", None) or tf.distribute.get_strategy()

    def _close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


_EMPTY = "tb_confusion: data yielded no batches"


def _graph_loop(model, spec, output, id_key):
    """A function of a dataset iterator: (labels, probabilities, weights or None, ids or None)."""
    x_spec, y_spec, w_spec = _unpack(spec)
    _, id_spec = _pop_ids(x_spec, id_key, tensors=False)
    y_spec = _pick(y_spec, output, "y")
    dtypes = [y_spec.dtype, tf.float32, None if w_spec is None else w_spec.dtype,
              None if id_spec is None else id_spec.dtype]

    present = [i for i, dtype in enumerate(dtypes) if dtype is not None]  # loop state cannot hold None

    def loop(iterator):
        arrays = tuple(tf.TensorArray(dtypes[i], size=0, dynamic_size=True, infer_shape=False) for i in present)
        count = tf.constant(0)
        for element in iterator:
            x, y, w = _unpack(element)
            x, ids = _pop_ids(x, id_key, tensors=False)
            probabilities = tf.cast(_pick(model.predict_step((x,)), output, "model output"), tf.float32)
            values = [_pick(y, output, "y"), probabilities,
                      None if w is None else tf.reshape(w, [-1]), None if ids is None else tf.reshape(ids, [-1])]
            arrays = tuple(a.write(count, values[i]) for a, i in zip(arrays, present))
            count += 1
        tf.debugging.assert_positive(count, message=_EMPTY)
        concatenated = dict(zip(present, (a.concat() for a in arrays)))
        return [concatenated.get(i) for i in range(len(dtypes))]

    return loop


# Data sources: arrays and tf.data give a Dataset for one traced pass; the others yield
# (x, y, sample_weight or None, ids or None) batches for a Python loop.

class _Source:
    def as_dataset(self):
        """A tf.data.Dataset to run in one traced pass, or None to loop in Python."""
        return None

    def fixed_ids(self, example_ids, ids_from_data):
        return ids_from_data

    def check_example_ids(self, example_ids):
        if example_ids is None or isinstance(example_ids, str):
            return example_ids
        raise ValueError(
            f"example_ids must be the name of a feature of a dict x for {self.kind} data (ids "
            f"in a separate sequence cannot follow a shuffling source); got {_brief(example_ids)}"
        )

    def batches(self, id_key):
        for element in self.elements():
            x, y, w = _unpack(element)
            x, ids = _pop_ids(x, id_key)
            yield x, y, w, ids


class _ArraySource(_Source):
    kind = "array"

    def __init__(self, x, y, w, batch_size, steps):
        self.x, self.y, self.w = x, y, w
        self.n = _rows(y, "y")
        for value, what in ((x, "x"), (w, "sample_weight")):
            if value is not None and _rows(value, what) != self.n:
                raise ValueError(f"data {what} must have {self.n} rows like y; got {_rows(value, what)}")
        self.batch_size, self.steps = batch_size, steps
        self._dataset = None

    def check_example_ids(self, example_ids):
        if example_ids is None or isinstance(example_ids, str):
            return example_ids
        if len(example_ids) != self.n:
            raise ValueError(f"example_ids must have {self.n} entries (one per row of data); got {len(example_ids)}")
        return list(example_ids)

    def as_dataset(self):
        if self._dataset is None:
            stop = self.n if self.steps is None else min(self.n, self.steps * self.batch_size)
            columns = tuple(_slice(v, slice(0, stop)) for v in (self.x, self.y, self.w) if v is not None)
            self._dataset = tf.data.Dataset.from_tensor_slices(_tuples(columns)).batch(self.batch_size)
            self._rows = stop
        return self._dataset

    def fixed_ids(self, example_ids, ids_from_data):
        if example_ids is None or isinstance(example_ids, str):
            return ids_from_data
        return example_ids[:self._rows]


class _DatasetSource(_Source):
    kind = "tf.data.Dataset"

    def __init__(self, dataset, steps):
        self.dataset = dataset if steps is None else dataset.take(steps)

    def as_dataset(self):
        return self.dataset  # each pass starts a new iterator: reshuffles like Keras' own epochs


class _PyDatasetSource(_Source):
    kind = "PyDataset"

    def __init__(self, data, steps):
        count = data.num_batches
        if count is None and steps is None:
            raise ValueError("data is an infinite PyDataset (num_batches is None): pass steps=")
        self.data, self.count = data, count if steps is None else min(steps, count or steps)

    def elements(self):
        return (self.data[i] for i in range(self.count))


class _IteratorSource(_Source):
    kind = "generator"

    def __init__(self, data, steps):
        self.data = data
        self.one_shot = iter(data) is data
        if steps is None and hasattr(data, "__len__"):
            steps = len(data)
        if steps is None and self.one_shot:
            raise ValueError(
                f"data is a generator/iterator without len(): pass steps= (batches per epoch); got {_brief(data)}"
            )
        self.steps = steps

    def elements(self):
        iterator = self.data if self.one_shot else iter(self.data)
        for i, element in enumerate(iterator):
            yield element
            if self.steps is not None and i + 1 >= self.steps:
                return


def _as_source(data, *, steps, batch_size):
    if isinstance(data, tf.data.Dataset):
        return _DatasetSource(data, steps)
    if isinstance(data, keras.utils.PyDataset):
        return _PyDatasetSource(data, steps)
    if isinstance(data, (tuple, list)) and len(data) in (2, 3) and not _is_batch_stream(data[0]):
        x, y, w = (tuple(data) + (None,))[:3]
        return _ArraySource(x, y, w, batch_size, steps)
    if hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict, tuple, list, np.ndarray)):
        return _IteratorSource(data, steps)
    raise ValueError(
        "data must be (x, y) or (x, y, sample_weight) arrays, a tf.data.Dataset, a keras.utils.PyDataset "
        f"or a generator of (x, y[, sample_weight]) batches; got {_brief(data)}"
    )


def _is_batch_stream(value):
    return isinstance(value, (tf.data.Dataset, keras.utils.PyDataset)) or (
        hasattr(value, "__next__") and not hasattr(value, "shape"))


def _class_names_of(data):
    indices = getattr(data, "class_indices", None)
    if isinstance(indices, dict) and indices:
        return [str(name) for name, _ in sorted(indices.items(), key=lambda item: item[1])]
    names = getattr(data, "class_names", None)
    if isinstance(names, (list, tuple)) and names:
        return [str(name) for name in names]
    return None


# Batch plumbing.

def _unpack(element):
    if isinstance(element, list):
        element = tuple(element)
    if not isinstance(element, tuple) or len(element) not in (2, 3):
        raise ValueError(
            f"each batch of data must be a tuple (x, y) or (x, y, sample_weight); got {_brief(element)}"
        )
    x, y, w = (element + (None,))[:3]
    if y is None:
        raise ValueError("each batch of data must hold labels y; got y=None")
    return x, y, w


def _pop_ids(x, key, tensors=True):
    if key is None:
        return x, None
    if not isinstance(x, dict) or key not in x:
        keys = sorted(x) if isinstance(x, dict) else None
        raise ValueError(
            f"example_ids={key!r} names a feature of a dict x, but the batch x "
            + (f"has keys {keys}" if keys is not None else f"is not a dict ({type(x).__name__})")
        )
    x = dict(x)
    ids = x.pop(key)
    ids = _numpy(ids).reshape(-1) if tensors else ids
    if len(x) == 1:  # a single remaining feature is passed as is (Sequential models want a tensor)
        (x,) = x.values()
    return x, ids


def _pick(value, output, what):
    if output is None:
        if isinstance(value, (dict, list, tuple)) and len(value) == 1:
            return next(iter(value.values())) if isinstance(value, dict) else value[0]
        if isinstance(value, (dict, list, tuple)):
            raise ValueError(f"{what} has several outputs; pass output= (an index or key) to choose one")
        return value
    if isinstance(value, (dict, list, tuple)):
        try:
            return value[output]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"output={output!r} is not an output of the {what}") from None
    return value


def _numpy(value):
    if isinstance(value, (tf.SparseTensor, tf.RaggedTensor)):
        raise ValueError(f"labels, predictions and weights must be dense; got a {type(value).__name__}")
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _concat_optional(parts, what):
    present = [p is not None for p in parts]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f"some batches of data have {what} and some do not")
    return np.concatenate(parts)


def _tuples(value):
    # from_tensor_slices would stack a list of inputs into one tensor; a tuple keeps them apart.
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


def _slice(value, cut):
    if isinstance(value, dict):
        return {k: _slice(v, cut) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_slice(v, cut) for v in value)
    return value[cut]


def _rows(value, what):
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    elif isinstance(value, (list, tuple)) and value and hasattr(value[0], "shape"):
        value = value[0]
    try:
        return len(value)
    except TypeError:
        raise ValueError(f"data {what} must be array-like; got {_brief(value)}") from None


# Multi-worker: only the chief writes (the other workers skip the pass entirely).

def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return True
    cluster = resolver.cluster_spec().as_dict()
    task_type, task_id = resolver.task_type, resolver.task_id
    if not cluster or task_type in (None, "chief"):
        return True
    return task_type == "worker" and task_id == 0 and "chief" not in cluster


# Constructor checks: errors name the argument and the value.

def _check_path(log_dir):
    if isinstance(log_dir, os.PathLike):
        log_dir = os.fspath(log_dir)
    if not isinstance(log_dir, str) or not log_dir:
        raise ValueError(f"log_dir must be a non-empty path; got {log_dir!r}")
    return log_dir


def _check_text(value, what):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string; got {value!r}")
    return value


def _check_positive_int(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be a positive integer; got {value!r}")
    return int(value)


def _check_choice(value, choices, what, allow_none=False):
    if value is None and allow_none:
        return None
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}{' or None' if allow_none else ''}; got {value!r}")
    return value


def _check_class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__"):
        raise ValueError(f"class_names must be a sequence of strings; got {class_names!r}")
    return list(class_names)

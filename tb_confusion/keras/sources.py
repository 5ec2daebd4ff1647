"""Where the callback's examples come from: arrays, a tf.data.Dataset, a keras.utils.PyDataset or a
generator. Every source answers the same questions (Source): arrays and tf.data give a Dataset for one
traced pass; the others yield (x, y, sample_weight or None, ids or None) batches for a Python loop."""

import numpy as np
import tensorflow as tf
import keras

from tb_confusion.keras.batches import pop_features, rows, slice_rows, tuples, unpack, wanted_features
from tb_confusion.storage.validation import brief

class Source:
    """What the callback asks every kind of data: `as_dataset()` for one traced pass (or None), else
    `batches(id_key)`; `check_example_ids(example_ids)` once, at construction; `fixed_ids(...)` for the
    ids of the rows a pass read. `kind` names the source in messages."""

    kind = "data"

    def as_dataset(self):
        """A tf.data.Dataset to run in one traced pass, or None to loop in Python."""
        return None

    def fixed_ids(self, example_ids, ids_from_data):
        """The ids of the pass: the ids feature read from the data, unless the source holds a list."""
        return ids_from_data

    def elements(self):
        """The raw batches of one pass, for sources without a Dataset."""
        raise NotImplementedError

    def check_example_ids(self, example_ids):
        if example_ids is None or isinstance(example_ids, str):
            return example_ids
        raise ValueError(
            f"example_ids must be the name of a feature of a dict x for {self.kind} data (ids "
            f"in a separate sequence cannot follow a shuffling source); got {brief(example_ids)}"
        )

    def check_attributes(self, attributes):
        """Attribute feature names (a tuple) of `attributes`: a feature name or a sequence of them (features of
        a dict x, removed before the model is called), or None. Arrays also take {name: N values}."""
        if attributes is None:
            return None
        if isinstance(attributes, str):
            attributes = (attributes,)
        if isinstance(attributes, dict):
            raise ValueError(f"attributes must name features of a dict x for {self.kind} data (values in a separate "
                             f"sequence cannot follow a shuffling source); got a dict {brief(attributes)}")
        if not isinstance(attributes, (list, tuple)) or not attributes or not all(
                isinstance(name, str) and name for name in attributes) or len(set(attributes)) != len(attributes):
            raise ValueError("attributes must be the name of a feature of a dict x, or a sequence of distinct names; "
                             f"got {brief(attributes)}")
        return tuple(attributes)

    def fixed_attributes(self, attributes, from_data):
        """The attributes of the pass: the features read from the data, unless the source holds them."""
        return from_data

    def batches(self, id_key, attribute_keys=()):
        """(x, y, sample_weight or None, ids or None, {attribute feature: values}) per batch of one pass."""
        wanted = wanted_features(id_key, attribute_keys)
        for element in self.elements():
            x, y, w = unpack(element)
            x, features = pop_features(x, wanted)
            yield x, y, w, features.get(id_key), {key: features[key] for key in attribute_keys}


class _ArraySource(Source):
    kind = "array"

    def __init__(self, x, y, w, batch_size, steps):
        self.x, self.y, self.w = x, y, w
        self.n = rows(y, "y")
        for value, what in ((x, "x"), (w, "sample_weight")):
            if value is not None and rows(value, what) != self.n:
                raise ValueError(f"data {what} must have {self.n} rows like y; got {rows(value, what)}")
        self.batch_size, self.steps = batch_size, steps
        self.rows_read = self.n if steps is None else min(self.n, steps * batch_size)
        self._dataset = None

    def check_example_ids(self, example_ids):
        if example_ids is None or isinstance(example_ids, str):
            return example_ids
        if len(example_ids) != self.n:
            raise ValueError(f"example_ids must have {self.n} entries (one per row of data); got {len(example_ids)}")
        return list(example_ids)

    def as_dataset(self):
        if self._dataset is None:
            cut = slice(0, self.rows_read)
            columns = tuple(slice_rows(v, cut) for v in (self.x, self.y, self.w) if v is not None)
            self._dataset = tf.data.Dataset.from_tensor_slices(tuples(columns)).batch(self.batch_size)
        return self._dataset

    def fixed_ids(self, example_ids, ids_from_data):
        if example_ids is None or isinstance(example_ids, str):
            return ids_from_data
        return example_ids[:self.rows_read]

    def check_attributes(self, attributes):
        if not isinstance(attributes, dict):
            return super().check_attributes(attributes)
        for name, values in attributes.items():
            if len(values) != self.n:
                raise ValueError(f"attributes[{name!r}] must have {self.n} values (one per row of data); "
                                 f"got {len(values)}")
        return dict(attributes)

    def fixed_attributes(self, attributes, from_data):
        if not isinstance(attributes, dict):
            return from_data
        return {name: values[:self.rows_read] for name, values in attributes.items()}


class _DatasetSource(Source):
    kind = "tf.data.Dataset"

    def __init__(self, dataset, steps):
        self.dataset = dataset if steps is None else dataset.take(steps)

    def as_dataset(self):
        return self.dataset  # each pass starts a new iterator: reshuffles like Keras' own epochs


class _PyDatasetSource(Source):
    kind = "PyDataset"

    def __init__(self, data, steps):
        count = data.num_batches
        if count is None and steps is None:
            raise ValueError("data is an infinite PyDataset (num_batches is None): pass steps=")
        self.data, self.count = data, count if steps is None else min(steps, count or steps)

    def elements(self):
        return (self.data[i] for i in range(self.count))


class _IteratorSource(Source):
    kind = "generator"

    def __init__(self, data, steps):
        self.data = data
        self.one_shot = iter(data) is data
        if steps is None and hasattr(data, "__len__"):
            steps = len(data)
        if steps is None and self.one_shot:
            raise ValueError(
                f"data is a generator/iterator without len(): pass steps= (batches per epoch); got {brief(data)}"
            )
        self.steps = steps

    def elements(self):
        iterator = self.data if self.one_shot else iter(self.data)
        for i, element in enumerate(iterator):
            yield element
            if self.steps is not None and i + 1 >= self.steps:
                return


def as_source(data, *, steps, batch_size):
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
        f"or a generator of (x, y[, sample_weight]) batches; got {brief(data)}"
    )


def _is_batch_stream(value):
    return isinstance(value, (tf.data.Dataset, keras.utils.PyDataset)) or (
        hasattr(value, "__next__") and not hasattr(value, "shape"))


def class_names_of(data):
    indices = getattr(data, "class_indices", None)
    if isinstance(indices, dict) and indices:
        return [str(name) for name, _ in sorted(indices.items(), key=lambda item: item[1])]
    names = getattr(data, "class_names", None)
    if isinstance(names, (list, tuple)) and names:
        return [str(name) for name in names]
    return None



"""Per-pixel targets (segmentation masks): the callback's pass summed batch by batch into a
tb_confusion.Accumulator, so memory does not grow with the number of pixels.

A tf.data pass runs through the model's strategy like Keras' own predict: the dataset is distributed
(`experimental_distribute_dataset`: each worker reads its shard, each replica a slice of the batch), the
model runs in `strategy.run`, and each local replica's outputs go into this worker's accumulator. Keras'
`predict` would concatenate the outputs (and all-gather them across workers); here the sums merge instead
(tb_confusion.counts.tf_distributed.all_reduce), so every worker holds the step and the chief writes it.
A replica that received nothing of a last partial batch gets an empty batch: it is skipped, never counted.
"""

import numpy as np
import tensorflow as tf

from tb_confusion.counts import tf_distributed
from tb_confusion.counts.accumulator import Accumulator
from tb_confusion.keras.batches import as_numpy, pick, pop_ids, unpack


def spatial_labels(y):
    """True when labels of this (tensor, array or TensorSpec) shape have spatial dims: [N, H, W(, 1)]."""
    rank = y.shape.rank if isinstance(y.shape, tf.TensorShape) else np.ndim(y)
    return rank is not None and rank >= 3


def new_accumulator(tag, *, class_names, ignore_index, from_logits, description):
    return Accumulator(tag, task="segmentation", class_names=class_names, ignore_index=ignore_index,
                       from_logits=from_logits, description=description)


def replica_step(model, output, id_key):
    """The per-replica function for strategy.run: a dict of labels, probabilities and, when present,
    weights and ids of one batch."""

    def step(element):
        x, y, w = unpack(element)
        x, ids = pop_ids(x, id_key, tensors=False)
        out = {"labels": pick(y, output, "y"),
               "probabilities": tf.cast(pick(model.predict_step((x,)), output, "model output"), tf.float32)}
        if w is not None:
            out["weights"] = w
        if ids is not None:
            out["ids"] = tf.reshape(ids, [-1])
        return out

    return step


def accumulate_dataset(accumulator, dataset, strategy, step):
    """One pass over a tf.data.Dataset under `strategy` (the default one too), then the merge across
    workers when there are several (a collective: every worker must call this). `step` is
    tf.function(lambda element: strategy.run(replica_step(...), args=(element,)))."""
    for element in strategy.experimental_distribute_dataset(dataset):
        for values in tf_distributed.local_results(strategy, step(element)):
            add_batch(accumulator, values)
    if tf_distributed.num_workers(strategy) > 1:
        tf_distributed.all_reduce(accumulator, strategy)
    return accumulator


def accumulate_batches(accumulator, batches, predict, output):
    """One pass over Python batches (x, y, sample_weight or None, ids or None, attributes) on this process
    (attributes are refused for per-pixel targets by the callback: none here)."""
    for x, y, w, ids, _ in batches:
        add_batch(accumulator, {"labels": pick(y, output, "y"),
                                "probabilities": pick(predict(x), output, "model output"),
                                "weights": w, "ids": ids})
    return accumulator


def add_batch(accumulator, values):
    """Add one (replica's) batch; returns 1, or 0 for an empty slice of a last partial batch."""
    labels = as_numpy(values["labels"])
    if not len(labels):
        return 0
    probabilities = as_numpy(values["probabilities"])
    sample_weight, element_weight = _weights(values.get("weights"), labels, probabilities)
    accumulator.update(labels, probabilities, sample_weight=sample_weight, element_weight=element_weight,
                       example_ids=_ids(values.get("ids")))
    return 1


def _weights(w, labels, probabilities):
    """Keras' sample_weight of a segmentation batch: [N] (or [N, 1]) per image, or per pixel like y."""
    if w is None:
        return None, None
    w = as_numpy(w)
    if w.size == len(labels):
        return w.reshape(-1), None
    masks = labels.shape[:-1] if labels.ndim == probabilities.ndim and labels.shape[-1] == 1 else labels.shape
    return None, (w.reshape(masks) if w.size == int(np.prod(masks)) else w)


def _ids(ids):
    if ids is None:
        return None
    ids = as_numpy(ids).reshape(-1)
    if ids.dtype.kind in "OS":  # tf.string arrives as bytes
        return [i.decode("utf-8") if isinstance(i, bytes) else i for i in ids]
    return ids

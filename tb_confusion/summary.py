"""Write one step's predictions: `predictions` (tf.summary style) and `predictions_pb` (no TensorFlow);
an accumulated per-pixel step (tb_confusion.Accumulator): `accumulated` (tf.summary style) and
`Accumulator.summary_pb()` (no TensorFlow); a predictions tag's example media (thumbnails, short text),
once per run: `examples_pb` (no TensorFlow) and `examples` (tf.summary style).

Its API may grow, but the data it stores to disk will be readable forever (see tb_confusion.proto).
"""

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.storage import attributes, kinds, media as media_format, metadata
from tb_confusion.storage.validation import brief, prepare


def _encode(name, labels, probabilities, *, description, **options):
    if not isinstance(name, str) or not name:
        raise BadArgument(f"name must be a non-empty string; got {name!r}")
    if description is not None and not isinstance(description, str):
        raise BadArgument(f"description must be a string or None; got {description!r}")
    arrays = prepare(labels, probabilities, **options)
    blob, version = kinds.encode(arrays)
    blob = attributes.attach(blob, arrays["attributes"])  # either kind: in the Payload part both share
    summary_metadata = metadata.create_summary_metadata(
        task=arrays["task"], class_names=arrays["class_names"], dtype=arrays["dtype"],
        description=description or "", version=version, class_groups=arrays["class_groups"],
    )
    return summary_metadata, blob


def predictions_pb(name, labels, probabilities, *, task=None, class_names=None, example_ids=None,
                   sample_weight=None, from_logits=False, dtype="float32", description=None, storage="auto",
                   attributes=None, class_groups=None):
    """A `Summary` protobuf holding one step's predictions; needs no TensorFlow.

    Pass it to any TensorBoard event writer, e.g. `torch_writer.file_writer.add_summary(pb, epoch)`
    or `tb_confusion.events.EventWriter(logdir).add_summary(pb, epoch)`.

    Args:
      name: the tag, e.g. "predictions".
      labels: [N] class indices (bool or {0, 1} for binary), one-hot [N, C], or multi-hot [N, C].
      probabilities: [N] or [N, 1] sigmoid, [N, 2] softmax (binary); [N, C] softmax (multiclass)
        or independent sigmoids (multilabel).
      task: "binary", "multiclass" or "multilabel"; inferred from the shapes when None.
      class_names: one name per class; defaults to "0", "1", ...
      example_ids: optional [N] strings or ints shown when you click a matrix cell.
      sample_weight: optional [N] non-negative weights, used like scikit-learn's sample_weight.
      from_logits: apply sigmoid/softmax first.
      dtype: "float32" (exact, default) or "float16" (half the bytes).
      storage: "auto" (default), "exact" or "compact". Compact keeps, per example of a multiclass step,
        its top two classes, the true class's probability and rank (~25 bytes whatever C) plus per-class
        histograms: the matrix, cutoff matrix, top-k, log loss, calibration and each cell's examples stay
        exact, one-vs-rest ROC/PR are binned (docs/storage.md). Auto picks compact for multiclass steps of
        more than 4M probabilities (N x C).
      description: optional markdown shown with the tag.
      attributes: optional per-example categories to slice by, {name: [N] values}, each attribute all str,
        all int or all bool, e.g. {"source": ["web", "scan", ...], "device": [0, 2, ...]}: the report and the
        panel give the matrix and metrics per value (docs/slices.md). At most 32 attributes of 65,536 distinct
        values each; N bytes per attribute (2N beyond 256 values).
      class_groups: optional super-classes of a multiclass tag, stored once with the tag: a sequence of one
        group name per class (in class_names order), or a dict {group: [class names]} covering every class
        once; the report and the panel can then group the matrix and metrics by them (docs/groups.md).
        TensorBoard keeps a tag's first metadata, so the groups of the first step written stay the tag's.
    Raises:
      ValueError: naming the argument and the bad value; nothing is returned.
    """
    summary_metadata, payload = _encode(
        name, labels, probabilities, task=task, class_names=class_names, example_ids=example_ids,
        sample_weight=sample_weight, from_logits=from_logits, dtype=dtype, description=description, storage=storage,
        attributes=attributes, class_groups=class_groups,
    )
    return metadata.blob_summary(name, summary_metadata, payload)


def predictions(name, labels, probabilities, step=None, *, task=None, class_names=None,
                example_ids=None, sample_weight=None, from_logits=False, dtype="float32",
                description=None, storage="auto", attributes=None, class_groups=None):
    """Write one step's predictions to the default `tf.summary` writer (TensorFlow 2, eager).

    Arguments as in `predictions_pb`; `step` defaults to `tf.summary.experimental.get_step()`.
    Returns a boolean scalar tensor: True if written, False when no default writer is set
    (like `tf.summary.scalar`).
    Call it eagerly, e.g. after each epoch; it validates the values before anything is written.
    """
    import tensorflow as tf  # the TensorFlow door only; everything else stays TF-free

    if not tf.executing_eagerly():
        raise RuntimeError(
            "tb_confusion.summary.predictions needs concrete values: call it eagerly, outside tf.function"
        )
    summary_metadata, payload = _encode(
        name, labels, probabilities, task=task, class_names=class_names, example_ids=example_ids,
        sample_weight=sample_weight, from_logits=from_logits, dtype=dtype, description=description, storage=storage,
        attributes=attributes, class_groups=class_groups,
    )
    return tf.summary.write(
        tag=name,
        tensor=tf.constant(np.array([payload], dtype=object)),
        step=step,
        metadata=summary_metadata.SerializeToString(),
    )


def accumulated(accumulator, step=None):
    """Write an Accumulator's step (its sums so far) to the default `tf.summary` writer (TensorFlow 2,
    eager), under `accumulator.tag`: the bytes `accumulator.summary_pb()` holds.

    `step` defaults to `tf.summary.experimental.get_step()`. Returns a boolean scalar tensor: True if
    written, False when no default writer is set (like `tf.summary.scalar`). Call `accumulator.reset()`
    yourself before the next epoch.
    """
    import tensorflow as tf

    from tb_confusion.counts.accumulator import Accumulator

    if not isinstance(accumulator, Accumulator):
        raise BadArgument(f"accumulator must be a tb_confusion.Accumulator; got {brief(accumulator)}")
    if not tf.executing_eagerly():
        raise RuntimeError(
            "tb_confusion.summary.accumulated needs concrete values: call it eagerly, outside tf.function"
        )
    summary_metadata = accumulator.summary_metadata()  # raises when the accumulator holds no batch
    return tf.summary.write(
        tag=accumulator.tag,
        tensor=tf.constant(np.array([accumulator.encode()], dtype=object)),
        step=step,
        metadata=summary_metadata.SerializeToString(),
    )


def _encode_examples(name, media, kind):
    if not isinstance(name, str) or not name:
        raise BadArgument(f"name must be a non-empty string (the predictions tag); got {name!r}")
    blob = media_format.encode(media_format.prepare(media, kind))
    return media_format.media_tag(name), media_format.create_summary_metadata(name), blob


def examples_pb(name, media, *, kind="auto"):
    """A `Summary` protobuf holding the example media of predictions tag `name`; needs no TensorFlow.

    The panel shows each example's thumbnail or text beside it (cell examples, flips). Write it once per
    run, at any step, with the same writer as the predictions (`writer.add_summary(pb, step)`); a later
    write replaces it. It lands in its own tag, `name + "/tbc_media"` (storage/media.py), which is never
    listed as a predictions tag.

    Args:
      name: the predictions tag the media illustrate, e.g. "predictions".
      media: a mapping example id (str, as in the predictions' example_ids; the index as a string when
        they have none) -> PNG bytes (at most 64 KiB), a uint8 image array [H, W] (grey), [H, W, 3] (RGB)
        or [H, W, 4] (RGBA), encoded to PNG here, or text (at most 1,000 characters). At most 32 MiB in all.
      kind: "auto" (default: by each value's type), "image" (PNG bytes or arrays only) or "text".
    Raises:
      ValueError (errors.BadArgument): naming the argument and the bad value; nothing is returned.
    """
    tag, summary_metadata, blob = _encode_examples(name, media, kind)
    return metadata.blob_summary(tag, summary_metadata, blob)


def examples(name, media, step=None, *, kind="auto"):
    """Write the example media of predictions tag `name` to the default `tf.summary` writer (TensorFlow 2,
    eager): the bytes `examples_pb` holds. `step` defaults to `tf.summary.experimental.get_step()`, else 0.
    Returns a boolean scalar tensor: True if written, False when no default writer is set.
    """
    import tensorflow as tf

    if not tf.executing_eagerly():
        raise RuntimeError("tb_confusion.summary.examples needs concrete values: call it eagerly, outside tf.function")
    tag, summary_metadata, blob = _encode_examples(name, media, kind)
    if step is None:
        step = tf.summary.experimental.get_step()
    return tf.summary.write(tag=tag, tensor=tf.constant(np.array([blob], dtype=object)),
                            step=0 if step is None else step, metadata=summary_metadata.SerializeToString())

"""One traced pass over a tf.data iterator: predictions, labels, weights and ids of every batch at once
(like Keras' steps_per_execution: a Python loop over tf.data costs about as much as predicting)."""

import tensorflow as tf

from tb_confusion.keras.batches import pick, pop_ids, unpack

EMPTY = "tb_confusion: data yielded no batches"


def graph_loop(model, spec, output, id_key):
    """A function of a dataset iterator: (labels, probabilities, weights or None, ids or None)."""
    x_spec, y_spec, w_spec = unpack(spec)
    _, id_spec = pop_ids(x_spec, id_key, tensors=False)
    y_spec = pick(y_spec, output, "y")
    dtypes = [y_spec.dtype, tf.float32, None if w_spec is None else w_spec.dtype,
              None if id_spec is None else id_spec.dtype]

    present = [i for i, dtype in enumerate(dtypes) if dtype is not None]  # loop state cannot hold None

    def loop(iterator):
        arrays = tuple(tf.TensorArray(dtypes[i], size=0, dynamic_size=True, infer_shape=False) for i in present)
        count = tf.constant(0)
        for element in iterator:
            x, y, w = unpack(element)
            x, ids = pop_ids(x, id_key, tensors=False)
            probabilities = tf.cast(pick(model.predict_step((x,)), output, "model output"), tf.float32)
            values = [pick(y, output, "y"), probabilities,
                      None if w is None else tf.reshape(w, [-1]), None if ids is None else tf.reshape(ids, [-1])]
            arrays = tuple(a.write(count, values[i]) for a, i in zip(arrays, present))
            count += 1
        tf.debugging.assert_positive(count, message=EMPTY)
        concatenated = dict(zip(present, (a.concat() for a in arrays)))
        return [concatenated.get(i) for i in range(len(dtypes))]

    return loop



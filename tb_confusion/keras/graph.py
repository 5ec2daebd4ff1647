"""One traced pass over a tf.data iterator: predictions, labels, weights and ids of every batch at once
(like Keras' steps_per_execution: a Python loop over tf.data costs about as much as predicting)."""

import tensorflow as tf

from tb_confusion.keras.batches import pick, pop_features, unpack, wanted_features

EMPTY = "tb_confusion: data yielded no batches"


def graph_loop(model, spec, output, id_key, attribute_keys=()):
    """A function of a dataset iterator: [labels, probabilities, weights or None, ids or None, then the values
    of each feature of `attribute_keys`]."""
    x_spec, y_spec, w_spec = unpack(spec)
    wanted = wanted_features(id_key, attribute_keys)
    _, feature_specs = pop_features(x_spec, wanted, tensors=False)
    id_spec = feature_specs.get(id_key)
    y_spec = pick(y_spec, output, "y")
    dtypes = [y_spec.dtype, tf.float32, None if w_spec is None else w_spec.dtype,
              None if id_spec is None else id_spec.dtype] + [feature_specs[key].dtype for key in attribute_keys]

    present = [i for i, dtype in enumerate(dtypes) if dtype is not None]  # loop state cannot hold None

    def loop(iterator):
        arrays = tuple(tf.TensorArray(dtypes[i], size=0, dynamic_size=True, infer_shape=False) for i in present)
        count = tf.constant(0)
        for element in iterator:
            x, y, w = unpack(element)
            x, features = pop_features(x, wanted, tensors=False)
            ids = features.get(id_key)
            probabilities = tf.cast(pick(model.predict_step((x,)), output, "model output"), tf.float32)
            values = [pick(y, output, "y"), probabilities,
                      None if w is None else tf.reshape(w, [-1]), None if ids is None else tf.reshape(ids, [-1])]
            values += [tf.reshape(features[key], [-1]) for key in attribute_keys]
            arrays = tuple(a.write(count, values[i]) for a, i in zip(arrays, present))
            count += 1
        tf.debugging.assert_positive(count, message=EMPTY)
        concatenated = dict(zip(present, (a.concat() for a in arrays)))
        return [concatenated.get(i) for i in range(len(dtypes))]

    return loop

"""Three Keras trainings on digits, each logging train, validation and test predictions every epoch
with `tb_confusion.keras.ConfusionMatrixCallback` beside Keras' own TensorBoard callback."""

import os

import tb_confusion as tbc

from data import DIGIT_NAMES, LABEL_NAMES, binary_target, multilabel_target, stroke

TASKS = {
    # name: (tag, target function, output units, activation, loss, class names)
    "digits_multiclass": ("digits", lambda d: d, 10, "softmax", "sparse_categorical_crossentropy", DIGIT_NAMES),
    "digits_3_vs_rest": ("three_vs_rest", binary_target, 1, "sigmoid", "binary_crossentropy",
                         ["not three", "three"]),
    "digits_multilabel": ("digit_properties", multilabel_target, 3, "sigmoid", "binary_crossentropy", LABEL_NAMES),
}


def train(task, logdir, splits, *, epochs, progress=print):
    """Train one small MLP for `task` (a key of TASKS); logs go to `logdir`/{train,validation,test}."""
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # each callback traces its own pass once; TF calls that retracing

    tag, target, units, activation, loss, class_names = TASKS[task]
    keras.utils.set_random_seed(0)
    data = {name: (x, target(digit), ids) for name, (x, digit, ids) in splits.items()}
    x_train, y_train, ids_train = data["train"]
    x_val, y_val, ids_val = data["validation"]
    x_test, y_test, ids_test = data["test"]
    # A shuffling validation pipeline whose "id" and "stroke" features name each digit and its stroke (an
    # attribute to slice by): the callback keeps labels, predictions, ids and strokes aligned anyway, and drops
    # both features before calling the model.
    validation = tf.data.Dataset.from_tensor_slices(({"pixels": x_val, "id": ids_val, "stroke": stroke(x_val)}, y_val))
    validation = validation.shuffle(len(x_val), seed=0).batch(128)
    inputs = keras.Input((64,), name="pixels")
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(units, activation=activation)(hidden))
    accuracy = "accuracy" if activation == "softmax" else "binary_accuracy"
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss, metrics=[accuracy])
    log = dict(tag=tag, class_names=class_names)
    callbacks = [
        keras.callbacks.TensorBoard(logdir),
        tbc.keras.ConfusionMatrixCallback(logdir, (x_train, y_train), name="train", example_ids=ids_train,
                                          attributes={"stroke": stroke(x_train)}, **log),
        tbc.keras.ConfusionMatrixCallback(logdir, validation, name="validation", example_ids="id",
                                          attributes=["stroke"], **log),
        tbc.keras.ConfusionMatrixCallback(logdir, (x_test, y_test), name="test", example_ids=ids_test,
                                          attributes={"stroke": stroke(x_test)}, **log),
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: progress(
            epoch, epochs, f"loss {logs['loss']:.3f}  val {accuracy.replace('_', ' ')} {logs['val_' + accuracy]:.3f}")),
    ]
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=64,
              callbacks=callbacks, verbose=0)
    return model


def logdir_for(root, task):
    return os.path.join(root, task)


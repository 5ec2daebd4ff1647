"""Per-pixel steps under a tf.distribute strategy, run by tests/test_accumulator_tf.py:

    python tests/tf_multiworker_script.py mirrored OUT_DIR             # one process, 2 logical CPUs
    python tests/tf_multiworker_script.py worker INDEX PORTS OUT_DIR   # MultiWorkerMirroredStrategy ("p0,p1")

Each runs a ConfusionMatrixCallback on `validation()` (a dict x with an "id" feature, masks with a 255
border, batches that do not split evenly) for epoch 0, writing OUT_DIR/keras: through one epoch of
`fit` under MirroredStrategy; by calling the hooks under MultiWorkerMirroredStrategy, where Keras 3's
`fit` itself fails (keras-team/keras#20585).
Then it sums the same data again by hand to time it: OUT_DIR/worker<k>.json holds this worker's
images before the merge, the merge's seconds and one update batch's. The chief also saves the
model's weights (OUT_DIR/model.weights.h5) for the test's single-process reference.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the reference predicts in other batch sizes

import numpy as np

# TBC_IMAGES / TBC_CLASSES / TBC_SIZE enlarge a manual run (the merge's timing at realistic sizes).
NUM_IMAGES = int(os.environ.get("TBC_IMAGES", 21))
CLASSES = int(os.environ.get("TBC_CLASSES", 3))
SIZE = int(os.environ.get("TBC_SIZE", 12))
BATCH = 4
NAMES = [f"class{k}" for k in range(CLASSES)]


def images(seed=5):
    """(inputs [N, H, W, 3] float32, masks [N, H, W, 1] with a 255 border, ids [N])."""
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, CLASSES, (NUM_IMAGES, SIZE, SIZE, 1))
    signal = np.eye(CLASSES)[masks[..., 0]][..., :3] if CLASSES >= 3 else np.eye(3)[masks[..., 0]]
    inputs = (signal + rng.normal(scale=0.8, size=signal.shape)).astype(np.float32)
    masks[:, 0] = 255
    return inputs, masks, np.array([f"img-{i:03d}" for i in range(NUM_IMAGES)])


def segmenter():
    import keras

    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)),
                              keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def validation():
    import tensorflow as tf

    inputs, masks, ids = images()
    return tf.data.Dataset.from_tensor_slices(({"pixels": inputs, "id": ids}, masks)).batch(BATCH)


def training():
    import tensorflow as tf

    inputs, masks, _ = images(seed=6)
    return tf.data.Dataset.from_tensor_slices((inputs, np.where(masks == 255, 0, masks))).batch(BATCH)


def main(mode, out, index=0, ports=None):
    if mode == "worker":
        os.environ["TF_CONFIG"] = json.dumps({
            "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports.split(",")]},
            "task": {"type": "worker", "index": index}})
    import tensorflow as tf
    import keras

    if mode == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 2, strategy.num_replicas_in_sync
    import tb_confusion as tbc
    from tb_confusion.counts import tf_distributed
    from tb_confusion.keras import per_pixel

    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = segmenter()
    callback = tbc.keras.ConfusionMatrixCallback(f"{out}/keras", validation(), example_ids="id",
                                                 ignore_index=255, class_names=NAMES, tag="pixels")
    if mode == "mirrored":
        model.fit(training(), epochs=1, verbose=0, callbacks=[callback])
    else:  # Keras 3's fit fails under this strategy before any callback runs (keras-team/keras#20585):
        callback.set_model(model)  # the hooks as fit calls them, on the model built in the strategy's scope
        callback.set_params({"epochs": 1})
        callback.on_epoch_end(0)
        callback.on_train_end()

    # The same pass by hand, timed: each update batch, then the merge across workers.
    accumulator = per_pixel.new_accumulator("pixels", class_names=NAMES, ignore_index=255, from_logits=False,
                                            description=None)
    run = per_pixel.replica_step(model, None, "id")
    step = tf.function(lambda element: strategy.run(run, args=(element,)), reduce_retracing=True)
    updates = []
    for element in strategy.experimental_distribute_dataset(validation()):
        for values in tf_distributed.local_results(strategy, step(element)):
            start = time.perf_counter()
            per_pixel.add_batch(accumulator, values)
            updates.append(time.perf_counter() - start)
    local = accumulator.num_examples
    start = time.perf_counter()
    tf_distributed.all_reduce(accumulator, strategy)
    merge = time.perf_counter() - start
    if tf_distributed.is_chief(strategy):
        model.save_weights(f"{out}/model.weights.h5")
    with open(f"{out}/worker{index}.json", "w") as f:
        json.dump({"images": local, "merged_images": accumulator.num_examples, "merge": merge,
                   "update_batch": float(np.median(updates)),
                   "ids": sorted(accumulator.state.example_ids)}, f)


if __name__ == "__main__":
    if sys.argv[1] == "mirrored":
        main("mirrored", sys.argv[2])
    else:
        main("worker", sys.argv[4], int(sys.argv[2]), sys.argv[3])

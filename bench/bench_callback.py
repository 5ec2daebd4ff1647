"""What logging predictions each epoch costs a Keras training on scikit-learn's digits (small MLP).

Variants, each a `fit` with validation on a 360-example tf.data set, timed per epoch (median over
epochs after the warm-up ones, rounds interleaved so drift hits all variants alike):
  plain               no extra callback
  ours                ConfusionMatrixCallback on the validation dataset
  ours (shuffled)     the same on a dataset reshuffled each iteration (the shuffle itself costs)
  model.predict       a callback calling model.predict(x_val) and logging the result with our op
  image recipe        model.predict -> matplotlib confusion matrix -> PNG -> tf.summary.image
  pr_curve op         model.predict -> TensorBoard's pr_curve op, one-vs-rest per class (201 thresholds)

Wall time suffers when other processes share the 2 cores; CPU time (all threads of this process)
is steadier, so the ratios to ours use it.
Run: .venv/bin/python bench/bench_callback.py [--epochs 10] [--rounds 3]
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import print_table  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import tb_confusion as tbc  # noqa: E402

WARMUP_EPOCHS = 2


def digits():
    data = load_digits()
    x, y = (data.data / 16).astype("float32"), data.target.astype("int64")
    return (x[:1437], y[:1437]), (x[1437:], y[1437:])


def small_mlp():
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EpochTimer(keras.callbacks.Callback):
    """Last in the list: from epoch begin until every other on_epoch_end has run."""

    def __init__(self):
        super().__init__()
        self.seconds, self.cpu_seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu_start)


class _PredictCallback(keras.callbacks.Callback):
    """The common recipe: model.predict on the validation arrays, then log something."""

    def __init__(self, run_dir, x, y):
        super().__init__()
        self.x, self.y = x, y
        self.writer = tf.summary.create_file_writer(run_dir)

    def on_epoch_end(self, epoch, logs=None):
        probabilities = self.model.predict(self.x, verbose=0)
        with self.writer.as_default():
            self.log(probabilities, epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


class PredictThenOurOp(_PredictCallback):
    def log(self, probabilities, epoch):
        tbc.summary.predictions("predictions", self.y, probabilities, step=epoch)


class ImageRecipe(_PredictCallback):
    def log(self, probabilities, epoch):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.metrics import confusion_matrix

        matrix = confusion_matrix(self.y, probabilities.argmax(axis=1), labels=range(10))
        figure, axes = plt.subplots(figsize=(6, 6))
        axes.imshow(matrix, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            axes.text(j, i, str(count), ha="center", va="center", fontsize=8)
        axes.set_xlabel("predicted")
        axes.set_ylabel("true")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        image = tf.expand_dims(tf.image.decode_png(buffer.getvalue(), channels=4), 0)
        tf.summary.image("confusion_matrix", image, step=epoch)


class PrCurveOp(_PredictCallback):
    def log(self, probabilities, epoch):
        from tensorboard.plugins.pr_curve import summary as pr_curve

        for c in range(probabilities.shape[1]):
            serialized = pr_curve.op(f"class_{c}", labels=tf.constant(self.y == c),
                                     predictions=tf.constant(probabilities[:, c]), num_thresholds=201)
            tf.summary.experimental.write_raw_pb(serialized, step=epoch)


def run_variant(name, logdir, epochs, train, val):
    (x, y), (xv, yv) = train, val
    val_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(32)
    shuffled = tf.data.Dataset.from_tensor_slices((xv, yv)).shuffle(len(yv), reshuffle_each_iteration=True).batch(32)
    run_dir = os.path.join(logdir, name.replace(" ", "_").replace(".", "_"))
    extra = {
        "plain": [],
        "ours": [lambda: tbc.keras.ConfusionMatrixCallback(run_dir, val_ds)],
        "ours (shuffled)": [lambda: tbc.keras.ConfusionMatrixCallback(run_dir, shuffled)],
        "model.predict": [lambda: PredictThenOurOp(os.path.join(run_dir, "validation"), xv, yv)],
        "image recipe": [lambda: ImageRecipe(os.path.join(run_dir, "validation"), xv, yv)],
        "pr_curve op": [lambda: PrCurveOp(os.path.join(run_dir, "validation"), xv, yv)],
    }[name]
    timer = EpochTimer()
    keras.utils.set_random_seed(0)
    small_mlp().fit(x, y, validation_data=val_ds, epochs=epochs, batch_size=32, verbose=0,
                    callbacks=[make() for make in extra] + [timer])
    return timer.seconds, timer.cpu_seconds, _event_bytes(run_dir)


def _event_bytes(run_dir):
    total = 0
    for directory, _, files in os.walk(run_dir):
        total += sum(os.path.getsize(os.path.join(directory, f)) for f in files if "tfevents" in f)
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    train, val = digits()
    names = ["plain", "ours", "ours (shuffled)", "model.predict", "image recipe", "pr_curve op"]
    steady = {name: [] for name in names}
    cpu = {name: [] for name in names}
    first = {name: [] for name in names}
    sizes = {}
    with tempfile.TemporaryDirectory() as logdir:
        for round_ in range(args.rounds):
            for name in names:
                seconds, cpu_seconds, size = run_variant(name, os.path.join(logdir, str(round_)), args.epochs,
                                                         train, val)
                first[name].append(seconds[0])
                steady[name].extend(seconds[WARMUP_EPOCHS:])
                cpu[name].extend(cpu_seconds[WARMUP_EPOCHS:])
                sizes[name] = size / args.epochs
    base = statistics.median(steady["plain"])
    cpu_base = statistics.median(cpu["plain"])
    ours_cpu = statistics.median(cpu["ours"]) - cpu_base
    rows = []
    for name in names:
        epoch = statistics.median(steady[name])
        overhead = epoch - base
        cpu_overhead = statistics.median(cpu[name]) - cpu_base
        first_overhead = statistics.median(first[name]) - statistics.median(first["plain"])
        rows.append([
            name, f"{epoch * 1000:.1f}", "" if name == "plain" else f"{overhead * 1000:+.1f}",
            "" if name == "plain" else f"{100 * overhead / base:+.1f}%",
            f"{cpu_base * 1000:.0f}" if name == "plain" else f"{100 * cpu_overhead / cpu_base:+.1f}%",
            "" if name in ("plain", "ours") else f"{cpu_overhead / ours_cpu:.1f}x" if ours_cpu > 0 else "n/a",
            "" if name == "plain" else f"{first_overhead * 1000:+.0f}",
            "" if name == "plain" else f"{sizes[name] / 1024:.1f}",
        ])
    print(f"digits: {len(train[1])} train / {len(val[1])} validation examples, MLP 64-64-10, batch 32, "
          f"{os.cpu_count()} cores; median of {args.rounds} x {args.epochs - WARMUP_EPOCHS} epochs "
          f"(first {WARMUP_EPOCHS} of each fit excluded); CPU = process time of all threads")
    print_table(["variant", "epoch ms", "overhead ms", "overhead %", "CPU ms / overhead %", "CPU overhead vs ours", "1st epoch overhead ms",
                 "KiB per epoch"], rows)


if __name__ == "__main__":
    main()

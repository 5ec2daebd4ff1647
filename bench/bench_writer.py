"""Writing one epoch of predictions: tb_confusion's TF-free door beside TensorBoard's own writer,
tf.summary, and the image-summary recipe's bytes. Run: .venv/bin/python bench/bench_writer.py"""

import io
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import median_seconds, print_table  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402


def _data(n, c, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, c, n), rng.dirichlet(np.ones(c), n).astype(np.float32)


def _ours(logdir, labels, probabilities):
    writer = EventWriter(logdir)
    step = iter(range(10**6))
    return writer, lambda: writer.add_summary(tbc.summary.predictions_pb("p", labels, probabilities), next(step))


def _tensorboard_writer(logdir, labels, probabilities):
    # TensorBoard's TF-free EventFileWriter (pure-Python CRC), flushed so the record is on disk.
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(logdir)
    step = iter(range(10**6))

    def write():
        summary = tbc.summary.predictions_pb("p", labels, probabilities)
        writer.add_event(event_pb2.Event(step=next(step), summary=summary))
        writer.flush()
    return writer, write


def _tf_summary(logdir, labels, probabilities):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(logdir)
    step = iter(range(10**6))

    def write():
        with writer.as_default():
            tbc.summary.predictions("p", labels, probabilities, step=next(step))
        writer.flush()
    return writer, write


def _image_recipe_bytes(labels, probabilities):
    """PNG bytes of the matplotlib confusion-matrix figure the TensorFlow tutorial logs per epoch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    c = probabilities.shape[1]
    matrix = confusion_matrix(labels, probabilities.argmax(1), labels=range(c))
    figure = plt.figure(figsize=(8, 8))
    plt.imshow(matrix, cmap=plt.cm.Blues)
    if c <= 20:
        for i in range(c):
            for j in range(c):
                plt.text(j, i, matrix[i, j], ha="center", va="center")
    plt.xticks(range(c)), plt.yticks(range(c))
    buffer = io.BytesIO()
    plt.savefig(buffer, format="png")
    plt.close(figure)
    return len(buffer.getvalue())


def main():
    rows = []
    for n, c in [(10_000, 10), (100_000, 10), (10_000, 100)]:
        labels, probabilities = _data(n, c)
        with tempfile.TemporaryDirectory() as tmp:
            timings = {}
            for name, make in [("ours", _ours), ("tensorboard", _tensorboard_writer), ("tf.summary", _tf_summary)]:
                writer, write = make(os.path.join(tmp, name), labels, probabilities)
                timings[name] = median_seconds(write, repeat=5 if name != "tensorboard" or n <= 10_000 else 2)
                writer.close()
        raw = probabilities.nbytes + n * 4  # float32 probabilities + int32 labels
        payload = tbc.summary.predictions_pb("p", labels, probabilities).ByteSize()
        image = _image_recipe_bytes(labels, probabilities)
        rows.append([
            f"N={n:,} C={c}", f"{timings['ours'] * 1e3:.2f} ms",
            f"{timings['tensorboard'] * 1e3:.1f} ms ({timings['tensorboard'] / timings['ours']:.0f}x)",
            f"{timings['tf.summary'] * 1e3:.2f} ms ({timings['tf.summary'] / timings['ours']:.1f}x)",
            f"{payload / 1e3:,.0f} kB", f"{raw / 1e3:,.0f} kB ({payload / raw:.2f}x)",
            f"{image / 1e3:,.0f} kB",
        ])
    print("One epoch written and flushed (median); ratios are peer / ours")
    print_table(["epoch", "tb_confusion TF-free", "TensorBoard EventFileWriter", "tf.summary (TF door)",
                 "bytes per epoch", "raw float32 probs + int32 labels", "image recipe PNG"], rows)


if __name__ == "__main__":
    main()

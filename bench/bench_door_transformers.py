"""What logging each evaluation's predictions costs a `transformers.Trainer` run (tiny BERT, CPU).

Variants, each one `trainer.train()` with `eval_strategy="epoch"` and `report_to=["tensorboard"]`:
  no metrics       no compute_metrics: the Trainer gathers no logits at all
  accuracy         compute_metrics = accuracy (the usual baseline: logits are gathered)
  ours             accuracy + tb_confusion's ConfusionMatrixCallback().attach(trainer)
  peer recipe      accuracy + a callback that re-runs trainer.predict on the eval set and logs a
                   matplotlib confusion-matrix figure (SummaryWriter.add_figure)

Timed per epoch (from on_epoch_begin to the end of the last on_evaluate, so training, evaluation and
every callback count) and per evaluation (on_epoch_end to the end of on_evaluate), in wall and CPU
seconds (all threads of this process), and the wall time of the logging callback's own on_evaluate
(ours: softmax, encode, write one event; the peer's: predict again, draw, encode a PNG); the first epoch is a warm-up, the median of the others is shown.
Variants run in turn, `--rounds` times (default 2); the fastest round of each counts. Wall time suffers when other processes share the cores; CPU time is steadier,
so the ratios use it. Read ratios within a few percent of 1.0 as "no measurable difference".
Run: .venv/bin/python bench/bench_door_transformers.py [--epochs 3] [--rounds 2] [--threads 1]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from common import print_table  # noqa: E402

from transformers import (BertConfig, BertForSequenceClassification, PrinterCallback, Trainer,  # noqa: E402
                          TrainerCallback, TrainingArguments)
from transformers.utils import logging as hf_logging  # noqa: E402

from tb_confusion.transformers import ConfusionMatrixCallback  # noqa: E402

CLASSES = 5


class Tokens(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.input_ids = rng.integers(5, 1000, size=(n, 32))
        self.labels = self.input_ids[:, 0] % CLASSES

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": torch.tensor(self.input_ids[i]), "labels": torch.tensor(self.labels[i])}


def accuracy(eval_pred):
    return {"accuracy": float((eval_pred.predictions.argmax(-1) == eval_pred.label_ids).mean())}


class Timer(TrainerCallback):
    """Added last: sees each epoch from its start until every other on_evaluate has run."""

    def __init__(self):
        self.epochs, self.evaluations = [], []  # (wall, CPU) seconds
        self.callbacks = []  # wall seconds in the logging callback's on_evaluate

    def on_epoch_begin(self, args, state, control, **kwargs):
        self._epoch = time.perf_counter(), time.process_time()

    def on_epoch_end(self, args, state, control, **kwargs):
        self._evaluation = time.perf_counter(), time.process_time()

    def mark(self):
        """A callback that notes when on_evaluate reaches it: add it just before the logging callback."""
        timer = self

        class Mark(TrainerCallback):
            def on_evaluate(self, args, state, control, **kwargs):
                timer._callback = time.perf_counter()
        return Mark()

    def on_evaluate(self, args, state, control, **kwargs):
        now = time.perf_counter(), time.process_time()
        self.callbacks.append(now[0] - self._callback)
        self.epochs.append((now[0] - self._epoch[0], now[1] - self._epoch[1]))
        self.evaluations.append((now[0] - self._evaluation[0], now[1] - self._evaluation[1]))


class PeerRecipe(TrainerCallback):
    """The common recipe: predict the eval set again, draw the matrix with matplotlib, log the figure."""

    def __init__(self, trainer, dataset):
        self.trainer, self.dataset, self.writer = trainer, dataset, None

    def on_evaluate(self, args, state, control, **kwargs):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from torch.utils.tensorboard import SummaryWriter

        output = self.trainer.predict(self.dataset)
        predicted = output.predictions.argmax(-1)
        matrix = np.zeros((CLASSES, CLASSES), dtype=int)
        np.add.at(matrix, (output.label_ids, predicted), 1)
        figure, axes = plt.subplots(figsize=(5, 5))
        axes.imshow(matrix, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            axes.text(j, i, str(count), ha="center", va="center")
        axes.set_xlabel("predicted")
        axes.set_ylabel("true")
        if self.writer is None:
            tensorboard = next(c for c in self.trainer.callback_handler.callbacks if type(c).__name__ == "TensorBoardCallback")
            self.writer = SummaryWriter(tensorboard.logging_dir)
        self.writer.add_figure("eval/confusion_matrix", figure, state.global_step)  # closes the figure
        self.writer.flush()


def run(variant, epochs, train, evaluation, workdir):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=128, max_position_embeddings=64, num_labels=CLASSES)
    args = TrainingArguments(output_dir=os.path.join(workdir, variant.replace(" ", "_")), eval_strategy="epoch",
                             num_train_epochs=epochs, report_to=["tensorboard"], use_cpu=True,
                             per_device_train_batch_size=32, per_device_eval_batch_size=64, save_strategy="no",
                             disable_tqdm=True, logging_steps=20)
    trainer = Trainer(BertForSequenceClassification(config), args, train_dataset=train, eval_dataset=evaluation,
                      compute_metrics=None if variant == "no metrics" else accuracy)
    trainer.remove_callback(PrinterCallback)  # no log lines on stdout
    timer = Timer()
    trainer.add_callback(timer.mark())
    if variant == "ours":
        ConfusionMatrixCallback().attach(trainer)
    elif variant == "peer recipe":
        trainer.add_callback(PeerRecipe(trainer, evaluation))
    trainer.add_callback(timer)
    trainer.train()
    median = lambda pairs, i: statistics.median(pair[i] for pair in pairs[1:])  # noqa: E731
    return {"epoch": median(timer.epochs, 0), "epoch cpu": median(timer.epochs, 1),
            "evaluation": median(timer.evaluations, 0), "evaluation cpu": median(timer.evaluations, 1),
            "callback": statistics.median(timer.callbacks[1:])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train", type=int, default=1024, help="training examples")
    parser.add_argument("--eval", type=int, default=1024, help="evaluation examples")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each variant; the fastest counts")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    options = parser.parse_args()
    hf_logging.set_verbosity_error()
    train, evaluation = Tokens(options.train, seed=0), Tokens(options.eval, seed=1)
    variants = ["no metrics", "accuracy", "ours", "peer recipe"]
    torch.set_num_threads(options.threads)  # idle OpenMP threads spin: on a shared machine that is noise
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for round_ in range(options.rounds):  # interleaved, so a busy spell of the machine hits every variant
            for variant in variants:
                start = time.perf_counter()
                figures = run(variant, options.epochs, train, evaluation, os.path.join(workdir, str(round_)))
                print(f"round {round_ + 1}, {variant}: train() took {time.perf_counter() - start:.1f} s", flush=True)
                best = results.setdefault(variant, figures)
                for key, value in figures.items():
                    best[key] = min(best[key], value)
    base = results["accuracy"]
    print(f"tiny BERT (2 layers, hidden 64), {options.train} train / {options.eval} eval examples, "
          f"{CLASSES} classes, {options.epochs} epochs, torch threads {torch.get_num_threads()}; "
          f"best of {options.rounds} rounds of the median over the epochs after the first")
    print_table(["variant", "epoch wall s", "epoch CPU s", "epoch CPU vs accuracy", "evaluation wall s",
                 "evaluation CPU s", "evaluation CPU vs accuracy", "logging callback ms"],
                [[variant, f"{r['epoch']:.3f}", f"{r['epoch cpu']:.3f}", f"{r['epoch cpu'] / base['epoch cpu']:.3f}",
                  f"{r['evaluation']:.3f}", f"{r['evaluation cpu']:.3f}",
                  f"{r['evaluation cpu'] / base['evaluation cpu']:.2f}", f"{1000 * r['callback']:.1f}"] for variant, r in results.items()])
    ours, peer = results["ours"]["epoch cpu"], results["peer recipe"]["epoch cpu"]
    print(f"ours adds {100 * (ours / base['epoch cpu'] - 1):+.1f}% CPU per epoch (goal <= +10%); "
          f"the peer recipe adds {100 * (peer / base['epoch cpu'] - 1):+.1f}%")

if __name__ == "__main__":
    main()

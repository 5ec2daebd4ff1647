"""What logging predictions each epoch costs a PyTorch Lightning training on scikit-learn's digits (small MLP).

Variants, each a `Trainer.fit` with validation on 397 examples (1400 training ones, batch 32), timed per
epoch from `on_train_epoch_start` to `on_train_epoch_end` (validation included), median over the epochs after
the warm-up ones, rounds interleaved so drift hits all variants alike:
  plain          no extra callback (the TensorBoardLogger still logs its scalars)
  ours           tb_confusion.lightning.ConfusionMatrixCallback on what validation_step returns
  image recipe   the callback users paste today: at epoch end, predict over the validation loader again,
                 sklearn confusion_matrix -> matplotlib figure -> logger.experiment.add_figure

Wall time suffers when other processes share the cores; CPU time (all threads of this process) is
steadier. An overhead of a few percent drowns in the epoch-to-epoch noise, so each callback also sums the
CPU time spent inside its own hooks: that sum over a plain epoch's CPU time is the figure the goal
(<= +10%) is judged on.
Run: .venv/bin/python bench/bench_door_lightning.py [--epochs 8] [--rounds 3]
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorBoardLogger's writer may import TensorFlow

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import lightning.pytorch as L  # noqa: E402
from lightning.pytorch.loggers import TensorBoardLogger  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from common import print_table  # noqa: E402

import tb_confusion.lightning  # noqa: E402

WARMUP_EPOCHS = 2


class Digits(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", torch.nn.functional.cross_entropy(logits, y))
        return {"labels": y, "logits": logits}

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


class ConfusionImage(L.Callback):
    """The peer recipe: a second pass over the validation data, drawn as a matplotlib confusion matrix."""

    def __init__(self, loader):
        self.loader = loader

    def on_validation_epoch_end(self, trainer, pl_module):
        if trainer.sanity_checking:
            return
        predictions, targets = [], []
        with torch.no_grad():
            for x, y in self.loader:
                predictions.append(pl_module(x.to(pl_module.device)).argmax(dim=1).cpu())
                targets.append(y)
        matrix = confusion_matrix(torch.cat(targets).numpy(), torch.cat(predictions).numpy())
        figure, ax = plt.subplots(figsize=(8, 8))
        ConfusionMatrixDisplay(matrix, display_labels=[str(c) for c in range(10)]).plot(ax=ax)
        trainer.logger.experiment.add_figure("confusion_matrix", figure, trainer.current_epoch)  # closes it


def timed(callback_class):
    """`callback_class` with the CPU seconds spent in its hooks summed per epoch (in `.spent`)."""

    class Timed(callback_class):
        spent = None

        def _timed(self, hook, *args):
            start = time.process_time()
            getattr(super(), hook)(*args)
            self.spent[-1] += time.process_time() - start

        def on_train_epoch_start(self, *args):
            self.spent = (self.spent or []) + [0.0]

        def on_validation_epoch_start(self, *args):
            self._timed("on_validation_epoch_start", *args)

        def on_validation_batch_end(self, *args):
            self._timed("on_validation_batch_end", *args)

        def on_validation_epoch_end(self, *args):
            self._timed("on_validation_epoch_end", *args)

    return Timed


class EpochClock(L.Callback):
    """Wall and CPU seconds of each training epoch, its validation included (put it last)."""

    def __init__(self):
        self.wall, self.cpu = [], []

    def on_train_epoch_start(self, trainer, pl_module):
        self._start = time.perf_counter(), time.process_time()

    def on_train_epoch_end(self, trainer, pl_module):
        self.wall.append(time.perf_counter() - self._start[0])
        self.cpu.append(time.process_time() - self._start[1])


def loaders():
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(x / 16.0, dtype=torch.float32), torch.tensor(y)
    data = torch.utils.data.TensorDataset(x, y)
    train = torch.utils.data.Subset(data, range(1400))
    val = torch.utils.data.Subset(data, range(1400, len(y)))
    return (torch.utils.data.DataLoader(train, batch_size=32, shuffle=True),
            torch.utils.data.DataLoader(val, batch_size=32))


def run(variant, epochs, logdir):
    train, val = loaders()
    extra = {"plain": [], "ours": [timed(tb_confusion.lightning.ConfusionMatrixCallback)()],
             "image recipe": [timed(ConfusionImage)(val)]}[variant]
    clock = EpochClock()
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=epochs, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, num_sanity_val_steps=0,
                        logger=TensorBoardLogger(logdir, name=variant.replace(" ", "_")),
                        callbacks=extra + [clock])
    torch.manual_seed(0)
    trainer.fit(Digits(), train, val)
    hooks = extra[0].spent[WARMUP_EPOCHS:] if extra else [0.0] * (epochs - WARMUP_EPOCHS)
    return clock.wall[WARMUP_EPOCHS:], clock.cpu[WARMUP_EPOCHS:], hooks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    for name in ("lightning.pytorch", "lightning.pytorch.utilities.rank_zero", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    torch.set_num_threads(1)  # steadier on a shared machine; every variant alike
    variants = ("plain", "ours", "image recipe")
    wall, cpu, hooks = ({v: [] for v in variants} for _ in range(3))
    with tempfile.TemporaryDirectory() as logdir:
        for variant in variants:  # unmeasured: first-use costs (matplotlib fonts, lazy imports)
            run(variant, WARMUP_EPOCHS + 1, logdir)
        for _ in range(args.rounds):
            for variant in variants:
                w, c, h = run(variant, args.epochs, logdir)
                wall[variant] += w
                cpu[variant] += c
                hooks[variant] += h
    med_wall, med_cpu, med_hooks = ({v: statistics.median(d[v]) for v in variants} for d in (wall, cpu, hooks))
    print(f"digits MLP, 1400 train / 397 validation examples, batch 32; {args.rounds} rounds x "
          f"{args.epochs - WARMUP_EPOCHS} timed epochs per variant; torch threads: 1\n")
    rows = []
    for v in variants:
        rows.append([v, f"{med_wall[v] * 1e3:.1f}", f"{med_cpu[v] * 1e3:.1f}", f"{med_hooks[v] * 1e3:.2f}",
                     f"{med_hooks[v] / med_cpu['plain'] * 100:.1f}%",
                     f"{(med_wall[v] / med_wall['plain'] - 1) * 100:+.1f}%",
                     f"{(med_cpu[v] / med_cpu['plain'] - 1) * 100:+.1f}%",
                     f"{med_cpu[v] / med_cpu['ours']:.2f}x"])
    print_table(["variant", "epoch wall ms", "epoch CPU ms", "CPU in its hooks ms", "hooks / plain epoch CPU",
                 "wall vs plain", "CPU vs plain", "CPU / ours"], rows)
    share = med_hooks["ours"] / med_cpu["plain"]
    print(f"\nours spends {share * 100:.1f}% of a plain epoch's CPU time in its hooks (goal <= 10%): "
          f"{'met' if share <= 0.10 else 'NOT met'}; the image recipe spends "
          f"{med_hooks['image recipe'] / med_hooks['ours']:.0f}x as long in its hooks")


if __name__ == "__main__":
    main()

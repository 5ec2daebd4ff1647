"""What logging each boosting round's predictions costs an XGBoost / LightGBM training.

Per library and data set, a `train` with the eval set watched (its metric computed each round); variants:
  plain            no extra callback
  ours             ConfusionMatrixCallback, every round
  ours /10         the same with every_n_rounds=10
  image recipe     the usual recipe: a callback that predicts the eval set each round, draws a matplotlib
                   confusion matrix and logs it with tensorboardX's add_figure (XGBoost: booster.predict on
                   the watched DMatrix, iteration_range=(0, i+1); LightGBM: booster.predict(X_val,
                   num_iteration=i+1), which re-runs every tree each round)
Data sets: scikit-learn's digits (1437/360 examples, 10 classes: rounds of a few ms) and a generated one
(40,000/10,000 examples, 40 features, 5 classes: rounds of tens of ms).

Measured by a clock callback: the round time (median interval between consecutive rounds, so it includes
the logging callback) and the logging callback's own time per round (its mean over all rounds, logged or
not: with /10, one round in ten pays). Both in CPU time of this process (all threads), which other
processes sharing the cores disturb far less than wall time (also shown). Overhead = callback CPU per round
/ plain round CPU; "vs plain" = round CPU / plain round CPU, which also catches costs a callback causes
outside itself (LightGBM's Booster.predict during training slows the following rounds several-fold).
Run: .venv/bin/python bench/bench_door_boosting.py [--rounds 40] [--threads 1]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import lightgbm as lgb
import matplotlib
from common import print_table

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import xgboost as xgb
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import confusion_matrix
from tensorboardX import SummaryWriter

import tb_confusion.lightgbm as tbc_lgb
import tb_confusion.xgboost as tbc_xgb

VARIANTS = ("plain", "ours", "ours /10", "image recipe")
CPU, WALL = 0, 1


class Clock:
    """Round stamps and the time spent inside the logging callback, in CPU time (this process, all threads)
    and wall time."""

    def __init__(self):
        self.stamps, self.inside = [], []

    @staticmethod
    def now():
        return time.process_time(), time.perf_counter()

    def round_ms(self, which):
        return 1e3 * float(np.median(np.diff([stamp[which] for stamp in self.stamps])))

    def callback_ms(self, which):
        return 1e3 * float(np.mean([d[which] for d in self.inside])) if self.inside else 0.0

    def timed(self, call):
        start = self.now()
        result = call()
        self.inside.append(tuple(b - a for a, b in zip(start, self.now())))
        return result


def data_sets():
    digits = load_digits()
    x, y = digits.data.astype("float32"), digits.target
    x_big, y_big = make_classification(50_000, 40, n_informative=20, n_classes=5, random_state=0)
    return {"digits": (x[:1437], y[:1437], x[1437:], y[1437:]),
            "generated": (x_big[:40_000].astype("float32"), y_big[:40_000],
                          x_big[40_000:].astype("float32"), y_big[40_000:])}


def figure_of(labels, predicted, classes):
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.imshow(confusion_matrix(labels, predicted, labels=range(classes)), cmap="Blues")
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    return figure


# XGBoost.

class XGBoostImageRecipe(xgb.callback.TrainingCallback):
    def __init__(self, log_dir, dval, classes):
        super().__init__()
        self.writer, self.dval, self.labels, self.classes = SummaryWriter(log_dir), dval, dval.get_label(), classes

    def after_iteration(self, model, epoch, evals_log):
        scores = model.predict(self.dval, iteration_range=(0, epoch + 1))
        predicted = scores.argmax(axis=1) if scores.ndim == 2 else scores > 0.5
        self.writer.add_figure("confusion_matrix", figure_of(self.labels, predicted, self.classes), epoch)
        return False

    def after_training(self, model):
        self.writer.close()
        return model


class XGBoostTimed(xgb.callback.TrainingCallback):
    def __init__(self, inner, clock):
        super().__init__()
        self.inner, self.clock = inner, clock

    def before_training(self, model):
        return model if self.inner is None else self.inner.before_training(model)

    def after_iteration(self, model, epoch, evals_log):
        self.clock.stamps.append(self.clock.now())
        if self.inner is None:
            return False
        return self.clock.timed(lambda: self.inner.after_iteration(model, epoch, evals_log))

    def after_training(self, model):
        return model if self.inner is None else self.inner.after_training(model)


def xgboost_run(variant, data, rounds, threads, log_dir, clock):
    x_train, y_train, x_val, y_val = data
    classes = int(y_train.max()) + 1
    dtrain, dval = xgb.DMatrix(x_train, y_train), xgb.DMatrix(x_val, y_val)
    params = dict(objective="multi:softprob", num_class=classes, max_depth=6, nthread=threads,
                  eval_metric="mlogloss")
    inner = {"plain": None,
             "ours": tbc_xgb.ConfusionMatrixCallback(log_dir, evals=[(dval, "validation")]),
             "ours /10": tbc_xgb.ConfusionMatrixCallback(log_dir, evals=[(dval, "validation")], every_n_rounds=10),
             "image recipe": XGBoostImageRecipe(log_dir, dval, classes)}[variant]
    xgb.train(params, dtrain, rounds, evals=[(dval, "validation")], callbacks=[XGBoostTimed(inner, clock)],
              verbose_eval=False)


# LightGBM.

def lightgbm_image_recipe(log_dir, x_val, y_val, classes):
    writer = SummaryWriter(log_dir)

    def callback(env):
        scores = env.model.predict(x_val, num_iteration=env.iteration + 1)
        predicted = scores.argmax(axis=1) if scores.ndim == 2 else scores > 0.5
        writer.add_figure("confusion_matrix", figure_of(y_val, predicted, classes), env.iteration)
        if env.iteration == env.end_iteration - 1:
            writer.close()
    return callback


def lightgbm_timed(inner, clock):
    def callback(env):
        clock.stamps.append(clock.now())
        if inner is not None:
            clock.timed(lambda: inner(env))
    callback.order = 25  # where the door sits: after LightGBM's evaluation callbacks
    return callback


def lightgbm_run(variant, data, rounds, threads, log_dir, clock):
    x_train, y_train, x_val, y_val = data
    classes = int(y_train.max()) + 1
    params = dict(objective="multiclass", num_class=classes, num_leaves=31, num_threads=threads, verbose=-1)
    inner = {"plain": None,
             "ours": tbc_lgb.ConfusionMatrixCallback(log_dir),
             "ours /10": tbc_lgb.ConfusionMatrixCallback(log_dir, every_n_rounds=10),
             "image recipe": lightgbm_image_recipe(log_dir, x_val, y_val, classes)}[variant]
    train_set = lgb.Dataset(x_train, y_train)
    lgb.train(params, train_set, rounds, valid_sets=[lgb.Dataset(x_val, y_val, reference=train_set)],
              callbacks=[lightgbm_timed(inner, clock)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1, help="nthread / num_threads of the trainings")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="bench_boosting_")
    rows = []
    for library, run in (("XGBoost", xgboost_run), ("LightGBM", lightgbm_run)):
        for name, data in data_sets().items():
            clocks = {}
            for variant in VARIANTS:
                clocks[variant] = Clock()
                run(variant, data, args.rounds, args.threads, tempfile.mkdtemp(dir=root), clocks[variant])
            plain = clocks["plain"].round_ms(CPU)
            for variant, clock in clocks.items():
                cost = clock.callback_ms(CPU)
                rows.append((library, f"{name} ({len(data[3])} val)", variant, f"{clock.round_ms(WALL):.2f}",
                             f"{clock.round_ms(CPU):.2f}", f"{clock.round_ms(CPU) / plain:.2f}x", f"{cost:.3f}",
                             f"{100 * cost / plain:+.1f}%"))
    print(f"{args.rounds} rounds, {args.threads} thread(s); ms per boosting round (medians over rounds); "
          "callback: mean CPU ms per round; overhead = callback CPU / plain round CPU")
    print_table(["library", "data", "variant", "round wall", "round CPU", "vs plain", "callback CPU", "overhead"],
                rows)


if __name__ == "__main__":
    main()

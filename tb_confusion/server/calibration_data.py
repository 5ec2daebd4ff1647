"""The `calibration` route's object: one step's reliability diagram, ECE and MCE, and optionally the same
after temperature scaling fitted on that step (docs/http_api.md, `calibration`).

What is binned follows the metric catalogue's ece (tb_confusion/metrics/calibration.py `pairs`): binary,
the positive class's probability; multiclass, the top-1 probability against "the argmax is right";
multilabel, every (example, label) pair pooled. `class_index` k: class k one-vs-rest (one label).
"""

import math

import numpy as np

from tb_confusion.errors import BadArgument
from tb_confusion.metrics import calibration, probabilistic
from tb_confusion.server import json_http

MAX_BINS = 100
TEMPERATURES = ("fit",)
# Temperature search range (log T in [log 1/20, log 20]) and the golden-section steps: the bracket
# shrinks by 0.618 per step, so 60 steps leave it ~1e-12 wide.
_LOG_T_RANGE = (-math.log(20.0), math.log(20.0))
_GOLDEN_STEPS = 60
FIT_MAX_VALUES = 2_000_000
_BLOCK_VALUES = 1 << 20
_EPS = 1e-12


def options(request):
    """(n_bins, strategy, temperature) from the query, checked before the step is looked up."""
    n_bins = json_http.integer(request, "bins", default=calibration.DEFAULT_BINS, low=1, high=MAX_BINS)
    strategy = json_http.text(request, "strategy", required=False) or "equal_width"
    if strategy not in calibration.STRATEGIES:
        raise BadArgument(f"parameter 'strategy' must be one of {', '.join(calibration.STRATEGIES)}; "
                          f"got {json_http._echo(strategy)}")
    temperature = json_http.text(request, "temperature", required=False)
    if temperature is not None and temperature not in TEMPERATURES:
        raise BadArgument(f"parameter 'temperature' must be 'fit' or absent; got {json_http._echo(temperature)}")
    return n_bins, strategy, temperature


def scope(task_name, class_index):
    """What the diagram bins, in words (the panel shows it under the chart)."""
    if class_index is not None:
        return "label" if task_name == "multilabel" else "one_vs_rest"
    return {"binary": "positive_class", "multiclass": "top_1", "multilabel": "pooled_labels",
            "segmentation": "top_1"}[task_name]


def diagram(statistics, *, n_bins, strategy, class_index=None, probabilities=None):
    """metrics.calibration.reliability_diagram of the step (or of `probabilities` in its place) plus
    "gap" (accuracy - mean confidence per bin, None where empty), "num_pairs" and, for equal-mass bins,
    "adaptive_ece" (= "ece")."""
    task = statistics.task.name
    scaled = probabilities is not None
    if statistics.kind == "counts":
        return _accumulated_diagram(statistics, n_bins=n_bins, strategy=strategy, class_index=class_index)
    top = statistics.top if task == "multiclass" and class_index is None and not scaled else None
    out = calibration.reliability_diagram(
        statistics.labels, probabilities if scaled else None if top is not None else statistics.probabilities,
        task=task,
        positive_class=statistics.positive_class, class_index=class_index, n_bins=n_bins, strategy=strategy,
        sample_weight=statistics.weights, top=top)
    out["gap"] = [None if a is None else a - c for a, c in zip(out["accuracy"], out["confidence"])]
    out["num_pairs"] = sum(out["count"])
    if strategy == "equal_mass":
        out["adaptive_ece"] = out["ece"]
    return out


def _accumulated_diagram(statistics, *, n_bins, strategy, class_index):
    """The top-1 diagram of an accumulated step, from the 15 equal-width bins summed with it (the only
    bins it keeps: anything else is a NotStored 422 that says so)."""
    state = statistics.counts
    if n_bins != calibration.DEFAULT_BINS or strategy != "equal_width" or class_index is not None:
        statistics.per_example_unavailable(
            f"each pixel's probabilities (to bin them otherwise than the top-1 probability in "
            f"{calibration.DEFAULT_BINS} equal-width bins kept with the step)")
    table = state.calibration_table()
    ece, mce = calibration.errors_of(table)
    out = {**table, "n_bins": n_bins, "edges": [float(e) for e in table["edges"]],
           "count": table["count"].tolist(), "ece": ece, "mce": mce}
    out["gap"] = [None if a is None else a - c for a, c in zip(out["accuracy"], out["confidence"])]
    out["num_pairs"] = sum(out["count"])
    return out


def answer(statistics, *, n_bins, strategy, class_index=None, temperature=None):
    """The route's object for one step (a Statistics)."""
    record = statistics.record
    task = statistics.task.name
    out = {
        "run": record.run, "tag": record.tag, "step": record.step, "task": task,
        "class_names": list(statistics.class_names), "class": class_index,
        "scope": scope(task, class_index), "strategy": strategy, "n_bins": n_bins,
        "weighted": statistics.weighted,
        **_bins_and_errors(diagram(statistics, n_bins=n_bins, strategy=strategy, class_index=class_index)),
    }
    if temperature == "fit":
        out["temperature_scaling"] = temperature_scaling(statistics, n_bins=n_bins, strategy=strategy,
                                                         class_index=class_index)
    return out


def _bins_and_errors(table):
    bins = {k: table[k] for k in ("edges", "count", "confidence", "accuracy", "gap")}
    errors = {k: table[k] for k in ("ece", "mce", "adaptive_ece") if k in table}
    return {"bins": bins, **errors, "num_pairs": table["num_pairs"]}


# -- temperature scaling -------------------------------------------------------------------------------


def temperature_scaling(statistics, *, n_bins, strategy, class_index=None):
    """One temperature T fitted on the step (log p taken as logits; minimum log loss over T, golden
    section on log T) and the diagram, log loss and Brier score (None for multilabel, as the catalogue's)
    before and after dividing the logits by T.

    Large steps are fitted on evenly spaced rows holding at most FIT_MAX_VALUES probabilities (the fit
    evaluates the loss ~60 times); the diagram and log losses after it are of every row."""
    task = statistics.task.name
    n, width = len(statistics.labels), np.shape(statistics.probabilities)[1:] or (1,)
    rows = fit_rows(n, width[0])
    p = np.asarray(statistics.probabilities[rows], dtype=np.float64)
    weights = None if statistics.weights is None else statistics.weights[rows]
    nll = _nll_function(task, statistics.labels[rows], p, statistics.positive_class, weights)
    t = math.exp(_golden_section(lambda x: nll(math.exp(x)), *_LOG_T_RANGE))
    scaled = scale(task, statistics.probabilities, t)
    table = diagram(statistics, n_bins=n_bins, strategy=strategy, class_index=class_index, probabilities=scaled)

    def loss(probabilities, metric=probabilistic.log_loss):
        return metric(statistics.labels, probabilities, task=task, positive_class=statistics.positive_class,
                      sample_weight=statistics.weights)

    return {"temperature": t, "fit_examples": len(p), "log_loss_before": loss(statistics.probabilities),
            "log_loss": loss(scaled), "brier_before": loss(statistics.probabilities, probabilistic.brier_score),
            "brier": loss(scaled, probabilistic.brier_score), **_bins_and_errors(table)}


def fit_rows(n, c):
    """The rows the temperature is fitted on: a slice of every k-th row, k the smallest step that
    keeps n / k * c <= FIT_MAX_VALUES."""
    return slice(None, None, max(1, math.ceil(n * c / FIT_MAX_VALUES)))


def scale(task, probabilities, t):
    """The probabilities after temperature `t`: softmax(log p / t) over each row of a multiclass (or
    two-column binary) array, sigmoid(logit(p) / t) for a binary [N] or each label. float32 when the
    probabilities are stored in float32 or float16 (as the calibration bins read them), else float64;
    computed a block of rows at a time so a large step needs no float64 temporaries of its size."""
    p = np.asarray(probabilities)
    out = np.empty(p.shape, dtype=np.float32 if p.dtype in (np.float16, np.float32) else np.float64)
    block = max(1, _BLOCK_VALUES // max(1, p.shape[1] if p.ndim == 2 else 1))
    for start in range(0, len(p), block):
        part = p[start:start + block].astype(np.float64)
        out[start:start + block] = _scale_block(task, part, t)
    return out


def _scale_block(task, p, t):
    if task == "multilabel" or p.ndim == 1:
        q = np.clip(p, _EPS, 1 - _EPS)
        return 1.0 / (1.0 + np.exp(-(np.log(q) - np.log1p(-q)) / t))
    z = np.log(np.clip(p, _EPS, None)) / t
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll_function(task, labels, p, positive_class, weights):
    """nll(t): the (weighted) mean negative log-likelihood after temperature t."""
    y = np.asarray(labels)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)

    def mean(values):
        if values.ndim == 2:  # multilabel: per example, the mean over labels
            values = values.mean(axis=1)
        return float(values.mean() if w is None else np.dot(values, w) / w.sum())

    if task == "multilabel" or p.ndim == 1:
        q = np.clip(p, _EPS, 1 - _EPS)
        logit = np.log(q) - np.log1p(-q)
        positive = (y == positive_class) if task != "multilabel" else y.astype(bool)
        sign = np.where(positive, 1.0, -1.0)
        # -log sigmoid(s * z / t) = log1p(exp(-s * z / t)), computed stably with logaddexp
        return lambda t: mean(np.logaddexp(0.0, -sign * logit / t))
    z = np.log(np.clip(p, _EPS, None))
    rows = np.arange(len(y))

    def nll(t):
        s = z / t
        m = s.max(axis=1)
        log_norm = m + np.log(np.exp(s - m[:, None]).sum(axis=1))
        return mean(log_norm - s[rows, y])

    return nll


def _golden_section(f, low, high):
    """The x in [low, high] minimising a unimodal f, by golden-section search."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(_GOLDEN_STEPS):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2.0

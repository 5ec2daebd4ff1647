"""XGBoost >= 2: log each boosting round's predictions on the eval sets with one `TrainingCallback`.

    dval = xgb.DMatrix(X_val, y_val)
    xgb.train(params, dtrain, 100, evals=[(dval, "validation")],
              callbacks=[tbc.xgboost.ConfusionMatrixCallback("logs/run1", evals=[(dval, "validation")])])

XGBoost hands callbacks the booster and the metric history, not the eval data, so the callback takes the
eval sets itself: `evals=` as given to `xgb.train`, or `eval_set=` as given to the scikit-learn `fit`.
Round i's predictions come from the booster's prediction cache (the margins XGBoost keeps per DMatrix
and extends by one tree per round), so logging costs no re-prediction of earlier trees. See
docs/doors/boosting.md.
"""

import copy
import json
import warnings

import numpy as np
import xgboost as xgb

from tb_confusion.doors.boosting import MARGINS, PROBABILITIES, RoundLogger, objective_task
from tb_confusion.errors import BadArgument
from tb_confusion.storage.validation import brief, check_text

# XGBoost objective -> (task, what `Booster.predict` gives). multi:softmax predicts class indices, so its
# margins are logged and softmax-ed: the probabilities multi:softprob would give for the same trees.
OBJECTIVES = {
    "binary:logistic": ("binary", PROBABILITIES),
    "binary:logitraw": ("binary", MARGINS),
    "multi:softprob": ("multiclass", PROBABILITIES),
    "multi:softmax": ("multiclass", MARGINS),
}

__all__ = ["OBJECTIVES", "ConfusionMatrixCallback"]


class ConfusionMatrixCallback(xgb.callback.TrainingCallback):
    """Writes the booster's predictions on each eval set to `<log_dir>/<eval set name>` at `step=round`.

    Args:
      log_dir: the directory TensorBoard is pointed at; one run per eval set below it.
      evals: native API: the `[(DMatrix, name), ...]` given to `xgb.train(evals=...)` (the same DMatrix
        objects make logging cheapest; any labelled DMatrix works). Labels and weights are the DMatrix's.
      eval_set: scikit-learn API: the `[(X, y), ...]` given to `fit(eval_set=...)`; named "validation_0",
        "validation_1", ... as XGBoost names them. (For weights, `missing=` or categorical data, pass
        `evals=[(xgb.DMatrix(...), "validation_0")]` instead.)
      tag: the tag within each run.
      class_names: one name per class; default "0", "1", ... (XGBClassifier's `classes_` are 0..C-1).
      every_n_rounds: log rounds n-1, 2n-1, ... (0-based) and always the last round trained.
      example_ids: optional {eval set name: [N] ids (strings or ints)}, shown when a matrix cell is clicked.
      attributes: optional {eval set name: {attribute name: [N] values (str, int or bool)}} to slice by
        (docs/slices.md).
      class_groups: multi:* objectives only: the super-class of each class, a list of one group name per class
        (in class_names order) or a dict {group: [class names]}, as in `tb_confusion.summary.predictions_pb`
        (docs/groups.md).
      dtype, description, storage: as in `tb_confusion.summary.predictions_pb`.
    Raises:
      ValueError: naming the bad argument, here; at the start of training for an objective without
        probabilities (e.g. "reg:squarederror", "binary:hinge"), class_groups with a binary objective or not one
        per class, or eval data the model cannot take.
    """

    def __init__(self, log_dir, evals=None, *, eval_set=None, tag="predictions", class_names=None,
                 every_n_rounds=1, example_ids=None, dtype="float32", description=None, storage="auto",
                 attributes=None, class_groups=None):
        super().__init__()
        self.logger = RoundLogger(log_dir, tag=tag, class_names=class_names, every_n_rounds=every_n_rounds,
                                  example_ids=example_ids, dtype=dtype, description=description,
                                  storage=storage, attributes=attributes, class_groups=class_groups)
        if (evals is None) == (eval_set is None):
            raise BadArgument("pass exactly one of evals= (the [(DMatrix, name)] of xgb.train) or eval_set= "
                              f"(the [(X, y)] of XGBClassifier.fit); got evals={brief(evals)}, "
                              f"eval_set={brief(eval_set)}")
        self._sources = _check_evals(evals) if evals is not None else _check_eval_set(eval_set)
        self.names = [name for name, _ in self._sources]
        self.logger.check_names(self.names, "eval sets given")
        self._sets = None  # [(name, DMatrix, labels, weights)] for the current training
        self._task = self._kind = self._last_round = None

    # XGBoost hooks.

    def before_training(self, model):
        if not isinstance(model, xgb.Booster):
            raise BadArgument(f"the XGBoost door logs one Booster (xgb.train or the scikit-learn API); got "
                              f"{type(model).__name__} (xgb.cv is not supported)")
        config = json.loads(model.save_config())["learner"]
        self._task, self._kind = _task_of(config)
        self.logger.check_task(self._task, int(config["learner_model_param"].get("num_class", "0") or 0))
        self._sets = [_prepared(name, source, int(config["learner_model_param"]["num_feature"]))
                      for name, source in self._sources]
        self._last_round = None
        self.logger.last_logged = None
        return model

    def after_iteration(self, model, epoch, evals_log):
        # The absolute round, so training continued from a saved model continues the steps.
        self._last_round = model.num_boosted_rounds() - 1
        if self.logger.due(self._last_round):
            self._log(model, self._last_round)
        return False

    def after_training(self, model):
        last = self._last_round
        if last is not None and self.logger.last_logged != last:
            if model.num_boosted_rounds() == last + 1:
                self._log(model, last)
            else:
                warnings.warn(f"tb_confusion: the last round trained ({last}) was not logged: the model given to "
                              f"after_training has {model.num_boosted_rounds()} rounds (put this callback before "
                              "EarlyStopping(save_best=True))", stacklevel=2)
        self.logger.close()
        self._sets = None
        return model

    # Helpers.

    def _log(self, model, round_):
        # The full model is the model truncated at this round; predicting it from iteration 0 lets XGBoost
        # extend its cached margins of this DMatrix by the newest trees only.
        margins = self._kind == MARGINS
        self.logger.write(round_, [(name, labels, model.predict(dmatrix, output_margin=margins), weights)
                                   for name, dmatrix, labels, weights in self._sets],
                          task=self._task, kind=self._kind)

    def __deepcopy__(self, memo):
        # DMatrix handles cannot be copied (scikit-learn's clone deep-copies callbacks): copies share the
        # eval data, which is only read, and start with no open files.
        other = copy.copy(self)
        other.logger = copy.deepcopy(self.logger, memo)
        other._sets = None
        return other


def _task_of(config):
    objective = config["objective"]["name"]
    task, kind = objective_task(objective, OBJECTIVES, "XGBoost")
    targets = int(config["learner_model_param"].get("num_target", "1") or 1)
    if targets > 1:
        raise BadArgument(f"the XGBoost door logs one target; got a model with num_target={targets}")
    return task, kind


def _check_evals(evals):
    if isinstance(evals, (str, bytes)) or not isinstance(evals, (list, tuple)) or not evals:
        raise BadArgument(f"evals must be a non-empty list of (DMatrix, name) pairs; got {brief(evals)}")
    sources = []
    for k, item in enumerate(evals):
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], xgb.DMatrix)):
            raise BadArgument(f"evals[{k}] must be a (DMatrix, name) pair; got {brief(item)}")
        sources.append((check_text(item[1], f"the name of evals[{k}]"), item[0]))
    return _unique(sources, "evals")


def _check_eval_set(eval_set):
    if isinstance(eval_set, (str, bytes)) or not isinstance(eval_set, (list, tuple)) or not eval_set:
        raise BadArgument(f"eval_set must be a non-empty list of (X, y) pairs; got {brief(eval_set)}")
    sources = []
    for k, item in enumerate(eval_set):
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise BadArgument(f"eval_set[{k}] must be an (X, y) pair; got {brief(item)}")
        x, y = item
        rows = x.shape[0] if hasattr(x, "shape") else len(x)
        labels = np.asarray(y)
        if labels.ndim != 1 or len(labels) != rows:
            raise BadArgument(f"eval_set[{k}] must pair X with one label per row: X has {rows} rows, "
                              f"y has shape {labels.shape}")
        sources.append((f"validation_{k}", (x, labels)))
    return sources


def _unique(sources, what):
    names = [name for name, _ in sources]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise BadArgument(f"{what} names must be unique (one run each); got {twice} more than once")
    return sources


def _prepared(name, source, num_feature):
    dmatrix = source if isinstance(source, xgb.DMatrix) else xgb.DMatrix(source[0], label=source[1])
    if dmatrix.num_col() != num_feature:
        raise BadArgument(f"eval set {name!r} has {dmatrix.num_col()} features; the model takes {num_feature}")
    labels = dmatrix.get_label()
    if labels.size != dmatrix.num_row() or labels.size == 0:
        raise BadArgument(f"eval set {name!r} needs one label per row (DMatrix(X, label=y)); it has "
                          f"{labels.size} labels for {dmatrix.num_row()} rows")
    weights = dmatrix.get_weight()
    return name, dmatrix, labels, (weights if weights.size else None)

"""LightGBM >= 4: log each boosting round's predictions on the validation sets with one callback.

    lgb.train(params, train_set, 100, valid_sets=[valid_set],
              callbacks=[tbc.lightgbm.ConfusionMatrixCallback("logs/run1")])

LightGBM keeps every validation set (and the training set) on the booster together with its current
scores, so the callback needs no data of its own: round i's probabilities are the scores LightGBM has
already accumulated for its metrics (`LGBM_BoosterGetPredict`), read in O(N x C) without re-predicting
any tree. See docs/doors/boosting.md.
"""

import lightgbm as lgb
import numpy as np

from tb_confusion.doors.boosting import ONE_VS_ALL, PROBABILITIES, RoundLogger, objective_task
from tb_confusion.errors import BadArgument
from tb_confusion.storage.validation import brief, check_text

# LightGBM objective (and its aliases) -> (task, what the booster's scores are). multiclassova gives one
# independent sigmoid per class: those are scaled to sum to 1, which keeps each row's argmax.
OBJECTIVES = {
    "binary": ("binary", PROBABILITIES),
    **{name: ("multiclass", PROBABILITIES) for name in ("multiclass", "softmax")},
    **{name: ("multiclass", ONE_VS_ALL) for name in ("multiclassova", "multiclass_ova", "ova", "ovr")},
}
# Between LightGBM's record_evaluation (20) and early_stopping (30), which raises to stop training.
ORDER = 25

__all__ = ["OBJECTIVES", "ConfusionMatrixCallback"]


class ConfusionMatrixCallback:
    """Writes the booster's probabilities on each eval set to `<log_dir>/<eval set name>` at `step=round`.

    Pass it in `callbacks=` of `lgb.train` or of `LGBMClassifier.fit`. The eval sets are those LightGBM
    evaluates: every `valid_sets` entry (`eval_set` of `fit`) under its LightGBM name ("valid_0", ... or
    your `valid_names` / `eval_names`), and the training set ("training") when it is among them.

    Args:
      log_dir: the directory TensorBoard is pointed at; one run per eval set below it.
      eval_sets: None (all of the above) or the names of the sets to log, e.g. `["valid_0"]`; "training"
        (the name LightGBM gives the training set) may be named even when it is not a validation set.
      tag: the tag within each run.
      class_names: one name per class; for `LGBMClassifier` pass its classes in order, i.e.
        `np.unique(y_train)` (what becomes `classes_`; callbacks cannot see the estimator). Default "0", ...
      every_n_rounds: log rounds n-1, 2n-1, ... (0-based) and always the last round of `num_boost_round`.
      example_ids: optional {eval set name: [N] ids (strings or ints)}, shown when a matrix cell is clicked.
      attributes: optional {eval set name: {attribute name: [N] values (str, int or bool)}} to slice by
        (docs/slices.md).
      class_groups: multiclass objectives only: the super-class of each class, a list of one group name per
        class (in class_names order) or a dict {group: [class names]}, as in
        `tb_confusion.summary.predictions_pb` (docs/groups.md).
      dtype, description, storage: as in `tb_confusion.summary.predictions_pb`.
    Raises:
      ValueError: naming the bad argument, here; at the first round for an objective without
        probabilities (e.g. "regression", "lambdarank", a custom function), class_groups with a binary
        objective or not one per class, or an unknown eval set name.
    """

    def __init__(self, log_dir, *, eval_sets=None, tag="predictions", class_names=None, every_n_rounds=1,
                 example_ids=None, dtype="float32", description=None, storage="auto",
                 attributes=None, class_groups=None):
        self.logger = RoundLogger(log_dir, tag=tag, class_names=class_names, every_n_rounds=every_n_rounds,
                                  example_ids=example_ids, dtype=dtype, description=description,
                                  storage=storage, attributes=attributes, class_groups=class_groups)
        if eval_sets is not None:
            if isinstance(eval_sets, (str, bytes)) or not isinstance(eval_sets, (list, tuple)) or not eval_sets:
                raise BadArgument(f"eval_sets must be None or a non-empty list of eval set names; got "
                                  f"{brief(eval_sets)}")
            eval_sets = [check_text(name, f"eval_sets[{k}]") for k, name in enumerate(eval_sets)]
        self.eval_sets = eval_sets
        self.order = ORDER  # LightGBM sorts callbacks by these two attributes
        self.before_iteration = False
        self._plan = None  # (task, kind, [(name, data index, labels, weights)]) of the current training

    def __call__(self, env):
        if self._plan is None or env.iteration == env.begin_iteration:
            self.logger.close()
            self._plan = _plan(env, self.eval_sets, self.logger)
        task, kind, sets = self._plan
        last = env.end_iteration - 1
        if self.logger.due(env.iteration, last):
            self.logger.write(env.iteration, [(name, labels, _scores(env.model, index, len(labels)), weights)
                                              for name, index, labels, weights in sets], task=task, kind=kind)
        if env.iteration == last:
            self.close()

    def close(self):
        """Close the event files (done after the last round; call it when early stopping ended training)."""
        self.logger.close()
        self._plan = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_plan"] = None  # holds the training's Datasets
        return state


def _plan(env, wanted, logger):
    booster = env.model
    if not isinstance(booster, lgb.Booster):
        raise BadArgument(f"the LightGBM door logs one Booster (lgb.train or the scikit-learn API); got "
                          f"{type(booster).__name__} (lgb.cv is not supported)")
    objective = (env.params or {}).get("objective") or "regression"  # LightGBM's default
    task, kind = objective_task(objective, OBJECTIVES, "LightGBM")
    logger.check_task(task)
    train_name = booster._train_data_name
    indices = {train_name: 0, **{name: k + 1 for k, name in enumerate(booster.name_valid_sets)}}
    if wanted is None:
        evaluated = {item[0] for item in env.evaluation_result_list or ()}
        wanted = [train_name] * (train_name in evaluated) + list(booster.name_valid_sets)
        if not wanted:
            raise BadArgument("there is no eval set to log: pass valid_sets= to lgb.train (eval_set= to fit), "
                              f"or eval_sets=[{train_name!r}] to log the training set")
    unknown = [name for name in wanted if name not in indices]
    if unknown:
        raise BadArgument(f"eval_sets names {unknown} that LightGBM does not have; its eval sets are "
                          f"{list(indices)}")
    logger.check_names(wanted, "eval sets logged")
    sets = []
    for name in wanted:
        index = indices[name]
        dataset = booster.train_set if index == 0 else booster.valid_sets[index - 1]
        weights = dataset.get_weight()
        sets.append((name, index, dataset.get_label(), None if weights is None else np.asarray(weights)))
    return task, kind, sets


def _scores(booster, index, rows):
    """The booster's current converted scores of data set `index` (0 = training), [N] or [N, C]."""
    inner = getattr(booster, "_Booster__inner_predict", None)
    scores = inner(data_idx=index) if inner is not None else _scores_via_eval(booster, index)
    if scores.ndim == 1 and scores.size != rows:  # class-major before LightGBM 4
        scores = scores.reshape(rows, -1, order="F")
    return scores


def _scores_via_eval(booster, index):
    # The public route to the same array (a custom metric receives it), should the private one go away.
    seen = []

    def capture(scores, dataset):
        seen.append(np.array(scores))
        return "tb_confusion", 0.0, True

    booster.eval_train(capture) if index == 0 else booster.eval_valid(capture)
    return seen[0] if index == 0 else seen[index - 1]

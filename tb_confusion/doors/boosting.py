"""What the XGBoost and LightGBM doors share: their argument checks, the task an objective implies, which
rounds are logged, and one run (`<log_dir>/<eval set name>`) per eval set, written at `step=round`.

Imports neither library: each door brings its own objective table and its own way to read the scores.
"""

import numbers
import os

import numpy as np

from tb_confusion.doors.collect import LazyWriter
from tb_confusion.storage.class_groups import check_early as check_class_groups
from tb_confusion.errors import BadArgument
from tb_confusion.storage import kinds
from tb_confusion.storage.metadata import DTYPES
from tb_confusion.storage.validation import brief, check_choice, check_positive_int, check_text
from tb_confusion.summary import predictions_pb

# What a library's prediction is for an objective: probabilities as they are, margins (logits) that we
# turn into probabilities, or one-vs-all sigmoids that we scale to sum to 1 (the argmax is unchanged).
PROBABILITIES, MARGINS, ONE_VS_ALL = "probabilities", "margins", "one-vs-all"

__all__ = ["MARGINS", "ONE_VS_ALL", "PROBABILITIES", "RoundLogger", "objective_task"]


def objective_task(objective, table, library):
    """(task, kind of prediction) for `objective` from a door's `table` {objective: (task, kind)}, else
    BadArgument naming the objective and the supported ones."""
    if isinstance(objective, str) and objective in table:
        return table[objective]
    shown = objective if isinstance(objective, str) else f"a custom objective ({type(objective).__name__})"
    raise BadArgument(
        f"objective must be a classification objective with probabilities ({', '.join(sorted(table))}) "
        f"for the {library} door; got {shown!r}")


def probabilities_of(scores, kind):
    """(probabilities or logits, from_logits) for `predictions_pb` from a library's scores of `kind`."""
    if kind == MARGINS:
        return scores, True
    if kind == ONE_VS_ALL:
        return scores / scores.sum(axis=1, keepdims=True), False
    return scores, False


class RoundLogger:
    """The state both doors keep: options, which rounds are due, one lazily opened writer per eval set.

    Args:
      log_dir: runs are written to `<log_dir>/<eval set name>`.
      tag, class_names, dtype, description, storage: as in `tb_confusion.summary.predictions_pb`.
      every_n_rounds: log rounds n-1, 2n-1, ... (0-based) and always the last one.
      example_ids: optional {eval set name: [N] ids (strings or ints)}.
      attributes: optional {eval set name: {attribute name: [N] values (str, int or bool)}}, the per-example
        categories to slice by (docs/slices.md).
      class_groups: multiclass objectives only: the super-class of each class, as in
        `tb_confusion.summary.predictions_pb` (docs/groups.md); `check_task` checks it against the objective's task.
    """

    def __init__(self, log_dir, *, tag, class_names, every_n_rounds, example_ids, dtype, description, storage="auto",
                 attributes=None, class_groups=None):
        if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir):
            raise BadArgument(f"log_dir must be a non-empty path; got {brief(log_dir)}")
        self.log_dir = os.fspath(log_dir)
        self.tag = check_text(tag, "tag")
        self.every_n_rounds = check_positive_int(every_n_rounds, "every_n_rounds")
        self.dtype = check_choice(dtype, DTYPES, "dtype")
        self.storage = kinds.check(storage)
        if class_names is not None and (isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__")):
            raise BadArgument(f"class_names must be a sequence of strings, one per class; got {brief(class_names)}")
        # A wrapper's classes_ may hold numpy strings or ints: names are their text.
        self.class_names = None if class_names is None else [
            str(n) if isinstance(n, (np.generic, numbers.Integral)) and not isinstance(n, bool) else n
            for n in class_names]
        if description is not None and not isinstance(description, str):
            raise BadArgument(f"description must be a string or None; got {brief(description)}")
        self.description = description
        if example_ids is not None and not isinstance(example_ids, dict):
            raise BadArgument("example_ids must be a dict {eval set name: [N] ids}; "
                              f"got {type(example_ids).__name__}: {brief(example_ids)}")
        self.example_ids = dict(example_ids or {})
        if attributes is not None and not (isinstance(attributes, dict) and all(
                isinstance(value, dict) for value in attributes.values())):
            raise BadArgument("attributes must be a dict {eval set name: {attribute name: [N] values}}; "
                              f"got {type(attributes).__name__}: {brief(attributes)}")
        self.attributes = dict(attributes or {})
        self.class_groups = check_class_groups(class_groups, self.class_names, None)
        self._writers = {}
        self.last_logged = None

    def check_names(self, names, what):
        """BadArgument when an eval set named in `example_ids` or `attributes` is not among `names` (those
        logged)."""
        for argument, given in (("example_ids", self.example_ids), ("attributes", self.attributes)):
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise BadArgument(f"{argument} names eval sets {unknown} that are not logged; the {what} are "
                                  f"{list(names)}")

    def check_task(self, task, num_classes=None):
        """BadArgument naming class_groups when they do not fit the objective's `task` or, when known, its
        `num_classes` (with the default class names "0", "1", ... unless class_names were given)."""
        names = self.class_names
        if names is None and num_classes:
            names = [str(k) for k in range(num_classes)]
        check_class_groups(self.class_groups, names, task)

    def due(self, round_, last_round=None):
        """Whether round `round_` (0-based) is logged: every n-th round and the known last one."""
        return (round_ + 1) % self.every_n_rounds == 0 or round_ == last_round

    def write(self, round_, sets, *, task, kind):
        """Write one step for each eval set: `sets` is [(name, labels, scores, sample_weight or None)].
        Every summary is built (and validated) before any is written, so a bad set writes nothing."""
        summaries = []
        for name, labels, scores, weights in sets:
            probabilities, from_logits = probabilities_of(scores, kind)
            summaries.append((name, predictions_pb(
                self.tag, labels, probabilities, task=task, class_names=self.class_names, from_logits=from_logits,
                example_ids=self.example_ids.get(name), attributes=self.attributes.get(name), sample_weight=weights,
                class_groups=self.class_groups, dtype=self.dtype, description=self.description, storage=self.storage)))
        for name, summary in summaries:
            if name not in self._writers:
                self._writers[name] = LazyWriter(os.path.join(self.log_dir, name))
            self._writers[name].add_summary(summary, round_)
        self.last_logged = round_

    def close(self):
        """Close every run's event file (the next write opens a new one)."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def __getstate__(self):
        # Callbacks get deep-copied (scikit-learn's clone): copies start without open files.
        state = dict(self.__dict__)
        state["_writers"] = {}
        return state

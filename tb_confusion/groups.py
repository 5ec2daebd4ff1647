"""Grouped numbers: a multiclass step's confusion matrix and decision metrics with classes aggregated into
super-classes (the tag's class_groups, storage/class_groups.py; docs/groups.md).

    grouped_report(statistics, class_groups, cutoff=0.3)   # or grouped_report(report, class_groups)

The grouped matrix is the class matrix at the decision with rows summed by the true class's group and columns
by the predicted class's group; the multiclass "below cutoff" column, when present, stays one extra column.
Groups are ordered by their first appearance in class order. Its metrics are scikit-learn's on labels mapped
to groups with the predicted group = the group of the predicted (argmax) class, or "below cutoff": a
deliberate choice (not the argmax of probabilities summed by group), so the grouped matrix is the class
matrix the panel shows, aggregated, and an example counted right by class is right by group.
"""

import numpy as np

from tb_confusion import metrics as m, statistics as step_statistics
from tb_confusion.errors import BadArgument
from tb_confusion.jsonable import jsonable
from tb_confusion.metrics._checks import check_nonnegative, check_unit_interval
from tb_confusion.tasks import BELOW_CUTOFF
from tb_confusion.tasks import report_parts


def grouping(class_groups):
    """(group names in order of first appearance, [C] int index of each class's group)."""
    names, index = {}, np.empty(len(class_groups), dtype=np.intp)
    for k, group in enumerate(class_groups):
        index[k] = names.setdefault(group, len(names))
    return list(names), index


def grouped_matrix(matrix, class_groups):
    """The [G, G] (or [G, G + 1] with a cutoff column) matrix of a [C, C] (or [C, C + 1]) class matrix:
    rows summed by the true class's group, columns by the predicted class's group. Counts keep their type
    (int unweighted, float weighted)."""
    matrix = np.asarray(matrix)
    names, index = grouping(class_groups)
    c, g = len(index), len(names)
    if matrix.ndim != 2 or matrix.shape[0] != c or matrix.shape[1] not in (c, c + 1):
        raise BadArgument(f"class_groups has {c} entries, but the confusion matrix has shape {matrix.shape}")
    columns = np.append(index, g) if matrix.shape[1] == c + 1 else index  # below cutoff stays one column
    rows = np.zeros((g, matrix.shape[1]), dtype=matrix.dtype)
    np.add.at(rows, index, matrix)
    out = np.zeros((g, g + (matrix.shape[1] == c + 1)), dtype=matrix.dtype)
    np.add.at(out.T, columns, rows.T)
    return out


def class_matrix(source, cutoff=None):
    """The [C, C] (or [C, C + 1] with `cutoff`) class matrix of a multiclass Record or Statistics (exact or
    compact): true class x argmax, as the report's (metrics.confusion_from_top on the step's `top`)."""
    stats = step_statistics.of(source)
    if stats.task.name != "multiclass":
        raise BadArgument(f"class groups apply to multiclass steps; this step is {stats.task.name}")
    predicted, top = stats.top
    return m.confusion_from_top(stats.labels, predicted, top, len(stats.class_names), cutoff=cutoff,
                                sample_weight=stats.weights)


def grouped_report(source, class_groups, *, cutoff=None, beta=1.0):
    """The grouped report of a multiclass step: a dict shaped like build_report's (docs/report.md), whose
    "class_names" are the group names and whose matrix and metrics are by group (the module docstring).

    source: a Record or Statistics (then `cutoff` sets the decision), or a report dict of build_report (its
    matrix and cutoff are used; `cutoff` must then be None). class_groups: one group name per class (the tag's
    class_groups). Metrics: accuracy, balanced accuracy, precision / recall / F1 / F-beta / specificity / IoU
    per group with their averages, Cohen's kappa and MCC: the decision metrics. Ranking and probability
    metrics (ROC AUC, log loss, calibration) are left out: they would need probabilities summed by group,
    which is another definition than the predicted group used here.
    Adds "grouped": {"class_names": the classes, "class_groups": their groups}.
    """
    options = dict(beta=check_nonnegative("beta", beta))
    if isinstance(source, dict):
        if cutoff is not None:
            raise BadArgument("cutoff applies to a Record or Statistics; a report was made at its own cutoff")
        if source.get("task") != "multiclass":
            raise BadArgument(f"class groups apply to multiclass reports; this one is {source.get('task')}")
        cutoff, matrix, class_names = source["cutoff"], np.asarray(source["confusion_matrix"]), source["class_names"]
        where = {key: source.get(key) for key in ("run", "tag", "step", "wall_time")}
        num_examples, weighted = source["num_examples"], source["weighted"]
    else:
        cutoff = None if cutoff is None else check_unit_interval("cutoff", cutoff)
        stats = step_statistics.of(source)
        matrix = class_matrix(stats, cutoff)
        record, class_names = stats.record, stats.class_names
        where = {key: getattr(record, key, None) for key in ("run", "tag", "step", "wall_time")}
        num_examples, weighted = int(record.num_examples), stats.weighted
    class_groups = list(class_groups or ())
    if len(class_groups) != len(class_names):
        raise BadArgument(f"class_groups must have one group per class ({len(class_names)}); got "
                          f"{len(class_groups)}")
    names, _ = grouping(class_groups)
    grouped = grouped_matrix(matrix, class_groups)
    tp, fp, fn, tn = m.class_counts(grouped)
    metrics, undefined = report_parts.threshold_metrics(grouped, tp, fp, fn, tn, names, options)
    metrics["cohen_kappa"], metrics["mcc"] = report_parts.agreement(grouped, undefined)
    metrics["iou"]["mean"] = metrics["iou"]["macro"]
    total = grouped.sum()
    coverage = (1.0 - float(grouped[:, -1].sum() / total) if cutoff is not None else 1.0) if total else None
    return jsonable({
        **where, "task": "multiclass", "class_names": names, "num_examples": num_examples, "weighted": weighted,
        "threshold": None, "cutoff": cutoff, "coverage": coverage, "beta": report_parts.beta(options),
        "confusion_matrix": grouped, "predicted_labels": names + ([BELOW_CUTOFF] if cutoff is not None else []),
        "metrics": metrics, "undefined": undefined, "recommended_thresholds": None,
        "grouped": {"class_names": list(class_names), "class_groups": class_groups},
    })

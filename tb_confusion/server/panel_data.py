"""What the browser needs from one step: sufficient statistics, example lists, per-epoch metrics.

The math lives in tb_confusion.metrics, the per-task arrangement in tb_confusion.tasks; this module
gives every route's object its common frame (see docs/http_api.md for the shapes).
"""

import numpy as np

from tb_confusion import catalogue, groups, label_issues, statistics
from tb_confusion.errors import BadArgument
from tb_confusion.report import DEFAULT_CURVE_POINTS, build_report
from tb_confusion.server import packed

EPOCH_METRICS = catalogue.keys(headline=True)


def step_stats(source):
    """The `stats` route's object of one step (a Record or its Statistics): `stats` of its default report."""
    data = statistics.of(source)
    return stats(data, build_report(data))


def stats(source, report):
    """The `stats` route's object for one step (a Record or its Statistics).

    `report` is build_report(source) at default arguments. A multiclass step's curves are not part of it: the
    panel asks the `curves` route for the class it shows (class_curves)."""
    data = statistics.of(source)
    record = data.record
    report = dict(report)
    # the panel draws the matrix from the statistics below (and the report route's when exact numbers are
    # asked for): the default report's C x C copy would be the answer's largest part at 1,000 classes
    report.pop("confusion_matrix", None)
    out = {
        "run": record.run,
        "tag": record.tag,
        "step": record.step,
        "wall_time": record.wall_time,
        "task": record.task,
        "class_names": list(record.class_names),
        "num_examples": record.num_examples,
        "weighted": data.weighted,
        "storage": data.kind,
        "exact": True,
        "report": report,
    }
    # the task's arrays (sorted counts, cells' scores) go out packed: see server/packed.py
    out.update({key: packed.pack_arrays(value) for key, value in data.task.panel_stats(data, report).items()})
    return out


def class_curves(source, class_index):
    """The `curves` route's object: {"class_index", "roc", "pr"}, class `class_index`'s one-vs-rest curves of a
    multiclass step: `report?curves=1`'s curves["roc"][class_index] and ["pr"][...] with its `auc` and
    `average_precision` (Multiclass.class_curves). errors.BadArgument for other tasks, whose `stats` carry their
    curves' counts."""
    data = statistics.of(source)
    record = data.record
    class_curves = getattr(data.task, "class_curves", None)
    if class_curves is None:
        raise BadArgument(f"the curves route serves multiclass steps; {record.run}/{record.tag} is {record.task}, "
                          "whose stats carry its curves")
    curves = class_curves(data, class_index, DEFAULT_CURVE_POINTS)
    return {"class_index": class_index, "roc": curves["roc"][0], "pr": curves["pr"][0]}


def cell_assignment(source, *, threshold=None, cutoff=None, label=None):
    """(true [N], pred [N], score [N]) for the task; score is the probability of the predicted class.

    binary: classes are indices into class_names, positive when its probability >= threshold (0.5);
    multiclass: pred is the argmax, or C ("below cutoff") when its probability < cutoff;
    multilabel: label `label`, true/pred in {0, 1}.
    """
    data = statistics.of(source)
    return data.task.cell_assignment(data, threshold=threshold, cutoff=cutoff, label=label)


def examples(source, *, true, pred, threshold=None, cutoff=None, label=None, offset=0, limit=50,
             order="confidence", class_groups=None):
    """One page of the examples in matrix cell (true, pred): each with its index, id, its `true` and
    `pred` classes, `score` (the predicted class's probability), `true_score` (the true class's;
    multilabel: of the label's true state), the runner-up class with its probability (the most probable
    class other than the predicted one; null for multilabel) and `likely_issue` (tb_confusion.label_issues
    flags its given label).

    `class_groups` (multiclass, one group per class): (true, pred) is a cell of the grouped matrix
    (tb_confusion.groups: group indices in order of first appearance, pred = the number of groups for
    "below cutoff"), holding the examples whose true class is in group `true` and whose predicted class is
    in group `pred`.

    `order`: "confidence" (most confident first) or "likely_mislabeled" (likely label issues first, each
    group by `true_score` ascending). `likely_issues` counts the cell's likely label issues."""
    data = statistics.of(source)
    if data.kind == "counts":  # (a per-pixel tag has no class groups: storage/class_groups.py)
        return data.task.examples_page(data, true=true, pred=pred, cutoff=cutoff, offset=offset, limit=limit,
                                       order=order)
    truth, predicted, score = cell_assignment(data, threshold=threshold, cutoff=cutoff, label=label)
    if class_groups is None:
        index = np.flatnonzero((truth == true) & (predicted == pred))
    else:
        names, group_of = groups.grouping(class_groups)
        column_of = np.append(group_of, len(names))  # below cutoff (predicted C) stays its own column
        index = np.flatnonzero((group_of[truth] == true) & (column_of[predicted] == pred))
    issues = label_issues.of_step(data, label=label)
    if order == "likely_mislabeled":
        index = issues.order(index)
    else:
        index = index[np.lexsort((index, -score[index]))]  # ties: lower index first
    page = index[offset:offset + limit]
    if class_groups is None:
        true_scores, runner_up, runner_up_scores = data.task.example_scores(data, page, true=true, pred=pred,
                                                                            label=label)
    else:  # each example's own classes
        true_scores, runner_up, runner_up_scores = data.task.example_scores(data, page, true=truth[page],
                                                                            pred=predicted[page])
    rows = []
    for k, i in enumerate(page):
        row = {"index": int(i), "id": data.record.example_id(int(i)), "true": int(truth[i]), "pred": int(predicted[i]),
               "score": float(score[i]), "true_score": float(true_scores[k]), "runner_up": None,
               "runner_up_score": None, "likely_issue": bool(issues.flagged[i])}
        if runner_up is not None:
            row.update(runner_up=int(runner_up[k]), runner_up_score=float(runner_up_scores[k]))
        rows.append(row)
    return {"total": int(len(index)), "offset": offset, "limit": limit, "order": order,
            "likely_issues": int(issues.flagged[index].sum()), "examples": rows}


def epoch_metrics(report):
    """The headline numbers of one report (catalogue.headline of each headline metric)."""
    return {key: catalogue.headline(report["metrics"].get(key)) for key in EPOCH_METRICS}


EXAMPLE_ORDERS = ("confidence", "likely_mislabeled")


def label_issue_counts(source, *, threshold=None, cutoff=None, label=None):
    """The `label_issues` route's object: likely label issues (tb_confusion.label_issues) per matrix cell
    at the panel's decision (threshold, cutoff; multilabel: the 2x2 of `label`), with the per-class
    confident-learning thresholds they come from."""
    data = statistics.of(source)
    truth, predicted, _ = cell_assignment(data, threshold=threshold, cutoff=cutoff, label=label)
    issues = label_issues.of_step(data, label=label)
    rows, columns = (c + 1 for c in data.task.cell_bounds(len(data.class_names)))
    return {
        "run": data.record.run, "tag": data.record.tag, "step": data.record.step, "label": label,
        "num_examples": int(len(truth)), "likely_issues": issues.count,
        "thresholds": [float(t) for t in issues.thresholds],
        "counts": issues.cell_counts(truth, predicted, (rows, columns)).tolist(),
    }

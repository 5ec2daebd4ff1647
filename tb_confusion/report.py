"""Record + threshold -> the report dict: the JSON contract shared by `tb-confusion report` and the plugin.

Schema: docs/report.md. Values are JSON-ready (int, float, str, list, dict, None); undefined values are
None or, where scikit-learn's zero_division=0 applies, 0, and their names are listed in "undefined".
"""

from tb_confusion import catalogue, statistics
from tb_confusion.errors import BadArgument
from tb_confusion.jsonable import jsonable
from tb_confusion.metrics._checks import check_nonnegative, check_thresholds, check_unit_interval
from tb_confusion.tasks import BELOW_CUTOFF, TOP_K  # noqa: F401  (public names of this module)

DEFAULT_THRESHOLD = 0.5
DEFAULT_CURVE_POINTS = 200  # points per downsampled ROC or PR curve


def build_report(record, *, threshold=None, thresholds=None, cutoff=None, curves=False, cost_fp=1.0,
                 cost_fn=1.0, curve_points=DEFAULT_CURVE_POINTS, beta=1.0):
    """The report dict of one Record, or of its Statistics (see docs/report.md).

    threshold: binary decision threshold (default 0.5; positive when score >= threshold, in float64); for a
    multilabel record a scalar threshold applies to every label. thresholds: multilabel per-label list.
    cutoff: multiclass confidence cutoff (rows whose top probability is below it are "below cutoff").
    Arguments that do not apply to the record's task are checked but ignored, so one call fits every tag.
    curves: add downsampled ROC and PR curves (at most `curve_points` points each) with operating points.
    cost_fp, cost_fn: costs of a false positive / negative for the min_cost recommended threshold.
    beta: the F-beta's beta (`fbeta`; recall weighs beta times as much as precision; 1 gives F1).
    Passing the same Statistics to several calls sorts each class's scores once for all of them.
    """
    threshold = DEFAULT_THRESHOLD if threshold is None else check_unit_interval("threshold", threshold)
    cutoff = None if cutoff is None else check_unit_interval("cutoff", cutoff)
    options = dict(threshold=threshold, cutoff=cutoff, cost_fp=check_nonnegative("cost_fp", cost_fp),
                   cost_fn=check_nonnegative("cost_fn", cost_fn), curves=curves, curve_points=curve_points,
                   beta=check_nonnegative("beta", beta))
    if curves and (isinstance(curve_points, bool) or not isinstance(curve_points, int) or curve_points < 2):
        raise BadArgument(f"curve_points must be an int >= 2; got {curve_points!r}")
    stats = statistics.of(record)
    record = stats.record
    names = stats.class_names
    if stats.task.decision == "per_label":
        options["thresholds"] = check_thresholds(thresholds if thresholds is not None else threshold, len(names))
    report = {
        "run": record.run, "tag": record.tag, "step": record.step, "wall_time": record.wall_time,
        "task": record.task, "class_names": names, "num_examples": int(record.num_examples),
        "weighted": stats.weighted,
    }
    report.update(stats.task.report(stats, options))
    for metric in catalogue.computed(stats.task.name):
        value, undefined = (metric.compute(stats) if metric.decision
                            else stats.memo(("metric", metric.key), lambda metric=metric: metric.compute(stats)))
        report["metrics"][metric.key] = value
        if undefined:
            report["undefined"].append(metric.key)
    return jsonable(report)


def metric_value(report, path):
    """The value at a dotted metric path ("f1.macro", "accuracy", "recall.per_class.cat", "coverage"),
    looked up in report["metrics"] first, then in the report; KeyError when the path does not exist."""
    for node in (report["metrics"], report):
        try:
            return _walk(node, path.split("."), report["class_names"])
        except KeyError:
            continue
    raise KeyError(path)


def _walk(node, parts, class_names):
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and parts[i - 1] == "per_class" and i > 0:
            name = ".".join(parts[i:])  # class names may contain dots
            if name in class_names:
                return node[class_names.index(name)]
            if name.isdigit() and int(name) < len(node):
                return node[int(name)]
            raise KeyError(name)
        else:
            raise KeyError(part)
    if isinstance(node, (dict, list)):
        raise KeyError(".".join(parts))
    return node

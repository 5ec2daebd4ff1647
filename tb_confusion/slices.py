"""Slices: a step's numbers per value of a categorical attribute logged with it (docs/slices.md).

    slices.only(record, {"source": "web"})          # the step's examples whose source is "web": a Record
    slices.reports(record, "source")                # build_report of each value's examples
    slices.table(record, "source", metric="f1.macro", min_size=30)   # values sorted by their gap to the whole

Every number of a slice is `report.build_report` of the Record of its examples (`take`): one code path, so a
slice's matrix and metrics are what scikit-learn gives on that subset. Exact steps only: a compact step's
per-class histograms cover all of its examples and cannot be split (errors.NotStored says so).
"""

import dataclasses
import math

import numpy as np

from tb_confusion import catalogue, statistics as statistics_module
from tb_confusion.errors import BadArgument, NotFound, NotStored
from tb_confusion.report import build_report, metric_value
from tb_confusion.storage import payload

DEFAULT_METRIC = "accuracy"
DEFAULT_MIN_SIZE = 30


def _record(source):
    """The Record of a Record or of a Statistics."""
    return source.record if isinstance(source, statistics_module.Statistics) else source


def attribute(source, name):
    """The storage.attributes.Attribute `name` of a Record (or Statistics); errors.NotFound naming the ones
    logged when it is not there (a step may lack what another step of the tag has)."""
    record = _record(source)
    found = {a.name: a for a in getattr(record, "slice_attributes", None) or ()}
    if name not in found:
        have = ", ".join(map(repr, found)) if found else "none (log them with attributes=...)"
        raise NotFound(f"attribute {name!r} is not logged with this step; its attributes: {have}")
    return found[name]


def parse_filter(text):
    """(name, value as text) of "NAME=VALUE" (split at the first "="; names hold no "=")."""
    name, sep, value = text.partition("=") if isinstance(text, str) else ("", "", "")
    if not sep or not name:
        raise BadArgument(f"a slice is NAME=VALUE, e.g. source=web; got {text!r}")
    return name, value


def mask(source, filters):
    """Boolean [N]: the examples whose attributes have every value of `filters` ({name: value} or pairs; a
    value is the attribute's value or its text, e.g. 3 or "3"). errors.NotFound naming the name or value the
    step does not have, listing what it has; BadArgument when `filters` names an attribute twice."""
    record = _record(source)
    keep = np.ones(record.num_examples, dtype=bool)
    seen = set()
    for name, value in (filters.items() if hasattr(filters, "items") else filters):
        if name in seen:
            raise BadArgument(f"the slice names attribute {name!r} twice; a slice takes one value per attribute")
        seen.add(name)
        found = attribute(record, name)
        code = found.code_of(value if isinstance(value, str) else found.text(value))
        if code is None:
            listing = ", ".join(found.text(v) for v in found.values[:20]) + (", ..." if len(found.values) > 20 else "")
            raise NotFound(f"attribute {name!r} has no value {value!r} in this step; its values: {listing}")
        keep &= found.codes == code
    return keep


def only(source, filters):
    """The Record of the examples matching every filter of `filters` (see `mask`); the record itself when
    `filters` is empty. errors.NotFound when no example of the step matches them all."""
    record = _record(source)
    if not filters:
        return record
    check_sliceable(record)
    index = np.flatnonzero(mask(record, filters))
    if not len(index):
        pairs = filters.items() if hasattr(filters, "items") else filters
        raise NotFound("no example of this step is in the slice " + ", ".join(f"{n}={v}" for n, v in pairs))
    return take(record, index)


def take(record, index):
    """The Record of the examples at `index` (ascending int positions): labels, probabilities, weights,
    attributes, and ids (each example keeps its id; without logged ids, its index in the whole step)."""
    check_sliceable(record)
    index = np.asarray(index, dtype=np.intp)
    if record.has_example_ids:
        ids = _take_ids(record._example_ids, record._example_id_offsets, index)
    else:
        ids = payload.pack_integers(index)
    attributes = tuple(a.take(index) for a in record.slice_attributes or ()) or None
    return dataclasses.replace(
        record, labels=record.labels[index], probabilities=record.probabilities[index],
        weights=None if record.weights is None else record.weights[index], _example_ids=ids.data,
        _example_id_offsets=ids.offsets, ids_digest=None, slice_attributes=attributes)


def check_sliceable(source):
    """errors.NotStored unless the step keeps what its slices need: every example's predictions."""
    record = _record(source)
    if getattr(record, "facts", None) is not None:
        raise NotStored("slices need every example's probabilities: this step is stored compact, whose per-class "
                        "histograms cover the whole step (log it with storage='exact' to slice it; docs/slices.md)")
    if hasattr(record, "counts"):
        raise NotStored("slices need per-example predictions: this step is accumulated (sums over all pixels)")


def _take_ids(data, offsets, index):
    """PackedIds of the ids at `index` of packed (data, offsets), without a Python step per id."""
    starts, lengths = offsets[index], offsets[index + 1] - offsets[index]
    new = np.zeros(len(index) + 1, dtype="<i8")
    np.cumsum(lengths, out=new[1:])
    positions = np.repeat(starts - new[:-1], lengths) + np.arange(new[-1])
    return payload.PackedIds(np.frombuffer(data, np.uint8)[positions].tobytes(), new)


def groups(source, by):
    """[(value, ascending indices of its examples)] per value of attribute `by`, in stored order (values
    without examples included, with none)."""
    found = attribute(source, by)
    order = np.argsort(found.codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(found.counts())])
    return [(value, order[bounds[k]:bounds[k + 1]]) for k, value in enumerate(found.values)]


def reports(source, by, **options):
    """[{"attribute", "value", "filter", "count", "weight", "report"}] per value of attribute `by` of a Record
    (or Statistics): `report` is build_report(**options) of the value's examples (None when it has none)."""
    record = _record(source)
    found = attribute(record, by)
    check_sliceable(record)
    out = []
    for value, index in groups(record, by):
        part = take(record, index) if len(index) else None
        out.append({"attribute": by, "value": value, "filter": f"{by}={found.text(value)}", "count": int(len(index)),
                    "weight": None if record.weights is None else float(record.weights[index].sum()),
                    "report": None if part is None else build_report(part, **options)})
    return out


def table(source, by, *, metric=DEFAULT_METRIC, min_size=DEFAULT_MIN_SIZE, with_reports=False, **options):
    """The slices of attribute `by` sorted by the gap of `metric` (a report path, e.g. "f1.macro") to the whole
    step's, worst first (for a metric where lower is better, such as log_loss, the largest gap first); slices
    with fewer than `min_size` examples are flagged "small" and come after the others, and slices where the
    metric is undefined come last. `options` go to build_report (threshold, cutoff, ...).

    Returns {"attribute", "metric", "higher_is_better", "min_size", "whole": {"count", "weight", "metric_value"},
    "slices": [{"value", "filter", "count", "weight", "metric_value", "gap", "small"}]}, each slice with its
    "report" too when `with_reports`. "weight" is the sum of the sample weights (None without them).
    """
    min_size = _check_min_size(min_size)
    record = _record(source)
    attribute(record, by)
    check_sliceable(record)
    whole_report = build_report(source, **options)
    whole = _metric(whole_report, metric)
    better_high = _higher_is_better(metric)
    rows = []
    for entry in reports(record, by, **options):
        value = None if entry["report"] is None else _metric(entry["report"], metric)
        gap = None if value is None or whole is None else value - whole
        rows.append({"value": entry["value"], "filter": entry["filter"], "count": entry["count"],
                     "weight": entry["weight"], "metric_value": value, "gap": gap,
                     "small": entry["count"] < min_size})
        if with_reports:
            rows[-1]["report"] = entry["report"]

    def order(row):
        worse = math.inf if row["gap"] is None else (row["gap"] if better_high else -row["gap"])
        return (row["gap"] is None, row["small"], worse, -row["count"])

    rows.sort(key=order)
    return {"attribute": by, "metric": metric, "higher_is_better": better_high, "min_size": min_size,
            "whole": {"count": int(record.num_examples),
                      "weight": None if record.weights is None else float(np.sum(record.weights)),
                      "metric_value": whole},
            "slices": rows}


def _metric(report, path):
    try:
        value = metric_value(report, path)
    except KeyError:
        raise BadArgument(f"metric {path!r} is not in a {report['task']} report (use a path such as accuracy, "
                          "f1.macro, roc_auc.macro or recall.per_class.<class>; see docs/report.md)") from None
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise BadArgument(f"metric {path!r} is not a number; got {value!r}")
    return value


def _higher_is_better(path):
    found = catalogue.BY_KEY.get(path.split(".")[0])
    return True if found is None else found.higher_is_better


def _check_min_size(min_size):
    if isinstance(min_size, (bool, np.bool_)) or not isinstance(min_size, (int, np.integer)) or min_size < 0:
        raise BadArgument(f"min_size must be an integer >= 0; got {min_size!r}")
    return int(min_size)

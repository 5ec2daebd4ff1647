"""The server's side of slices (docs/slices.md, docs/http_api.md): the `slice` parameter every route takes
("only this slice", parsed before the step is looked up and applied to its Statistics), and the answers of the
`attributes` route (a step's attributes and the examples per value) and the `slices` route (the slice table of
one attribute, tb_confusion.slices.table). Bad input raises errors.BadArgument (400); an attribute or value the
step does not have, or a slice without examples, errors.NotFound (404, listing what the step has); a step stored
compact or accumulated errors.NotStored (422).
"""

from tb_confusion import slices, statistics as statistics_module
from tb_confusion.errors import BadArgument, NotStored
from tb_confusion.server import json_http

MAX_FILTERS = 8


def filters(request):
    """((name, value text), ...) of the request's `slice` parameters ("NAME=VALUE", repeatable: examples must
    match all); () without any. Hashable, for cache keys."""
    raw = [value for value in request.args.getlist("slice") if value != ""]
    if len(raw) > MAX_FILTERS:
        raise BadArgument(f"parameter 'slice' is given {len(raw)} times; at most {MAX_FILTERS}")
    parsed = []
    for value in raw:
        try:
            parsed.append(slices.parse_filter(value))
        except BadArgument:
            raise BadArgument(f"parameter 'slice' must be NAME=VALUE, e.g. source=web; got {json_http._echo(value)}"
                              ) from None
    return tuple(parsed)


def apply(statistics, chosen):
    """The Statistics of the examples of `statistics`' step that match every filter of `chosen` (see `filters`);
    `statistics` itself without filters. errors.NotFound naming an attribute or value the step does not have
    (routes over every step, such as epochs, answer such a step with null and the message)."""
    if not chosen:
        return statistics
    return statistics_module.of(slices.only(statistics.record, chosen))


def attributes(statistics, chosen=()):
    """The `attributes` answer of a step's Statistics, already filtered by `chosen` (see `apply`):
    {"num_examples", "slice", "sliceable", "attributes": [{"name", "kind", "values", "filters", "counts"}]}: every
    attribute of the (filtered) step, each value as logged, the `slice` text that selects it and its examples;
    "sliceable" says whether the step keeps what slices need (exact storage)."""
    record = statistics.record
    try:
        slices.check_sliceable(record)
        sliceable = True
    except NotStored:
        sliceable = False
    return {
        "num_examples": int(record.num_examples),
        "slice": _slice_of(chosen),
        "sliceable": sliceable,
        "attributes": [{"name": a.name, "kind": a.kind, "values": list(a.values),
                        "filters": [f"{a.name}={a.text(v)}" for v in a.values], "counts": a.counts().tolist()}
                       for a in getattr(record, "slice_attributes", None) or ()],  # per-pixel steps have none
    }


def table_options(request):
    """The `slices` route's own parameters, checked before the step is looked up: {"by" (required), "metric"
    (default accuracy), "min_size" (default 30), "with_reports" (`reports=1`: each slice's report too)}."""
    return {"by": json_http.text(request, "by"),
            "metric": json_http.text(request, "metric", required=False) or slices.DEFAULT_METRIC,
            "min_size": json_http.integer(request, "min_size", default=slices.DEFAULT_MIN_SIZE, low=0),
            "with_reports": json_http.flag(request, "reports")}


def table(statistics, chosen, table_options, report_options):
    """The `slices` answer of a step's Statistics, already filtered by `chosen` (see `apply`): slices.table
    with `table_options` (see `table_options`) and build_report's `report_options` (threshold, cutoff, ...)."""
    answer = slices.table(statistics, table_options["by"], metric=table_options["metric"],
                          min_size=table_options["min_size"], with_reports=table_options["with_reports"],
                          **report_options)
    record = statistics.record
    return {"run": record.run, "tag": record.tag, "step": record.step, "slice": _slice_of(chosen), **answer}


def _slice_of(chosen):
    return {name: value for name, value in chosen}

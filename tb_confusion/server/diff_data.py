"""The `diff` and `forgetting` routes: request parameters in, tb_confusion.diff's objects out.

The math is tb_confusion/diff.py; this module finds the steps (through the plugin's RecordSource, so
decoded steps are shared with every other route) and checks the parameters. Shapes: docs/http_api.md and
docs/diff.md.
"""

from tb_confusion import diff as _diff
from tb_confusion import tasks
from tb_confusion.errors import BadArgument, NotFound
from tb_confusion.reading import provider
from tb_confusion.server import json_http, slices_data

MAX_FLIPS_PAGE = 1000
MAX_FORGETTING_LIMIT = 1000


def decision_options(request, plugin_data):
    """{threshold, cutoff, thresholds} from the query (only those given), checked against the tag."""
    options = {"threshold": json_http.number(request, "threshold"), "cutoff": json_http.number(request, "cutoff"),
               "thresholds": json_http.number_list(request, "thresholds")}
    thresholds, names = options["thresholds"], plugin_data.class_names
    if thresholds is not None:
        if tasks.get(plugin_data.task).decision != "per_label":
            raise BadArgument(f"parameter 'thresholds' is for multilabel tags; this tag is {plugin_data.task}")
        if len(thresholds) != len(names):
            raise BadArgument(f"parameter 'thresholds' needs one value per label ({len(names)}); "
                              f"got {len(thresholds)}")
        options["thresholds"] = tuple(thresholds)
    return {k: v for k, v in options.items() if v is not None}


def diff(source, request, step_a):
    """The `diff` route's object. `step_a`: the plugin's step named by run, tag, step; B is run_b (default:
    run) at step_b (default: the `step` parameter as given, so "latest" stays the latest of run_b)."""
    options = decision_options(request, step_a.plugin_data)
    kind = json_http.text(request, "flips", required=False)
    if kind is not None and kind not in _diff.FLIP_KINDS:
        raise BadArgument(f"parameter 'flips' must be one of {', '.join(_diff.FLIP_KINDS)}; "
                          f"got {json_http._echo(kind)}")
    offset = json_http.integer(request, "offset", default=0)
    limit = json_http.integer(request, "limit", default=50, low=1, high=MAX_FLIPS_PAGE)
    matrices = json_http.flag(request, "matrices", default=True)
    ctx, experiment_id, run, tag = step_a.where
    run_b = json_http.text(request, "run_b", required=False) or run
    name = "step_b" if json_http.text(request, "step_b", required=False) is not None else "step"
    raw = json_http.text(request, name, required=False) or "latest"
    step_b = "latest" if raw == "latest" else json_http.integer(request, name)
    ref_b, plugin_data_b = source.find_step(ctx, experiment_id, run_b, tag, step_b)
    b = source.statistics(ctx, experiment_id, run_b, tag, ref_b, plugin_data_b, step_a.filters)
    return _diff.diff(step_a.statistics(), b, flips=kind, offset=offset, limit=limit, matrices=matrices,
                      **options)


def forgetting(source, tables, where, run, tag, request):
    """The `forgetting` route's object over every step of (run, tag); the answer is kept in `tables`
    (the plugin's cache of per-step tables) under the steps it was computed from."""
    ctx, experiment_id = where
    plugin_data = source.plugin_data(ctx, experiment_id, run, tag)
    options = decision_options(request, plugin_data)
    limit = json_http.integer(request, "limit", default=20, high=MAX_FORGETTING_LIMIT)
    refs = source.steps(ctx, experiment_id, run, tag)
    if not refs:
        raise NotFound(f"run {run!r} tag {tag!r} has no steps yet")
    filters = slices_data.filters(request)
    steps = _Steps(source, where, run, tag, refs, plugin_data, filters)
    key = ("forgetting", experiment_id, run, tag, tuple(provider.record_key(experiment_id, run, tag, r)[4:]
                                                       for r in refs), filters, tuple(sorted(options.items())), limit)
    return tables.get_or_compute(key, lambda: _diff.forgetting(steps, limit=limit, **options))


class _Steps:
    """Every step of one (run, tag) as a sequence of Statistics, each loaded (or found cached) on access."""

    def __init__(self, source, where, run, tag, refs, plugin_data, filters=()):
        self._source, self._where, self._run, self._tag = source, where, run, tag
        self._refs, self._plugin_data, self._filters = refs, plugin_data, filters

    def __len__(self):
        return len(self._refs)

    def __getitem__(self, k):
        return self._source.statistics(*self._where, self._run, self._tag, self._refs[k], self._plugin_data,
                                       self._filters)

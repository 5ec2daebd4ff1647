"""The `epochs` route: every step's headline numbers at the decision asked for.

Binary and multiclass steps answer from their `DecisionTable` (built once per step from its Statistics and
kept in the cache of per-step tables, ~5 bytes per example), so a new threshold is a bisection per step, not a
decode and a sort; multilabel steps answer from their Statistics, and those (step, decision) answers are kept.
"""

from tb_confusion import decision_table
from tb_confusion.errors import Unreadable
from tb_confusion.reading import provider
from tb_confusion.report import build_report
from tb_confusion.server import panel_data

def series(source, tables, where, run, tag, plugin_data, options):
    """[{"step", "wall_time", "metrics" (or None and "error")}] over every step of (run, tag).

    source: the RecordSource; tables: the cache of per-step tables and entries; where: (ctx, experiment_id);
    options: build_report's keyword arguments (validated by the route)."""
    ctx, experiment_id = where
    supported = decision_table.supports(plugin_data.task)
    decision = {"threshold": options.get("threshold"), "cutoff": options.get("cutoff"), "beta": options.get("beta", 1.0)}

    def statistics(ref):
        return source.statistics(ctx, experiment_id, run, tag, ref, plugin_data)

    def metrics(ref):
        step_key = provider.record_key(experiment_id, run, tag, ref)
        if supported:
            table = tables.get_or_compute(("table",) + step_key, lambda: decision_table.DecisionTable(statistics(ref)),
                                          decision_table.DecisionTable.nbytes)
            try:
                return table.headline(**decision)  # well under a millisecond: not worth a cache entry
            except decision_table.Unsupported:
                pass
        return tables.get_or_compute(("epoch", step_key, tuple(sorted(options.items()))),
                                     lambda: panel_data.epoch_metrics(build_report(statistics(ref), **options)))

    result = []
    for ref in source.steps(ctx, experiment_id, run, tag):
        entry = {"step": ref.step, "wall_time": ref.wall_time}
        try:
            entry["metrics"] = metrics(ref)
        except Unreadable as e:
            entry.update(metrics=None, error=str(e))
        result.append(entry)
    return result

"""The `epochs` route: every step's headline numbers at the decision asked for.

Binary and multiclass steps answer from their `DecisionTable` (built once per step from its Statistics and
kept in the cache of per-step tables, 5-7 bytes per example), so a new threshold is a bisection per step, not a
decode and a sort, and the metrics of every step are computed at once (decision_table.headlines); multilabel
steps answer from their Statistics, and those (step, decision) answers are kept.
Steps not yet cached are answered two at a time: building a table is mostly numpy sorts and reading the step
waits on the data server, both without the GIL, so the first request of 90 epochs takes about half as long on
two cores; then every step is read from the cache on the request's own thread.
"""

import concurrent.futures

from tb_confusion import decision_table
from tb_confusion.errors import NotFound, NotStored, Unreadable
from tb_confusion.reading import provider
from tb_confusion.report import build_report
from tb_confusion.server import panel_data

# Its own threads, not metrics._parallel's pool: a table's numpy kernels may use that pool, and a pool
# waiting on itself would deadlock.
_STEPS = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="tb_confusion_epochs")


def series(source, tables, where, run, tag, plugin_data, options, filters=()):
    """[{"step", "wall_time", "metrics" (or None and "error")}] over every step of (run, tag).

    source: the RecordSource; tables: the cache of per-step tables and entries; where: (ctx, experiment_id);
    options: build_report's keyword arguments (validated by the route); filters: the `slice` parameters
    (server/slices_data.filters): a step where no example is in the slice, or that cannot be sliced, answers
    metrics None and the error."""
    ctx, experiment_id = where
    supported = decision_table.supports(plugin_data.task)
    decision = {"threshold": options.get("threshold"), "cutoff": options.get("cutoff"), "beta": options.get("beta", 1.0)}

    def statistics(ref):
        return source.statistics(ctx, experiment_id, run, tag, ref, plugin_data, filters)

    def step_key(ref):
        return provider.record_key(experiment_id, run, tag, ref) + (filters,)

    def table_key(ref):
        return ("table",) + step_key(ref)

    def entry_key(ref):
        return ("epoch", step_key(ref), tuple(sorted(options.items())))

    def table(ref):
        return tables.get_or_compute(table_key(ref), lambda: decision_table.DecisionTable(statistics(ref)),
                                     decision_table.DecisionTable.nbytes)

    def report_metrics(ref):
        return tables.get_or_compute(entry_key(ref),
                                     lambda: panel_data.epoch_metrics(build_report(statistics(ref), **options)))

    def each(ref):
        """The step's table (or report metrics for tasks without one), or the error that step answers."""
        try:
            return table(ref) if supported else report_metrics(ref)
        except (Unreadable, NotFound, NotStored) as e:
            return e

    refs = list(source.steps(ctx, experiment_id, run, tag))
    # Only steps not yet in the cache go to the two threads: under many clients, a request whose steps are all
    # cached answers on its own thread instead of queueing behind others' decodes in the shared pool.
    cached = table_key if supported else entry_key
    missing = [i for i, ref in enumerate(refs) if cached(ref) not in tables]
    answered = dict(zip(missing, _STEPS.map(each, [refs[i] for i in missing]))) if len(missing) > 1 else {}
    found = [answered[i] if i in answered else each(ref) for i, ref in enumerate(refs)]
    if supported:
        built = [i for i, f in enumerate(found) if isinstance(f, decision_table.DecisionTable)]
        try:
            numbers = decision_table.headlines([found[i] for i in built], **decision)
        except decision_table.Unsupported:  # a headline metric no table computes: every step from its report
            supported = False
            found = [each(ref) for ref in refs]
        else:
            for i, headline in zip(built, numbers):
                found[i] = headline
    out = []
    for ref, f in zip(refs, found):
        entry = {"step": ref.step, "wall_time": ref.wall_time}
        if isinstance(f, Exception):
            entry.update(metrics=None, error=str(f))
        else:
            entry["metrics"] = f
        out.append(entry)
    return out

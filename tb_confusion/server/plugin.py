"""The Confusion tab: a TensorBoard dynamic plugin serving JSON routes and the browser's files.

Reads only through `context.data_provider`, so every logdir and loader TensorBoard supports works.
Never imports TensorFlow. Routes are documented in docs/http_api.md.
"""

from tensorboard import plugin_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tb_confusion import catalogue, tasks
from tb_confusion.reading import provider
from tb_confusion.server import assets, cache, calibration_data, epochs, json_http, memory, panel_data, slices_data, warm_up
from tb_confusion.storage import metadata
from tb_confusion.errors import BadArgument
from tb_confusion.server import diff_data, media_data
from tb_confusion.server.json_http import json_route
from tb_confusion.report import build_report

DEFAULT_CACHE_MB = 512
MAX_EXAMPLES_PAGE = 1000


class ConfusionLoader(base_plugin.TBLoader):
    """Keeps every step of our tags by default and loads the plugin."""

    def define_flags(self, parser):
        parser.add_argument(
            "--tb_confusion_cache_mb",
            type=int,
            default=DEFAULT_CACHE_MB,
            help="Memory bound (MiB) of the Confusion tab's cache of decoded steps and answers; 0 turns "
            "it off (default %(default)s).",
        )

    def fix_flags(self, flags):
        # TensorBoard keeps 10 steps per tag of a plugin it does not know. 0 keeps all, in both loaders;
        # this runs before the data ingester reads the flag, and an explicit user value wins.
        hints = getattr(flags, "samples_per_plugin", None)
        if isinstance(hints, dict):
            hints.setdefault(metadata.PLUGIN_NAME, 0)
        cache_mb = getattr(flags, "tb_confusion_cache_mb", None)
        if cache_mb is not None and cache_mb < 0:
            raise base_plugin.FlagsError(f"--tb_confusion_cache_mb must be >= 0; got {cache_mb}")

    def load(self, context):
        cache_mb = getattr(context.flags, "tb_confusion_cache_mb", None)
        cache_mb = DEFAULT_CACHE_MB if cache_mb is None else cache_mb
        memory.return_freed_arrays()
        memory.limit_arenas()
        return ConfusionPlugin(context, cache_bytes=cache_mb * 2**20)


class ConfusionPlugin(base_plugin.TBPlugin):
    plugin_name = metadata.PLUGIN_NAME

    def __init__(self, context, *, cache_bytes=DEFAULT_CACHE_MB * 2**20, static_root=None):
        self._caches = cache.split(cache_bytes)
        self._answers = self._caches["answers"]
        self._source = provider.RecordSource(
            context.data_provider, self._caches["steps"], provider.downsample_from_hints(context.sampling_hints),
            logdir=getattr(context, "logdir", None), memos=self._caches["tables"],
        )
        self._static_root = static_root or assets.static_dir()
        self._warm_up = warm_up.WarmUp()

    def is_active(self):
        return False  # TensorBoard core activates the tab when the logdir holds tb_confusion data.

    def frontend_metadata(self):
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="Confusion")

    def get_plugin_apps(self):
        return {
            "/index.js": self._serve_index,
            "/static/*": self._serve_static,
            "/tags": self._serve_tags,
            "/steps": self._serve_steps,
            "/report": self._serve_report,
            "/stats": self._serve_stats,
            "/curves": self._serve_curves,
            "/examples": self._serve_examples,
            "/label_issues": self._serve_label_issues,
            "/epochs": self._serve_epochs,
            "/catalogue": self._serve_catalogue,
            "/diff": self._serve_diff,
            "/forgetting": self._serve_forgetting,
            "/calibration": self._serve_calibration,
            "/media": self._serve_media,
            "/attributes": self._serve_attributes,
            "/slices": self._serve_slices,
        }

    # -- routes -------------------------------------------------------------------------------------

    @json_route
    def _serve_tags(self, request):
        return self._source.tags(*_where(request))

    @json_route
    def _serve_steps(self, request):
        run, tag = _run_tag(request)
        refs = self._source.steps(*_where(request), run, tag)
        return [{"step": r.step, "wall_time": r.wall_time} for r in refs]

    @json_route
    def _serve_report(self, request):
        options = _report_options(request, with_curves=True)
        step = self._step(request)
        _check_thresholds(options, step.plugin_data)
        key = ("report", step.key, tuple(sorted(options.items())))

        def compute():
            report = build_report(step.statistics(), **options)
            return json_http.encode(report, gzipped=json_http.accepts_gzip(request))

        return self._answers.get_or_compute(key, compute, _body_size)

    @json_route
    def _serve_stats(self, request):
        return self._stats_answer(self._step(request), gzipped=json_http.accepts_gzip(request))

    def _stats_answer(self, step, *, gzipped):
        def compute():
            return json_http.encode(panel_data.step_stats(step.statistics()), gzipped=gzipped)

        return self._answers.get_or_compute(("stats", step.key), compute, _body_size)

    def _warm_opening_view(self, ctx, experiment_id):
        """Build the `stats` answers of the view the tab opens on (server/warm_up.py), as a browser asks."""
        for run, tag in warm_up.opening_view(self._source.tags(ctx, experiment_id)):
            self._stats_answer(self._step_at(ctx, experiment_id, run, tag, "latest"), gzipped=True)

    @json_route
    def _serve_examples(self, request):
        threshold, cutoff = json_http.number(request, "threshold"), json_http.number(request, "cutoff")
        offset = json_http.integer(request, "offset", default=0)
        limit = json_http.integer(request, "limit", default=50, low=1, high=MAX_EXAMPLES_PAGE)
        order = json_http.text(request, "order", required=False) or "confidence"
        if order not in panel_data.EXAMPLE_ORDERS:
            raise BadArgument(f"parameter 'order' must be one of {', '.join(panel_data.EXAMPLE_ORDERS)}; "
                              f"got {json_http._echo(order)}")
        step = self._step(request)
        task, c = tasks.get(step.plugin_data.task), len(step.plugin_data.class_names)
        label = json_http.integer(request, "label", high=c - 1, required=True) if task.cell_needs_label else None
        class_groups = _cell_groups(request, step)
        if class_groups is None:
            true_high, pred_high = task.cell_bounds(c)
            true = json_http.integer(request, "true", high=true_high, required=True)
            pred = json_http.integer(request, "pred", high=pred_high, required=True)
        else:  # a cell of superclasses: group indices, the below-cutoff column after the last group
            count = len(set(class_groups))
            true = json_http.integer(request, "true_group", high=count - 1, required=True)
            pred = json_http.integer(request, "pred_group", high=count, required=True)
        return panel_data.examples(
            step.statistics(), true=true, pred=pred, threshold=threshold, cutoff=cutoff, label=label,
            offset=offset, limit=limit, order=order, class_groups=class_groups,
        )

    @json_route
    def _serve_label_issues(self, request):
        threshold, cutoff = json_http.number(request, "threshold"), json_http.number(request, "cutoff")
        step = self._step(request)
        task, c = tasks.get(step.plugin_data.task), len(step.plugin_data.class_names)
        label = json_http.integer(request, "label", high=c - 1, required=True) if task.cell_needs_label else None
        return panel_data.label_issue_counts(step.statistics(), threshold=threshold, cutoff=cutoff, label=label)

    @json_route
    def _serve_epochs(self, request):
        run, tag = _run_tag(request)
        where = _where(request)
        options = _report_options(request, with_curves=False)
        plugin_data = self._source.plugin_data(*where, run, tag)
        _check_thresholds(options, plugin_data)
        # the whole answer is kept for the steps it covers: a repeat (another card, the same cutoff again) is
        # one lookup instead of a headline per step, and a new step makes a new key
        steps = tuple((ref.step, ref.wall_time, ref.blob_key) for ref in self._source.steps(*where, run, tag))
        filters = slices_data.filters(request)
        key = ("epochs", where[1], run, tag, steps, filters, tuple(sorted(options.items())))

        def compute():
            answer = epochs.series(self._source, self._caches["tables"], where, run, tag, plugin_data, options,
                                   filters)
            return json_http.encode(answer, gzipped=json_http.accepts_gzip(request))

        return self._answers.get_or_compute(key, compute, _body_size)

    @json_route
    def _serve_curves(self, request):
        step = self._step(request)
        class_index = json_http.integer(request, "class", high=len(step.plugin_data.class_names) - 1, required=True)
        key = ("curves", step.key, class_index)

        def compute():
            return json_http.encode(panel_data.class_curves(step.statistics(), class_index),
                                    gzipped=json_http.accepts_gzip(request))

        return self._answers.get_or_compute(key, compute, _body_size)

    @json_route
    def _serve_calibration(self, request):
        n_bins, strategy, temperature = calibration_data.options(request)
        step = self._step(request)
        c = len(step.plugin_data.class_names)
        class_index = json_http.integer(request, "class", high=c - 1)
        key = ("calibration", step.key, n_bins, strategy, class_index, temperature)

        def compute():
            return json_http.encode(calibration_data.answer(step.statistics(), n_bins=n_bins, strategy=strategy,
                                                            class_index=class_index, temperature=temperature),
                                    gzipped=json_http.accepts_gzip(request))

        return self._answers.get_or_compute(key, compute, _body_size)

    @json_route
    def _serve_diff(self, request):
        return diff_data.diff(self._source, request, self._step(request))

    @json_route
    def _serve_forgetting(self, request):
        run, tag = _run_tag(request)
        return diff_data.forgetting(self._source, self._caches["tables"], _where(request), run, tag, request)

    @wrappers.Request.application
    def _serve_media(self, request):
        return media_data.respond(self._source, self._caches["steps"], _where(request), request)

    @json_route
    def _serve_attributes(self, request):
        step = self._step(request)
        return slices_data.attributes(step.statistics(), step.filters)

    @json_route
    def _serve_slices(self, request):
        options = _report_options(request, with_curves=False)
        table_options = slices_data.table_options(request)
        step = self._step(request)
        _check_thresholds(options, step.plugin_data)
        key = ("slices", step.key, tuple(sorted(table_options.items())), tuple(sorted(options.items())))

        def compute():
            return json_http.encode(slices_data.table(step.statistics(), step.filters, table_options, options),
                                    gzipped=json_http.accepts_gzip(request))

        return self._answers.get_or_compute(key, compute, _body_size)

    @json_route
    def _serve_catalogue(self, request):
        return {"tasks": tasks.describe(), **catalogue.describe()}

    def _step(self, request):
        """The step a request names (run, tag, step), checked to exist; its numbers load on demand."""
        run, tag = _run_tag(request)
        raw = json_http.text(request, "step", required=False) or "latest"
        step = "latest" if raw == "latest" else json_http.integer(request, "step")
        filters = slices_data.filters(request)  # "only this slice": every route that reads one step follows it
        return self._step_at(*_where(request), run, tag, step, filters)

    def _step_at(self, ctx, experiment_id, run, tag, step, filters=()):
        """The _Step of `step` (an int or "latest") of (run, tag); NotFound names what exists."""
        ref, plugin_data = self._source.find_step(ctx, experiment_id, run, tag, step)
        return _Step(self._source, (ctx, experiment_id, run, tag), ref, plugin_data, filters)

    @wrappers.Request.application
    def _serve_index(self, request):
        # The tab is opening: its first `stats` are built while its page loads (server/warm_up.py).
        ctx, experiment_id = _where(request)
        self._warm_up.start(lambda: self._warm_opening_view(ctx, experiment_id))
        return self._file_response(request, assets.entry_module(self._static_root))

    @wrappers.Request.application
    def _serve_static(self, request):
        _, found, relative = request.path.partition(f"/{metadata.PLUGIN_NAME}/static/")
        return self._file_response(request, relative if found else "")

    def _file_response(self, request, relative):
        path = assets.resolve(self._static_root, relative)
        if path is None:
            return json_http.respond_json(request, {"error": "no such file"}, status=404)
        return json_http.respond(request, path.read_bytes(), assets.content_type(path))


class _Step:
    def __init__(self, source, where, ref, plugin_data, filters=()):
        self.where, self.ref, self.plugin_data, self.filters = where, ref, plugin_data, filters
        self._source = source
        # what a cached answer of this step depends on besides the route's own options: the step and the slice
        self.key = (provider.record_key(*where[1:], ref), filters)

    def statistics(self):
        """The step's Statistics, or those of its `slice` filters' examples (both cached by the source)."""
        return self._source.statistics(*self.where, self.ref, self.plugin_data, self.filters)


def _cell_groups(request, step):
    """The tag's class groups when the examples route is asked for a cell of superclasses (`true_group`
    and `pred_group` instead of `true` and `pred`), else None. BadArgument when the tag has none, or when
    both kinds of cell are given. (Stored groups fit a multiclass tag's classes: metadata.parse checks them.)"""
    if request.args.get("true_group") is None and request.args.get("pred_group") is None:
        return None
    run, tag = _run_tag(request)
    if request.args.get("true") is not None or request.args.get("pred") is not None:
        raise BadArgument("give either 'true' and 'pred' (a cell of classes) or 'true_group' and 'pred_group' "
                          "(a cell of superclasses), not both")
    groups = list(step.plugin_data.class_groups)
    if not groups:
        raise BadArgument(f"'true_group' and 'pred_group' need a multiclass tag logged with class_groups; tag "
                          f"{tag!r} of run {run!r} has none")
    return groups


def _report_options(request, *, with_curves):
    """build_report's keyword arguments from the query; only those given, so its defaults apply."""
    options = {
        "threshold": json_http.number(request, "threshold"),
        "cutoff": json_http.number(request, "cutoff"),
        "cost_fp": json_http.number(request, "cost_fp", high=None),
        "cost_fn": json_http.number(request, "cost_fn", high=None),
        "beta": json_http.number(request, "beta", high=None),
        "thresholds": json_http.number_list(request, "thresholds"),
    }
    if with_curves:
        options["curves"] = json_http.flag(request, "curves")
    if options["thresholds"] is not None:
        options["thresholds"] = tuple(options["thresholds"])
    return {k: v for k, v in options.items() if v is not None}


def _check_thresholds(options, plugin_data):
    thresholds = options.get("thresholds")
    if thresholds is None:
        return
    if tasks.get(plugin_data.task).decision != "per_label":
        raise BadArgument(f"parameter 'thresholds' is for multilabel tags; this tag is {plugin_data.task}")
    if len(thresholds) != len(plugin_data.class_names):
        raise BadArgument(
            f"parameter 'thresholds' needs one value per label ({len(plugin_data.class_names)}); "
            f"got {len(thresholds)}"
        )


def _body_size(body):
    return body.nbytes  # the form it holds; it can only shrink later (json_http.Body)


def _where(request):
    """(ctx, experiment_id) to pass to every data provider call."""
    return plugin_util.context(request.environ), plugin_util.experiment_id(request.environ)


def _run_tag(request):
    return json_http.text(request, "run"), json_http.text(request, "tag")


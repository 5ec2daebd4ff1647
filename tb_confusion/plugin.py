"""The Confusion tab: a TensorBoard dynamic plugin serving JSON routes and the browser's files.

Reads only through `context.data_provider`, so every logdir and loader TensorBoard supports works.
Never imports TensorFlow. Routes are documented in docs/http_api.md.
"""

from tensorboard import plugin_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tb_confusion import assets, cache, json_http, metadata, records
from tb_confusion.json_http import json_route

DEFAULT_CACHE_MB = 512


class ConfusionLoader(base_plugin.TBLoader):
    """Keeps every step of our tags by default and loads the plugin."""

    def define_flags(self, parser):
        parser.add_argument(
            "--tb_confusion_cache_mb",
            type=int,
            default=DEFAULT_CACHE_MB,
            help="Memory bound (MiB) of the Confusion tab's cache of decoded steps (default %(default)s).",
        )

    def fix_flags(self, flags):
        # TensorBoard keeps 10 steps per tag of a plugin it does not know. 0 keeps all, in both loaders;
        # this runs before the data ingester reads the flag, and an explicit user value wins.
        hints = getattr(flags, "samples_per_plugin", None)
        if isinstance(hints, dict):
            hints.setdefault(metadata.PLUGIN_NAME, 0)

    def load(self, context):
        cache_mb = getattr(context.flags, "tb_confusion_cache_mb", None) if context.flags else None
        return ConfusionPlugin(context, cache_bytes=(cache_mb or DEFAULT_CACHE_MB) * 2**20)


class ConfusionPlugin(base_plugin.TBPlugin):
    plugin_name = metadata.PLUGIN_NAME

    def __init__(self, context, *, cache_bytes=DEFAULT_CACHE_MB * 2**20, static_root=None):
        self._cache = cache.ByteLRU(cache_bytes)
        self._source = records.RecordSource(
            context.data_provider, self._cache, records.downsample_from_hints(context.sampling_hints)
        )
        self._static_root = static_root or assets.static_dir()

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

    @wrappers.Request.application
    def _serve_index(self, request):
        return self._file_response(request, "index.js")

    @wrappers.Request.application
    def _serve_static(self, request):
        _, found, relative = request.path.partition(f"/{metadata.PLUGIN_NAME}/static/")
        return self._file_response(request, relative if found else "")

    def _file_response(self, request, relative):
        path = assets.resolve(self._static_root, relative)
        if path is None:
            return json_http.respond_json(request, {"error": "no such file"}, status=404)
        return json_http.respond(request, path.read_bytes(), assets.content_type(path))


def _where(request):
    """(ctx, experiment_id) to pass to every data provider call."""
    return plugin_util.context(request.environ), plugin_util.experiment_id(request.environ)


def _run_tag(request):
    return json_http.text(request, "run"), json_http.text(request, "tag")


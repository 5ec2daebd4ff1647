"""The `media` route: one example's thumbnail (image/png) or text (JSON) from the table logged for a
predictions tag (storage/media.py). The decoded table is cached per (run, tag, step, wall time)."""

import logging
import zlib

from werkzeug import wrappers

from tb_confusion import errors
from tb_confusion.reading import provider
from tb_confusion.server import json_http
from tb_confusion.server.json_http import MethodNotAllowed
from tb_confusion.storage import media

logger = logging.getLogger(__name__)

# An image from a plugin route is never a document: no scripts, no styles, no frames, even if opened directly.
_IMAGE_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache"),
                  ("Content-Security-Policy", "default-src 'none'; sandbox")]


def table(source, cache, where, run, tag):
    """(StepRef, decoded media.Table) of the media of (run, tag); NotFound when none, Unreadable when damaged."""
    ref, plugin_data, read = source.media_step(*where, run, tag)
    key = ("media",) + provider.record_key(where[1], run, tag, ref)[1:]

    def build():
        try:
            return media.decode(read(), plugin_data)
        except errors.Unreadable as error:
            raise type(error)(f"run {run!r} tag {tag!r} example media (step {ref.step}): {error}") from None

    return ref, cache.get_or_compute(key, build, lambda built: built.nbytes)


def respond(source, cache, where, request):
    """The werkzeug Response of GET media?run=&tag=&id=: the PNG, `{"id", "kind": "text", "text"}`, or a JSON
    error (404 for a tag without media or an id without an item), as every route answers."""
    try:
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(f"method {request.method} is not allowed; use GET")
        run, tag = json_http.text(request, "run"), json_http.text(request, "tag")
        example_id = json_http.text(request, "id")
        ref, found = table(source, cache, where, run, tag)
        item = found.get(example_id)
        if item is None:
            raise errors.NotFound(f"no example media for id {json_http._echo(example_id)} in run {run!r} tag {tag!r} "
                                  f"({len(found):,} examples have media)")
        if item.kind == "text":
            return json_http.respond_json(request, {"id": example_id, "kind": "text",
                                                    "text": item.data.decode("utf-8")})
        response = wrappers.Response(item.data, content_type="image/png", headers=_IMAGE_HEADERS)
        # the step and its wall time tell a rewritten table; the CRC, this item's bytes
        response.set_etag(f"{ref.step}-{ref.wall_time!r}-{zlib.crc32(item.data):08x}")
        return response.make_conditional(request)
    except MethodNotAllowed as e:
        return json_http.respond_json(request, {"error": str(e)}, status=405)
    except errors.Error as e:
        return json_http.respond_json(request, {"error": str(e)}, status=errors.http_status(e))
    except Exception as e:  # never let a traceback reach the browser
        logger.exception("tb_confusion: %s failed", request.path)
        return json_http.respond_json(request, {"error": f"internal error ({type(e).__name__}); see the tensorboard log"},
                                      status=500)

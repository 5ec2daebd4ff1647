"""JSON responses, request parameter parsing and error handling for the plugin's routes.

TensorBoard's own helpers answer errors as text/plain and write NaN as the string "NaN"; the panel wants
`{"error": ...}` bodies and `null` for undefined numbers, so the plugin answers through this module.
"""

import functools
import gzip
import json
import logging
import math
import re

import numpy as np
from werkzeug import wrappers

from tb_confusion import errors
from tb_confusion.errors import BadArgument
from tb_confusion.jsonable import jsonable

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
_GZIP_MIN_BYTES = 1024
_ACCEPTS_GZIP = re.compile(r"(?:^|,|\s)(?:(?:x-)?gzip|\*)(?!;q=0)(?:\s|,|$)")


class MethodNotAllowed(Exception):
    """A request with another method than GET or HEAD (405)."""


class Body:
    """Encoded JSON as the cache keeps it: one form, plain or gzipped, whichever its first client took.

    A browser always accepts gzip, so a body made for one is kept gzipped only (about 40% of the JSON
    on `stats`); a client that does not accept gzip is sent it inflated, not kept. A plain body turns
    into its gzip form, dropping the plain one, when a client accepting gzip asks for it: `nbytes` only
    shrinks, so a cache sized with it stays within its bound.
    """

    def __init__(self, raw, *, gzipped=False):
        self.size = len(raw)  # of the JSON text
        self._raw, self._gzipped = raw, None
        if gzipped and self.size >= _GZIP_MIN_BYTES:
            self.gzipped()

    @property
    def raw(self):
        """The JSON bytes (inflated again when only the gzip form is kept)."""
        raw = self._raw
        return raw if raw is not None else gzip.decompress(self._gzipped)

    def gzipped(self):
        gzipped = self._gzipped
        if gzipped is None:
            raw = self._raw  # one read: another thread may be turning it into its gzip form
            if raw is None:
                return self._gzipped
            gzipped = self._gzipped = _gzip(raw)
            self._raw = None  # after _gzipped is set: a concurrent reader finds one of them
        return gzipped

    @property
    def nbytes(self):
        raw = self._raw
        return len(raw if raw is not None else self._gzipped) + 100


def encode(obj, *, gzipped=False):
    """A Body for `obj` (see json_bytes), made in gzip form when `gzipped` (see accepts_gzip)."""
    return Body(json_bytes(obj), gzipped=gzipped)


def accepts_gzip(request):
    """Whether the client takes a gzip Content-Encoding (every browser does)."""
    return bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def _gzip(data):
    # Level 1: about 4% larger than level 3 on our JSON, and 2.5x faster on megabyte bodies.
    return gzip.compress(data, compresslevel=1)


def json_bytes(obj):
    """UTF-8 JSON for `obj`; NaN and infinities become null, numpy values become plain numbers."""
    # json's C encoder walks plain dicts, lists and floats itself (numpy arrays and scalars, Packed arrays
    # go through _plain): the megabyte answers are not copied into plain values first. Only when it meets a
    # non-finite float (ValueError) or a key it does not take, e.g. a numpy integer (TypeError), is the
    # whole value converted by jsonable first, which makes those null. Same bytes either way:
    # tests/test_cache_sharing.py.
    try:
        return json.dumps(obj, default=_plain, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return json.dumps(jsonable(obj), allow_nan=False, separators=(",", ":")).encode("utf-8")


def _plain(value):
    if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__json__"):
        return jsonable(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def respond(request, body, content_type, status=200, headers=()):
    """A werkzeug Response, gzipped when the client accepts it and the body is worth it.

    `body`: bytes, or a Body whose gzip form is reused.
    """
    headers = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache"), *headers]
    if content_type.startswith("text/") or content_type == JSON_TYPE:
        content_type += "; charset=utf-8"
    if not isinstance(body, Body):
        body = Body(body)
    if body.size >= _GZIP_MIN_BYTES and accepts_gzip(request):
        body = body.gzipped()
        headers.append(("Content-Encoding", "gzip"))
    else:
        body = body.raw
    headers.append(("Vary", "Accept-Encoding"))
    return wrappers.Response(body, status=status, content_type=content_type, headers=headers)


def respond_json(request, obj, status=200):
    body = obj if isinstance(obj, (bytes, Body)) else json_bytes(obj)
    return respond(request, body, JSON_TYPE, status)


def json_route(handler):
    """Wrap `handler(self, request) -> obj | Body` as a WSGI app answering JSON, errors included."""

    @functools.wraps(handler)
    @wrappers.Request.application
    def app(self, request):
        try:
            if request.method not in ("GET", "HEAD"):
                raise MethodNotAllowed(f"method {request.method} is not allowed; use GET")
            return respond_json(request, handler(self, request))
        except MethodNotAllowed as e:
            return respond_json(request, {"error": str(e)}, status=405)
        except errors.Error as e:
            return respond_json(request, {"error": str(e)}, status=errors.http_status(e))
        except Exception as e:  # never let a traceback reach the browser
            logger.exception("tb_confusion: %s failed", request.path)
            message = f"internal error ({type(e).__name__}); see the tensorboard log"
            return respond_json(request, {"error": message}, status=500)

    return app


# -- parameters -------------------------------------------------------------------------------------


def _echo(value):
    # Echo bad input back as JSON text (never HTML), cut to a readable length.
    return json.dumps(value if len(value) <= 80 else value[:80] + "...")


def text(request, name, *, required=True):
    """The string parameter `name`; errors.BadArgument when required and missing or empty."""
    value = request.args.get(name)
    if value is None or value == "":
        if required:
            raise BadArgument(f"missing parameter {name!r}")
        return None
    return value


def number(request, name, *, default=None, low=0.0, high=1.0):
    """A finite float parameter within [low, high] (high=None: unbounded), or `default` when absent."""
    raw = text(request, name, required=False)
    if raw is None:
        return default
    return _parse_number(raw, name, low, high)


def _parse_number(raw, name, low, high, what=None):
    try:
        value = float(raw.strip())
    except ValueError:
        value = None
    where = what or f"parameter {name!r}"
    if value is None or not math.isfinite(value):
        raise BadArgument(f"{where} must be a finite number; got {_echo(raw)}")
    if value < low or (high is not None and value > high):
        bounds = f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise BadArgument(f"{where} must be {bounds}; got {_echo(raw)}")
    return value


def number_list(request, name, *, low=0.0, high=1.0):
    """A comma-separated list of floats in [low, high], or None when absent."""
    raw = text(request, name, required=False)
    if raw is None:
        return None
    parts = raw.split(",")
    return [_parse_number(p, name, low, high, f"parameter {name!r} item {i}") for i, p in enumerate(parts)]


def integer(request, name, *, default=None, low=0, high=None, required=False):
    raw = text(request, name, required=required and default is None)
    if raw is None:
        return default
    if not re.fullmatch(r"\s*[+-]?\d{1,18}\s*", raw):
        raise BadArgument(f"parameter {name!r} must be an integer; got {_echo(raw)}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise BadArgument(f"parameter {name!r} must be {bounds}; got {_echo(raw)}")
    return value


def flag(request, name, *, default=False):
    raw = text(request, name, required=False)
    if raw is None:
        return default
    choices = {"0": False, "1": True, "false": False, "true": True}
    if raw.lower() not in choices:
        raise BadArgument(f"parameter {name!r} must be 0 or 1; got {_echo(raw)}")
    return choices[raw.lower()]

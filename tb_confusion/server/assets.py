"""The browser's files: where they live and a safe way to read one by its URL path."""

import os
import pathlib

# Only these kinds are served; anything else is a 404, whatever lies in the directory.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def static_dir():
    """The installed `tb_confusion/static` when present, else the checkout's `frontend/src`."""
    package = pathlib.Path(__file__).resolve().parents[1]  # tb_confusion/
    installed = package / "static"
    if installed.is_dir():
        return installed
    return package.parent / "frontend" / "src"


def resolve(root, relative):
    """The file `relative` (a URL path below `root`) as a Path, or None when unsafe or absent.

    Unsafe: empty, absolute, backslashes, NUL, any segment that is empty, `.`, `..` or hidden,
    or a path (after following links) that leaves `root`.
    """
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") or ":" in p for p in parts):
        return None
    if os.path.splitext(parts[-1])[1].lower() not in CONTENT_TYPES:
        return None
    root = pathlib.Path(root).resolve()
    path = (root / relative).resolve()
    if path == root or root not in path.parents or not path.is_file():
        return None
    return path


def content_type(path):
    return CONTENT_TYPES[pathlib.Path(path).suffix.lower()]

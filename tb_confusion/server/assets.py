"""The browser's files: where they live, which entry module to serve, and a safe way to read one by
its URL path."""

import hashlib
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


# The panel's modules bundled into one file (frontend/bundle.py, `make bundle`): one request instead of
# ~70 found one import level at a time, about half a second of a cold first paint on this machine.
BUNDLE = "index.bundle.js"
_BANNER = "// tb_confusion panel bundle of sources "


def sources_digest(root):
    """sha256 (hex) of the panel's modules in `root`: every .js file but the bundle (and hidden files,
    which are never served), by name."""
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(root).glob("*.js")):
        if path.name != BUNDLE and not path.name.startswith("."):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def bundle_banner(digest):
    """The bundle's first line: what it was built from."""
    return _BANNER + digest


def entry_module(root):
    """The file TensorBoard's `/index.js` serves: the bundle when it was built from the modules now in
    `root`, else index.js (the modules themselves: a checkout whose sources changed since `make bundle`,
    or one never bundled)."""
    bundle = pathlib.Path(root) / BUNDLE
    try:
        with bundle.open("r", encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
    except OSError:
        return "index.js"
    return BUNDLE if first == bundle_banner(sources_digest(root)) else "index.js"


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

"""Bundle the panel's modules into one file, frontend/src/index.bundle.js (`make bundle`).

TensorBoard's `/index.js` route serves the bundle instead of index.js while the bundle's first line names
the digest of the modules it was built from (tb_confusion/server/assets.py): edit a module and the panel
runs from the modules again until the next `make bundle`. esbuild does the bundling (package.json;
`npm ci` installs it).

Run: python frontend/bundle.py [--esbuild PATH]
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tb_confusion.server import assets  # noqa: E402

SOURCE = ROOT / "frontend" / "src"


def build(esbuild):
    """Write SOURCE/index.bundle.js from SOURCE/app.js and its imports; returns its path."""
    digest = assets.sources_digest(SOURCE)
    out = SOURCE / assets.BUNDLE
    # Written beside and renamed: a server never reads half a bundle.
    fd, partial = tempfile.mkstemp(dir=SOURCE, prefix=".bundle-", suffix=".js")
    os.close(fd)
    try:
        subprocess.run([esbuild, str(SOURCE / "app.js"), "--bundle", "--format=esm", "--target=es2020",
                        "--log-level=warning", f"--banner:js={assets.bundle_banner(digest)}",
                        f"--outfile={partial}", "--allow-overwrite"], check=True)
        if assets.sources_digest(SOURCE) != digest:
            raise SystemExit("frontend/src changed while bundling; run it again")
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--esbuild", default=str(ROOT / "node_modules" / ".bin" / "esbuild"))
    args = parser.parse_args()
    out = build(args.esbuild)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

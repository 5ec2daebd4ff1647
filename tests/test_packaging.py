"""`pip install .` into a fresh virtualenv, away from the checkout, gives a working Confusion tab."""

import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
import venv
import zipfile

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.storage.events import EventWriter
from tb_confusion.server import assets
from tb_process import get_json, running_tensorboard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORT = re.compile(r"""(?:import|from)\s*(?:[\w{}\s,*]+from\s*)?["'](\.{1,2}/[^"']+)["']""")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True, timeout=300)
    (path,) = out.glob("tb_confusion-*.whl")
    return path


def test_wheel_carries_the_browser_files_and_the_schema(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tb_confusion/static/index.js" in names
    assert "tb_confusion/tb_confusion.proto" in names
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("tb_confusion/static/")}
    sources = {f for f in os.listdir(os.path.join(ROOT, "frontend", "src")) if f.endswith((".js", ".css"))}
    assert sources <= shipped


@pytest.mark.slow
def test_fresh_virtualenv_serves_a_working_tab(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True,
                   timeout=600, cwd=str(tmp_path))
    logdir = tmp_path / "logs"
    with EventWriter(str(logdir / "validation")) as writer:
        rng = np.random.default_rng(0)
        for step in range(3):
            writer.add_summary(tbc.summary.predictions_pb(
                "predictions", rng.integers(0, 3, 50), rng.dirichlet(np.ones(3), 50)), step=step)

    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with running_tensorboard(logdir, python=python, cwd=str(tmp_path), env=environment) as base:
        listing = get_json(base + "/data/plugins_listing")
        assert listing["tb_confusion"]["enabled"] is True
        assert listing["tb_confusion"]["tab_name"] == "Confusion"
        plugin = base + "/data/plugin/tb_confusion/"
        assert list(get_json(plugin + "tags")["validation"]) == ["predictions"]
        # The entry point is the one-file bundle when the wheel carries a fresh one (make bundle), else
        # index.js, whose imports are all served, transitively.
        with urllib.request.urlopen(plugin + "index.js", timeout=30) as response:
            entry = response.read().decode("utf-8")
        if entry.startswith(assets.bundle_banner("")):
            assert "function render(" in entry and not IMPORT.findall(entry)
            pending = ["static/app.js"]  # the modules stay served beside it
        else:
            pending = ["index.js"]
        served = set()
        while pending:
            path = pending.pop()
            if path in served:
                continue
            with urllib.request.urlopen(plugin + path, timeout=30) as response:
                assert response.status == 200
                assert "javascript" in response.headers["Content-Type"]
                source = response.read().decode("utf-8")
            served.add(path)
            for relative in IMPORT.findall(source):
                pending.append(urllib.parse.urljoin(path, relative))
        assert len(served) > 3

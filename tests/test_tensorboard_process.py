"""The plugin inside a real `tensorboard` process: every epoch visible in both loaders, no TensorFlow."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from tb_confusion.server import assets
from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import predictions_pb
from tb_process import BLOCK_TENSORFLOW, get_json, running_tensorboard

pytestmark = pytest.mark.slow

NUM_STEPS = 60
PLUGIN = "/data/plugin/tb_confusion"


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("logs60")
    rng = np.random.default_rng(0)
    with EventWriter(str(root / "validation")) as writer:
        for step in range(NUM_STEPS):
            labels = rng.integers(0, 3, 50)
            probabilities = rng.dirichlet(np.ones(3), 50)
            writer.add_summary(predictions_pb("predictions", labels, probabilities), step)
    return root


def wait_for_steps(base_url, expected, timeout=60):
    """The steps route once it lists `expected` steps (ingestion runs in the background)."""
    deadline, steps = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        try:
            steps = get_json(f"{base_url}{PLUGIN}/steps?run=validation&tag=predictions")
        except OSError:  # 404 until the run is loaded
            steps = []
        if len(steps) >= expected:
            return steps
        time.sleep(0.2)
    return steps


@pytest.mark.parametrize(
    "args, block_tensorflow",
    [((), False), (("--load_fast=false",), False), ((), True)],
    ids=["fast-loader", "python-loader", "fast-loader-without-tensorflow"],
)
def test_every_step_is_visible_without_samples_per_plugin(logdir, args, block_tensorflow):
    with running_tensorboard(logdir, *args, block_tensorflow=block_tensorflow) as base_url:
        steps = wait_for_steps(base_url, NUM_STEPS)
        assert [s["step"] for s in steps] == list(range(NUM_STEPS))

        listing = get_json(f"{base_url}/data/plugins_listing")
        entry = listing["tb_confusion"]
        assert entry["enabled"] is True
        assert entry["tab_name"] == "Confusion"
        assert entry["loading_mechanism"]["type"] == "IFRAME"
        assert entry["loading_mechanism"]["module_path"].endswith("/data/plugin/tb_confusion/index.js")

        tags = get_json(f"{base_url}{PLUGIN}/tags")
        assert tags["validation"]["predictions"]["num_steps"] == NUM_STEPS
        for step in (0, NUM_STEPS // 2, "latest"):  # the payload of any epoch, not only sampled ones
            stats = get_json(f"{base_url}{PLUGIN}/stats?run=validation&tag=predictions&step={step}")
            assert stats["step"] == (NUM_STEPS - 1 if step == "latest" else step)
            assert stats["num_examples"] == 50


def test_the_panel_files_are_served(logdir):
    with running_tensorboard(logdir) as base_url:
        with urllib.request.urlopen(f"{base_url}{PLUGIN}/index.js") as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
            assert b"render" in response.read()
        imported = [name for name in os.listdir(assets.static_dir()) if name.endswith((".js", ".css"))]
        for name in imported:
            with urllib.request.urlopen(f"{base_url}{PLUGIN}/static/{name}") as response:
                assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{base_url}{PLUGIN}/static/..%2F..%2Fsetup.py")
        assert info.value.code == 404


def test_an_explicit_samples_per_plugin_still_wins_and_our_flag_is_accepted(logdir):
    args = ("--samples_per_plugin=tb_confusion=5", "--tb_confusion_cache_mb=64")
    with running_tensorboard(logdir, *args) as base_url:
        time.sleep(1.0)
        steps = wait_for_steps(base_url, 5)
        assert len(steps) == 5 and steps[-1]["step"] == NUM_STEPS - 1


def test_the_plugin_imports_with_tensorflow_blocked():
    code = BLOCK_TENSORFLOW + (
        "import tb_confusion.server.plugin, tb_confusion.server.panel_data, tb_confusion.report\n"
        "try:\n"
        "    import tensorflow\n"
        "except ImportError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('the blocker did not block')\n"
        "loaded = [m for m in sys.modules if m == 'tensorflow' or m.startswith(('tensorflow.', 'keras'))]\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"

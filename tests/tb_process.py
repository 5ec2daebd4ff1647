"""Run a real `tensorboard` process for tests and benchmarks.

    from tb_process import running_tensorboard
    with running_tensorboard(logdir, "--load_fast=false") as base_url:
        urllib.request.urlopen(base_url + "/data/plugins_listing")

`block_tensorflow=True` starts it with `import tensorflow` failing, as on a machine without TensorFlow;
`python=` runs it with another interpreter (e.g. a fresh virtualenv's), `cwd=` and `env=` as in subprocess.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from no_tensorflow import BLOCK_TENSORFLOW

_RUN_TENSORBOARD = """
sys.argv[0] = "tensorboard"
from tensorboard.main import run_main
sys.exit(run_main())
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensorboard_command(logdir, *extra_args, port, block_tensorflow=False, python=None):
    """The argv that starts tensorboard with `python` (default: this interpreter)."""
    prelude = BLOCK_TENSORFLOW if block_tensorflow else "import sys\n"
    return [python or sys.executable, "-c", prelude + _RUN_TENSORBOARD, "--logdir", str(logdir),
            "--host", "127.0.0.1", "--port", str(port), *extra_args]


@contextlib.contextmanager
def running_tensorboard(logdir, *extra_args, block_tensorflow=False, python=None, cwd=None, env=None,
                        timeout=90):
    """Start tensorboard on a free port, wait until it answers, yield its base URL, then stop it."""
    for attempt in range(3):
        port = free_port()
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                tensorboard_command(logdir, *extra_args, port=port, block_tensorflow=block_tensorflow,
                                    python=python),
                stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=_environment(env),
            )
            try:
                base_url = f"http://127.0.0.1:{port}"
                if _wait_until_ready(process, base_url, timeout):
                    yield base_url
                    return
                log.seek(0)
                output = log.read().decode("utf-8", "replace")
            finally:
                _stop(process)
        # Another process may have taken the port between free_port() and tensorboard's bind.
        if "already in use" not in output or attempt == 2:
            raise RuntimeError(f"tensorboard did not start:\n{output[-4000:]}")


@contextlib.contextmanager
def serving(tmp_path_factory, name, write_logs, *extra_args):
    """(base URL, logdir) of a tensorboard serving a fresh logdir `name` filled by write_logs(logdir)."""
    logdir = tmp_path_factory.mktemp(name)
    write_logs(logdir)
    with running_tensorboard(logdir, *extra_args) as base_url:
        yield base_url, logdir


def get_json(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _environment(env=None):
    env = dict(os.environ if env is None else env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_until_ready(process, base_url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base_url + "/data/plugins_listing", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    return False


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

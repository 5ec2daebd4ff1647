"""The quick-start notebooks in docs/notebooks run headless, top to bottom, in a kernel of this virtualenv.

Each run trains for real, opens TensorBoard with `%tensorboard` (a real process, stopped at the end) and
leaves a logdir that `tb-confusion report` must describe epoch by epoch, with the numbers scikit-learn
computes on the model's own final predictions. The Keras notebook is pointed at a logdir by
$TBC_NOTEBOOK_LOGDIR; the PyTorch one keeps its default relative logdir, resolved in the kernel's cwd, and runs
with TensorFlow unimportable in the kernel and in every process it starts (tensorboard, tb-confusion), as its
first cell promises.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from sklearn import metrics
from tensorboard import manager

NOTEBOOKS = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
VENV_BIN = Path(sys.executable).parent
KERNEL_NAME = "tb-confusion-venv"

# Appended in memory only (the committed notebooks stay free of test code): the model's own predictions
# after training, taken from the kernel's variables, not from anything tb_confusion wrote.
FINAL_PREDICTIONS = {
    "keras_quickstart": "probabilities = model.predict(x_val, verbose=0)\nlabels = y_val\n"
                        "epoch_accuracy = history.history['val_accuracy']",
    "pytorch_quickstart": "probabilities = torch.softmax(logits, dim=1).numpy()\nlabels = y_val.numpy()\n"
                          "epoch_accuracy = None",
}
SAVE = ("import sys, numpy\n"
        "numpy.savez({path!r}, labels=labels, probabilities=probabilities, epochs=EPOCHS,\n"
        "            epoch_accuracy=numpy.asarray(epoch_accuracy, dtype=float), logdir=os.path.abspath(LOGDIR),\n"
        "            executable=sys.executable, tensorflow_loaded='tensorflow' in sys.modules,\n"
        "            site=getattr(sys.modules.get('sitecustomize'), '__file__', ''))")
WITHOUT_TENSORFLOW = {"pytorch_quickstart"}

# A sitecustomize that makes `import tensorflow` (keras) fail as on a machine without it. Unlike
# tests/no_tensorflow.py, find_spec answers instead of raising: torch's optimizers import torch._dynamo,
# which asks importlib.util.find_spec("tensorflow") for its list of third-party packages.
NO_TENSORFLOW_SITE = """
import importlib.abc, importlib.machinery, sys

class _Absent(importlib.abc.Loader):
    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r} (blocked by the test)", name=spec.name)

    def exec_module(self, module):
        pass

class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"):
            return importlib.machinery.ModuleSpec(name, _Absent())  # no origin: nothing to find on disk
        return None

sys.meta_path.insert(0, _NoTensorFlow())
"""


def venv_kernel(kernels_dir, env):
    """A kernel manager whose kernel is this interpreter (the venv's), with the venv's scripts on PATH and
    `env` added to this process's environment."""
    spec_dir = kernels_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tb_confusion venv", "language": "python",
        # `%tensorboard` and `!tb-confusion` look for their programs on PATH
        "env": {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", **env},
    }))
    specs = KernelSpecManager(kernel_dirs=[str(kernels_dir)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def run_notebook(name, workdir, logdir_env, saved):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(FINAL_PREDICTIONS[name] + "\n" + SAVE.format(path=str(saved))))
    env = {"TBC_NOTEBOOK_LOGDIR": logdir_env} if logdir_env else {}
    if name in WITHOUT_TENSORFLOW:
        # a sitecustomize on PYTHONPATH blocks `import tensorflow` in the kernel and all its subprocesses
        site = workdir.parent / "no_tensorflow"
        site.mkdir()
        (site / "sitecustomize.py").write_text(NO_TENSORFLOW_SITE)
        env["PYTHONPATH"] = str(site)
    client = NotebookClient(nb, km=venv_kernel(workdir.parent / "kernels", env), timeout=90, startup_timeout=60,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def cell_text(cell):
    """Everything a code cell showed: streams, and the text/html or text/plain of rich outputs."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            data = output.get("data", {})
            parts.append(data.get("text/html") or data.get("text/plain", ""))
        elif output.output_type == "error":
            parts.append("\n".join(output.traceback))
    return "\n".join(parts)


def cell_starting(nb, prefix):
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(prefix)]
    return cell


def tensorboard_pids(workdir, port):
    """Pids of the tensorboard this notebook started: by tensorboard.manager's record of its port, and
    any process running in this test's private directory (in case the record is missing)."""
    pids = {info.pid for info in manager.get_all() if info.port == port} if port else set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cwd.startswith(str(workdir)) and b"tensorboard" in cmdline:
                pids.add(int(entry.name))
    return pids


def running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


def stop(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)  # tensorboard removes its manager record on SIGTERM
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def wait_for_tags(port, timeout=30):
    """The Confusion tab's `tags` route, once tensorboard has loaded the run (it reads the logdir in the
    background after it starts answering)."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"http://localhost:{port}/data/plugin/tb_confusion/tags", timeout=10) as r:
            tags = json.load(r)
        if tags.get("validation") or time.monotonic() > deadline:
            return tags
        time.sleep(0.3)


def report(logdir):
    result = subprocess.run(
        [str(VENV_BIN / "tb-confusion"), "report", str(logdir), "--run", "validation", "--step", "all",
         "--format", "json"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(FINAL_PREDICTIONS))
def test_committed_notebook_is_clean_nbformat_4_without_outputs(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert 'os.environ.get("TBC_NOTEBOOK_LOGDIR"' in code[0].source  # what the run below relies on
    assert path.read_text(encoding="utf-8").endswith("}\n")


@pytest.mark.slow
@pytest.mark.parametrize("name, logdir_env", [
    ("keras_quickstart", "from_env/logs"),
    ("pytorch_quickstart", None),
])
def test_quickstart_notebook_trains_logs_every_epoch_and_opens_tensorboard(tmp_path, name, logdir_env):
    saved = tmp_path / "final_predictions.npz"
    workdir = tmp_path / "kernel_cwd"
    workdir.mkdir()
    logdir = tmp_path / logdir_env if logdir_env else workdir / "logs" / name
    port = None
    try:
        nb = run_notebook(name, workdir, str(logdir) if logdir_env else None, saved)

        # %tensorboard showed the IFrame of a tensorboard that serves this logdir with the Confusion tab
        shown = cell_text(cell_starting(nb, "%load_ext tensorboard"))
        assert "<iframe" in shown, shown
        port = int(re.search(r"const port = (\d+);", shown).group(1))
        (info,) = [info for info in manager.get_all() if info.port == port]
        assert info.logdir in (str(logdir), os.path.relpath(logdir, workdir))
        tags = wait_for_tags(port)
        final = np.load(saved)
        epochs = int(final["epochs"])
        assert tags["validation"]["predictions"]["num_steps"] == epochs
        assert Path(str(final["executable"])) == Path(sys.executable)  # the kernel was the venv's python
        assert Path(str(final["logdir"])) == logdir  # no log written next to the committed notebook
        if name in WITHOUT_TENSORFLOW:
            assert not final["tensorflow_loaded"] and str(final["site"]).startswith(str(tmp_path))

        # the notebook's own report and read-back cells printed the latest epoch
        printed = cell_text(cell_starting(nb, "!tb-confusion report"))
        assert "validation" in printed and "macro" in printed and "error" not in printed.lower(), printed
        assert f"step {epochs - 1}: 360 examples" in cell_text(cell_starting(nb, "from sklearn.metrics import f1"))

        reports = report(logdir)
        assert [(r["run"], r["tag"], r["step"]) for r in reports] == [
            ("validation", "predictions", step) for step in range(epochs)]
        assert all(r["num_examples"] == 360 and r["task"] == "multiclass" for r in reports)
        assert reports[0]["class_names"][:2] == ["zero", "one"]

        # every epoch's accuracy is the one the framework reported for that epoch
        if name == "keras_quickstart":
            expected = final["epoch_accuracy"]
        else:
            training = cell_text(cell_starting(nb, "model = torch.nn.Sequential"))
            expected = [float(a) for a in re.findall(r"val accuracy (\d\.\d+)", training)]
        np.testing.assert_allclose([r["metrics"]["accuracy"] for r in reports], expected, atol=6e-5)

        # the latest epoch's numbers are scikit-learn's on the model's own final predictions
        labels, probabilities = final["labels"], final["probabilities"]
        predicted = probabilities.argmax(axis=1)
        latest = reports[-1]["metrics"]
        assert reports[-1]["confusion_matrix"] == metrics.confusion_matrix(labels, predicted).tolist()
        assert latest["accuracy"] == pytest.approx(metrics.accuracy_score(labels, predicted), abs=1e-12)
        assert latest["f1"]["per_class"] == pytest.approx(
            metrics.f1_score(labels, predicted, average=None).tolist(), abs=1e-12)
        assert latest["f1"]["macro"] == pytest.approx(metrics.f1_score(labels, predicted, average="macro"),
                                                      abs=1e-12)
        assert latest["precision"]["weighted"] == pytest.approx(
            metrics.precision_score(labels, predicted, average="weighted"), abs=1e-12)
        assert latest["cohen_kappa"] == pytest.approx(metrics.cohen_kappa_score(labels, predicted), abs=1e-12)
        assert latest["mcc"] == pytest.approx(metrics.matthews_corrcoef(labels, predicted), abs=1e-12)
        # probability-based metrics: the logged float32 values may differ from the recomputed ones in
        # the last bits (a traced pass vs. model.predict, tb_confusion's softmax vs. torch's)
        assert latest["log_loss"] == pytest.approx(metrics.log_loss(labels, probabilities), abs=1e-5)
        assert latest["roc_auc"]["macro"] == pytest.approx(
            metrics.roc_auc_score(labels, probabilities, multi_class="ovr", average="macro"), abs=1e-4)
    finally:
        stop(tensorboard_pids(workdir, port))
    assert not [pid for pid in tensorboard_pids(workdir, port) if running(pid)], "tensorboard left running"

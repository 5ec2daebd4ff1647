"""The demo's write step on a tiny setting, checked with `tb-confusion report` like a user would."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_demo_writes_every_task_and_the_report_reads_them(tmp_path):
    logdir = str(tmp_path / "logs")
    subprocess.run([sys.executable, os.path.join(ROOT, "demo", "run_demo.py"), "--no-serve",
                    "--epochs", "2", "--logdir", logdir], check=True, capture_output=True, text=True, timeout=600)
    cli = os.path.join(os.path.dirname(sys.executable), "tb-confusion")
    result = subprocess.run([cli, "report", logdir, "--step", "all", "--format", "json"],
                            check=True, capture_output=True, text=True, timeout=120)
    reports = json.loads(result.stdout)
    seen = {(r["run"], r["step"]) for r in reports}
    for task in ("digits_multiclass", "digits_3_vs_rest", "digits_multilabel"):
        for split in ("train", "validation", "test"):
            assert {(f"{task}/{split}", 0), (f"{task}/{split}", 1)} <= seen
    assert {("torch_digits", 0), ("torch_digits", 1)} <= seen
    assert {("segmentation/validation", 0), ("segmentation/validation", 1)} <= seen
    tasks = {r["run"].split("/")[0]: r["task"] for r in reports}
    assert tasks == {"digits_multiclass": "multiclass", "digits_3_vs_rest": "binary",
                     "digits_multilabel": "multilabel", "torch_digits": "multiclass",
                     "segmentation": "segmentation"}

    # Every validation run holds the whole validation split; the report's accuracy is the matrix's.
    sys.path.insert(0, os.path.join(ROOT, "demo"))
    import data

    _, validation_digits, _ = data.digits_splits()["validation"]
    for report in reports:
        if report["task"] == "segmentation":
            continue  # counts pixels: checked below
        if report["run"].endswith("validation") or report["run"] == "torch_digits":
            assert report["num_examples"] == len(validation_digits)
        if report["task"] != "multilabel":
            matrix = np.array(report["confusion_matrix"])
            assert matrix.sum() == report["num_examples"]
            assert report["metrics"]["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum(), rel=1e-12)

    # The segmentation run counts the validation images' pixels, less the ignored border.
    import segmentation

    _, masks, _ = segmentation.validation_set()
    pixels = [r for r in reports if r["task"] == "segmentation"]
    assert pixels and all(r["run"] == "segmentation/validation" and r["tag"] == "pixels" for r in pixels)
    for report in pixels:
        assert report["num_examples"] == segmentation.VALIDATION_IMAGES
        assert np.sum(report["confusion_matrix"]) == report["num_elements"] == (masks != 255).sum()
        iou = report["metrics"]["iou"]["per_class"]
        assert len(iou) == len(segmentation.CLASS_NAMES) and all(0 <= v <= 1 for v in iou)


@pytest.mark.slow
def test_demo_serves_the_tab_and_ctrl_c_stops_tensorboard(tmp_path):
    import signal
    import time
    import urllib.request

    from tb_process import free_port, get_json

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "demo", "run_demo.py"), "--epochs", "1", "--logdir",
         str(tmp_path / "logs"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        # as from a terminal: a shell that starts the tests in the background (nohup ... &) hands its children
        # SIGINT ignored, and Python keeps it ignored, so Ctrl-C would reach nothing
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "#tb_confusion" in line:
                break
        assert f"http://127.0.0.1:{port}/#tb_confusion" in "".join(lines)
        deadline = time.monotonic() + 90
        while True:
            try:
                listing = get_json(f"http://127.0.0.1:{port}/data/plugins_listing", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "tensorboard did not answer"
                time.sleep(0.2)
        assert listing["tb_confusion"]["enabled"] is True
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert process.wait(timeout=60) == 0  # a bound, not a speed check
        assert "Stopping TensorBoard" in process.stdout.read()
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/data/plugins_listing", timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

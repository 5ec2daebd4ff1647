"""`import tb_confusion` imports no framework; each door imports its own, on first use."""

import subprocess
import sys

import pytest

FRAMEWORKS = ("tensorflow", "keras", "torch", "lightning", "transformers", "xgboost", "lightgbm", "tensorboardX")


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_importing_tb_confusion_imports_no_framework():
    loaded = _run(f"import sys, tb_confusion, tb_confusion.doors.collect\n"
                  f"print(*[m for m in {FRAMEWORKS!r} if m in sys.modules])")
    assert loaded == []


@pytest.mark.parametrize("door", ["lightning", "transformers", "xgboost", "lightgbm"])
def test_each_door_is_an_attribute_that_loads_its_own_module(door):
    (module,) = _run(f"import tb_confusion as tbc\nprint(tbc.{door}.ConfusionMatrixCallback.__module__)")
    assert module == f"tb_confusion.doors.{door}"

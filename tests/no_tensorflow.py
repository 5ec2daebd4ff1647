"""Run Python code in a subprocess where `import tensorflow` (and keras) fails, as on a TF-free machine."""

import subprocess
import sys
import textwrap

# Python source that makes `import tensorflow` (keras, and their submodules) raise ModuleNotFoundError.
BLOCK_TENSORFLOW = """
import sys, importlib.abc
class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
sys.meta_path.insert(0, _NoTensorFlow())
"""


def run_without_tensorflow(code, *, timeout=120):
    """Run `code` with TensorFlow unimportable; returns the CompletedProcess (check=True)."""
    source = BLOCK_TENSORFLOW + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=timeout, check=True)

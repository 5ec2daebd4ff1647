"""`tb-confusion report` shows a progress bar on a terminal when reading takes more than a second, and
nothing when stderr is not a terminal (scripts and CI)."""

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import numpy as np

import tb_confusion as tbc
from tb_confusion.storage.events import EventWriter

SCRIPT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")


def slow_logdir(path):
    # 20 steps of 200,000 binary predictions with curves: a few seconds of reading and reporting
    rng = np.random.default_rng(0)
    labels, scores = rng.integers(0, 2, 200_000), rng.random(200_000)
    with EventWriter(str(path)) as writer:
        for step in range(20):
            writer.add_summary(tbc.summary.predictions_pb("p", labels, scores), step)


def test_a_terminal_sees_the_bar_and_a_pipe_does_not(tmp_path):
    slow_logdir(tmp_path / "val")
    command = [SCRIPT, "report", str(tmp_path), "--step", "all", "--curves", "--format", "json"]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and "reading" not in piped.stderr
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0
    assert b"reading" in seen and b"step" in seen

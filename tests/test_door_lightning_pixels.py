"""The Lightning door with per-pixel targets: each validation batch is summed into an Accumulator, and the
step equals one Accumulator fed the model's outputs, in one process and over 2 DDP ranks."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch
import lightning.pytorch as L

import tb_confusion as tbc

from lightning_pixels_script import Masks, PixelModule, callback

pytestmark = pytest.mark.slow
SCRIPT = pathlib.Path(__file__).with_name("lightning_pixels_script.py")


def expected_state():
    data, model = Masks(), PixelModule()
    accumulator = tbc.Accumulator("predictions", class_names=["bg", "a", "b"], ignore_index=255,
                                  channels_first=True, from_logits=True)
    with torch.no_grad():
        for i in range(len(data)):
            x, y, image_id = data[i]
            accumulator.update(y[None], model(x[None]), example_ids=[image_id])
    return accumulator.state


def assert_same(state, expected):
    for name in ("cells", "scores"):
        assert np.array_equal(getattr(state, name), getattr(expected, name)), name
    np.testing.assert_allclose(state.calibration, expected.calibration, rtol=1e-12)
    assert np.isclose(state.log_loss, expected.log_loss, rtol=1e-9)
    assert sorted(state.example_ids) == sorted(expected.example_ids)
    assert state.num_examples == expected.num_examples


def test_one_process_writes_the_summed_step(tmp_path):
    trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, callbacks=[callback(tmp_path)])
    trainer.validate(PixelModule(), torch.utils.data.DataLoader(Masks(), batch_size=4), verbose=False)
    (record,) = list(tbc.read(str(tmp_path)))
    assert record.task == "segmentation" and record.tag == "predictions"
    assert_same(record.counts, expected_state())


def test_two_ddp_ranks_write_one_step_without_the_padding(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SCRIPT.parent), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(list(tmp_path.rglob("events.out.tfevents*"))) == 1  # rank 0 alone wrote
    (record,) = list(tbc.read(str(tmp_path)))
    assert_same(record.counts, expected_state())


def test_bad_ignore_index_is_refused_at_construction():
    with pytest.raises(ValueError, match="ignore_index must be an int or None; got 'x'"):
        tbc.lightning.ConfusionMatrixCallback(task="segmentation", ignore_index="x")

"""Two real gloo processes under torchrun: the merged per-pixel step equals one process's exactly, the
DistributedSampler's padding counts once, and only rank 0 writes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import tb_confusion as tbc

SCRIPT = Path(__file__).with_name("accumulate_ddp_script.py")
sys.path.insert(0, str(SCRIPT.parent))
import accumulate_ddp_script as script  # noqa: E402
from count_states import assert_same_sums  # noqa: E402


def test_two_gloo_ranks_merge_to_the_single_process_sums(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SCRIPT.parent), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    # 21 images over 2 ranks: the sampler hands each 11, one of rank 1's being padding
    assert [json.loads((tmp_path / f"images_rank{r}.json").read_text()) for r in (0, 1)] == [11, 10]
    assert [p.parent.name for p in tmp_path.rglob("events.out.tfevents*")] == ["ddp"]  # rank 0 alone wrote

    (record,) = list(tbc.read(str(tmp_path / "ddp")))
    merged = record.counts
    single = script.accumulator()
    data = script.Masks()
    for start in range(0, script.NUM_IMAGES, 5):
        items = [data[i] for i in range(start, min(start + 5, script.NUM_IMAGES))]
        single.update(np.stack([m.numpy() for _, m, _ in items]), np.stack([p.numpy() for p, _, _ in items]),
                      example_ids=[i for _, _, i in items])
    one = single.state
    assert_same_sums(merged, one)
    assert np.array_equal(merged.calibration[0], one.calibration[0])  # the bins' counts exactly
    assert merged.num_examples == script.NUM_IMAGES
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert timing["all_reduce"] > 0 and timing["update_batch"] > 0

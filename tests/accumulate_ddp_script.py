"""Per-pixel sums over 2 gloo processes, run by tests/test_accumulator_distributed.py:

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/accumulate_ddp_script.py OUT_DIR

Each rank accumulates its DistributedSampler share of `dataset()` (an odd number of images, so the
sampler pads one), all-reduces, and rank 0 writes the merged step to OUT_DIR/ddp plus its timings
(OUT_DIR/timing.json: the all_reduce beside one update batch) and each rank its count of images.
"""

import json
import sys
import time

if __name__ == "__main__":  # as on a PyTorch-only machine
    sys.modules["tensorflow"] = None

import numpy as np
import torch
import torch.distributed as dist

import tb_confusion as tbc
from tb_confusion.counts import distributed
from tb_confusion.storage.events import EventWriter

NUM_IMAGES, CLASSES, SIZE = 21, 3, 12


class Masks(torch.utils.data.Dataset):
    """(probabilities [C, H, W] float32, mask [H, W] with a 255 border, id) of generated images."""

    def __init__(self):
        rng = np.random.default_rng(7)
        self.masks = rng.integers(0, CLASSES, (NUM_IMAGES, SIZE, SIZE))
        self.masks[:, 0, :] = 255
        logits = rng.normal(size=(NUM_IMAGES, CLASSES, SIZE, SIZE)) + 2.0 * np.moveaxis(
            np.eye(CLASSES)[np.where(self.masks == 255, 0, self.masks)], -1, 1)
        p = np.exp(logits)
        self.probabilities = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def __len__(self):
        return NUM_IMAGES

    def __getitem__(self, i):
        return torch.from_numpy(self.probabilities[i]), torch.from_numpy(self.masks[i]), f"img-{i:03d}"


def accumulator(**options):
    return tbc.Accumulator("pixels", class_names=["bg", "a", "b"], ignore_index=255, channels_first=True, **options)


def main(out):
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    data = Masks()
    sampler = torch.utils.data.distributed.DistributedSampler(data, shuffle=False)
    acc = accumulator(max_examples=distributed.real_examples(sampler))
    update_seconds = []
    for probabilities, masks, ids in torch.utils.data.DataLoader(data, batch_size=4, sampler=sampler):
        start = time.perf_counter()
        acc.update(masks, probabilities, example_ids=list(ids))
        update_seconds.append(time.perf_counter() - start)
    with open(f"{out}/images_rank{rank}.json", "w") as f:
        json.dump(acc.num_examples, f)
    dist.barrier()
    start = time.perf_counter()
    distributed.all_reduce(acc)
    merge_seconds = time.perf_counter() - start
    if rank == 0:
        with EventWriter(f"{out}/ddp") as writer:
            writer.add_summary(acc.summary_pb(), step=0)
        with open(f"{out}/timing.json", "w") as f:
            json.dump({"all_reduce": merge_seconds, "update_batch": float(np.median(update_seconds))}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])

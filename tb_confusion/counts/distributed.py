"""Merging accumulated steps across processes: every worker sums its shard, then the sums are added.

    sampler = DistributedSampler(val_set)
    accumulator = tbc.Accumulator("pixels", max_examples=distributed.real_examples(sampler))
    for images, masks in DataLoader(val_set, batch_size=8, sampler=sampler):
        accumulator.update(masks, model(images).softmax(1), channels_first=True)
    distributed.all_reduce(accumulator)          # every rank now holds the sums of all ranks
    if torch.distributed.get_rank() == 0:
        writer.add_summary(accumulator.summary_pb(), epoch)

Sums merge where predictions would have to travel: the dense arrays go through one all_reduce each
(a few MB whatever the number of pixels), each image's cell counts and ids through one all_gather.
"""

import numpy as np

from tb_confusion.counts.state import DENSE, CountState
from tb_confusion.errors import BadArgument


def real_examples(sampler):
    """How many of the examples a torch DistributedSampler gives this rank are real: it pads the index
    list (repeating its first entries) to a multiple of the number of ranks, and the padding lands at
    the end of the last ranks' shares. Pass the result as Accumulator(max_examples=...)."""
    for name in ("num_replicas", "rank", "num_samples", "total_size", "dataset"):
        if not hasattr(sampler, name):
            raise BadArgument(f"sampler must be a torch.utils.data.DistributedSampler; got {type(sampler).__name__}")
    if getattr(sampler, "drop_last", False):
        return sampler.num_samples  # it dropped the tail instead of padding
    n, ranks, rank = len(sampler.dataset), sampler.num_replicas, sampler.rank
    # global positions rank, rank + ranks, ... < total_size; those >= n are padding
    return len(range(rank, min(n, sampler.total_size), ranks))


def all_reduce(accumulator, group=None):
    """Replace the accumulator's sums by the sums over every process of the torch.distributed group
    (each rank calls it; each gets the merged state). Example rows are renumbered rank by rank and ids
    must not repeat across ranks (see real_examples). Returns the accumulator."""
    import torch
    import torch.distributed as dist

    state = accumulator.state
    gathered = [None] * dist.get_world_size(group)
    local = None if state is None else {
        "num_classes": state.num_classes, "examples": state.examples(), "ids": state.example_ids,
        "num_examples": state.num_examples, "log_loss": state.log_loss, "weighted": state.weighted}
    dist.all_gather_object(gathered, local, group=group)
    present = [g for g in gathered if g is not None]
    if not present:
        return accumulator
    classes = {g["num_classes"] for g in present}
    if len(classes) != 1:
        raise BadArgument(f"the ranks counted different numbers of classes: {sorted(classes)}")
    merged = CountState(classes.pop())
    for name in DENSE:
        local_array = getattr(state, name) if state is not None else getattr(merged, name)
        tensor = torch.from_numpy(np.ascontiguousarray(local_array, dtype=np.float64))
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=group)
        setattr(merged, name, tensor.numpy())
    for part in present:
        other = CountState(merged.num_classes, weighted=part["weighted"])
        other.set_examples(*part["examples"])
        other.example_ids, other.num_examples = part["ids"], part["num_examples"]
        merged.merge(other, sums=False)
        merged.log_loss += part["log_loss"]
    accumulator.state = merged
    if accumulator.class_names is None:
        accumulator.class_names = [str(k) for k in range(merged.num_classes)]
    return accumulator

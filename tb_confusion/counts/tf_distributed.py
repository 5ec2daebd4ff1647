"""Merging accumulated steps across the workers of a tf.distribute strategy (MultiWorkerMirroredStrategy):
every worker sums its shard, then one collective SUM adds the sums and gathers the per-example parts.

    for batch in strategy.experimental_distribute_dataset(dataset):
        for labels, probabilities in local_results(strategy, strategy.run(step, args=(batch,))):
            accumulator.update(labels, probabilities)
    tf_distributed.all_reduce(accumulator, strategy)    # collective: every worker calls it
    if is_chief(strategy):
        ...write accumulator.summary_pb()...

Two reductions with the strategy's cross-replica SUM (`strategy.reduce`): a small header (each worker's
sizes), then one float64 vector holding the dense sums (added) and, in one slot per replica, the
per-example rows, cells, counts and ids (a slot is zero except on its own replica, so the SUM gathers
them exactly: x + 0 == x). Only the first local replica of each worker carries data; the others send
zeros. Float64 holds integers below 2**53 exactly, so counts and example rows travel unchanged.
"""

import json

import numpy as np

from tb_confusion.counts.state import DENSE as _DENSE, CountState
from tb_confusion.errors import BadArgument

# header columns: num_classes, num_examples, example entries, id bytes, has ids, weighted
_HEADER = 6


def num_workers(strategy):
    """The number of worker processes of the strategy's cluster (1 without a cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    cluster = resolver.cluster_spec().as_dict()
    return max(1, sum(len(cluster.get(kind, ())) for kind in ("chief", "worker")))


def is_chief(strategy):
    """True where the step is written: the `chief` task, or `worker` 0 when the cluster has no chief."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return True
    cluster = resolver.cluster_spec().as_dict()
    task_type, task_id = resolver.task_type, resolver.task_id
    if not cluster or task_type in (None, "chief"):
        return True
    return task_type == "worker" and task_id == 0 and "chief" not in cluster


def local_results(strategy, per_replica):
    """This worker's replicas' values of a strategy.run result, as a list of nests of tensors."""
    import tensorflow as tf

    parts = [strategy.experimental_local_results(v) for v in tf.nest.flatten(per_replica)]
    return [tf.nest.pack_sequence_as(per_replica, list(values)) for values in zip(*parts)]


def all_reduce(accumulator, strategy):
    """Replace the accumulator's sums by the sums over every worker of `strategy` (a collective: each
    worker calls it, each gets the merged state). Example rows are renumbered replica by replica; ids
    must not repeat across workers (an example counted twice raises BadArgument). Returns the
    accumulator."""
    state = accumulator.state
    replicas = strategy.num_replicas_in_sync
    rows, cells, counts = state.examples() if state is not None else (np.zeros(0),) * 3
    ids = b"" if state is None or state.example_ids is None else json.dumps(state.example_ids).encode("utf-8")

    def header(slot):
        out = np.zeros((replicas, _HEADER))
        if state is not None:
            out[slot] = [state.num_classes, state.num_examples, len(rows), len(ids),
                         state.example_ids is not None, state.weighted]
        return out

    totals = _sum_over_replicas(strategy, header)
    present = np.flatnonzero(totals[:, 0])
    if not len(present):
        return accumulator
    classes = set(totals[present, 0].astype(int).tolist())
    if len(classes) != 1:
        raise BadArgument(f"the workers counted different numbers of classes: {sorted(classes)}")
    merged = CountState(classes.pop(), weighted=bool(totals[:, 5].any()))
    if len(set(totals[present, 4].tolist())) != 1 and totals[present, 1].all():
        raise BadArgument("some workers have example_ids and some do not: give them to every update, "
                          "or to none")
    sizes = [sum(getattr(merged, name).size for name in _DENSE) + 1, int(totals[:, 2].max()) * 3,
             int(totals[:, 3].max())]

    def vector(slot):
        out = np.zeros(sizes[0] + replicas * (sizes[1] + sizes[2]))
        if state is None:
            return out
        dense = [getattr(state, name).ravel() for name in _DENSE] + [np.array([state.log_loss])]
        out[:sizes[0]] = np.concatenate(dense)
        start = sizes[0] + slot * sizes[1]
        out[start:start + 3 * len(rows)] = np.stack([rows, cells, counts], axis=1).ravel()
        start = sizes[0] + replicas * sizes[1] + slot * sizes[2]
        out[start:start + len(ids)] = np.frombuffer(ids, dtype=np.uint8)
        return out

    summed = _sum_over_replicas(strategy, vector)
    offset = 0
    for name in _DENSE:
        array = getattr(merged, name)
        setattr(merged, name, summed[offset:offset + array.size].reshape(array.shape))
        offset += array.size
    merged.log_loss = float(summed[offset])
    for slot in present:
        merged.merge(_slot_state(summed, totals[slot], slot, sizes, replicas, merged), sums=False)
    accumulator.state = merged
    if accumulator.class_names is None:
        accumulator.class_names = [str(k) for k in range(merged.num_classes)]
    return accumulator


def _sum_over_replicas(strategy, build):
    """strategy.reduce(SUM) of build(slot) given by this worker's first replica (zeros by the others)."""
    import tensorflow as tf

    first = [None]

    def value(context):
        replica = context.replica_id_in_sync_group
        if first[0] is None:
            first[0] = replica
        array = build(replica)
        return tf.constant(array if replica == first[0] else np.zeros_like(array))

    values = strategy.experimental_distribute_values_from_function(value)
    return strategy.reduce(tf.distribute.ReduceOp.SUM, values, axis=None).numpy()


def _slot_state(summed, header, slot, sizes, replicas, merged):
    """One replica's per-example part of the reduced vector, as a CountState without dense sums."""
    entries, id_bytes = int(header[2]), int(header[3])
    start = sizes[0] + slot * sizes[1]
    table = summed[start:start + 3 * entries].reshape(entries, 3)
    part = CountState(merged.num_classes, weighted=bool(header[5]))
    part.set_examples(table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2].copy())
    part.num_examples = int(header[1])
    if header[4]:
        start = sizes[0] + replicas * sizes[1] + slot * sizes[2]
        text = summed[start:start + id_bytes].astype(np.uint8).tobytes().decode("utf-8")
        part.example_ids = json.loads(text)
    return part

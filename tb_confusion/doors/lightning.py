"""PyTorch Lightning 2.x: log each validation epoch's predictions beside the TensorBoardLogger's scalars.

    trainer = L.Trainer(max_epochs=30, logger=TensorBoardLogger("logs"),
                        callbacks=[tb_confusion.lightning.ConfusionMatrixCallback(class_names=names)])

The callback keeps what `validation_step` returns for each batch (a dict with labels and logits), so it
costs no second pass over the data. Under DDP each rank keeps its own share; at the end of the epoch the
shares are gathered on rank 0, put back in dataset order, the padding of `DistributedSampler` dropped, and
rank 0 writes one step. Works with `lightning.pytorch` and with the older `pytorch_lightning` package.
See docs/doors/lightning.md.
"""

import collections.abc
import numbers
import os
import sys
import warnings

import numpy as np
import torch.distributed as dist
from torch.utils.data import DistributedSampler

from tb_confusion.counts import distributed
from tb_confusion.counts.accumulator import Accumulator
from tb_confusion.doors.collect import Collector, LazyWriter
from tb_confusion.storage.class_groups import NO_PIXEL_GROUPS, check_early as check_class_groups
from tb_confusion.errors import BadArgument
from tb_confusion.storage import kinds
from tb_confusion.storage.metadata import DTYPES, TASKS
from tb_confusion.storage.validation import check_choice, check_flag, check_positive_int, check_text
from tb_confusion.summary import predictions_pb


def _callback_bases():
    # Both packages ship the same Callback as distinct classes. Subclass `lightning.pytorch`'s, and also
    # `pytorch_lightning`'s when that package is in use (already imported) or the only one installed. Importing
    # it ourselves would redirect Lightning's rank-zero log messages to the `pytorch_lightning` logger.
    bases = []
    try:
        import lightning.pytorch
        bases.append(lightning.pytorch.Callback)
    except ImportError:
        pass
    if "pytorch_lightning" in sys.modules or not bases:
        try:
            import pytorch_lightning
            bases.append(pytorch_lightning.Callback)
        except ImportError:
            pass
    if not bases:
        raise ImportError("tb_confusion.lightning needs PyTorch Lightning 2.x: pip install 'lightning>=2.0'")
    return tuple(bases)


def _is_tensorboard_logger(logger):
    for package in ("lightning.pytorch.loggers", "pytorch_lightning.loggers"):
        module = sys.modules.get(package)
        if module is not None and isinstance(logger, module.TensorBoardLogger):
            return True
    return False


STAGES = ("validate", "test")
STEPS = ("epoch", "global_step")

__all__ = ["ConfusionMatrixCallback", "merge_ranks", "STAGES", "STEPS"]


class ConfusionMatrixCallback(*_callback_bases()):
    """Writes each validation epoch's predictions (and optionally the test pass's) as one tb_confusion step.

    Args:
      log_dir: where to write; None (default) writes into the trainer's `TensorBoardLogger.log_dir`, beside
        its scalars, so both show as one run in TensorBoard.
      name: an optional subdirectory of the log dir (a run of its own), e.g. "validation".
      tag: the tag of the validation predictions.
      test_tag: the tag of the test predictions (with "test" in `stages`).
      labels_key, scores_key, ids_key: the keys of the dict that `validation_step` (`test_step`) returns
        holding the batch's labels, its scores (logits, or probabilities with `from_logits=False`) and,
        optionally, its example ids (strings or ints; with them, DDP padding is dropped by id).
      attribute_keys: keys of that dict holding per-example categorical attributes (strings, ints or
        bools, one per example) to slice by, e.g. `("source",)`: stored with the step (docs/slices.md).
      extract: instead of keys, a function `(pl_module, batch, outputs) -> (labels, scores)`,
        `(labels, scores, ids)` or `(labels, scores, ids, {attribute name: values})` called for each batch.
      stages: "validate", "test", or both, e.g. `("validate", "test")`.
      from_logits: True (default) applies softmax (sigmoid for one score per example or multilabel) to
        the scores, as fits what a LightningModule's loss usually takes; False when `scores_key` holds
        probabilities.
      task, class_names, dtype, description, storage: as in `tb_confusion.summary.predictions_pb`.
      class_groups: multiclass only: the super-class of each class, a list of one group name per class or a
        dict {group: [class names]}, as in `tb_confusion.summary.predictions_pb` (docs/groups.md).
      every_n_epochs: during `fit`, write every n-th epoch (n-1, 2n-1, ...) and always the last one.
      step: "epoch" (default, `trainer.current_epoch`) or "global_step" (`trainer.global_step`; use it
        with `val_check_interval`, several validations per epoch).
      dataloader_idx: which validation/test dataloader to log when there are several.
      ignore_index: with task="segmentation", the label of pixels not counted (e.g. 255).
    With task="segmentation" (labels [N, H, W], scores [N, C, H, W]) each batch is summed into a
    `tb_confusion.Accumulator` instead of kept (memory independent of the pixels); under DDP the ranks'
    sums are all-reduced, the sampler's padding is not counted, and rank 0 writes (docs/segmentation.md).
    Raises:
      ValueError: for a bad argument, here; for a batch whose outputs lack a key, in that batch, naming
        the key and the keys present.
    """

    def __init__(self, log_dir=None, *, name=None, tag="predictions", test_tag="test_predictions",
                 labels_key="labels", scores_key="logits", ids_key=None, attribute_keys=(), extract=None,
                 stages=("validate",),
                 from_logits=True, task=None, class_names=None, every_n_epochs=1, step="epoch",
                 dataloader_idx=0, dtype="float32", description=None, ignore_index=None, storage="auto",
                 class_groups=None):
        super().__init__()
        if log_dir is not None and (not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir)):
            raise BadArgument(f"log_dir must be a directory path or None; got {log_dir!r}")
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.name = None if name is None else check_text(name, "name")
        self.tags = {"validate": check_text(tag, "tag"), "test": check_text(test_tag, "test_tag")}
        self.labels_key = check_text(labels_key, "labels_key")
        self.scores_key = check_text(scores_key, "scores_key")
        self.ids_key = None if ids_key is None else check_text(ids_key, "ids_key")
        if isinstance(attribute_keys, str):
            attribute_keys = (attribute_keys,)
        if not isinstance(attribute_keys, (list, tuple)):
            raise BadArgument(f"attribute_keys must be a key or a sequence of keys; got {attribute_keys!r}")
        self.attribute_keys = tuple(check_text(key, "attribute_keys") for key in attribute_keys)
        if extract is not None and not callable(extract):
            raise BadArgument(f"extract must be a function (pl_module, batch, outputs) -> (labels, scores[, ids]) "
                              f"or None; got {extract!r}")
        self.extract = extract
        self.stages = _stages(stages)
        self.from_logits = check_flag(from_logits, "from_logits")
        self.task = check_choice(task, TASKS, "task", allow_none=True)
        if class_names is not None and (isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__")):
            raise BadArgument(f"class_names must be a sequence of strings or None; got {class_names!r}")
        self.class_names = None if class_names is None else list(class_names)
        self.class_groups = check_class_groups(class_groups, self.class_names, self.task)
        if self.class_groups is not None and ignore_index is not None:
            raise BadArgument(f"{NO_PIXEL_GROUPS}; got ignore_index={ignore_index!r}")
        self.every_n_epochs = check_positive_int(every_n_epochs, "every_n_epochs")
        self.step = check_choice(step, STEPS, "step")
        if isinstance(dataloader_idx, bool) or not isinstance(dataloader_idx, numbers.Integral) or dataloader_idx < 0:
            raise BadArgument(f"dataloader_idx must be a non-negative integer; got {dataloader_idx!r}")
        self.dataloader_idx = int(dataloader_idx)
        self.dtype = check_choice(dtype, DTYPES, "dtype")
        self.storage = kinds.check(storage)
        if description is not None and not isinstance(description, str):
            raise BadArgument(f"description must be a string or None; got {description!r}")
        self.description = description
        self.ignore_index = ignore_index
        if self.task == "segmentation":
            if self.attribute_keys:
                raise BadArgument(f"attribute_keys={self.attribute_keys!r} cannot be kept for task='segmentation': "
                                  "per-pixel steps are sums over every pixel, not examples (docs/slices.md)")
            Accumulator("check", ignore_index=ignore_index, class_names=self.class_names)  # checks them now
        self._collector = Collector()
        self._accumulator = None
        self._active = False
        self._writer = None
        self._warned = set()

    # Lightning hooks: short, delegating to the helpers below.

    def setup(self, trainer, pl_module, stage):
        if self.log_dir is None and not trainer.fast_dev_run and not self._tensorboard_loggers(trainer):
            found = [type(logger).__name__ for logger in trainer.loggers]
            raise BadArgument(f"log_dir=None writes beside a TensorBoardLogger, but trainer.loggers holds "
                              f"{found or 'none'}; add a TensorBoardLogger or pass log_dir=")

    def on_validation_epoch_start(self, trainer, pl_module):
        self._start(trainer, "validate")

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        self._add(pl_module, outputs, batch, dataloader_idx)

    def on_validation_epoch_end(self, trainer, pl_module):
        self._end(trainer, "validate")

    def on_test_epoch_start(self, trainer, pl_module):
        self._start(trainer, "test")

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        self._add(pl_module, outputs, batch, dataloader_idx)

    def on_test_epoch_end(self, trainer, pl_module):
        self._end(trainer, "test")

    def teardown(self, trainer, pl_module, stage):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # Helpers.

    def _start(self, trainer, stage):
        self._collector.reset()
        self._active = (stage in self.stages and not trainer.sanity_checking and not trainer.fast_dev_run
                        and self._due(trainer, stage))
        if self._active and self.task == "segmentation":
            sampler = _distributed_sampler(self._loader(trainer, stage))
            self._accumulator = Accumulator(
                self.tags[stage], task="segmentation", class_names=self.class_names, ignore_index=self.ignore_index,
                channels_first=True, from_logits=self.from_logits, description=self.description,
                max_examples=None if sampler is None else distributed.real_examples(sampler))

    def _due(self, trainer, stage):
        if stage == "test" or trainer.state.fn != "fit":
            return True
        epoch, last = trainer.current_epoch, trainer.max_epochs
        return (epoch + 1) % self.every_n_epochs == 0 or epoch + 1 == last or bool(trainer.should_stop)

    def _add(self, pl_module, outputs, batch, dataloader_idx):
        if not self._active or dataloader_idx != self.dataloader_idx:
            return
        labels, scores, ids, attributes = self._batch_arrays(pl_module, batch, outputs)
        if self._accumulator is not None:
            if attributes is not None:
                raise BadArgument("extract returned attributes for task='segmentation': per-pixel steps are sums "
                                  "over every pixel and keep no per-example attributes")
            self._accumulator.update(labels, scores, example_ids=ids)
            return
        self._collector.add(labels, scores, example_ids=ids, attributes=attributes)

    def _batch_arrays(self, pl_module, batch, outputs):
        if self.extract is not None:
            result = self.extract(pl_module, batch, outputs)
            if not isinstance(result, (tuple, list)) or len(result) not in (2, 3, 4):
                raise BadArgument(f"extract must return (labels, scores), (labels, scores, ids) or (labels, scores, ids, "
                                  f"attributes); got {type(result).__name__}"
                                  f"{f' of length {len(result)}' if hasattr(result, '__len__') else ''}")
            return tuple(result) + (None,) * (4 - len(result))
        if not isinstance(outputs, collections.abc.Mapping):
            raise BadArgument(f"the step's outputs must be a dict with {self.labels_key!r} and {self.scores_key!r} "
                              f"(or pass extract=); got {type(outputs).__name__}")
        keys = [self.labels_key, self.scores_key] + ([self.ids_key] if self.ids_key else []) + list(self.attribute_keys)
        for key in keys:
            if key not in outputs:
                raise BadArgument(f"the step's outputs have no key {key!r}; keys present: {sorted(map(str, outputs))} "
                                  f"(set labels_key=/scores_key=/ids_key=/attribute_keys=, or pass extract=)")
        attributes = {key: outputs[key] for key in self.attribute_keys} or None
        return (outputs[self.labels_key], outputs[self.scores_key], outputs[self.ids_key] if self.ids_key else None,
                attributes)

    def _end(self, trainer, stage):
        if not self._active:
            return
        self._active = False
        if self._accumulator is not None:
            accumulator, self._accumulator = self._accumulator, None
            if trainer.world_size > 1 and dist.is_available() and dist.is_initialized():
                distributed.all_reduce(accumulator)
                if dist.get_rank() != 0:
                    return
            self._write(trainer, accumulator.summary_pb())
            return
        mine = self._collector.arrays() if len(self._collector) else None
        self._collector.reset()
        if trainer.world_size == 1 or not (dist.is_available() and dist.is_initialized()):
            self._write(trainer, self._summary(stage, mine))
            return
        rank_zero = dist.get_rank() == 0
        shares = [None] * trainer.world_size if rank_zero else None
        dist.gather_object(mine, shares, dst=0)
        summary = error = None
        if rank_zero:
            try:
                summary = self._summary(stage, self._merge(trainer, stage, shares))
            except ValueError as bad:
                error = bad
        # Rank 0's verdict reaches every rank: a bad epoch stops them all instead of leaving the others
        # waiting at their next collective.
        verdict = [None if error is None else str(error)]
        dist.broadcast_object_list(verdict, src=0)
        if error is not None:
            raise error
        if verdict[0] is not None:
            raise BadArgument(f"on rank 0: {verdict[0]}")
        if rank_zero:
            self._write(trainer, summary)

    def _summary(self, stage, arrays):
        if arrays is None:
            raise BadArgument(f"no {stage} batches reached the callback (check dataloader_idx={self.dataloader_idx})")
        self._check_scores(arrays["probabilities"])
        return predictions_pb(self.tags[stage], arrays["labels"], arrays["probabilities"],
                              example_ids=arrays["example_ids"], sample_weight=arrays["sample_weight"],
                              attributes=arrays["attributes"], task=self.task, class_names=self.class_names,
                              class_groups=self.class_groups, from_logits=self.from_logits, dtype=self.dtype,
                              description=self.description, storage=self.storage)

    def _write(self, trainer, summary):
        if self._writer is None:
            self._writer = LazyWriter(self._run_dir(trainer))
        self._writer.add_summary(summary, trainer.current_epoch if self.step == "epoch" else trainer.global_step)

    def _merge(self, trainer, stage, shares):
        if all(share is None for share in shares):
            return None
        with_ids = all(share is None or share["example_ids"] is not None for share in shares)
        length = _dataset_length(self._loader(trainer, stage))
        if not with_ids and length is None:
            self._warn_once("order", "without ids_key and without a DistributedSampler, the ranks' predictions are "
                            "kept as gathered: examples seen by several ranks count several times")
        return merge_ranks(shares, dataset_length=length)

    def _loader(self, trainer, stage):
        loaders = trainer.val_dataloaders if stage == "validate" else trainer.test_dataloaders
        if isinstance(loaders, collections.abc.Mapping):
            loaders = list(loaders.values())
        if isinstance(loaders, (list, tuple)):
            return loaders[self.dataloader_idx] if self.dataloader_idx < len(loaders) else None
        return loaders if self.dataloader_idx == 0 else None

    def _run_dir(self, trainer):
        base = self.log_dir if self.log_dir is not None else self._tensorboard_loggers(trainer)[0].log_dir
        return os.path.join(base, self.name) if self.name else base

    @staticmethod
    def _tensorboard_loggers(trainer):
        return [logger for logger in trainer.loggers if _is_tensorboard_logger(logger)]

    def _check_scores(self, scores):
        # Softmax of probabilities is a valid but flattened distribution: say so instead of logging it silently.
        if self.from_logits and scores.ndim == 2 and scores.shape[1] > 1 and self.task != "multilabel":
            if scores.min() >= 0 and scores.max() <= 1 and np.allclose(scores.sum(axis=1), 1, atol=1e-4):
                self._warn_once("probabilities", f"the {self.scores_key!r} scores look like probabilities (rows in "
                                "[0, 1] summing to 1) but from_logits=True applies softmax again; pass from_logits=False")

    def _warn_once(self, key, message):
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, UserWarning, stacklevel=3)


def merge_ranks(shares, *, dataset_length=None):
    """One pass from the ranks' shares (`Collector.arrays()` dicts, or None for a rank with no batches).

    `DistributedSampler` deals index i of its (padded) list to rank i % world, so the k-th example of
    rank r sits at position k * world + r: sorting by that position restores the sampler's order, and the
    padding (copies of the first examples) takes the positions >= the dataset length. With example ids,
    the first occurrence of each id is kept instead, which also holds for samplers that pad elsewhere.
    """
    world = len(shares)
    present = [(rank, share) for rank, share in enumerate(shares) if share is not None]
    positions = np.concatenate([np.arange(len(share["labels"])) * world + rank for rank, share in present])
    order = np.argsort(positions, kind="stable")
    merged = {}
    for key in ("labels", "probabilities", "example_ids", "sample_weight"):
        merged[key] = _merged([share[key] for _, share in present], key, order)
    merged["attributes"] = _merged_attributes([share.get("attributes") for _, share in present], order)
    if merged["example_ids"] is not None:
        seen = set()
        keep = np.array([not (i in seen or seen.add(i)) for i in merged["example_ids"].tolist()], dtype=bool)
    elif dataset_length is not None:
        keep = positions[order] < dataset_length
    else:
        return merged
    attributes = merged.pop("attributes")
    out = {key: None if value is None else value[keep] for key, value in merged.items()}
    out["attributes"] = None if attributes is None else {name: values[keep] for name, values in attributes.items()}
    return out


def _merged(parts, key, order):
    if any(part is None for part in parts):
        if any(part is not None for part in parts):
            raise BadArgument(f"{key} were given on some ranks only; give them on every rank or none")
        return None
    return np.concatenate(parts)[order]


def _merged_attributes(parts, order):
    # {name: values} per rank: every rank must log the same names (a slice missing on one rank would be a lie)
    names = {None if part is None else tuple(sorted(part)) for part in parts}
    if len(names) > 1:
        raise BadArgument(f"attributes differ between ranks: {sorted(map(str, names))}; log the same names on every "
                          "rank")
    if None in names:
        return None
    return {name: _merged([part[name] for part in parts], f"attributes[{name!r}]", order) for name in parts[0]}


def _distributed_sampler(loader):
    # Lightning puts its DistributedSampler on `loader.sampler` (or inside the batch sampler).
    for sampler in (getattr(loader, "sampler", None), getattr(getattr(loader, "batch_sampler", None), "sampler", None)):
        if isinstance(sampler, DistributedSampler):
            return sampler
    return None


def _dataset_length(loader):
    sampler = _distributed_sampler(loader)
    return None if sampler is None else len(sampler.dataset)


def _stages(stages):
    if isinstance(stages, str):
        stages = (stages,)
    if not isinstance(stages, (tuple, list, set, frozenset)) or not stages or any(s not in STAGES for s in stages):
        raise BadArgument(f"stages must be a non-empty collection of {', '.join(map(repr, STAGES))}; got {stages!r}")
    return tuple(dict.fromkeys(stages))

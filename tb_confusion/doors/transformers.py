"""Hugging Face `transformers.Trainer`: log every evaluation's predictions next to the Trainer's scalars.

    trainer = Trainer(model, args, train_dataset=train, eval_dataset=val, compute_metrics=my_metrics)
    tbc.transformers.ConfusionMatrixCallback().attach(trainer)
    trainer.train()

A `TrainerCallback` never sees predictions (`on_evaluate` gets the metrics, `on_prediction_step` nothing),
so the door has two halves: a wrapper around `compute_metrics` that keeps the labels and logits of the
pass the Trainer just made, and the callback that writes them at `on_evaluate`, into the directory the
Trainer's own `TensorBoardCallback` writes to, at `step=state.global_step` like the Trainer's eval scalars.
See docs/doors/transformers.md.
"""

import collections.abc
import numbers
import os

import numpy as np
from transformers import TrainerCallback
from transformers.integrations.integration_utils import TensorBoardCallback, default_logdir, rewrite_logs

from tb_confusion import summary
from tb_confusion.counts.accumulator import Accumulator
from tb_confusion.doors.collect import Collector, LazyWriter, as_numpy
from tb_confusion.storage.class_groups import check_early as check_class_groups
from tb_confusion.errors import BadArgument
from tb_confusion.storage import kinds
from tb_confusion.storage.metadata import DTYPES, TASKS
from tb_confusion.storage.validation import check_choice, check_flag, check_text

__all__ = ["ConfusionMatrixCallback"]

_LOGDIR_ENV = "TENSORBOARD_LOGGING_DIR"  # what transformers' TensorBoardCallback reads (5.x)


class ConfusionMatrixCallback(TrainerCallback):
    """Writes the labels and probabilities of every `Trainer` evaluation as a tb_confusion step.

    Use `attach(trainer)` (it wraps the Trainer's `compute_metrics` and adds the callback), or wire the
    two halves yourself: `Trainer(..., compute_metrics=callback.wrap(my_metrics), callbacks=[callback])`.

    Where: the directory of the Trainer's `TensorBoardCallback` (`report_to=["tensorboard"]`), so the tag
    sits in the same run as `eval/loss`; tag `eval/predictions`, or `eval/<name>_predictions` for each
    dataset of an `eval_dataset` dict (the Trainer's own naming: `rewrite_logs` of `<prefix>_<tag>`);
    step `state.global_step`. Only the main process (`state.is_world_process_zero`) writes.

    Args:
      log_dir: the TensorBoard directory to write to. Default: the Trainer's TensorBoardCallback's
        directory when `attach` found one, else `$TENSORBOARD_LOGGING_DIR`, else
        `<output_dir>/runs/<time>_<host>` chosen at train start (transformers' own default).
      name: None writes into that directory itself (the run of the Trainer's scalars); a string
        writes into that subdirectory (a run of its own).
      tag: the tag name after the metric prefix ("eval/predictions").
      class_names: one name per class; default `model.config.id2label` unless it holds only the
        placeholder names LABEL_0, LABEL_1, ... (then "0", "1", ...).
      task: "binary", "multiclass" or "multilabel"; default "multilabel" for a model whose
        `config.problem_type` is "multi_label_classification", else inferred from the shapes.
      from_logits: the predictions are logits (HF models output logits); False for probabilities.
      output: when the predictions are a tuple (a model returning several outputs), the index of the
        one to log (labels that are a tuple: their element 0).
      example_ids: ids shown when you click a matrix cell: a sequence of N ids for a single eval
        dataset (in its order: the Trainer evaluates sequentially), or a mapping from the names of
        an `eval_dataset` dict to such sequences.
      attributes: per-example categories to slice by (docs/slices.md): {attribute name: N values (str, int
        or bool)} for a single eval dataset (in its order), or {eval dataset name: {attribute name: values}}.
      class_groups: multiclass only: the super-class of each class, a list of one group name per class (in
        class_names order) or a dict {group: [class names]}, as in `tb_confusion.summary.predictions_pb`
        (docs/groups.md); checked against the model's task and class names at train start and each evaluation.
      ignore_index: labels equal to it are dropped (token classification pads with -100); None keeps all.
        Token-level labels [N, T] with logits [N, T, C] are flattened to one example per kept token.
        With task="segmentation" (labels [N, H, W], logits [N, C, H, W], e.g. upsampled by a
        `preprocess_logits_for_metrics`), each batch is summed into a `tb_confusion.Accumulator` instead
        (docs/segmentation.md), and ignore_index is the label of pixels not counted (e.g. 255).
      dtype: "float32" (exact) or "float16" (half the bytes).
      storage: "auto" (default), "exact" or "compact", as in `tb_confusion.summary.predictions_pb`.
      description: optional markdown shown with the tag.
    Raises:
      ValueError: naming the argument and the bad value.
    """

    def __init__(self, log_dir=None, *, name=None, tag="predictions", class_names=None, task=None,
                 from_logits=True, output=0, example_ids=None, ignore_index=-100, dtype="float32",
                 description=None, storage="auto", attributes=None, class_groups=None):
        self.log_dir = _check_log_dir(log_dir)
        self.name = None if name is None else check_text(name, "name")
        self.tag = check_text(tag, "tag")
        self.class_names = _check_class_names(class_names)
        self.task = check_choice(task, TASKS, "task", allow_none=True)
        self.from_logits = check_flag(from_logits, "from_logits")
        self.output = _check_int(output, "output")
        self.example_ids = _check_example_ids(example_ids)
        self.attributes = _check_attributes(attributes)
        if self.attributes is not None and task == "segmentation":
            raise BadArgument("attributes cannot be kept for task='segmentation': per-pixel steps are sums over "
                              "every pixel, not examples (docs/slices.md)")
        self.class_groups = check_class_groups(class_groups, self.class_names, self.task)
        self.ignore_index = None if ignore_index is None else _check_int(ignore_index, "ignore_index")
        self.dtype = check_choice(dtype, DTYPES, "dtype")
        self.storage = kinds.check(storage)
        if description is not None and not isinstance(description, str):
            raise BadArgument(f"description must be a string or None; got {description!r}")
        self.description = description
        self._pass = Collector()
        self._pixels = None  # task="segmentation": the Accumulator of the current pass
        self._recorded = False  # a complete pass waits for its on_evaluate
        self._batch_done = True  # batch_eval_metrics: the next batch starts a new pass
        self._is_writer = True
        self._handler = None  # the Trainer's CallbackHandler, known after attach()
        self._default_dir = None
        self._writer = None

    # Wiring.

    def attach(self, trainer):
        """Wrap `trainer.compute_metrics` (None is fine) and add this callback to `trainer`; returns `trainer`.

        Knowing the Trainer lets the callback write into its TensorBoardCallback's directory exactly.
        """
        if not hasattr(trainer, "callback_handler") or not hasattr(trainer, "compute_metrics"):
            raise BadArgument(f"trainer must be a transformers.Trainer; got {type(trainer).__name__}")
        if getattr(trainer.compute_metrics, "_tb_confusion_callback", None) is not self:
            trainer.compute_metrics = self.wrap(trainer.compute_metrics)
        if self not in trainer.callback_handler.callbacks:
            trainer.add_callback(self)
        self._handler = trainer.callback_handler
        self._is_writer = bool(trainer.is_world_process_zero())
        return trainer

    def wrap(self, compute_metrics=None):
        """A `compute_metrics` for the Trainer: keeps each pass's labels and logits for this callback, then
        returns what `compute_metrics(eval_pred)` returns (`{}` when None). Works with
        `batch_eval_metrics=True` too (it then passes `compute_result` on)."""
        if compute_metrics is not None and not callable(compute_metrics):
            raise BadArgument(f"compute_metrics must be callable or None; got {compute_metrics!r}")

        def wrapped(eval_pred, compute_result=None):
            self._record(eval_pred, compute_result)
            if compute_metrics is None:
                return {}
            if compute_result is None:
                return compute_metrics(eval_pred)
            return compute_metrics(eval_pred, compute_result=compute_result)

        wrapped._tb_confusion_callback = self
        wrapped.__name__ = getattr(compute_metrics, "__name__", "compute_metrics")
        return wrapped

    # Trainer hooks: short, delegating to the helpers below.

    def on_init_end(self, args, state, control, **kwargs):
        self._is_writer = bool(state.is_world_process_zero)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._is_writer = bool(state.is_world_process_zero)
        if self._is_writer:
            self._base_dir(args)  # an unusable setup fails now, before the first epoch
            self._check_groups(model)

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
        recorded, self._recorded = self._recorded, False
        if not state.is_world_process_zero:
            return
        if not recorded:
            raise BadArgument(
                "ConfusionMatrixCallback saw an evaluation without predictions: the Trainer did not call its "
                "compute_metrics wrapper. Use callback.attach(trainer) or compute_metrics=callback.wrap(...), "
                "and evaluate on a dataset with labels (and prediction_loss_only=False)")
        prefix = _metric_prefix(metrics or {})
        tag = next(iter(rewrite_logs({f"{prefix}_{self.tag}": 0})))
        if self.task == "segmentation":
            pixels, self._pixels = self._pixels, None
            names = self._class_names(model, np.zeros((1, pixels.state.num_classes)))
            if names is not None:
                pixels.class_names = list(names)
            pixels.tag = tag
            self._writer_for(args).add_summary(pixels.summary_pb(), int(state.global_step))
            return
        arrays = self._pass.arrays()
        self._pass.reset()
        summary_pb = summary.predictions_pb(  # bad data raises before anything is written
            tag, arrays["labels"], arrays["probabilities"], task=self.task or _task_of(model),
            class_names=self._class_names(model, arrays["probabilities"]), example_ids=self._ids_for(prefix),
            attributes=self._attributes_for(prefix), class_groups=self.class_groups,
            from_logits=self.from_logits, dtype=self.dtype, description=self.description, storage=self.storage)
        self._writer_for(args).add_summary(summary_pb, int(state.global_step))

    def on_predict(self, args, state, control, metrics=None, **kwargs):
        self._recorded = False  # trainer.predict() passes are not evaluations
        self._pass.reset()

    def on_train_end(self, args, state, control, **kwargs):
        if self._writer is not None:
            self._writer.close()  # a later trainer.evaluate() opens a new file in the same run

    # Helpers.

    def _record(self, eval_pred, compute_result):
        if not self._is_writer:
            return
        if compute_result is None or self._batch_done:
            self._pass.reset()
            if self.task == "segmentation":
                self._pixels = Accumulator("pixels", class_names=self.class_names, ignore_index=self.ignore_index,
                                           channels_first=True, from_logits=self.from_logits,
                                           description=self.description)
        predictions, label_ids = eval_pred.predictions, eval_pred.label_ids
        if isinstance(predictions, list):  # eval_do_concat_batches=False: one entry per batch
            batches = zip(predictions, label_ids)
        else:
            batches = [(predictions, label_ids)]
        for batch_predictions, batch_labels in batches:
            if self._pixels is not None:
                scores, labels = self._chosen(batch_predictions, batch_labels)
                if scores.ndim == labels.ndim + 1 and scores.shape[2:] != labels.shape[1:]:
                    raise BadArgument(
                        f"task='segmentation' needs logits [N, C, H, W] the size of the masks {labels.shape[1:]}; got "
                        f"{scores.shape}. Upsample them in the Trainer's preprocess_logits_for_metrics, e.g. "
                        "torch.nn.functional.interpolate(logits, size=labels.shape[-2:], mode='bilinear')")
                self._pixels.update(labels, scores)
                continue
            self._pass.add(*self._select(batch_predictions, batch_labels))
        self._batch_done = compute_result is None or bool(compute_result)
        self._recorded = self._batch_done

    def _chosen(self, predictions, label_ids):
        """(scores, labels) of one batch as numpy: the chosen output and the first labels."""
        if isinstance(predictions, (tuple, list)):
            if not -len(predictions) <= self.output < len(predictions):
                raise BadArgument(f"output must index the model's {len(predictions)} outputs; got {self.output}")
            predictions = predictions[self.output]
        if isinstance(label_ids, (tuple, list)):
            label_ids = label_ids[0]
        return as_numpy(predictions, "predictions"), as_numpy(label_ids, "label_ids")

    def _select(self, predictions, label_ids):
        """(labels, scores) of one batch: the chosen output, padding labels dropped, tokens flattened."""
        scores, labels = self._chosen(predictions, label_ids)
        if scores.dtype.kind in "iub":
            raise BadArgument(
                f"predictions must be logits or probabilities; got {scores.dtype} values (class ids?). "
                "A preprocess_logits_for_metrics that takes the argmax leaves nothing to draw curves from")
        if labels.dtype.kind in "iu" and scores.ndim == labels.ndim + 1:  # class-index labels, [..., C] scores
            if self.ignore_index is not None:
                keep = labels != self.ignore_index
                return labels[keep], scores[keep]
            return labels.reshape(-1), scores.reshape(-1, scores.shape[-1])
        return labels, scores

    def _class_names(self, model, scores):
        if self.class_names is not None:
            return self.class_names
        id2label = getattr(getattr(model, "config", None), "id2label", None) or {}
        try:
            names = [str(id2label[i]) for i in range(len(id2label))]
        except (KeyError, TypeError):
            return None
        if names == [f"LABEL_{i}" for i in range(len(names))]:
            return None  # transformers' placeholders say no more than "0", "1", ...
        width = 2 if scores.ndim == 1 or scores.shape[1] == 1 else scores.shape[1]
        return names if len(names) == width else None

    def _check_groups(self, model):
        """class_groups against the model's task and class names, when the config tells them."""
        if self.class_groups is None:
            return
        width = getattr(getattr(model, "config", None), "num_labels", None)
        names = self._class_names(model, np.zeros((1, width))) if isinstance(width, int) and width > 0 else None
        check_class_groups(self.class_groups, names, self.task or _task_of(model))

    def _ids_for(self, prefix):
        if not isinstance(self.example_ids, collections.abc.Mapping):
            return self.example_ids
        return self.example_ids.get(_dataset_name(prefix))

    def _attributes_for(self, prefix):
        if self.attributes is None:
            return None
        per_dataset, given = self.attributes
        return given.get(_dataset_name(prefix)) if per_dataset else given

    def _writer_for(self, args):
        base = self._base_dir(args)
        run_dir = base if self.name is None else os.path.join(base, self.name)
        if self._writer is None or self._writer.log_dir != run_dir:
            if self._writer is not None:
                self._writer.close()
            self._writer = LazyWriter(run_dir)
        return self._writer

    def _base_dir(self, args):
        if self.log_dir is not None:
            return self.log_dir
        found = _tensorboard_dir(self._handler)
        if found:
            return found
        if os.environ.get(_LOGDIR_ENV):
            return os.path.expanduser(os.environ[_LOGDIR_ENV])
        if getattr(args, "logging_dir", None):  # transformers 4.x, where TensorBoardCallback wrote there
            return args.logging_dir
        if self._handler is None and "tensorboard" in (getattr(args, "report_to", None) or []):
            raise BadArgument(
                "log_dir is None and the Trainer's TensorBoardCallback directory cannot be seen from a callback "
                "passed in callbacks= (transformers 5 picks <output_dir>/runs/<time>_<host> at train start): "
                "use callback.attach(trainer), or pass log_dir=, or set TENSORBOARD_LOGGING_DIR")
        if self._default_dir is None:
            self._default_dir = os.path.join(args.output_dir, default_logdir())
        return self._default_dir


def _tensorboard_dir(handler):
    """Where the Trainer's TensorBoardCallback writes (its writer's directory once it has one)."""
    for callback in getattr(handler, "callbacks", ()):
        if isinstance(callback, TensorBoardCallback):
            writer = callback.tb_writer
            return (getattr(writer, "log_dir", None) or getattr(writer, "logdir", None)
                    or getattr(callback, "logging_dir", None))
    return None


def _metric_prefix(metrics):
    # evaluate() always adds "<metric_key_prefix>_runtime" (speed_metrics) before on_evaluate.
    for key in metrics:
        if key.endswith("_runtime"):
            return key[:-len("_runtime")]
    return "eval"


def _task_of(model):
    problem = getattr(getattr(model, "config", None), "problem_type", None)
    return "multilabel" if problem == "multi_label_classification" else None


# Constructor checks: errors name the argument and the value.

def _check_log_dir(log_dir):
    if log_dir is None:
        return None
    if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir):
        raise BadArgument(f"log_dir must be a directory path or None; got {log_dir!r}")
    return os.fspath(log_dir)


def _check_int(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise BadArgument(f"{what} must be an integer; got {value!r}")
    return int(value)


def _check_class_names(class_names):
    if class_names is None:
        return None
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, collections.abc.Sequence):
        raise BadArgument(f"class_names must be a sequence of strings; got {class_names!r}")
    return list(class_names)


def _dataset_name(prefix):
    """The `eval_dataset` dict key of a metric prefix ("eval_cats" -> "cats")."""
    return prefix[len("eval_"):] if prefix.startswith("eval_") else prefix


def _check_attributes(attributes):
    """None, or (per eval dataset?, the dict): {name: values}, or {eval dataset name: {name: values}}."""
    if attributes is None:
        return None
    if not isinstance(attributes, collections.abc.Mapping) or not attributes:
        raise BadArgument("attributes must be a non-empty dict {attribute name: N values} or {eval dataset name: "
                          f"{{attribute name: N values}}}}; got {attributes!r}"[:300])
    nested = [isinstance(value, collections.abc.Mapping) for value in attributes.values()]
    if any(nested) and not all(nested):
        raise BadArgument("attributes must map every key to values ({attribute name: N values}) or every key to a "
                          f"dict ({{eval dataset name: {{attribute name: N values}}}}); got a mix: {sorted(map(str, attributes))}")
    return all(nested), dict(attributes)


def _check_example_ids(example_ids):
    if example_ids is None:
        return None
    if isinstance(example_ids, collections.abc.Mapping):
        for key, ids in example_ids.items():
            if isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
                raise BadArgument(f"example_ids[{key!r}] must be a sequence of ids; got {ids!r}")
        return dict(example_ids)
    if isinstance(example_ids, (str, bytes)) or not hasattr(example_ids, "__len__"):
        raise BadArgument(f"example_ids must be a sequence of ids or a mapping of eval dataset names to "
                          f"sequences; got {example_ids!r}")
    return example_ids

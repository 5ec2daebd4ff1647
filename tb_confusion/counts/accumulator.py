"""`tb_confusion.Accumulator`: a per-pixel (per-element) confusion step summed batch by batch, in memory
that does not grow with the number of pixels, merged across workers, written as one step."""

import numpy as np

from tb_confusion.counts import kernel
from tb_confusion.counts.state import CountState
from tb_confusion.errors import BadArgument
from tb_confusion.storage import metadata
from tb_confusion.storage.validation import (
    MAX_CLASSES, SUM_TOLERANCE, as_array, brief, check_flag, check_text, row_off_sum)

TASKS = ("segmentation",)
# Elements per pass through the kernel: bounds the temporaries of one update (~100 bytes per element)
# whatever the batch size. The compiled kernel has no per-element temporaries: its passes are larger, and
# a whole batch is one pass (one hand-off to its threads, one wait for the last chunk) up to 16M elements.
_ELEMENTS_PER_PASS = 1 << 20
_COMPILED_ELEMENTS_PER_PASS = 1 << 24


class Accumulator:
    """Sums of one evaluation pass over per-element targets (segmentation masks), one batch at a time.

        accumulator = tbc.Accumulator("pixels", class_names=VOC_CLASSES, ignore_index=255, channels_first=True)
        for images, masks in loader:
            accumulator.update(masks, model(images).softmax(1))
        writer.add_summary(accumulator.summary_pb(), step=epoch)
        accumulator.reset()

    Memory holds a C x C x 100 table, C x 2 x 1000 score histograms and each image's non-empty cells:
    independent of the number of pixels. What is exact and what is binned: docs/segmentation.md.

    Args:
      tag: the TensorBoard tag the steps are written under.
      task: "segmentation" (labels [N, ...] with probabilities [N, ..., C]).
      class_names: one name per class; defaults to "0", "1", ... from the first batch.
      ignore_index: a label value whose elements are not counted (e.g. 255 in Pascal VOC).
      channels_first: probabilities come as [N, C, ...] (PyTorch) instead of [N, ..., C].
      from_logits: apply a softmax over the class axis first.
      description: optional markdown shown with the tag.
      max_examples: count only the first `max_examples` examples of each step and ignore the rest (the
        padding a DistributedSampler adds: tb_confusion.counts.distributed.real_examples(sampler)).
    """

    def __init__(self, tag="predictions", *, task="segmentation", class_names=None, ignore_index=None,
                 channels_first=False, from_logits=False, description=None, max_examples=None):
        self.tag = check_text(tag, "tag")
        if task not in TASKS:
            raise BadArgument(f"task must be one of {', '.join(map(repr, TASKS))}; got {brief(task)} (one "
                              "prediction per example is logged exactly with tb_confusion.summary.predictions_pb)")
        self.task = task
        self.class_names = None if class_names is None else _names(class_names)
        if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer))):
            raise BadArgument(f"ignore_index must be an int or None; got {brief(ignore_index)}")
        self.ignore_index = None if ignore_index is None else int(ignore_index)
        self.channels_first = check_flag(channels_first, "channels_first")
        self.from_logits = check_flag(from_logits, "from_logits")
        if description is not None and not isinstance(description, str):
            raise BadArgument(f"description must be a string or None; got {brief(description)}")
        self.description = description or ""
        if max_examples is not None and (isinstance(max_examples, bool) or not isinstance(max_examples, (int, np.integer))
                                         or max_examples < 0):
            raise BadArgument(f"max_examples must be an int >= 0 or None; got {brief(max_examples)}")
        self.max_examples = max_examples
        self.examples_seen = 0  # including those past max_examples
        self.state = None if self.class_names is None else CountState(len(self.class_names))

    def update(self, labels, probabilities, *, sample_weight=None, element_weight=None, example_ids=None):
        """Add one batch: labels [N, ...] class indices, probabilities [N, ..., C] (or [N, C, ...] with
        channels_first) as numpy arrays or TensorFlow / torch tensors.

        sample_weight: [N] per example; element_weight: [N, ...] per element (both multiply);
        example_ids: [N] strings or ints naming the examples (images) in the drill-down.
        The batch is checked whole before anything is added: a bad batch leaves the sums unchanged."""
        y, p = self._arrays(labels, probabilities)
        batch = len(y)
        take = len(y) if self.max_examples is None else max(0, min(len(y), self.max_examples - self.examples_seen))
        if take < len(y) and not self.from_logits and kernel.fused() is not None:
            _check_probabilities(p.reshape(-1, p.shape[-1]))  # what _arrays left to the compiled passes
        if take < len(y):  # the sampler's padding: checked above like any batch, then not counted
            y, p = y[:take], p[:take]
            sample_weight = None if sample_weight is None else as_array(sample_weight, "sample_weight")[:take]
            element_weight = None if element_weight is None else as_array(element_weight, "element_weight")[:take]
            example_ids = None if example_ids is None else list(as_array(example_ids, "example_ids"))[:take]
        if not take:
            self.examples_seen += batch
            return self
        n, c = len(y), p.shape[-1]
        per_example = int(np.prod(y.shape[1:], dtype=np.int64))
        weights = _weights(sample_weight, element_weight, y.shape)
        ids = None if example_ids is None else _ids(example_ids, n)
        y = y.reshape(-1)
        p = p.reshape(-1, c)
        fused = kernel.fused()
        if fused is None:  # the compiled kernel checks them in its pass over the sums
            _check_labels(y, c, self.ignore_index)
        check = None if fused is None or self.from_logits else SUM_TOLERANCE
        step = _ELEMENTS_PER_PASS if fused is None else _COMPILED_ELEMENTS_PER_PASS
        parts = [_pass(p, y, weights, a, min(a + step, len(y)), per_example, n, c, fused, check,
                       self.ignore_index) for a in range(0, max(len(y), 1), step)]
        if any(bad_label >= 0 for _, _, bad_label in parts):
            _check_labels(y, c, self.ignore_index)  # raises numpy's message about the labels
        if any(bad >= 0 for _, bad, _ in parts):
            _check_probabilities(p)  # raises numpy's message about the first bad element
        sums = [part for part, _, _ in parts]
        if self.state is None:
            self.class_names = [str(k) for k in range(c)]
            self.state = CountState(c)
        if self.state.num_classes != c:
            raise BadArgument(f"probabilities have {c} classes; this accumulator counts {self.state.num_classes}")
        self.state.check_ids(ids)  # before any part is added: a bad batch adds nothing
        for k, part in enumerate(sums):
            self.state.add(part._replace(num_examples=n if k == len(sums) - 1 else 0),
                           example_ids=ids if k == len(sums) - 1 else None if ids is None else [])
        self.examples_seen += batch
        return self

    def _arrays(self, labels, probabilities):
        y = as_array(labels, "labels")
        p = as_array(probabilities, "probabilities")
        if y.dtype.kind not in "biuf" or y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            raise BadArgument(f"labels must be integer class indices; got dtype {y.dtype}")
        if p.dtype.kind not in "iuf":
            raise BadArgument(f"probabilities must be numbers; got dtype {p.dtype}")
        if self.channels_first and p.ndim >= 2:
            p = np.moveaxis(p, 1, -1)
        if y.ndim == p.ndim and y.shape[-1] == 1 and p.shape[-1] != 1:
            y = y[..., 0]  # Keras-style [N, H, W, 1] masks
        layout = "[N, C, ...]" if self.channels_first else "[N, ..., C]"
        if y.ndim < 2:
            raise BadArgument(f"labels must have shape [N, ...] (e.g. [N, H, W] masks); got {y.shape}. One prediction "
                              "per example is logged exactly with tb_confusion.summary.predictions_pb")
        if p.shape[:-1] != y.shape or p.shape[-1] < 2 or p.shape[-1] > MAX_CLASSES:
            raise BadArgument(f"probabilities must have shape {layout} matching labels {tuple(y.shape)} with "
                              f"2 to {MAX_CLASSES} classes; got {tuple(as_array(probabilities, 'probabilities').shape)}"
                              + ("" if self.channels_first else " (pass channels_first=True for [N, C, H, W])"))
        if not y.size:
            raise BadArgument("labels is empty: there is nothing to count")
        p = np.ascontiguousarray(p, dtype=np.float32)
        flat = p.reshape(-1, p.shape[-1])
        if self.from_logits:
            p = _softmax(flat).reshape(p.shape)
        elif kernel.fused() is None:  # the compiled kernel checks them in its pass over the sums
            _check_probabilities(flat)
        return y.astype(np.int64, copy=False), p

    def merge(self, other):
        """Add another accumulator's (or CountState's) sums to this one: another worker's or shard's."""
        state = other.state if isinstance(other, Accumulator) else other
        if state is None:
            return self
        if self.state is None:
            self.state = CountState(state.num_classes)
            self.class_names = self.class_names or [str(k) for k in range(state.num_classes)]
        self.state.merge(state)
        return self

    def reset(self):
        """Forget every batch (start the next epoch)."""
        self.state = None if self.state is None else CountState(self.state.num_classes)
        self.examples_seen = 0
        return self

    @property
    def num_examples(self):
        return 0 if self.state is None else self.state.num_examples

    def summary_metadata(self):
        self._check_filled()
        return metadata.create_summary_metadata(task=self.task, class_names=self.class_names, dtype="",
                                                description=self.description, version=metadata.COUNTS_VERSION)

    def encode(self):
        """The step's payload bytes (storage.counts_payload)."""
        from tb_confusion.storage import counts_payload

        self._check_filled()
        return counts_payload.encode(self.state)

    def summary_pb(self):
        """A `Summary` protobuf holding the accumulated step (as summary.predictions_pb gives); needs no
        TensorFlow. Write it with any event writer at the step (epoch) it describes."""
        return metadata.blob_summary(self.tag, self.summary_metadata(), self.encode())

    def record(self):
        """The accumulated step as a CountsRecord, for tb_confusion.report.build_report."""
        from tb_confusion.storage.counts_payload import CountsRecord

        self._check_filled()
        return CountsRecord(task=self.task, counts=self.state, class_names=list(self.class_names), tag=self.tag)

    def _check_filled(self):
        if self.state is None or not self.state.num_examples:
            raise BadArgument(f"accumulator {self.tag!r} holds no batch yet: call update() first")


def _pass(p, y, weights, a, b, per_example, n, c, fused, check, ignore_index):
    """(sums of elements a..b, the first element failing the probability check or -1, the first element
    whose label is neither a class nor ignore_index or -1). numpy: kernel.batch_sums with the ignored
    elements dropped here (a copy of one pass, not the batch; labels checked before); compiled:
    `fused.pass_sums` skips them in place and checks the labels and, with `check`, the probabilities in the
    same pass."""
    w = None if weights is None else weights[a:b]
    if fused is not None:
        return fused.pass_sums(p[a:b], y[a:b], w, a, per_example, ignore_index, num_examples=n, num_classes=c,
                               tolerance=check)
    rows = np.arange(a, b, dtype=np.int64) // per_example
    p, y = p[a:b], y[a:b]
    keep = None if ignore_index is None else y != ignore_index
    if keep is not None and not keep.all():
        p, y, rows, w = p[keep], y[keep], rows[keep], None if w is None else w[keep]
    return kernel.batch_sums(p, y, w, rows, num_examples=n, num_classes=c), -1, -1


def _check_labels(y, c, ignore_index):
    """BadArgument unless every label is a class index in [0, c) or `ignore_index`."""
    counted = y if ignore_index is None else y[y != ignore_index]
    if len(counted) and (counted.min() < 0 or counted.max() >= c):
        bad = counted.min() if counted.min() < 0 else counted.max()
        ignore = "" if ignore_index is None else f" (ignore_index is {ignore_index})"
        raise BadArgument(f"labels must lie in [0, {c}) or be the ignore_index; got {bad}{ignore}")


def _check_probabilities(flat):
    """BadArgument unless the [M, C] probabilities are >= 0 and each row sums to 1 (softmax outputs)."""
    off = row_off_sum(flat, SUM_TOLERANCE)  # also catches NaN and inf: their sums are not near 1
    if off:
        element, total = off
        raise BadArgument(f"probabilities must sum to 1 over the classes (softmax outputs); element {element} "
                          f"sums to {total:.6g}. Pass from_logits=True for logits")
    if flat.min() < 0:
        raise BadArgument(f"probabilities must be in [0, 1]; got {flat.min()}")


def _names(class_names):
    names = [str(name) for name in class_names] if not isinstance(class_names, str) else None
    if not names or len(names) < 2 or len(set(names)) != len(names):
        raise BadArgument(f"class_names must be two or more unique names; got {brief(class_names)}")
    return names


def _weights(sample_weight, element_weight, shape):
    total = None
    for name, value, expected in (("sample_weight", sample_weight, shape[:1]), ("element_weight", element_weight, shape)):
        if value is None:
            continue
        w = as_array(value, name)
        if w.dtype.kind not in "biuf" or w.shape != tuple(expected):
            raise BadArgument(f"{name} must be numbers of shape {tuple(expected)}; got {w.dtype} {w.shape}")
        w = w.astype(np.float64)
        if not np.isfinite(w).all() or (w.size and w.min() < 0):
            raise BadArgument(f"{name} must be finite and >= 0")
        w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
        total = w if total is None else total * w
    return None if total is None else np.broadcast_to(total, shape).reshape(-1)


def _ids(example_ids, n):
    values = as_array(example_ids, "example_ids")
    if values.shape != (n,):
        raise BadArgument(f"example_ids must have shape ({n},); got {values.shape}")
    if values.dtype.kind in "iu":
        return [str(int(v)) for v in values]
    if values.dtype.kind == "S":
        try:
            return [v.decode("utf-8") for v in values]
        except UnicodeDecodeError:
            raise BadArgument("example_ids must be UTF-8 text") from None
    if values.dtype.kind != "U" and not all(isinstance(v, str) for v in values):
        raise BadArgument(f"example_ids must be strings or ints; got {values.dtype}")
    return [str(v) for v in values]  # repeats: CountState.check_ids, before anything is added


def _softmax(logits):
    out = np.empty_like(logits)
    for a in range(0, len(logits), _ELEMENTS_PER_PASS):
        block = logits[a:a + _ELEMENTS_PER_PASS].astype(np.float64)
        if not np.isfinite(block).all():
            raise BadArgument("probabilities (logits) must be finite")
        block = np.exp(block - block.max(axis=1, keepdims=True))
        out[a:a + _ELEMENTS_PER_PASS] = block / block.sum(axis=1, keepdims=True)
    return out

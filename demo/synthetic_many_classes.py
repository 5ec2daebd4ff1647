"""A synthetic run with many classes in a two-level hierarchy, for the panel's many-class tools.

    python demo/synthetic_many_classes.py [--logdir demo_logs_many] [--superclasses 50]
        [--per-superclass 20] [--examples 20000] [--epochs 3] [--seed 0]

Writes run `validation`, tag `classes`: superclasses x per-superclass classes named "s07/c13" (class 13
of superclass 7), every class with the same number of examples, each epoch a sharper model whose
mistakes fall mostly on the other classes of the same superclass. The classes are logged in a
shuffled order, so "Order classes: by confusion clusters" has blocks to find; their superclasses ("s07") are
logged as the tag's class_groups, for the panel's "Group by" and `tb-confusion report --groups`. Needs no TensorFlow
(tb_confusion.summary.predictions_pb and tb_confusion's EventWriter). The defaults (1,000 classes,
20,000 examples, 3 epochs, float16) take about 10 s and 120 MB.
"""

import argparse
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tb_confusion
from tb_confusion.storage.events import EventWriter

RUN = "validation"
TAG = "classes"


def class_groups(names):
    """The superclass name ("s07") of each class name ("s07/c13"): the tag's class_groups."""
    return [name.split("/")[0] for name in names]


def class_names(superclasses, per_superclass, seed=0):
    """The logged order of the names "sSS/cCC" (shuffled with `seed`) and each logged class's superclass."""
    width = max(2, len(str(max(superclasses, per_superclass) - 1)))
    names = [f"s{s:0{width}d}/c{c:0{width}d}" for s in range(superclasses) for c in range(per_superclass)]
    shuffled = np.random.default_rng(seed).permutation(len(names))
    return [names[k] for k in shuffled], (shuffled // per_superclass).astype(np.int64)


def epoch_predictions(rng, superclass_of, examples, epoch, dtype=np.float32):
    """(labels, probabilities) of one epoch: an equal number of examples per class; logits with the
    true class raised by 3.2 + 0.6 x epoch and the other classes of its superclass by 2 (so most errors
    stay in the superclass), plus noise."""
    num_classes = len(superclass_of)
    labels = np.resize(np.arange(num_classes), examples)
    rng.shuffle(labels)
    logits = rng.standard_normal((examples, num_classes), dtype=np.float32)
    same = superclass_of[None, :] == superclass_of[labels][:, None]
    logits += 2.0 * same
    logits[np.arange(examples), labels] += 3.2 + 0.6 * epoch - 2.0
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return labels, logits.astype(dtype, copy=False)


def write_logs(logdir, *, superclasses=50, per_superclass=20, examples=20_000, epochs=3, seed=0, dtype="float16"):
    """Write the run under `logdir` (replaced). Returns (class names, superclass of each class)."""
    if os.path.isdir(logdir):
        shutil.rmtree(logdir)
    names, superclass_of = class_names(superclasses, per_superclass, seed)
    rng = np.random.default_rng(seed + 1)
    with EventWriter(os.path.join(logdir, RUN)) as writer:
        for epoch in range(epochs):
            labels, probabilities = epoch_predictions(rng, superclass_of, examples, epoch)
            writer.add_summary(tb_confusion.summary.predictions_pb(
                TAG, labels, probabilities, class_names=names, class_groups=class_groups(names), dtype=dtype,
                description=f"Synthetic: {superclasses} superclasses x {per_superclass} classes"), step=epoch)
            predicted = probabilities.argmax(axis=1)
            wrong = predicted != labels
            inside = (superclass_of[predicted] == superclass_of[labels])[wrong].mean() if wrong.any() else 1.0
            print(f"epoch {epoch}: accuracy {1 - wrong.mean():.3f}, {inside:.0%} of the errors within the superclass")
    return names, superclass_of


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default="demo_logs_many", help="where to write the run (replaced)")
    parser.add_argument("--superclasses", type=int, default=50)
    parser.add_argument("--per-superclass", type=int, default=20)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    args = parser.parse_args(argv)
    for name in ("superclasses", "per_superclass", "examples", "epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1; got {getattr(args, name)}")
    write_logs(args.logdir, superclasses=args.superclasses, per_superclass=args.per_superclass,
               examples=args.examples, epochs=args.epochs, seed=args.seed, dtype=args.dtype)
    print(f"Logs are in {args.logdir}. See them with: tensorboard --logdir {args.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`tb-confusion log`: import predictions saved as .npz, .npy, CSV/TSV or Parquet into a logdir (docs/log.md).

    tb-confusion log --logdir logs --run validation --tag predictions epoch_*.csv --step-from-name

Every step of every file is read, checked and encoded with `summary.predictions_pb` (the writers' own
checks and messages) before the event file is opened, so a bad file anywhere writes nothing.
"""

import argparse
import dataclasses
import os
import sys

from tb_confusion.doors import importing_columns as columns
from tb_confusion.doors.importing_files import FORMATS, NpyTable, format_of, open_table
from tb_confusion.errors import BadArgument, NotFound, Unreadable
from tb_confusion import progress
from tb_confusion.storage import kinds, metadata
from tb_confusion.storage.events import EventWriter
from tb_confusion.storage.metadata import DTYPES, TASKS

INPUT_FORMATS = ("npz", "csv", "tsv", "parquet")


def _names(text):
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names without empty ones; got {text!r}")
    return names


def add_parser(commands):
    """Add the `log` subcommand to the `tb-confusion` subparsers `commands`."""
    log = commands.add_parser(
        "log", help="import predictions saved as .npz, .npy, CSV or Parquet into a logdir", allow_abbrev=False,
        description="Write predictions saved in files as tb_confusion steps of LOGDIR/RUN, tag TAG, checked like "
                    "the writers check them; nothing is written when any file or step is bad. Exit status: 0 "
                    "ok, 2 bad arguments or bad data (one line on stderr). See docs/log.md.")
    log.add_argument("files", nargs="*", metavar="FILE",
                     help=f"files of predictions ({', '.join(FORMATS)}); one step each unless a step column "
                          "splits them")
    where = log.add_argument_group("where to write")
    where.add_argument("--logdir", required=True, help="the TensorBoard logdir (a local path or a URL "
                       "TensorBoard's file layer writes)")
    where.add_argument("--run", default="validation", help="the run: a directory under LOGDIR (default: validation)")
    where.add_argument("--tag", default="predictions", help="the tag (default: predictions)")
    npy = log.add_argument_group(".npy arrays (instead of FILEs; the k-th of each flag make step k)")
    for flag, what in (("--labels", "labels"), ("--probabilities", "probabilities"),
                       ("--example-ids", "example ids"), ("--weights", "sample weights")):
        npy.add_argument(flag, nargs="+", metavar="NPY", help=f".npy files of {what}")
    cols = log.add_argument_group("columns (CSV/Parquet columns, or .npz array names)")
    label = cols.add_mutually_exclusive_group()
    label.add_argument("--label-column", type=_names, metavar="NAME[,NAME...]",
                       help="the labels (several names: one-hot or multi-hot columns; default: labels or label)")
    label.add_argument("--label-prefix", metavar="PREFIX", help="the label columns are those starting with PREFIX")
    prob = cols.add_mutually_exclusive_group()
    prob.add_argument("--probability-columns", type=_names, metavar="NAME[,NAME...]",
                      help="the probabilities, one column per class (default: probabilities or probability)")
    prob.add_argument("--probability-prefix", metavar="PREFIX",
                      help="the probability columns are those starting with PREFIX, in file order; their "
                           "suffixes name the classes unless --class-names does")
    cols.add_argument("--id-column", metavar="NAME", help="example ids (default: example_ids or example_id)")
    cols.add_argument("--weight-column", metavar="NAME", help="sample weights (default: weights, weight or "
                      "sample_weight)")
    cols.add_argument("--step-column", metavar="NAME", help="split each file into steps by this integer column "
                      "(default: a column named step, unless --step or --step-from-name is given)")
    steps = log.add_mutually_exclusive_group()
    steps.add_argument("--step", type=int, metavar="N", help="the first file's step; the next files follow in "
                       "order: N+1, N+2, ... (default 0)")
    steps.add_argument("--step-from-name", action="store_true",
                       help="each file's step is the last number in its name (epoch_007.csv: step 7)")
    what = log.add_argument_group("what the predictions are (as in tb_confusion.summary.predictions_pb)")
    what.add_argument("--task", choices=TASKS, help="default: inferred from the shapes")
    what.add_argument("--class-names", type=_names, metavar="A,B,...", help="one name per class; label cells "
                      "holding a class name count as that class")
    what.add_argument("--class-groups", type=_names, metavar="G,G,...", help="multiclass: one superclass per class, "
                      "in class order; the report and the panel can group the matrix by them (docs/groups.md)")
    what.add_argument("--from-logits", action="store_true", help="apply sigmoid/softmax first")
    what.add_argument("--dtype", choices=DTYPES, default="float32", help="storage (default float32)")
    what.add_argument("--storage", choices=kinds.STORAGES, default="auto",
                      help="exact, compact (multiclass: ~25 bytes per example) or auto (compact above 4M probabilities)")
    what.add_argument("--description", help="markdown shown with the tag")
    read = log.add_argument_group("reading")
    read.add_argument("--input-format", choices=INPUT_FORMATS, help="read every FILE as this format (default: "
                      "from its ending)")
    read.add_argument("--delimiter", metavar="C", help="CSV field separator (default , or a tab for .tsv)")
    read.add_argument("--dry-run", action="store_true", help="read and check everything, write nothing")
    read.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    return log


@dataclasses.dataclass
class _Step:
    step: int
    where: str
    summary: object
    examples: int


def run(args):
    """Run `tb-confusion log` with parsed `args`; returns the exit status (errors.Error: the caller's exit 2)."""
    run_dir = _run_dir(args.logdir, args.run)
    tables = _tables(args)
    step_flag = args.step is not None or args.step_from_name
    options = columns.Options(
        label_columns=args.label_column, label_prefix=args.label_prefix,
        probability_columns=args.probability_columns, probability_prefix=args.probability_prefix,
        id_column=args.id_column, weight_column=args.weight_column, step_column=args.step_column,
        use_step_column=not step_flag, class_names=args.class_names)
    if args.step_column and step_flag:
        raise BadArgument("--step-column sets the steps; it cannot be combined with --step or --step-from-name")
    choices = [columns.choose(table, options) for table in tables]  # every header checked before reading
    show = not args.quiet and sys.stderr.isatty()
    steps, seen = [], {}
    with progress.bar(show, total=sum(table.size() for table in tables), desc="reading", unit="B") as bar:
        for index, (table, choice) in enumerate(zip(tables, choices)):
            arrays = columns.assemble(table, choice, table.load(choice.columns(), bar))
            for step, part, where in _steps(table, index, arrays, args):
                if not -2**63 <= step < 2**63:
                    raise BadArgument(f"{where}: step {step} does not fit in 64 bits (TensorBoard's steps)")
                if step in seen:
                    raise BadArgument(f"step {step} comes from both {seen[step]} and {where}; each step must come "
                                      "from one file (see --step, --step-from-name, --step-column)")
                seen[step] = where
                steps.append(_encode(args, step, where, part, choice.class_names))
    steps.sort(key=lambda s: s.step)  # readers keep only increasing steps per tag
    _check_one_kind(steps)
    _check_existing(args, steps)
    examples = sum(s.examples for s in steps)
    listed = _step_list([s.step for s in steps])
    if args.dry_run:
        if not args.quiet:
            print(f"tb-confusion: checked {listed}: {examples:,} examples; nothing written (--dry-run)")
        return 0
    path = _write(run_dir, steps, show)
    if not args.quiet:
        print(f"tb-confusion: wrote {listed}: {examples:,} examples to run {args.run!r}, tag {args.tag!r} ({path})")
    return 0


def _run_dir(logdir, run):
    if not logdir:
        raise BadArgument("--logdir must be a directory path or URL; got ''")
    if not run or os.path.isabs(run) or ".." in run.replace("\\", "/").split("/") or "://" in run:
        raise BadArgument(f"--run must be a relative directory name inside --logdir (no '..'); got {run!r}")
    return logdir.rstrip("/") + "/" + run if "://" in logdir else os.path.join(logdir, run)


def _tables(args):
    arrays = {"labels": args.labels, "probabilities": args.probabilities, "example_ids": args.example_ids,
              "weights": args.weights}
    if any(arrays.values()):
        if args.files:
            raise BadArgument(f"give either FILEs or .npy arrays (--labels/--probabilities), not both; got FILE "
                              f"{args.files[0]!r} and --labels {args.labels}")
        if not args.labels or not args.probabilities:
            raise BadArgument("--labels and --probabilities go together: give both, one .npy file per step each")
        for role, paths in arrays.items():
            if paths and len(paths) != len(args.labels):
                flag = "--" + role.replace("_", "-")
                raise BadArgument(f"{flag} got {len(paths)} file(s) but --labels got {len(args.labels)}; give "
                                  "one of each per step")
        return [NpyTable({role: paths[k] if paths else None for role, paths in arrays.items()})
                for k in range(len(args.labels))]
    if not args.files:
        raise BadArgument(f"no input: give FILEs ({', '.join(FORMATS)}) or --labels L.npy --probabilities P.npy")
    kinds = [format_of(path, args.input_format) for path in args.files]  # every name checked before reading
    return [open_table(path, kind, delimiter=args.delimiter) for path, kind in zip(args.files, kinds)]


def _steps(table, index, arrays, args):
    """(step, arrays, where) for one input: by its step column, its name, or its place in the list."""
    if arrays["step"] is not None:
        return [(step, part, f"{table.where} (rows with step {step})") for step, part in columns.split(arrays)]
    arrays = {key: value for key, value in arrays.items() if key != "step"}
    if args.step_from_name:
        step = columns.step_in_name(table.path)
        if step is None:
            raise BadArgument(f"{table.path}: --step-from-name needs a number in the file name; found none")
        return [(step, arrays, table.where)]
    return [((args.step or 0) + index, arrays, table.where)]


def _encode(args, step, where, arrays, class_names):
    from tb_confusion import summary  # the writer, imported when a command writes (cli.py stays reading-side)

    try:
        pb = summary.predictions_pb(
            args.tag, arrays["labels"], arrays["probabilities"], task=args.task, class_names=class_names,
            example_ids=arrays["example_ids"], sample_weight=arrays["weights"], from_logits=args.from_logits,
            dtype=args.dtype, description=args.description, storage=args.storage, class_groups=args.class_groups)
    except BadArgument as error:
        raise BadArgument(f"{where}, step {step}: {error}") from None
    return _Step(step, where, pb, len(arrays["labels"]))


def _kind(step):
    data = metadata.parse_plugin_data(step.summary.value[0].metadata.plugin_data.content)
    return data.task, list(data.class_names)


def _describe(kind):
    task, names = kind
    shown = names if len(names) <= 8 else names[:8] + ["..."]
    return f"{task} with {len(names)} classes {shown}"


def _check_one_kind(steps):
    """One tag holds one task and one list of classes (its metadata is written once, the first wins)."""
    first = _kind(steps[0])
    for step in steps[1:]:
        kind = _kind(step)
        if kind != first:
            raise BadArgument(f"{step.where}, step {step.step} is {_describe(kind)} but {steps[0].where}, step "
                              f"{steps[0].step} is {_describe(first)}; one tag holds one task and class list "
                              "(set --task and --class-names, or import them under different tags)")


def _check_existing(args, steps):
    """Refuse a tag the run already holds as another task or class list; warn when steps are replaced."""
    from tb_confusion.reading import offline

    run = os.path.normpath(args.run).replace(os.sep, "/")
    try:
        series = offline.scan(args.logdir, runs=[run], on_error=lambda *_: None).get(run, {}).get(args.tag)
    except (NotFound, Unreadable):
        return
    if series is None:
        return
    kind = (series.plugin_data.task, list(series.plugin_data.class_names))
    if kind != _kind(steps[0]):
        raise BadArgument(f"run {args.run!r} already has tag {args.tag!r} as {_describe(kind)}; the imported steps "
                          f"are {_describe(_kind(steps[0]))} and would be misread: use another --tag or --run")
    old = [s.step for s in series.steps if s.step >= steps[0].step]
    if old and not args.quiet:
        print(f"tb-confusion: warning: run {args.run!r}, tag {args.tag!r} already has {_step_list(old)}; readers "
              "keep the steps written last, so these are replaced", file=sys.stderr)


def _write(run_dir, steps, show):
    try:
        writer = EventWriter(run_dir, filename_suffix=".tb_confusion")
    except OSError as error:
        raise BadArgument(f"--logdir: cannot write to {run_dir} ({error})") from None
    try:
        with writer, progress.bar(show, total=len(steps), desc="writing", unit="step") as bar:
            for step in steps:
                writer.add_summary(step.summary, step.step)
                bar.update(1)
    except OSError as error:
        _remove(writer.path)  # a half-written import would look like a complete one with fewer steps
        raise BadArgument(f"--logdir: writing {writer.path} failed ({error}); nothing was kept") from None
    return writer.path


def _remove(path):
    try:
        if "://" in path:
            from tensorboard.compat.tensorflow_stub.io import gfile

            gfile.remove(path)
        else:
            os.remove(path)
    except OSError:
        pass


def _step_list(steps):
    if len(steps) > 1 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"steps {steps[0]}..{steps[-1]}"
    shown = ", ".join(map(str, steps[:10])) + (", ..." if len(steps) > 10 else "")
    return f"step {shown}" if len(steps) == 1 else f"steps {shown}"



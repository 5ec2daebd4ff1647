"""`tb-confusion diff`: two steps of one tag, or one step of two runs, compared example by example.

Prints the metric deltas, the difference matrix B - A and the flips (examples learned: wrong in A, right
in B; forgotten: right in A, wrong in B) with the top ones listed. Exit status: 0 ok, 2 bad arguments or
missing data. docs/diff.md describes the numbers; tb_confusion/diff.py computes them.
"""

import argparse
import json
import sys

from tb_confusion import cli_types

FORMATS = ("table", "json")
MATRIX_MAX_CLASSES = 20


def _step(name):
    def parse(text):
        if text == "latest":
            return text
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer or 'latest'; got {text!r}") from None

    return parse


def _count(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--limit must be an integer >= 0; got {text!r}")
    return int(text)


def add_parser(commands):
    """Add the `diff` subcommand to the `tb-confusion` subparsers `commands`."""
    diff = commands.add_parser(
        "diff", help="compare two steps (or two runs at one step) example by example", allow_abbrev=False,
        description="Compare step A and step B of one tag: metric deltas, the difference matrix B - A and the "
                    "examples that flipped (learned: wrong in A, right in B; forgotten: right in A, wrong in B). "
                    "Examples are matched by example id, or by index when neither step has ids. Exit status: "
                    "0 ok, 2 bad arguments or missing data. See docs/diff.md.")
    diff.add_argument("logdir", metavar="LOGDIR", help="a TensorBoard logdir")
    diff.add_argument("--run", required=True, help="the run of A (and of B unless --run-b)")
    diff.add_argument("--tag", required=True, help="the tag")
    diff.add_argument("--step", type=_step("--step"), default="latest", metavar="N|latest",
                      help="step A (default: latest)")
    diff.add_argument("--step-b", type=_step("--step-b"), metavar="N|latest", help="step B (default: --step)")
    diff.add_argument("--run-b", help="the run of B (default: --run)")
    diff.add_argument("--threshold", type=cli_types.unit_interval("--threshold"), metavar="T",
                      help="binary decision threshold, and every label's for multilabel (default 0.5)")
    diff.add_argument("--thresholds", type=cli_types.thresholds, metavar="T1,T2,...", help="multilabel: one per label")
    diff.add_argument("--cutoff", type=cli_types.unit_interval("--cutoff"), metavar="T",
                      help="multiclass: rows whose top probability is below T are 'below cutoff' (never correct)")
    diff.add_argument("--limit", type=_count, default=10, metavar="K",
                      help="flips listed per kind, largest move of the true class's probability first (default 10)")
    diff.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    return diff


def run(args):
    """Run `tb-confusion diff` for parsed `args`; returns the exit status (errors.Error propagates)."""
    from tb_confusion import diff

    a, b = _load(args)
    options = {"threshold": args.threshold, "thresholds": args.thresholds, "cutoff": args.cutoff}
    result = diff.Diff(a, b, **{k: v for k, v in options.items() if v is not None})
    wide = len(result.class_names) > MATRIX_MAX_CLASSES and result.task.matrix == "classes"
    out = result.summary(matrices=args.format == "json" or not wide)  # the table leaves wide matrices out
    out["top_flips"] = {kind: result.flips(kind, limit=max(args.limit, 1)) for kind in diff.FLIP_KINDS}
    if args.limit == 0:
        for page in out["top_flips"].values():
            page.update(limit=0, examples=[])
    if args.format == "json":
        from tb_confusion.jsonable import jsonable

        text = json.dumps(jsonable(out), allow_nan=False, indent=1) + "\n"
    else:
        text = render_table(out)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _load(args):
    """(Record A, Record B) named by the arguments; errors.NotFound names what is missing."""
    from tb_confusion.reading import offline
    from tb_confusion.reading.selection import select

    run_b = args.run_b or args.run
    step_b = args.step if args.step_b is None else args.step_b

    def warn(run, tag, message):
        print(f"tb-confusion: warning: skipped {message}", file=sys.stderr)

    index = offline.scan(args.logdir, runs=sorted({args.run, run_b}), on_error=warn)
    if args.run not in index or run_b not in index:
        index = offline.scan(args.logdir, on_error=lambda *_: None)  # for the list of runs in the message
    records = []
    for run, step in ((args.run, args.step), (run_b, step_b)):
        ((series, entry),) = select(index, run=run, tag=args.tag, step=step)
        records.append(offline.load(series, entry))
    return records


# ---- rendering ---------------------------------------------------------------------------------


def _number(value, signed=False, digits=4):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return f"{value:+d}" if signed else str(value)


def _table(header, rows):
    cells = [[str(x) for x in header]] + [[str(x) for x in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _side(side):
    return f"run {side['run']!r}, step {side['step']} ({side['num_examples']} examples)"


def _decision(rule):
    if rule["thresholds"] is not None:
        return "thresholds " + ", ".join(f"{t:g}" for t in rule["thresholds"])
    if rule["cutoff"] is not None:
        return f"cutoff {rule['cutoff']:g}"
    return "argmax" if rule["threshold"] is None else f"threshold {rule['threshold']:g}"


def render_table(out):
    """The `diff` summary (Diff.summary() plus "top_flips") as plain text."""
    alignment, flips = out["alignment"], out["flips"]
    parts = [f"tag {out['b']['tag']!r} ({out['task']}), {_decision(out['decision'])}\n"
             f"A: {_side(out['a'])}\nB: {_side(out['b'])}\n"
             f"matched {alignment['aligned']} examples by {alignment['by']}"
             + (f" (only in A: {alignment['only_a']}, only in B: {alignment['only_b']})"
                if alignment["only_a"] or alignment["only_b"] else "")
             + (f"; {alignment['label_changed']} changed label" if alignment["label_changed"] else "") + "\n"]
    rows = [[key, _number(out["metrics_a"][key]), _number(out["metrics_b"][key]),
             _number(out["metric_deltas"][key], signed=True)] for key in out["metrics_a"]]
    parts.append(_table(["metric", "A", "B", "B - A"], rows))
    names = out["class_names"] if out["task"] != "multilabel" else ["negative", "positive"]
    if len(names) <= MATRIX_MAX_CLASSES:
        header = ["true \\ predicted"] + out["predicted_labels"]
        counts = [[name] + [_number(x, signed=True) for x in row] for name, row in zip(names, out["difference"])]
        percent = [[name] + [_number(x, signed=True, digits=1) for x in row]
                   for name, row in zip(names, out["row_percent_difference"])]
        what = " (all labels' 2x2 summed)" if out["task"] == "multilabel" else ""
        parts.append(f"difference matrix B - A, counts{what}:\n" + _table(header, counts))
        parts.append("difference of row %, percentage points:\n" + _table(header, percent))
    else:
        parts.append(f"({len(names)} classes: the difference matrix is in --format json)\n")
    parts.append(f"flips: learned {flips['learned']} (wrong in A, right in B), forgotten {flips['forgotten']} "
                 f"(right in A, wrong in B); stayed right {flips['stayed_correct']}, stayed wrong "
                 f"{flips['stayed_wrong']}\n")
    labels = out["predicted_labels"] if out["task"] != "multilabel" else out["class_names"]
    for kind, page in out["top_flips"].items():
        if not page["examples"]:
            continue
        rows = [[e["index"], e["id"], _name(e["true"], labels), _name(e["pred_a"], labels), _name(e["pred_b"], labels),
                 _number(e["true_score_a"]), _number(e["true_score_b"])] for e in page["examples"]]
        parts.append(f"top {len(rows)} of {page['total']} {kind}:\n"
                     + _table(["index", "id", "true", "pred A", "pred B", "p(true) A", "p(true) B"], rows))
    return "\n".join(parts)


def _name(value, labels):
    if isinstance(value, list):  # multilabel: the positive labels
        return ",".join(labels[i] for i in value) or "(none)"
    return labels[value]

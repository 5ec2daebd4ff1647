"""`tb-confusion report`: metrics of logged predictions in the terminal or in CI (docs/report.md).

Exit status: 0 on success, 1 when a --fail-under gate fails, 2 for bad arguments or missing data.
`tb-confusion log` imports predictions saved in files (docs/log.md, tb_confusion/doors/importing.py).
`tb-confusion diff` compares two steps example by example (docs/diff.md, tb_confusion/diff_cli.py).
`tb-confusion slices` lists a step's slices by the gap to the whole (docs/slices.md, tb_confusion/slices_cli.py).
`tb-confusion report --groups` gives the numbers by the tag's class groups (docs/groups.md, tb_confusion/groups.py).
"""

import argparse
import csv
import io
import json
import math
import os
import sys

from tb_confusion import catalogue, diff_cli, progress, slices_cli, tasks
from tb_confusion.doors import importing
from tb_confusion.errors import BadArgument, Error, NotFound, NotStored, Unreadable
from tb_confusion import cli_types
from tb_confusion.report import metric_value as resolve  # noqa: F401  (the gates' lookup; its old home)

FORMATS = ("table", "json", "csv", "markdown")
_MATRIX_MAX_CLASSES = 20


class UsageError(BadArgument):
    """A problem with the command line: reported on stderr with exit status 2 (like every errors.Error)."""


def _step(text):
    if text in ("latest", "all"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--step must be an integer, 'latest' or 'all'; got {text!r}") from None


def _gate(text):
    metric, sep, bound = text.partition("=")
    try:
        value = float(bound)
    except ValueError:
        value = math.nan
    if not sep or not metric or not math.isfinite(value):
        hint = ""
        if not sep and (os.path.exists(text) or "/" in text or "://" in text):
            # --fail-under takes several gates, so a LOGDIR written after them is read as one
            hint = " (that looks like the logdir: put LOGDIR before --fail-under)"
        raise argparse.ArgumentTypeError(f"--fail-under takes METRIC=VALUE, e.g. f1.macro=0.9; got {text!r}{hint}")
    return metric, value


def add_step_arguments(parser):
    """--run, --tag, --step (which steps) and --threshold, --thresholds, --cutoff (the decision): the options
    every subcommand that reports on chosen steps shares."""
    parser.add_argument("--run", help="only this run (default: every run)")
    parser.add_argument("--tag", help="only this tag (default: every tb_confusion tag)")
    parser.add_argument("--step", type=_step, default="latest", metavar="N|latest|all",
                        help="which step of each tag (default: latest)")
    parser.add_argument("--threshold", type=cli_types.unit_interval("--threshold"), metavar="T",
                        help="binary decision threshold, and every label's for multilabel (default 0.5)")
    parser.add_argument("--thresholds", type=cli_types.thresholds, metavar="T1,T2,...",
                        help="multilabel: one threshold per label")
    parser.add_argument("--cutoff", type=cli_types.unit_interval("--cutoff"), metavar="T",
                        help="multiclass: rows whose top probability is below T go to a 'below cutoff' column")


def build_parser():
    parser = argparse.ArgumentParser(prog="tb-confusion", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    report = commands.add_parser(
        "report", help="print the metrics of logged predictions",
        description="Print the confusion matrix and metrics of each (run, tag, step) in LOGDIR. "
                    "Exit status: 0 ok, 1 a --fail-under gate failed, 2 bad arguments or missing data.")
    report.add_argument("logdir", metavar="LOGDIR", help="a TensorBoard logdir (local path or any URL "
                        "TensorBoard's file layer reads)")
    add_step_arguments(report)
    report.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    report.add_argument("--curves", action="store_true", help="json: add downsampled ROC and PR curves")
    report.add_argument("--cost-fp", type=cli_types.nonnegative("--cost-fp"), default=1.0, metavar="C",
                        help="cost of a false positive for the min_cost threshold (default 1)")
    report.add_argument("--cost-fn", type=cli_types.nonnegative("--cost-fn"), default=1.0, metavar="C",
                        help="cost of a false negative for the min_cost threshold (default 1)")
    report.add_argument("--beta", type=cli_types.nonnegative("--beta"), default=1.0, metavar="B",
                        help="the F-beta's beta for fbeta (default 1: F1)")
    report.add_argument("--strict", action="store_true",
                        help="exit 2 when anything was skipped as damaged or unreadable (default: warn and "
                             "report the rest)")
    report.add_argument("--slice", type=_slice, action="append", default=[], metavar="NAME=VALUE",
                        help="only the examples whose attribute NAME is VALUE (logged with attributes=...; "
                             "repeat to intersect; docs/slices.md)")
    report.add_argument("--groups", action="store_true",
                        help="multiclass: the matrix and decision metrics by the tag's class groups (logged with "
                             "class_groups=...; docs/groups.md); tags without groups are skipped with a warning")
    report.add_argument("--fail-under", type=_gate, action="extend", nargs="+", default=[],
                        metavar="METRIC=VALUE",
                        help="exit 1 when METRIC (a path like f1.macro, accuracy, roc_auc.binary, "
                             "recall.per_class.cat) is below VALUE or undefined in any report")
    importing.add_parser(commands)
    diff_cli.add_parser(commands)
    slices_cli.add_parser(commands)
    return parser


def main(argv=None):
    """Entry point of the `tb-confusion` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in _SUBCOMMANDS:
        try:
            return _SUBCOMMANDS[args.command](args)
        except Error as error:
            print(f"tb-confusion: error: {error}", file=sys.stderr)
            return 2
    try:
        reports = _reports(args)
        failures = _check_gates(reports, args.fail_under)
    except Error as error:
        print(f"tb-confusion: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](reports))
    sys.stdout.flush()
    for failure in failures:
        print(f"tb-confusion: FAIL {failure}", file=sys.stderr)
    for metric, bound in args.fail_under:
        if not any(f": {metric} " in failure for failure in failures):
            print(f"tb-confusion: PASS {metric} >= {bound:g} in every report that has it", file=sys.stderr)
    return 1 if failures else 0


_SUBCOMMANDS = {"log": importing.run, "diff": diff_cli.run, "slices": slices_cli.run}


def _slice(text):
    from tb_confusion.slices import parse_filter

    try:
        return parse_filter(text)
    except BadArgument:
        raise argparse.ArgumentTypeError(f"--slice takes NAME=VALUE, e.g. source=web; got {text!r}") from None


def report_options(args):
    """build_report's options from the decision and cost options every reading command takes."""
    return dict(threshold=args.threshold, thresholds=args.thresholds, cutoff=args.cutoff,
                curves=getattr(args, "curves", False), cost_fp=args.cost_fp, cost_fn=args.cost_fn, beta=args.beta)


def _reports(args):
    from tb_confusion import slices
    from tb_confusion.report import build_report

    options = report_options(args)

    def report(record):
        if args.slice:
            record = slices.only(record, args.slice)
        if args.groups:
            answer = _grouped(record, options)
            if answer is None:
                return None
        else:
            answer = build_report(record, **options)
        if args.slice:
            answer["slice"] = dict(args.slice)
        return answer

    reports = [answer for answer in per_step(args, report) if answer is not None]
    if not reports:
        raise NotFound("--groups: no chosen tag has class groups (log them with class_groups=...; docs/groups.md)")
    return reports


def _grouped(record, options):
    """The grouped report of a step of a tag with class groups; None (and a warning) for a tag without."""
    from tb_confusion import groups

    if not record.class_groups:
        print(f"tb-confusion: warning: --groups: run {record.run!r}, tag {record.tag!r} has no class groups; skipped",
              file=sys.stderr)
        return None
    return groups.grouped_report(record, record.class_groups, cutoff=options["cutoff"], beta=options["beta"])


def per_step(args, compute):
    """[compute(record)] for each (run, tag, step) `args` choose (--run, --tag, --step of LOGDIR); damaged
    steps skipped with a warning (errors.Unreadable when nothing is left, or with --strict)."""
    from tb_confusion.reading import offline  # reads event files; no TensorFlow

    skipped = []
    try:  # only the chosen steps' records are read in full (offline.locate)
        index, steps = offline.locate(args.logdir, run=args.run, tag=args.tag, step=args.step,
                                      on_error=lambda run, tag, message: skipped.append(message))
    finally:
        for message in skipped:
            print(f"tb-confusion: warning: skipped {message}", file=sys.stderr)
    if not index:
        reason = "; ".join(skipped) if skipped else "no event file holds a tb_confusion tag"
        raise NotFound(f"no tb_confusion data in {args.logdir!r} ({reason})")
    for series in {id(series): series for series, _ in steps}.values():
        for option in _ignored_options(args, tasks.get(series.plugin_data.task)):
            print(f"tb-confusion: warning: {option} does not apply to run {series.run!r}, tag {series.tag!r} "
                  f"({series.plugin_data.task}: use {_DECISION_OPTIONS[tasks.get(series.plugin_data.task).decision]})",
                  file=sys.stderr)
    reports, unreadable = [], []
    # a bar on a terminal when reading takes more than a second (many steps, a remote logdir)
    with progress.bar(sys.stderr.isatty(), delay=1.0, total=len(steps), desc="reading", unit="step") as bar:
        for series, step in steps:
            where = f"run {series.run!r}, tag {series.tag!r}, step {step.step}"
            bar.update(1)
            try:
                record = offline.load(series, step)
            except Unreadable as error:  # a damaged step: report the others, say which was skipped
                unreadable.append(f"{where}: {error}")
                print(f"tb-confusion: warning: skipped {unreadable[-1]}", file=sys.stderr)
                continue
            try:
                reports.append(compute(record))
            except (BadArgument, NotStored, NotFound) as error:  # an option that does not fit this tag, e.g.
                raise type(error)(f"{where}: {error}") from None  # --thresholds, or --slice of a compact step
    if not reports:
        raise Unreadable("; ".join(unreadable))
    if args.strict and (skipped or unreadable):
        raise Unreadable(f"--strict: {len(skipped) + len(unreadable)} damaged part(s) skipped (named above)")
    return reports


# The options that set each task's decision (tasks.Task.decision), and which decisions each option sets.
_DECISION_OPTIONS = {"threshold": "--threshold", "cutoff": "--cutoff", "per_label": "--threshold or --thresholds"}
_OPTION_DECISIONS = {"threshold": ("--threshold", ("threshold", "per_label")),
                     "thresholds": ("--thresholds", ("per_label",)), "cutoff": ("--cutoff", ("cutoff",))}


def _ignored_options(args, task):
    """The decision options given on the command line that `task` has no use for."""
    return [flag for name, (flag, decisions) in _OPTION_DECISIONS.items()
            if getattr(args, name) is not None and task.decision not in decisions]


def _check_gates(reports, gates):
    failures = []
    for metric, bound in gates:
        applicable = 0
        for report in reports:
            try:
                value = resolve(report, metric)
            except KeyError:
                continue
            applicable += 1
            where = f"run {report['run']!r}, tag {report['tag']!r}, step {report['step']}"
            if value is None:
                failures.append(f"{where}: {metric} is undefined (needs >= {bound:g})")
            elif value < bound:
                failures.append(f"{where}: {metric} = {value:.6g} < {bound:g}")
        if not applicable:
            raise UsageError(f"--fail-under: no report has a metric {metric!r} (use a path such as f1.macro, "
                             "accuracy, roc_auc.binary or recall.per_class.<class>; see docs/report.md)")
    return failures


# ---- rendering ---------------------------------------------------------------------------------

def _fmt(value):
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _sections(report):
    """(title, header, rows) blocks shared by the table and Markdown renderers."""
    metrics, names = report["metrics"], report["class_names"]
    blocks = []
    if len(names) <= _MATRIX_MAX_CLASSES or report["task"] == "multilabel":
        header = ["true \\ predicted"] + report["predicted_labels"]
        row_names = names if report["task"] != "multilabel" else ["negative", "positive"]
        rows = [[name] + [_fmt(v) for v in row] for name, row in zip(row_names, report["confusion_matrix"])]
        title = "confusion matrix" + (" (all labels summed)" if report["task"] == "multilabel" else "")
        blocks.append((title, header, rows))
    columns = [name for name in catalogue.columns(wide=True) if isinstance(metrics.get(name), dict)]
    header = ["group" if report.get("grouped") else "class"] + columns
    rows = [[name] + [_fmt(metrics[c]["per_class"][i]) for c in columns] for i, name in enumerate(names)]
    for average in ("binary", "macro", "micro", "weighted"):
        if average in metrics["precision"]:
            rows.append([average] + [_fmt(metrics[c].get(average)) for c in columns])
    blocks.append(("per group" if report.get("grouped") else "per class", header, rows))
    scalars = []
    for name, value in metrics.items():
        if name in columns:
            continue
        if isinstance(value, dict):
            for key, sub in value.items():
                if key != "per_class":
                    scalars.append([f"{name}.{key}", _fmt(sub)])
        else:
            scalars.append([name, _fmt(value)])
    if report.get("coverage") is not None:
        scalars.append(["coverage", _fmt(report["coverage"])])
    blocks.append(("metrics", ["metric", "value"], scalars))
    if report["task"] == "binary" and report["recommended_thresholds"]:
        rows = [[rule, _fmt(v["threshold"]), ", ".join(f"{k} {_fmt(x)}" for k, x in v.items() if k != "threshold")]
                for rule, v in report["recommended_thresholds"].items() if v]
        blocks.append(("recommended thresholds", ["rule", "threshold", "values there"], rows))
    return blocks


def _title(report):
    parts = [f"run {report['run']}", f"tag {report['tag']}", f"step {report['step']}", report["task"],
             f"{report['num_examples']} {tasks.get(report['task']).examples}"
             + (f", {report['num_elements']:,} pixels" if "num_elements" in report else "")]
    if report["task"] == "binary":
        parts.append(f"threshold {_fmt(report['threshold'])}")
    if report["task"] == "multilabel":
        parts.append("thresholds " + ", ".join(_fmt(t) for t in report["threshold"]))
    if report.get("cutoff") is not None:
        parts.append(f"cutoff {_fmt(report['cutoff'])}")
    if report.get("grouped"):
        parts.append(f"grouped: {len(report['class_names'])} groups of {len(report['grouped']['class_names'])} classes")
    if report.get("slice"):
        parts.append("slice " + ", ".join(f"{name}={value}" for name, value in report["slice"].items()))
    return " | ".join(parts)


def render_table(reports):
    out = []
    for report in reports:
        out.append(_title(report))
        out.append("=" * len(out[-1]))
        for title, header, rows in _sections(report):
            widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
            out.append(f"\n{title}")
            for row in [header] + rows:
                out.append("  ".join(str(c).rjust(w) if j else str(c).ljust(w) for j, (c, w) in
                                     enumerate(zip(row, widths))).rstrip())
        if len(report["class_names"]) > _MATRIX_MAX_CLASSES and report["task"] != "multilabel":
            what = "groups" if report.get("grouped") else "classes"
            out.append(f"\n(confusion matrix of {len(report['class_names'])} {what} omitted: use --format json)")
        if report["undefined"]:
            out.append(f"\nundefined (0/0, shown as 0 or n/a): {', '.join(report['undefined'])}")
        out.append("\n")
    return "\n".join(out)


def render_markdown(reports):
    def cell(text):
        return str(text).replace("|", "\\|")

    out = []
    for report in reports:
        out.append(f"### {cell(_title(report))}\n")
        for title, header, rows in _sections(report):
            out.append(f"**{title}**\n")
            out.append("| " + " | ".join(cell(h) for h in header) + " |")
            out.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
            out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
            out.append("")
        if report["undefined"]:
            out.append(f"Undefined (0/0): {cell(', '.join(report['undefined']))}\n")
    return "\n".join(out) + "\n"


def render_json(reports):
    return json.dumps(reports, indent=2, allow_nan=False) + "\n"


def render_csv(reports):
    """Long format: one row per value, columns run, tag, step, task, metric, average, value (and slice, after
    step, when the reports are of a --slice)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    sliced = any(report.get("slice") for report in reports)
    writer.writerow(["run", "tag", "step"] + ["slice"] * sliced + ["task", "metric", "average", "value"])
    for report in reports:
        where = [";".join(f"{name}={value}" for name, value in report.get("slice", {}).items())] if sliced else []
        key = [report["run"], report["tag"], report["step"]] + where + [report["task"]]
        for name, value in report["metrics"].items():
            if isinstance(value, dict):
                for average, sub in value.items():
                    if average == "per_class":
                        for class_name, v in zip(report["class_names"], sub):
                            writer.writerow(key + [name, class_name, "" if v is None else v])
                    else:
                        writer.writerow(key + [name, average, "" if sub is None else sub])
            else:
                writer.writerow(key + [name, "", "" if value is None else value])
        for i, row in enumerate(report["confusion_matrix"]):
            for j, v in enumerate(row):
                writer.writerow(key + ["confusion_matrix", f"{i},{j}", v])
    return buffer.getvalue()


RENDERERS = {"table": render_table, "json": render_json, "csv": render_csv, "markdown": render_markdown}


if __name__ == "__main__":
    sys.exit(main())

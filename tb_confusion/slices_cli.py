"""`tb-confusion slices`: a step's slices by one attribute, sorted by the gap of a metric to the whole.

Each (run, tag, step) chosen gets a table: the whole step's metric, then one row per value of the attribute
(`--by`) with its example count, its metric and the gap, worst first; slices under `--min-size` examples are
marked and listed after the others. Exit status: 0 ok, 2 bad arguments or missing data. docs/slices.md
describes the numbers; tb_confusion/slices.py computes them.
"""

import csv
import io
import json
import sys

from tb_confusion import cli_types

FORMATS = ("table", "json", "csv")


def add_parser(commands):
    """Add the `slices` subcommand to the `tb-confusion` subparsers `commands`."""
    from tb_confusion import cli, slices

    parser = commands.add_parser(
        "slices", help="a step's metric per value of an attribute, sorted by the gap to the whole",
        allow_abbrev=False,
        description="Per value of attribute NAME (logged with attributes=...): its examples, its metric and the gap "
                    "to the whole step, worst first; slices with fewer than --min-size examples are marked and come "
                    "after. Exit status: 0 ok, 2 bad arguments or missing data. See docs/slices.md.")
    parser.add_argument("logdir", metavar="LOGDIR", help="a TensorBoard logdir")
    parser.add_argument("--by", required=True, metavar="NAME", help="the attribute to slice by, e.g. source")
    parser.add_argument("--metric", default=slices.DEFAULT_METRIC, metavar="PATH",
                        help=f"a report path such as accuracy, f1.macro, roc_auc.macro, log_loss, "
                             f"recall.per_class.<class> (default {slices.DEFAULT_METRIC})")
    parser.add_argument("--min-size", type=cli_types.count("--min-size"), default=slices.DEFAULT_MIN_SIZE,
                        metavar="K", help=f"slices under K examples are marked small (default {slices.DEFAULT_MIN_SIZE})")
    parser.add_argument("--slice", type=cli._slice, action="append", default=[], metavar="NAME=VALUE",
                        help="first keep only the examples whose attribute NAME is VALUE (repeat to intersect)")
    cli.add_step_arguments(parser)
    parser.add_argument("--beta", type=cli_types.nonnegative("--beta"), default=1.0, metavar="B",
                        help="the F-beta's beta for fbeta (default 1: F1)")
    parser.add_argument("--reports", action="store_true",
                        help="also each slice's full report (matrix and every metric): after the table, or in "
                             "each JSON row under 'report'")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 2 when anything was skipped as damaged or unreadable (default: warn)")
    parser.set_defaults(cost_fp=1.0, cost_fn=1.0, curves=False)
    return parser


def run(args):
    """Run `tb-confusion slices` for parsed `args`; returns the exit status (errors.Error propagates)."""
    from tb_confusion import cli, slices
    from tb_confusion.jsonable import jsonable

    options = cli.report_options(args)

    if args.reports and args.format == "csv":
        raise cli.UsageError("--reports goes with --format table or json (the CSV has one row per slice)")

    def table(record):
        answer = slices.table(slices.only(record, args.slice), args.by, metric=args.metric, min_size=args.min_size,
                              with_reports=args.reports, **options)
        return {"run": record.run, "tag": record.tag, "step": record.step, "slice": dict(args.slice), **answer}

    tables = jsonable(cli.per_step(args, table))
    text = RENDERERS[args.format](tables)
    if args.reports and args.format == "table":
        text += "\n" + cli.render_table([{**row["report"], "slice": {**table["slice"], table["attribute"]: row["value"]}}
                                         for table in tables for row in table["slices"] if row["report"]])
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _fmt(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:+.4f}" if value < 0 else f"{value:.4f}"
    return str(value)


def render_table(tables):
    out = []
    for table in tables:
        title = (f"run {table['run']} | tag {table['tag']} | step {table['step']} | by {table['attribute']} | "
                 f"{table['metric']} ({'higher' if table['higher_is_better'] else 'lower'} is better)")
        if table["slice"]:
            title += " | slice " + ", ".join(f"{k}={v}" for k, v in table["slice"].items())
        out += [title, "=" * len(title)]
        whole = table["whole"]
        rows = [["(whole)", str(whole["count"]), _fmt(whole["metric_value"]), ""]]
        for row in table["slices"]:
            gap = "n/a" if row["gap"] is None else f"{row['gap']:+.4f}"
            rows.append([str(row["value"]) + (" *" if row["small"] else ""), str(row["count"]),
                         _fmt(row["metric_value"]), gap])
        header = [table["attribute"], "examples", table["metric"], "gap"]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(4)]
        for row in [header] + rows:
            out.append("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if any(row["small"] for row in table["slices"]):
            out.append(f"* fewer than {table['min_size']} examples: listed after the others, their numbers are noisy")
        out.append("")
    return "\n".join(out) + "\n"


def render_json(tables):
    return json.dumps(tables, indent=2, allow_nan=False) + "\n"


def render_csv(tables):
    """One row per slice (and one for the whole step, scope "whole"): run, tag, step, filter, attribute, scope,
    value, examples, weight, metric, metric_value, gap, small."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "tag", "step", "filter", "attribute", "scope", "value", "examples", "weight", "metric",
                     "metric_value", "gap", "small"])

    def blank(value):
        return "" if value is None else value

    for table in tables:
        key = [table["run"], table["tag"], table["step"], ";".join(f"{k}={v}" for k, v in table["slice"].items()),
               table["attribute"]]
        whole = table["whole"]
        writer.writerow(key + ["whole", "", whole["count"], blank(whole["weight"]), table["metric"],
                               blank(whole["metric_value"]), "", ""])
        for row in table["slices"]:
            writer.writerow(key + ["slice", row["value"], row["count"], blank(row["weight"]), table["metric"],
                                   blank(row["metric_value"]), blank(row["gap"]), row["small"]])
    return buffer.getvalue()


RENDERERS = {"table": render_table, "json": render_json, "csv": render_csv}

"""Every JSON the panel's routes and the CLI give on the demo's logs, as {name: bytes}.

The logs in tests/golden/demo_logs were written by `demo/run_demo.py --epochs 2` and are kept as they
are; the expected bytes in tests/golden/expected were made by this module on the code before the
"one home per concept" refactor. test_golden.py asserts they stay byte-identical. After a deliberate
change of an answer, rewrite them with

    .venv/bin/python tests/golden/outputs.py --write

and say in the commit message what changed and why.
"""

import contextlib
import io
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
LOGS = HERE / "demo_logs"
EXPECTED = HERE / "expected"
PREFIX = "/data/plugin/tb_confusion"


def _client():
    sys.path.insert(0, str(HERE.parent))
    from test_plugin_routes import make_client

    return make_client(LOGS)


def _get(client, route, **params):
    response = client.get(f"{PREFIX}/{route}", query_string=params)
    return f"{response.status_code}\n".encode() + response.get_data()


def _route_requests(tags):
    """(name, route, params) for every route, step and a few thresholds and cells of each tag."""
    yield "tags", "tags", {}
    for run in sorted(tags):
        for tag in sorted(tags[run]):
            task, c = tags[run][tag]["task"], tags[run][tag]["num_classes"]
            where = {"run": run, "tag": tag}
            name = f"{run}/{tag}".replace("/", "__")
            yield f"{name}.steps", "steps", where
            yield f"{name}.epochs", "epochs", where
            variant = {"binary": {"threshold": 0.3}, "multiclass": {"cutoff": 0.6},
                       "multilabel": {"thresholds": ",".join(["0.3", "0.7"] * c)[: 4 * c - 1]}}[task]
            yield f"{name}.epochs.variant", "epochs", {**where, **variant}
            for step in (0, 1):
                at = {**where, "step": step}
                yield f"{name}.{step}.stats", "stats", at
                yield f"{name}.{step}.report", "report", at
                yield f"{name}.{step}.report.curves", "report", {**at, "curves": "true"}
                if task == "multiclass":
                    for k in (0, c - 1):
                        yield f"{name}.{step}.curves.{k}", "curves", {**at, "class": k}
                yield f"{name}.{step}.report.variant", "report", {**at, **variant, "cost_fp": 2}
                cells = [(0, 0), (1, 0), (0, 1), (1, 1)]
                extra = {"label": c - 1} if task == "multilabel" else {}
                for true, pred in cells:
                    yield (f"{name}.{step}.examples.{true}{pred}", "examples",
                           {**at, **extra, "true": true, "pred": pred, "limit": 7})
                yield f"{name}.{step}.examples.variant", "examples", {**at, **extra, **variant, "true": 1, "pred": 0}


def _cli(*args):
    from tb_confusion import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["report", str(LOGS), *args])
    return f"{status}\n{err.getvalue()}\n".encode() + out.getvalue().encode()


CLI_RUNS = {
    "cli.all.json": ("--step", "all", "--format", "json"),
    "cli.curves.json": ("--format", "json", "--curves", "--threshold", "0.4", "--cutoff", "0.5"),
    "cli.all.csv": ("--step", "all", "--format", "csv"),
    "cli.table": ("--format", "table"),
    "cli.markdown": ("--format", "markdown", "--cost-fn", "3"),
}


def outputs():
    """{name: bytes} of every golden answer."""
    import json

    client = _client()
    tags = json.loads(client.get(f"{PREFIX}/tags").get_data())
    result = {name: _get(client, route, **params) for name, route, params in _route_requests(tags)}
    for name, args in CLI_RUNS.items():
        result[name] = _cli(*args)
    return result


def write():
    EXPECTED.mkdir(exist_ok=True)
    for path in EXPECTED.iterdir():
        path.unlink()
    for name, body in outputs().items():
        (EXPECTED / name).write_bytes(body)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: {os.path.basename(sys.argv[0])} --write")
    write()

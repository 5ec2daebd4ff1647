"""The panel's run order (frontend/src/selection.js runOrder) is Python's (reading/selection.py run_order):
the server warms the runs the panel opens on, and the CLI and tb_confusion.read promise the panel's order."""

import json
import pathlib
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_confusion.reading.selection import SPLIT_ORDER, run_order
from tb_confusion.server import warm_up

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "run_order.json").read_text(encoding="utf-8"))

# One node process for the whole module: its first line is SPLIT_ORDER, then each line of runs (JSON) is
# answered sorted by runOrder.
SORTER = """
import {createInterface} from "node:readline";
import {SPLIT_ORDER, runOrder} from %s;
console.log(JSON.stringify(SPLIT_ORDER));
for await (const line of createInterface({input: process.stdin})) console.log(JSON.stringify(JSON.parse(line).sort(runOrder)));
"""


class NodeSorter:
    def __init__(self):
        module = json.dumps((ROOT / "frontend" / "src" / "selection.js").as_uri())
        self.process = subprocess.Popen(["node", "--input-type=module", "-e", SORTER % module], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self.split_order = self._answer()

    def sort(self, runs):
        self.process.stdin.write(json.dumps(runs) + "\n")  # ASCII: lone surrogates travel as \\udc80
        self.process.stdin.flush()
        return self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        assert line, f"node stopped (exit {self.process.poll()})"
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def node():
    sorter = NodeSorter()
    yield sorter
    sorter.close()


def test_the_panel_keeps_pythons_split_order(node):
    assert node.split_order == list(SPLIT_ORDER)


def test_both_sort_the_shared_fixture_into_its_expected_order(node):
    assert FIXTURE["runs"] != FIXTURE["sorted"]
    assert sorted(FIXTURE["runs"], key=run_order) == FIXTURE["sorted"]
    assert node.sort(FIXTURE["runs"]) == FIXTURE["sorted"]


def test_the_panel_opens_on_the_runs_the_warm_up_builds(node):
    tags = {run: {"t": {"task": "binary"}} for run in FIXTURE["runs"]}
    assert [run for run, _ in warm_up.opening_view(tags)] == node.sort(FIXTURE["runs"])[:warm_up.OPENING_RUNS]


# Path parts where the orders could part: splits in any case, case and accents, digits, punctuation that
# sorts around "/", a BMP character above the surrogates, an emoji, an undecodable byte (surrogateescape).
SPLITS = st.sampled_from(SPLIT_ORDER).flatmap(lambda s: st.sampled_from([s, s.upper(), s.capitalize()]))
PARTS = st.one_of(SPLITS, st.text(st.sampled_from("aAbB09_-.é\u00c9\uff5e\U0001f600\udc80 "), max_size=4),
                  st.text(max_size=3))
RUNS = st.lists(st.lists(PARTS, min_size=1, max_size=3).map("/".join), max_size=12, unique=True)


@settings(max_examples=300, deadline=None)
@given(runs=RUNS)
def test_the_panel_sorts_any_runs_as_python_does(node, runs):
    assert node.sort(runs) == sorted(runs, key=run_order)

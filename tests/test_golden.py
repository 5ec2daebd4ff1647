"""The routes and the CLI answer byte for byte what they answered before a refactor (tests/golden)."""

import pytest

from golden import outputs as golden


@pytest.fixture(scope="module")
def answers():
    return golden.outputs()


def test_the_golden_set_covers_every_route_and_cli_format(answers):
    expected = {path.name for path in golden.EXPECTED.iterdir()}
    assert expected == set(answers)
    routes = {name.rsplit(".", 1)[-1] for name in answers if not name.startswith("cli.")}
    assert {"tags", "steps", "epochs", "stats", "report", "variant"} <= routes


@pytest.mark.parametrize("name", sorted(path.name for path in golden.EXPECTED.iterdir()))
def test_answer_is_byte_identical(answers, name):
    expected = (golden.EXPECTED / name).read_bytes()
    assert answers[name] == expected, f"{name} changed: {answers[name][:300]!r}"

"""The F-beta's beta as a report option: build_report, `tb-confusion report --beta` and the routes' `beta`."""

import contextlib
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import fbeta_score

from tb_confusion import cli
from tb_confusion.events import EventWriter
from tb_confusion.report import build_report
from tb_confusion.storage.payload import Record
from tb_confusion.summary import predictions_pb
from test_plugin_routes import error, make_client, ok


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 5), st.integers(2, 6))
def test_fbeta_follows_the_beta_asked_for(seed, beta, c):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, 200)
    p = rng.dirichlet(np.ones(c), 200).astype(np.float32)
    report = build_report(Record("multiclass", y, p, [str(k) for k in range(c)]), beta=beta)
    expected = fbeta_score(y, p.argmax(1), beta=beta, average="macro", labels=range(c), zero_division=0)
    assert report["beta"] == beta
    assert report["metrics"]["fbeta"]["macro"] == pytest.approx(expected, abs=1e-12)


def test_a_negative_beta_is_refused_by_name():
    record = Record("binary", np.array([0, 1]), np.array([0.2, 0.7], np.float32), ["no", "yes"])
    with pytest.raises(ValueError, match="beta"):
        build_report(record, beta=-1)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("beta")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = rng.random(300).astype(np.float32)
    with EventWriter(root / "validation") as writer:
        writer.add_summary(predictions_pb("binary", y, p), 0)
    return root, y, p


def test_cli_and_route_take_beta(logdir):
    root, y, p = logdir
    expected = fbeta_score(y, p >= 0.5, beta=2.0, zero_division=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["report", str(root), "--format", "json", "--beta", "2"]) == 0
    (report,) = json.loads(out.getvalue())
    assert report["metrics"]["fbeta"]["binary"] == pytest.approx(expected, abs=1e-12)
    client = make_client(root)
    body = ok(client, "report", run="validation", tag="binary", beta="2")
    assert body["metrics"]["fbeta"]["binary"] == pytest.approx(expected, abs=1e-12)
    assert "beta" in error(client, "report", 400, run="validation", tag="binary", beta="-1")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        cli.main(["report", str(root), "--beta", "nope"])
    assert exit_.value.code == 2 and "--beta" in err.getvalue()

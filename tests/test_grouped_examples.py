"""The examples of a cell of superclasses (the `examples` route with `true_group` and `pred_group`): exactly the
examples whose true class is in the row's group and whose predicted class (argmax, or below the cutoff) is in
the column's group, each with its own classes and scores, for exact and compact steps; bad requests are 400s
naming the parameter."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import predictions_pb
from test_plugin_routes import get, make_client

C = 7
GROUPS = ["b", "a", "b", "c", "a", "b", "c"]  # by first appearance: b = 0, a = 1, c = 2
ORDER = {"b": 0, "a": 1, "c": 2}


def _data(seed, n=400):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, C, n)
    logits = rng.normal(size=(n, C)) + 1.5 * np.eye(C)[labels]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return labels, p.astype(np.float32)


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    root = tmp_path_factory.mktemp("grouped")
    data = {}
    with EventWriter(str(root / "validation")) as writer:
        for storage, seed in (("exact", 1), ("compact", 2)):
            y, p = _data(seed)
            data[storage] = (y, p)
            writer.add_summary(predictions_pb(storage, y, p, class_groups=GROUPS, storage=storage,
                                              example_ids=[f"{storage}{i}" for i in range(len(y))]), 0)
        y, p = _data(3)
        writer.add_summary(predictions_pb("plain", y, p), 0)
    return make_client(root), data


def _all(client, tag, **params):
    """Every example of the cell, paged through the route."""
    rows, offset = [], 0
    while True:
        status, page = get(client, "examples", run="validation", tag=tag, step=0, offset=offset, limit=97, **params)
        assert status == 200, page
        rows += page["examples"]
        offset += 97
        if offset >= page["total"]:
            assert len(rows) == page["total"]
            return rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(storage=st.sampled_from(["exact", "compact"]), true_group=st.integers(0, 2), pred_group=st.integers(0, 3),
       cutoff=st.sampled_from([None, 0.3, 0.45]))
def test_a_cell_of_superclasses_lists_the_examples_mapped_into_it(logged, storage, true_group, pred_group, cutoff):
    client, data = logged
    y, p = data[storage]
    group = np.array([ORDER[g] for g in GROUPS])
    predicted = p.argmax(1)
    if cutoff:
        predicted = np.where(p.max(1) < np.float32(cutoff), C, predicted)
    column = np.append(group, 3)[predicted]
    if pred_group == 3 and not cutoff:
        return  # no below-cutoff column without a cutoff: its bound is checked below
    params = {"true_group": true_group, "pred_group": pred_group}
    if cutoff:
        params["cutoff"] = cutoff
    rows = _all(client, storage, **params)
    expected = np.flatnonzero((group[y] == true_group) & (column == pred_group))
    assert sorted(r["index"] for r in rows) == expected.tolist()
    for r in rows:
        i = r["index"]
        assert r["id"] == f"{storage}{i}"
        assert (r["true"], r["pred"]) == (y[i], predicted[i])  # each example's own classes
        assert r["true_score"] == pytest.approx(float(p[i, y[i]]), abs=1e-6)
        assert r["score"] == pytest.approx(float(p[i].max()), abs=1e-6)
        others = p[i].astype(np.float64).copy()
        if predicted[i] < C:
            others[predicted[i]] = -np.inf
        assert r["runner_up"] == int(others.argmax())
    confidence = [r["score"] for r in rows]
    assert confidence == sorted(confidence, reverse=True)  # most confident first, as a class cell


def test_a_cell_of_one_class_per_group_equals_the_class_cell(logged):
    # the groups' cell (c, c) holds class cells (3, 3), (3, 6), (6, 3), (6, 6); each example as in its class cell
    client, _ = logged
    grouped = {r["index"]: r for r in _all(client, "exact", true_group=2, pred_group=2)}
    by_class = {}
    for t in (3, 6):
        for q in (3, 6):
            by_class.update({r["index"]: r for r in _all(client, "exact", true=t, pred=q)})
    assert grouped == by_class


@pytest.mark.parametrize("params, message", [
    ({"true_group": 0, "pred_group": 0, "tag": "plain"}, "class_groups; tag 'plain' of run 'validation' has none"),
    ({"true_group": 0, "pred_group": 0, "true": 1, "pred": 1}, "not both"),
    ({"true_group": 3, "pred_group": 0}, "parameter 'true_group' must be in [0, 2]; got \"3\""),
    ({"true_group": 0, "pred_group": 4}, "parameter 'pred_group' must be in [0, 3]; got \"4\""),
    ({"true_group": 0}, "pred_group"),
    ({"true_group": "x", "pred_group": 0}, "parameter 'true_group' must be an integer"),
])
def test_bad_cells_of_superclasses_are_400s_naming_them(logged, params, message):
    client, _ = logged
    query = {"run": "validation", "tag": "exact", "step": 0, **params}
    status, body = get(client, "examples", **query)
    assert status == 400
    assert message in body["error"]

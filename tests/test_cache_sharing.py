"""What the server shares between requests under load: evicted steps' memoized numbers, listings computed
once for concurrent requests, encoded bodies kept in one form, and the fast JSON encoder's bytes."""

import gzip
import json
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard import context as tb_context

from tb_confusion import report as report_module
from tb_confusion import statistics as step_statistics
from tb_confusion.jsonable import jsonable
from tb_confusion.reading import provider
from tb_confusion.server import cache, json_http, packed, panel_data

from test_plugin_routes import PREFIX, make_client, write_logdir


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_logdir(tmp_path_factory.mktemp("sharing"))


@pytest.fixture(scope="module")
def client(logdir):
    return make_client(logdir)


def test_evicted_values_are_handed_to_on_evict_but_replaced_ones_are_not():
    evicted = []
    lru = cache.ByteLRU(300, on_evict=lambda key, value: evicted.append((key, value)))
    for key in "abc":
        lru.put(key, key.upper(), nbytes=100)
    lru.put("a", "A2", nbytes=100)  # a replacement, not an eviction
    assert evicted == []
    lru.put("d", "D", nbytes=150)
    assert evicted == [("b", "B"), ("c", "C")] and {k for k in "abcd" if k in lru} == {"a", "d"}


def test_sizeof_counts_an_array_once_and_a_view_as_the_array_it_keeps():
    big = np.zeros(100_000)
    assert cache.sizeof({"a": big, "b": big}) < big.nbytes + 1000  # the same array twice
    assert cache.sizeof(big[:10]) >= big.nbytes  # a small view keeps all of it alive

    class Holder:
        def __init__(self):
            self.me = self  # cycles end
            self.data = big

    assert big.nbytes <= cache.sizeof(Holder()) < big.nbytes + 1000


def test_a_recent_value_is_computed_once_for_concurrent_callers():
    recent = provider._Recent(60)
    inside, release, calls = threading.Event(), threading.Event(), []

    def compute():
        calls.append(1)
        inside.set()
        release.wait(10)
        return "listing"

    results = []
    leader = threading.Thread(target=lambda: results.append(recent.get("k", compute)))
    leader.start()
    assert inside.wait(10)
    others = [threading.Thread(target=lambda: results.append(recent.get("k", compute))) for _ in range(7)]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # let them reach the wait (not a timing assertion: fewer waiting still must not compute)
    release.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert results == ["listing"] * 8 and len(calls) == 1 and recent.computed == 1


def test_an_expired_value_is_served_while_one_caller_refreshes_it():
    recent = provider._Recent(0)  # always expired
    assert recent.get("k", lambda: "old") == "old"
    inside, release = threading.Event(), threading.Event()

    def refresh():
        inside.set()
        release.wait(10)
        return "new"

    results = []
    leader = threading.Thread(target=lambda: results.append(recent.get("k", refresh)))
    leader.start()
    assert inside.wait(10)
    assert recent.get("k", lambda: pytest.fail("computed twice")) == "old"
    release.set()
    leader.join(10)
    assert results == ["new"] and recent.computed == 2


def test_a_failed_computation_is_not_kept():
    recent = provider._Recent(60)
    with pytest.raises(ZeroDivisionError):
        recent.get("k", lambda: 1 / 0)
    assert recent.get("k", lambda: 5) == 5


def _source(client, steps_bytes, memos):
    data_provider = client.plugin._source._provider
    return provider.RecordSource(data_provider, cache.ByteLRU(steps_bytes), memos=memos)


@pytest.mark.parametrize("tag", ["binary", "digits", "tags", "pair"])
def test_a_step_decoded_again_keeps_its_threshold_free_numbers(client, tag):
    ctx = tb_context.RequestContext()
    memos = cache.ByteLRU(2**24)
    source = _source(client, 10**9, memos)
    ref0, ref1 = source.steps(ctx, "", "train", tag)[:2]
    first = source.statistics(ctx, "", "train", tag, ref0)
    fresh_report = report_module.build_report(step_statistics.of(first.record))  # its own memo
    report_module.build_report(first)
    names = set(first._memo)
    assert names, "the report memoizes its threshold-free numbers"
    # make room for step 1 only: step 0 is evicted and its small memo entries kept
    source._cache.max_bytes = source._cache.nbytes + 1
    source.statistics(ctx, "", "train", tag, ref1)
    assert ("memo",) + provider.record_key("", "train", tag, ref0)[1:] in memos
    again = source.statistics(ctx, "", "train", tag, ref0)
    assert again is not first
    kept = {name for name in names if cache.sizeof(first._memo[name]) <= provider.MEMO_ENTRY_BYTES}
    assert kept and kept <= set(again._memo)
    for name in kept:  # answered from what was kept: computing it again would fail
        again.memo(name, lambda: pytest.fail(f"{name} computed again"))
    assert json_http.json_bytes(report_module.build_report(again)) == json_http.json_bytes(fresh_report)
    assert json_http.json_bytes(report_module.build_report(again, curves=True)) == json_http.json_bytes(
        report_module.build_report(step_statistics.of(first.record), curves=True))


def test_a_body_keeps_one_form():
    raw = json.dumps({"values": list(range(5000))}).encode()
    kept_gzipped = json_http.Body(raw, gzipped=True)
    assert kept_gzipped.nbytes < len(raw) // 2 and kept_gzipped.raw == raw
    assert gzip.decompress(kept_gzipped.gzipped()) == raw
    plain = json_http.Body(raw)
    before = plain.nbytes
    assert before >= len(raw) and gzip.decompress(plain.gzipped()) == raw
    assert plain.nbytes < before and plain.raw == raw  # turned into its gzip form
    small = json_http.Body(b"{}", gzipped=True)
    assert small.raw == b"{}" and small.nbytes == 102  # too small to be worth gzip


@pytest.mark.parametrize("first_gzip", [True, False])
def test_a_cached_body_is_the_same_json_for_every_client(logdir, first_gzip):
    client = make_client(logdir)  # a fresh cache
    url = f"{PREFIX}/stats?run=validation&tag=digits&step=1"
    gzip_header = {"Accept-Encoding": "gzip"}
    first = client.get(url, headers=gzip_header if first_gzip else {})
    second = client.get(url, headers={} if first_gzip else gzip_header)
    third = client.get(url, headers=gzip_header)

    def text(response):
        data = response.get_data()
        return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data

    assert [r.headers.get("Content-Encoding") for r in (first, second, third)] == (
        ["gzip", None, "gzip"] if first_gzip else [None, "gzip", "gzip"])
    assert text(first) == text(second) == text(third)
    assert client.plugin._answers.misses == 1 and client.plugin._answers.hits == 2


def _slow_json(obj):
    return json.dumps(jsonable(obj), allow_nan=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("tag", ["binary", "digits", "tags", "pair"])
def test_the_fast_encoder_writes_the_same_bytes_for_every_answer(client, tag):
    ctx = tb_context.RequestContext()
    source = client.plugin._source
    ref, plugin_data = source.find_step(ctx, "", "validation", tag, 1)
    statistics = source.statistics(ctx, "", "validation", tag, ref, plugin_data)
    task = statistics.task
    answers = [
        report_module.build_report(statistics),
        report_module.build_report(statistics, curves=True),
        panel_data.step_stats(statistics),
        panel_data.label_issue_counts(statistics, label=0 if task.cell_needs_label else None),
        panel_data.examples(statistics, true=0, pred=0, label=0 if task.cell_needs_label else None, limit=1000),
    ]
    for answer in answers:
        assert json_http.json_bytes(answer) == _slow_json(answer)


_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**62, 2**62), st.booleans(), st.none(),
    st.text(max_size=8), st.sampled_from(["NaN", "Infinity", "-Infinity"]),
    st.floats(width=32, allow_nan=True).map(np.float32), st.integers(-1000, 1000).map(np.int64),
    st.floats(allow_nan=True).map(np.float64), st.booleans().map(np.bool_),
    st.lists(st.floats(allow_nan=True, width=32), max_size=6).map(lambda v: np.array(v, dtype=np.float32)),
    st.lists(st.integers(-5, 5), max_size=6).map(np.array),
)
_values = st.recursive(_numbers, lambda children: st.one_of(
    st.lists(children, max_size=4), st.tuples(children, children),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-3, 3), st.integers(0, 3).map(np.int64)),
                    children, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_the_fast_encoder_equals_the_plain_conversion(value):
    try:
        expected = _slow_json(value)
    except TypeError:
        with pytest.raises(TypeError):
            json_http.json_bytes(value)
        return
    assert json_http.json_bytes(value) == expected


def test_the_plugin_keeps_memos_in_the_tables_share(logdir):
    instance = make_client(logdir).plugin
    assert instance._source._memos is instance._caches["tables"]
    assert instance._caches["steps"].on_evict == instance._source._keep_memo


def test_lists_of_plain_numbers_are_left_as_they_are_and_arrays_in_lists_packed():
    curve = [0.5, 1, None, True, "x"]
    assert packed.pack_arrays(curve) is curve
    mixed = packed.pack_arrays([0.5, {"a": np.arange(3)}, [np.ones(2, dtype=np.float32)]])
    assert mixed[0] == 0.5 and isinstance(mixed[1]["a"], packed.Packed) and isinstance(mixed[2][0], packed.Packed)
    assert packed.unpack(json.loads(json_http.json_bytes(mixed))) == [0.5, {"a": [0, 1, 2]}, [[1.0, 1.0]]]


def test_concurrent_identical_requests_compute_the_answer_once(logdir):
    from werkzeug import test as wtest

    client = make_client(logdir)  # a fresh cache
    url = f"{PREFIX}/stats?run=train&tag=binary&step=2"
    barrier, bodies = threading.Barrier(8), []

    def ask():
        own = wtest.Client(client.application)
        barrier.wait()
        bodies.append(own.get(url, headers={"Accept-Encoding": "gzip"}).get_data())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    answers, steps = client.plugin._answers, client.plugin._caches["steps"]
    assert len(bodies) == 8 and len(set(bodies)) == 1
    assert answers.misses == 1 and answers.hits + answers.misses == 8 and steps.misses == 1


def test_a_body_turned_into_gzip_by_many_threads_at_once_stays_whole():
    raw = json.dumps({"values": list(range(20000))}).encode()
    for _ in range(20):
        body = json_http.Body(raw)
        barrier, seen = threading.Barrier(6), []

        def use(k):
            barrier.wait()
            seen.append(gzip.decompress(body.gzipped()) if k % 2 else body.raw)
            seen.append(body.nbytes)

        threads = [threading.Thread(target=use, args=(k,)) for k in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert [v for v in seen if isinstance(v, bytes)] == [raw] * 6 and len(seen) == 12

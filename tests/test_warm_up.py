"""The tab's opening view is built while its page loads (tb_confusion/server/warm_up.py)."""

import threading

from test_plugin_routes import PREFIX, make_client, ok, write_logdir

from tb_confusion.server import warm_up


def test_the_opening_view_is_the_first_tag_and_its_first_four_runs_in_panel_order():
    info = {"task": "binary"}
    tags = {
        "zeta/train": {"b": info, "a": info},
        "alpha": {"a": info},
        "zeta/validation": {"a": info},
        "zeta/test": {"a": info},
        "zeta/extra": {"a": info},
        "broken": {"a": {"error": "unreadable"}, "0": {"error": "unreadable"}},
        "other": {"c": info},
    }
    # tag "0" only has errors, so "a" opens; runs grouped by parent, train, validation, test first
    assert warm_up.opening_view(tags) == [("alpha", "a"), ("zeta/train", "a"), ("zeta/validation", "a"),
                                          ("zeta/test", "a")]
    assert warm_up.opening_view({}) == []
    assert warm_up.opening_view({"run": {"t": {"error": "unreadable"}}}) == []


def test_opening_the_tab_builds_its_first_stats_which_equal_a_cold_build(tmp_path):
    logdir = write_logdir(tmp_path / "logs")
    warmed = make_client(logdir)
    response = warmed.get(f"{PREFIX}/index.js")
    assert response.status_code == 200
    warmed.plugin._warm_up.join(60)
    assert warmed.plugin._warm_up.runs == 1
    answers = warmed.plugin._answers
    misses, hits = answers.misses, answers.hits
    cold = make_client(logdir)
    for run in ("train", "validation"):  # the first tag by name, "binary", at its latest step
        assert ok(warmed, "stats", run=run, tag="binary", step=2) == ok(cold, "stats", run=run, tag="binary", step=2)
    assert (answers.misses, answers.hits) == (misses, hits + 2)
    # another tag was not built ahead
    ok(warmed, "stats", run="train", tag="digits", step=2)
    assert answers.misses == misses + 1


def test_a_tab_opened_while_a_warm_up_runs_starts_none():
    runner, release, calls = warm_up.WarmUp(), threading.Event(), []

    def job():
        calls.append(1)
        release.wait(30)

    assert runner.start(job) is True
    assert runner.start(job) is False
    release.set()
    runner.join(30)
    assert runner.start(lambda: calls.append(2)) is True
    runner.join(30)
    assert calls == [1, 2] and runner.runs == 2


def test_a_warm_up_with_nothing_to_build_or_failing_is_quiet(tmp_path):
    client = make_client(tmp_path)  # an empty logdir: nothing to build
    assert client.get(f"{PREFIX}/index.js").status_code == 200
    client.plugin._warm_up.join(30)
    runner = warm_up.WarmUp()
    assert runner.start(lambda: 1 / 0) is True
    runner.join(30)  # logged at debug level, not raised into the request that started it
    assert runner.start(lambda: None) is True

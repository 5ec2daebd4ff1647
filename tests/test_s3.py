"""Logdirs on S3, end to end against a real S3-compatible server (moto's server mode) on 127.0.0.1:
EventWriter, a door and predictions_pb write; the CLI, tbc.read and a real tensorboard read, and every
number equals what the same data gives from a local logdir."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.errors import BadArgument, LogdirNotFound
from tb_confusion.reading import offline
from tb_confusion.storage.events import EventWriter
from tb_process import get_json, running_tensorboard

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

BUCKET = "tbc-test"
LOGDIR = f"s3://{BUCKET}/logs"
PLUGIN = "/data/plugin/tb_confusion"
BIG = 40_000  # x 10 classes of float32: a 1.6 MB payload, over scan's 1 MiB check and the first 64 KiB read


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """The environment (credentials, endpoint) of a moto S3 server holding an empty bucket."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "server.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
           # No profile or config of the machine's user may point elsewhere.
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start (exit {server.poll()})") from None
                time.sleep(0.1)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            patch.delenv("S3_ENDPOINT", raising=False)
            patch.delenv("AWS_PROFILE", raising=False)
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            yield {**os.environ, **env}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def write_logs(logdir):
    """Two runs, three tags (binary, multiclass, large steps), fixed wall times."""
    rng = np.random.default_rng(7)
    validation, train = (logdir.rstrip("/") + "/validation", logdir.rstrip("/") + "/train")
    with EventWriter(validation) as writer:
        for step in range(3):
            labels = rng.integers(0, 3, 300)
            probabilities = rng.dirichlet(np.ones(3), 300).astype("float32")
            writer.add_summary(tbc.summary.predictions_pb("predictions", labels, probabilities,
                                                          class_names=["cat", "dog", "fox"]),
                               step=step, wall_time=1000.0 + step)
        for step in (5, 6):
            labels = rng.integers(0, 10, BIG)
            writer.add_summary(tbc.summary.predictions_pb("big", labels, rng.dirichlet(np.ones(10), BIG)),
                               step=step, wall_time=2000.0 + step)
    with EventWriter(train) as writer:
        for step in range(2):
            labels, scores = rng.integers(0, 2, 200), rng.random(200)
            writer.add_summary(tbc.summary.predictions_pb("predictions", labels, scores, task="binary"),
                               step=step, wall_time=3000.0 + step)


@pytest.fixture(scope="module")
def logs(s3, tmp_path_factory):
    """(local logdir, S3 logdir) holding the same data."""
    local = str(tmp_path_factory.mktemp("local") / "logs")
    write_logs(local)
    write_logs(LOGDIR)
    return local, LOGDIR


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "tb_confusion.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def same_records(left, right):
    assert [(r.run, r.tag, r.step, r.wall_time) for r in left] == [(r.run, r.tag, r.step, r.wall_time)
                                                                  for r in right]
    for a, b in zip(left, right):
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.probabilities, b.probabilities)
        assert a.class_names == b.class_names


def test_event_writer_puts_event_files_in_the_bucket(logs):
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="logs/")["Contents"]
    events = sorted(o["Key"].split("/")[1] for o in listed if "tfevents" in o["Key"])
    assert events == ["train", "validation"]
    local_sizes = sorted(os.path.getsize(os.path.join(root, f))
                         for root, _, files in os.walk(logs[0]) for f in files)
    assert sorted(o["Size"] for o in listed if "tfevents" in o["Key"]) == local_sizes


def test_tbc_read_from_s3_gives_the_local_records(logs):
    local, remote = logs
    assert offline.list_series(remote) == offline.list_series(local) == {
        "train": {"predictions": [0, 1]}, "validation": {"big": [5, 6], "predictions": [0, 1, 2]}}
    same_records(list(tbc.read(remote)), list(tbc.read(local)))
    # One step, found by its offset and fetched with ranged reads (the large one needs two).
    same_records(list(tbc.read(remote + "/", run="validation", tag="big", step=5)),
                 list(tbc.read(local, run="validation", tag="big", step=5)))


def test_cli_report_from_s3_equals_the_local_report(logs, s3):
    local, remote = logs
    # S3_ENDPOINT (TensorBoard's own variable) instead of AWS_ENDPOINT_URL (boto3's): both point the reader.
    env = {**s3, "S3_ENDPOINT": s3["AWS_ENDPOINT_URL"]}
    del env["AWS_ENDPOINT_URL"]
    from_s3 = cli("report", remote, "--step", "all", "--format", "json", env=env)
    from_disk = cli("report", local, "--step", "all", "--format", "json", env=s3)
    assert from_s3.returncode == 0, from_s3.stderr
    reports = json.loads(from_s3.stdout)
    assert reports == json.loads(from_disk.stdout)
    assert [(r["run"], r["tag"], r["step"]) for r in reports] == [
        ("train", "predictions", 0), ("train", "predictions", 1),
        ("validation", "big", 5), ("validation", "big", 6),
        ("validation", "predictions", 0), ("validation", "predictions", 1), ("validation", "predictions", 2)]
    table = cli("report", remote, "--run", "validation", "--tag", "predictions", env=s3)
    assert table.returncode == 0 and table.stdout == cli("report", local, "--run", "validation", "--tag",
                                                         "predictions", env=s3).stdout


def test_a_damaged_payload_on_s3_is_skipped_as_it_is_locally(logs, tmp_path):
    local, _ = logs
    (name,) = [f for f in os.listdir(os.path.join(local, "validation"))]
    data = bytearray(open(os.path.join(local, "validation", name), "rb").read())
    data[-BIG] ^= 0xFF  # inside the last step's payload, which scan leaves to the step read
    client = boto3.client("s3")
    client.put_object(Bucket=BUCKET, Key=f"damaged/validation/{name}", Body=bytes(data))
    os.makedirs(tmp_path / "validation")
    (tmp_path / "validation" / name).write_bytes(bytes(data))
    for logdir in (f"s3://{BUCKET}/damaged", str(tmp_path)):
        with pytest.warns(tbc.errors.SkippedWarning, match="bad record checksum"):
            steps = [r.step for r in tbc.read(logdir, tag="big")]
        assert steps == [5]


def test_a_door_writes_to_s3(s3, tmp_path):
    xgb = pytest.importorskip("xgboost")
    import tb_confusion.xgboost as tbc_xgb
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x, y = data.data.astype("float32"), data.target
    for log_dir in (f"s3://{BUCKET}/xgb", str(tmp_path)):
        dtrain, dval = xgb.DMatrix(x[:400], y[:400]), xgb.DMatrix(x[400:], y[400:])
        callback = tbc_xgb.ConfusionMatrixCallback(log_dir, evals=[(dval, "validation")])
        xgb.train(dict(objective="binary:logistic", max_depth=2, nthread=1, seed=0), dtrain, 3,
                  evals=[(dval, "validation")], callbacks=[callback], verbose_eval=False)
    from_s3, local = list(tbc.read(f"s3://{BUCKET}/xgb")), list(tbc.read(str(tmp_path)))
    assert [(r.run, r.step) for r in from_s3] == [("validation", 0), ("validation", 1), ("validation", 2)]
    for a, b in zip(from_s3, local):
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.probabilities, b.probabilities)


def test_tensorboard_serves_an_s3_logdir(logs, s3):
    local, remote = logs
    # TensorFlow's gfile has no s3:// (tensorflow-io had it): TensorBoard must use its own, as without TF.
    with running_tensorboard(remote, "--reload_interval=1", block_tensorflow=True, env=s3) as base_url:
        deadline, tags = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            tags = get_json(f"{base_url}{PLUGIN}/tags")
            if tags.get("validation", {}).get("big", {}).get("num_steps") and "train" in tags:
                break
            time.sleep(0.3)
        assert {run: sorted(t) for run, t in tags.items()} == {"train": ["predictions"],
                                                              "validation": ["big", "predictions"]}
        assert tags["validation"]["predictions"]["num_steps"] == 3
        assert tags["validation"]["predictions"]["class_names"] == ["cat", "dog", "fox"]
        local_reports = cli("report", local, "--step", "all", "--format", "json", env=s3).stdout
        expected = {(r["run"], r["tag"], r["step"]): r for r in json.loads(local_reports)}
        for (run, tag, step), want in expected.items():
            where = f"run={run}&tag={tag}&step={step}"
            stats = get_json(f"{base_url}{PLUGIN}/stats?{where}")
            assert stats["step"] == step and stats["num_examples"] == want["num_examples"]
            report = get_json(f"{base_url}{PLUGIN}/report?{where}")
            assert report["confusion_matrix"] == want["confusion_matrix"]
            assert report["metrics"]["accuracy"] == pytest.approx(want["metrics"]["accuracy"])


def test_a_missing_bucket_is_named_by_every_reader_and_writer(s3):
    missing = "s3://no-such-bucket-tbc/logs"
    result = cli("report", missing, env=s3)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"tb-confusion: error: '{missing}' does not exist: there is no "
                                          "bucket 'no-such-bucket-tbc' (NoSuchBucket)"]
    with pytest.raises(LogdirNotFound, match="no-such-bucket-tbc"):
        list(tbc.read(missing))
    with pytest.raises(LogdirNotFound, match="no-such-bucket-tbc"):
        EventWriter(missing + "/run")


def test_a_missing_folder_and_a_bucket_root_are_clear_errors(logs, s3):
    result = cli("report", f"s3://{BUCKET}/nothing-here", env=s3)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert f"s3://{BUCKET}/nothing-here" in result.stderr and "does not exist" in result.stderr
    for url in (f"s3://{BUCKET}", f"s3://{BUCKET}/"):
        with pytest.raises(BadArgument, match=f"like s3://{BUCKET}/logs"):
            list(tbc.read(url))
        with pytest.raises(BadArgument, match="folder inside a bucket"):
            EventWriter(url)


def test_no_credentials_is_one_line_not_a_traceback(logs, s3):
    env = {k: v for k, v in s3.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    result = cli("report", LOGDIR, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"tb-confusion: error: '{LOGDIR}': no S3 credentials found: set "
                                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                                          "(docs/s3.md)"]


def test_reading_s3_imports_neither_tensorflow_nor_boto3_before_it_is_needed(logs, s3):
    local, remote = logs
    code = ("import sys\n"
            "sys.modules['tensorflow'] = None\n"  # an import of TensorFlow would fail
            "import tb_confusion as tbc\n"
            f"list(tbc.read({local!r}))\n"
            "assert 'boto3' not in sys.modules, 'boto3 imported for a local logdir'\n"
            f"records = list(tbc.read({remote!r}))\n"
            "assert 'boto3' in sys.modules\n"
            "print(len(records))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=s3, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7"

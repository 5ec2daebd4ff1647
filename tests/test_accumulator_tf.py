"""The TensorFlow side of tbc.Accumulator: the tf.summary door, the Keras callback on per-pixel targets, and
the step merged under MirroredStrategy (2 logical CPUs) and MultiWorkerMirroredStrategy (2 processes on
127.0.0.1), each compared with one process's Accumulator on the same numpy data."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion import cli  # noqa: E402
from tb_confusion.errors import BadArgument  # noqa: E402
from tb_confusion.report import build_report  # noqa: E402
from tb_confusion.storage.events import read_records  # noqa: E402

SCRIPT = Path(__file__).with_name("tf_multiworker_script.py")
sys.path.insert(0, str(SCRIPT.parent))
import tf_multiworker_script as script  # noqa: E402
from count_states import assert_same_sums  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Keras on fit(dataset, shuffle=True)


def reference(model, batch=script.BATCH):
    """One process's Accumulator over script.validation()'s numpy data, predicted by `model`."""
    inputs, masks, ids = script.images()
    accumulator = tbc.Accumulator("pixels", class_names=script.NAMES, ignore_index=255)
    for start in range(0, len(masks), batch):
        cut = slice(start, start + batch)
        accumulator.update(masks[cut], model(inputs[cut], training=False).numpy(), example_ids=list(ids[cut]))
    return accumulator


def _summaries(run_dir):
    from tensorboard.compat.proto import event_pb2

    (name,) = [f for f in os.listdir(run_dir) if "tfevents" in f]
    events = [event_pb2.Event.FromString(r) for r in read_records((Path(run_dir) / name).read_bytes())]
    return [(e.step, e.summary) for e in events if e.HasField("summary")]


def test_the_op_writes_summary_pbs_bytes_which_read_back_as_the_same_report(tmp_path, capsys):
    rng = np.random.default_rng(1)
    accumulator = tbc.Accumulator("pixels", class_names=["sky", "road", "car"], ignore_index=255)
    for batch in range(3):
        masks = rng.integers(0, 3, (2, 5, 6))
        masks[:, 0] = 255
        accumulator.update(masks, rng.dirichlet(np.ones(3), (2, 5, 6)),
                           example_ids=[f"b{batch}-{i}" for i in (0, 1)])
    assert not bool(tbc.summary.accumulated(accumulator, step=0))  # no default writer: nothing written
    with tf.summary.create_file_writer(str(tmp_path / "val")).as_default(step=4):
        assert bool(tbc.summary.accumulated(accumulator))
    ((step, written),) = _summaries(tmp_path / "val")
    assert step == 4 and written == accumulator.summary_pb()

    (record,) = tbc.read(str(tmp_path))
    expected = {**build_report(accumulator.record()), "run": "val", "step": 4, "wall_time": record.wall_time}
    assert build_report(record) == expected
    assert cli.main(["report", str(tmp_path), "--format", "json"]) in (0, None)
    (printed,) = json.loads(capsys.readouterr().out)
    assert printed["confusion_matrix"] == json.loads(json.dumps(expected["confusion_matrix"]))
    assert printed["metrics"]["accuracy"] == pytest.approx(expected["metrics"]["accuracy"], rel=1e-12)


def test_the_callback_sums_per_pixel_batches_like_one_accumulator(tmp_path):
    keras.utils.set_random_seed(0)
    model = script.segmenter()
    inputs, masks, ids = script.images()
    by_dataset = tbc.keras.ConfusionMatrixCallback(str(tmp_path), script.validation(), example_ids="id",
                                                   ignore_index=255, class_names=script.NAMES, tag="pixels")
    # arrays with [N, H, W] masks, without ignore_index: class 255 would be out of range, so clear the border
    flat = np.where(masks[..., 0] == 255, 0, masks[..., 0])
    by_arrays = tbc.keras.ConfusionMatrixCallback(str(tmp_path), (inputs, flat), name="arrays", batch_size=5)
    model.fit(script.training(), epochs=2, verbose=0, callbacks=[by_dataset, by_arrays])

    records = list(tbc.read(str(tmp_path), run="validation"))
    assert [r.step for r in records] == [0, 1] and records[-1].task == "segmentation"
    assert records[-1].class_names == script.NAMES
    assert_same_sums(records[-1].counts, reference(model).state)

    (last,) = list(tbc.read(str(tmp_path), run="arrays", step=1))
    one = tbc.Accumulator("predictions").update(flat, model(inputs, training=False).numpy())
    np.testing.assert_array_equal(last.counts.cells, one.state.cells)
    assert last.counts.example_ids is None and last.class_names == ["0", "1", "2"]


def _callback(**options):
    return tbc.keras.ConfusionMatrixCallback("logs", script.validation(), **options)


@pytest.mark.parametrize("call, message", [
    (lambda: _callback(ignore_index="255"), "ignore_index must be an int or None; got '255'"),
    (lambda: _callback(task="multiclass", ignore_index=255),
     "ignore_index applies to per-pixel targets .* got task='multiclass'"),
    (lambda: _callback(task="segmentation", class_names=["a"]),
     "class_names must be two or more unique names"),
    (lambda: tbc.summary.accumulated("pixels", step=0),
     "accumulator must be a tb_confusion.Accumulator; got 'pixels'"),
    (lambda: tbc.summary.accumulated(tbc.Accumulator("pixels"), step=0),
     "accumulator 'pixels' holds no batch yet"),
])
def test_bad_arguments_are_refused_naming_the_argument(call, message):
    with pytest.raises(BadArgument, match=message):
        call()


def _run(*args, env=None):
    return subprocess.Popen([sys.executable, str(SCRIPT), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=SCRIPT.parent.parent)


def _finish(process):
    try:
        _, err = process.communicate(timeout=400)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    assert process.returncode == 0, err[-3000:]


def _single_process_model(out):
    model = script.segmenter()
    model.load_weights(str(out / "model.weights.h5"))
    return model


def test_mirrored_strategy_on_two_logical_cpus_merges_to_the_single_process_step(tmp_path):
    _finish(_run("mirrored", tmp_path))
    (record,) = list(tbc.read(str(tmp_path / "keras")))
    assert_same_sums(record.counts, reference(_single_process_model(tmp_path)).state)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ",".join(map(str, ports))


def test_two_workers_merge_to_the_single_process_step_and_only_the_chief_writes(tmp_path):
    ports = _free_ports(2)
    workers = [_run("worker", index, ports, tmp_path) for index in (0, 1)]
    for process in workers:
        _finish(process)
    assert [p.parent.name for p in tmp_path.rglob("events.out.tfevents*")] == ["validation"]  # the chief's
    (record,) = list(tbc.read(str(tmp_path / "keras")))
    one = reference(_single_process_model(tmp_path))
    assert_same_sums(record.counts, one.state)

    reports = [json.loads((tmp_path / f"worker{k}.json").read_text()) for k in (0, 1)]
    # 21 images in batches of 4 over 2 workers: the last batch (1 image) leaves worker 1 an empty slice
    assert [r["images"] for r in reports] == [11, 10]
    assert all(r["merged_images"] == 21 and r["ids"] == sorted(one.state.example_ids) for r in reports)
    merge = max(r["merge"] for r in reports)
    update = float(np.median([r["update_batch"] for r in reports]))
    print(f"\ncross-worker merge {merge * 1e3:.1f} ms beside one update batch {update * 1e3:.2f} ms "
          f"({script.BATCH // 2} images of {script.SIZE}x{script.SIZE}, {script.CLASSES} classes, "
          "per replica)")

"""A step over protobuf's 2 GiB limit is refused with a ValueError before any work; the size estimate is exact
enough to trust on steps that do fit."""

import time
import tracemalloc

import numpy as np
import pytest

import tb_confusion as tbc
from tb_confusion.storage import payload, validation


@pytest.mark.parametrize("n,c,ids,weights", [(1, 2, False, False), (1000, 3, True, True), (257, 300, True, False),
                                             (5000, 1, False, True)])
def test_the_estimate_bounds_the_encoded_payload_within_a_few_hundred_bytes(n, c, ids, weights):
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(max(c, 2)), n)[:, :c].astype(np.float32).reshape(n, c)
    labels = rng.integers(0, 2 if c <= 2 else c, n).astype(np.uint8 if c <= 256 else np.uint16)
    example_ids = payload.pack_example_ids([f"id-{i}-é" for i in range(n)]) if ids else None
    w = rng.random(n) if weights else None
    encoded = len(payload.encode(labels, probabilities, weights=w, example_ids=example_ids))
    estimate = payload.encoded_size(labels_bytes=labels.nbytes, probabilities_bytes=probabilities.nbytes,
                                    weights_bytes=0 if w is None else w.nbytes,
                                    id_bytes=None if example_ids is None else len(example_ids.data), num_ids=n)
    assert encoded <= estimate <= encoded + 600


def _huge(n, c):
    """[N] labels and [N, C] probabilities that take no memory: broadcast views of one value each."""
    return np.broadcast_to(np.int64(1), (n,)), np.broadcast_to(np.float32(1.0 / c), (n, c))


@pytest.mark.parametrize("dtype,n,c,gib", [("float32", 200_000_000, 3, "2.42"), ("float16", 120_000_000, 10, "2.35")])
def test_a_step_over_2_gib_is_refused_before_any_copy_naming_its_size_and_the_ways_out(dtype, n, c, gib):
    labels, probabilities = _huge(n, c)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError) as raised:
            tbc.summary.predictions_pb("p", labels, probabilities, dtype=dtype, storage="exact")
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(raised.value)
    assert f"about {gib} GiB" in message and "2 GiB" in message
    assert 'dtype="float16"' in message and "fewer examples per step" in message and 'storage="compact"' in message
    assert peak < 10 * 2**20, peak  # no pass over the data: one float32 copy alone would be > 2 GiB
    assert elapsed < 1.0


def test_example_ids_and_weights_count_toward_the_limit():
    # 230M float16 binary probabilities (460 MB) + uint8 labels (230 MB) + weights or id offsets (1.84 GB)
    labels, probabilities = _huge(230_000_000, 1)
    tbc.summary.predictions_pb("p", labels[:10], probabilities[:10].reshape(-1), dtype="float16")
    with pytest.raises(ValueError, match=r"about 2.36 GiB"):
        tbc.summary.predictions_pb("p", labels, probabilities.reshape(-1), dtype="float16",
                                   sample_weight=np.broadcast_to(1.0, (230_000_000,)))
    with pytest.raises(ValueError, match=r"about 2.36 GiB"):  # offsets alone: 8 bytes per id
        tbc.summary.predictions_pb("p", labels, probabilities.reshape(-1), dtype="float16",
                                   example_ids=np.broadcast_to(np.int64(7), (230_000_000,)))


def test_the_check_after_validation_counts_the_id_bytes_themselves():
    # the first check knows only shapes; the exact one runs once the ids are packed (their UTF-8 bytes)
    with pytest.raises(ValueError, match=r"about 3.00 GiB \(3,221,225,472 bytes\)"):
        validation.check_step_size(3 * 2**30)
    validation.check_step_size(validation.MAX_STEP_BYTES)  # at the limit: fine


def test_a_step_that_fits_is_written_as_before(tmp_path):
    from tb_confusion.storage.events import EventWriter

    labels, probabilities = np.array([0, 1, 1]), np.array([0.2, 0.7, 0.9], np.float32)
    with EventWriter(str(tmp_path)) as writer:
        writer.add_summary(tbc.summary.predictions_pb("p", labels, probabilities, example_ids=[4, 5, 6]), 0)
    (record,) = tbc.read(str(tmp_path))
    assert record.example_ids == ["4", "5", "6"] and record.probabilities.tolist() == probabilities.tolist()


def test_auto_storage_sizes_a_large_multiclass_step_as_compact_before_any_work():
    # 100M examples of 1000 classes: 400 GB of float32 exact, ~2.4 GB compact (24 bytes per example): refused
    # with the compact size; 10M (~230 MB compact) would be accepted by the check (not run: it would do the work)
    labels, probabilities = _huge(100_000_000, 1000)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"about 2\.34 GiB"):
        tbc.summary.predictions_pb("p", labels, probabilities)
    assert time.perf_counter() - start < 1.0

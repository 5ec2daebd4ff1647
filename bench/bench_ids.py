"""Write + validate one binary epoch of N=1M with example ids: the one-by-one id path (kept here as the
reference) beside the vectorized one. Run: .venv/bin/python bench/bench_ids.py

Each figure is `EventWriter.add_summary(predictions_pb(...))` end to end (validation, encoding, CRC,
write), best of 3. "before" swaps validation._example_ids for the old loop for the duration of its runs.
"""

import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import best_seconds, print_table  # noqa: E402
from test_ids_vectorized import reference  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.storage import payload, validation  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402


def old_example_ids(example_ids, n):
    """The loop as it was: the tests' reference implementation, as PackedIds."""
    return payload.PackedIds(*reference(example_ids, n))


def main(n=10**6):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, n)
    probabilities = rng.random(n).astype(np.float32)
    kinds = {
        "int64 array": np.arange(n),
        "list of str": [f"img_{i:07d}.jpg" for i in range(n)],
        "'U' array": np.array([f"img_{i:07d}.jpg" for i in range(n)]),
        "list of non-ASCII str": [f"bild_{i:07d}_ä.jpg" for i in range(n)],
        "no ids": None,
    }
    rows = []
    with tempfile.TemporaryDirectory() as logdir, EventWriter(logdir) as writer:
        step = iter(range(10**6))

        def write(ids):
            writer.add_summary(tbc.summary.predictions_pb("p", labels, probabilities, example_ids=ids), next(step))

        new = validation._example_ids
        for name, ids in kinds.items():
            after = best_seconds(lambda ids=ids: write(ids), 3)
            validation._example_ids = old_example_ids
            try:
                before = best_seconds(lambda ids=ids: write(ids), 3)
            finally:
                validation._example_ids = new
            rows.append([name, f"{before * 1e3:,.0f} ms", f"{after * 1e3:,.0f} ms", f"{before / after:.1f}x"])
    print(f"N={n:,} binary, float32, write + validate one epoch (best of 3); cores {os.cpu_count()}")
    print_table(["example_ids", "before (one by one)", "after (vectorized)", "ratio"], rows)


if __name__ == "__main__":
    main()

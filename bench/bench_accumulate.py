"""Per-pixel accumulation (`tb_confusion.Accumulator`, issue 13): throughput beside torchmetrics and beside
one read of the probabilities, bytes per epoch, the report on such an epoch, writer memory at Cityscapes
size, and the merge step. Run: .venv/bin/python bench/bench_accumulate.py [--quick] [--kernel KERNEL] [--floor]

Data: blocky masks (32 x 32 regions, every 32nd row ignored with 255) and float32 probabilities drawn from a
bank of softmax rows per true class (about 80% argmax-correct), generated batch by batch; generation is not
timed. Every figure of one kind is measured in the same run as its peer. With --kernel both (the default when
numba imports) the numpy and the compiled kernels are timed on the same batches (TB_CONFUSION_KERNEL per
update); the other sections use the compiled one.
"""

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import best_seconds, median_seconds, print_table  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.counts import kernel as counts_kernel  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402

IGNORE = 255
BLOCK = 32
REPORT = os.path.join(os.path.dirname(sys.executable), "tb-confusion")
QUOTED_RAW_REPORT_S = 28.0  # issue 13: the report on a float16 VOC epoch of raw predictions


def _bank(num_classes, rows=4096, seed=0):
    """[C, rows, C] float32 softmax rows; bank[k] are rows whose true class is k."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(num_classes, rows, num_classes)) * 1.5
    logits[np.arange(num_classes), :, np.arange(num_classes)] += 3.0
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _batch(rng, bank, n, h, w):
    """(labels int64 [n, h, w], probabilities float32 [n, h, w, C]) of one batch."""
    c = bank.shape[0]
    y = rng.integers(0, c, (n, h // BLOCK, w // BLOCK)).repeat(BLOCK, 1).repeat(BLOCK, 2)
    p = bank[y, rng.integers(0, bank.shape[1], y.shape)]
    y[:, ::BLOCK, :] = IGNORE
    return y, p


def _batches(images, batch, h, w, c, seed=1):
    bank, rng = _bank(c), np.random.default_rng(seed)
    for start in range(0, images, batch):
        yield _batch(rng, bank, min(batch, images - start), h, w)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _names(c):
    return [f"class{k}" for k in range(c)]


# -- 1. throughput ----------------------------------------------------------------------------------------

ONE_THREAD = "compiled-1"  # the compiled kernel on one thread (compiled.THREADS = 1): 1 vs 2 threads


def _with_kernel(name, fn):
    before = os.environ.get("TB_CONFUSION_KERNEL")
    os.environ["TB_CONFUSION_KERNEL"] = "compiled" if name == ONE_THREAD else name
    threads = None
    if name == ONE_THREAD:
        from tb_confusion.counts import compiled
        threads, compiled.THREADS = compiled.THREADS, 1
    try:
        return fn()
    finally:
        os.environ.pop("TB_CONFUSION_KERNEL")
        if before is not None:
            os.environ["TB_CONFUSION_KERNEL"] = before
        if threads is not None:
            compiled.THREADS = threads


def accumulate_voc(images, batch, roc_pixels, kernels, c=21, h=512, w=512):
    """Time Accumulator.update (with each of `kernels`), torchmetrics' confusion matrix and one read over the
    same batches; time torchmetrics' binned ROC update on the first `roc_pixels` of the first batch (it loops
    per threshold). The first result is the first kernel's; "kernels" holds each one's seconds."""
    import torch
    from torchmetrics.classification import MulticlassConfusionMatrix, MulticlassROC

    accs = {name: tbc.Accumulator("pixels", class_names=_names(c), ignore_index=IGNORE) for name in kernels}
    for name in kernels:  # load (or compile) the kernel outside the timings
        warm = tbc.Accumulator("warm", ignore_index=IGNORE)
        y0, p0 = next(_batches(1, 1, BLOCK, 2 * BLOCK, c))
        _with_kernel(name, lambda: (warm.update(y0, p0), warm.update(y0, p0, sample_weight=np.ones(1))))
    confusion = MulticlassConfusionMatrix(num_classes=c, ignore_index=IGNORE)
    spent_by = {name: 0.0 for name in kernels}
    per_batch = {name: [] for name in kernels}
    theirs, read, pixels, roc = 0.0, float("inf"), 0, None
    for y, p in _batches(images, batch, h, w, c):
        # torch's channels-last view of the same memory: [N, C, H, W] as torchmetrics takes it, no copy
        ty, tp = torch.from_numpy(y), torch.from_numpy(p).permute(0, 3, 1, 2)
        if roc is None:
            rows = max(1, roc_pixels // w)
            roc_metric = MulticlassROC(num_classes=c, thresholds=1000, ignore_index=IGNORE)
            roc = (_timed(lambda: roc_metric.update(tp[:1, :, :rows], ty[:1, :rows])), rows * w)
        for name, acc in accs.items():
            spent = _with_kernel(name, lambda: _timed(lambda: acc.update(y, p)))
            spent_by[name] += spent
            if len(y) == batch:
                per_batch[name].append(spent)
        theirs += _timed(lambda: confusion.update(tp, ty))
        read = min(read, _timed(p.sum) / y.size)
        pixels += y.size
    for acc in accs.values():
        assert np.array_equal(acc.state.matrix, confusion.compute().numpy()), "the two matrices differ"
    first = kernels[0]
    return {"pixels": pixels, "ours": spent_by[first], "tm_confusion": theirs, "read": read * pixels,
            "tm_roc_per_pixel": roc[0] / roc[1], "roc_pixels": roc[1],
            "update_batch": float(np.median(per_batch[first])), "kernels": spent_by, "load": os.getloadavg()[0],
            # each kernel at its quickest full batch's rate, the statistic the read is taken with (the
            # quickest batch): on a shared machine the totals also hold the batches other processes slowed
            "best_batch": {name: min(times) / (batch * h * w) * pixels for name, times in per_batch.items()},
            "accumulator": accs[first]}


# -- 2. bytes and the report -------------------------------------------------------------------------------

def report_seconds(logdir, repeat=3):
    return best_seconds(lambda: subprocess.run([REPORT, "report", logdir, "--format", "json"], check=True,
                                               stdout=subprocess.DEVNULL), repeat)


def report_on_sums(acc):
    with tempfile.TemporaryDirectory() as logdir:
        with EventWriter(os.path.join(logdir, "validation")) as writer:
            writer.add_summary(acc.summary_pb(), step=0)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logdir) for f in fs)
        return report_seconds(logdir), size


def report_on_raw(images, batch, c=21, h=512, w=512):
    """The same epoch stored as raw float16 predictions of its valid pixels: (report seconds, event bytes)."""
    labels, probabilities = [], []
    for y, p in _batches(images, batch, h, w, c):
        keep = y != IGNORE
        labels.append(y[keep].astype(np.uint8))
        probabilities.append(p[keep].astype(np.float16))
    y, p = np.concatenate(labels), np.concatenate(probabilities)
    del labels, probabilities
    with tempfile.TemporaryDirectory() as logdir:
        with EventWriter(os.path.join(logdir, "validation")) as writer:
            summary = tbc.summary.predictions_pb("pixels", y, p, class_names=_names(c), dtype="float16")
            del y, p
            writer.add_summary(summary, step=0)
            del summary
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logdir) for f in fs)
        return report_seconds(logdir, repeat=1), size


# -- 3. memory at Cityscapes size (a child process, so its peak RSS is its own) ------------------------------

def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def city_child(images, batch, c=19, h=1024, w=2048):
    acc = tbc.Accumulator("pixels", class_names=_names(c), ignore_index=IGNORE)
    _bank(c)  # warm the generator's imports and allocator before the baseline
    # and the kernel: numba's import and compiled code are the library's, not the update's
    tbc.Accumulator("warm", ignore_index=IGNORE).update(*next(_batches(1, 1, BLOCK, 2 * BLOCK, c)))
    before = _rss_bytes()
    spent, pixels, inputs = 0.0, 0, 0
    for y, p in _batches(images, batch, h, w, c):
        spent += _timed(lambda y=y, p=p: acc.update(y, p))
        pixels += y.size
        inputs = max(inputs, y.nbytes + p.nbytes)
        del y, p  # else this batch stays alive while the generator makes the next: two batches, not one
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"images": images, "pixels": pixels, "seconds": spent, "before": before, "peak": peak,
                      "inputs": inputs, "state": acc.state.nbytes(), "payload": acc.summary_pb().ByteSize()}))


def accumulate_city(images, batch, kernel_name):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--city-child", str(images),
                          "--city-batch", str(batch)], check=True, capture_output=True, text=True,
                         env=dict(os.environ, TB_CONFUSION_KERNEL=kernel_name)).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- 4. merge ---------------------------------------------------------------------------------------------

def merge_seconds(state):
    copies = iter([(copy.deepcopy(state), copy.deepcopy(state)) for _ in range(8)])

    def merge():
        a, b = next(copies)
        a.merge(b)
    return median_seconds(merge, repeat=7, warmup=1)


# -- 5. where the compiled pass goes (--floor) ---------------------------------------------------------------

def floor_pieces(repeat=11, c=21):
    """On one batch of 8 VOC images: one read, the compiled pass on 1 and 2 threads, and the two per-score
    costs no pass keeping C x 1000 score histograms avoids, each alone on one thread: copying the scores
    into [class, element] blocks (the vectorized per-element work needs them so; by scalar stores and
    by the kernel's transposes), and one histogram increment per score (indices computed beforehand).
    Best of `repeat`, interleaved; one-thread pieces in thread CPU time (less disturbed by other
    processes), the rest in wall time."""
    from numba import njit
    from tb_confusion.counts import compiled
    from tb_confusion.storage.validation import SUM_TOLERANCE

    @njit(nogil=True, boundscheck=False)
    def copy_blocks(p, block):
        for a in range(0, p.shape[0] - 63, 64):
            for j in range(64):
                for k in range(p.shape[1]):
                    block[k, j] = p[a + j, k]

    @njit(nogil=True, boundscheck=False)
    def transpose_blocks(p, block):  # the kernel's copy: 8 x 8 transposes in vector registers
        c = p.shape[1]
        for a in range(0, p.shape[0] - 63, 64):
            for j in range(0, 64, 8):
                for k in range(0, c - 7, 8):
                    compiled._transpose8(p, (a + j) * c + k, c, block, k * 64 + j)
                if c % 8:
                    compiled._transpose8(p, (a + j) * c + c - 8, c, block, (c - 8) * 64 + j)

    @njit(nogil=True, boundscheck=False)
    def increments(index, histogram):
        for i in range(index.shape[0]):
            histogram[np.uint64(index[i])] += 1

    y, p = next(_batches(8, 8, 512, 512, c))
    flat_y, flat_p = y.reshape(-1), p.reshape(-1, c)
    index = (np.minimum(flat_p * np.float32(1000), np.float32(999)).astype(np.int32)
             + np.arange(c, dtype=np.int32) * 1000).reshape(-1)
    block, histogram = np.zeros((c, 64), np.float32), np.zeros(c * 1000, np.int64)

    def kernel(threads):
        compiled.THREADS = threads
        try:
            for a in range(0, len(flat_y), 1 << 20):
                compiled.pass_sums(flat_p[a:a + (1 << 20)], flat_y[a:a + (1 << 20)], None, a, 512 * 512, IGNORE,
                                   num_examples=8, num_classes=c, tolerance=SUM_TOLERANCE)
        finally:
            compiled.THREADS = 2

    pieces = {
        "one read: numpy p.sum()": (lambda: p.sum(), time.perf_counter),
        "one read: numpy p.sum() (CPU time)": (lambda: p.sum(), time.thread_time),
        "compiled pass, 2 threads": (lambda: kernel(2), time.perf_counter),
        "compiled pass, 1 thread": (lambda: kernel(1), time.thread_time),
        "  copy into [class, 64-element] blocks alone, scalar stores (1 thread)": (
            lambda: copy_blocks(flat_p, block), time.thread_time),
        "  the same by 8 x 8 transposes in registers, as the pass does (1 thread)": (
            lambda: transpose_blocks(flat_p, block), time.thread_time),
        f"  {index.size / 1e6:.0f}M histogram increments alone (1 thread)": (lambda: increments(index, histogram),
                                                                           time.thread_time),
    }
    best = {name: float("inf") for name in pieces}
    for fn, _ in pieces.values():
        fn()  # compile and warm
    for _ in range(repeat):
        for name, (fn, clock) in pieces.items():
            start = clock()
            fn()
            best[name] = min(best[name], clock() - start)
    clocks = {name: clock for name, (_, clock) in pieces.items()}
    # how often an increment hits each class's lowest bin: what counting that bin as "total - the rest"
    # (no increment for it) would save; softmax scores of a confident model mostly fall there
    lowest = float(np.mean(index % 1000 == 0))
    return best, clocks, y.size, lowest


# -- main -------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 VOC images, 8 Cityscapes images (smoke run)")
    parser.add_argument("--voc-images", type=int, help="default 100 (16 with --quick)")
    parser.add_argument("--city-images", type=int, help="default 500 (8 with --quick); 0 skips it")
    parser.add_argument("--city-batch", type=int, default=2)
    parser.add_argument("--roc-pixels", type=int, default=8192,
                        help="pixels torchmetrics' 1000-threshold ROC update is timed on (default 8192)")
    parser.add_argument("--raw", action="store_true",
                        help="also write the VOC epoch as raw float16 predictions and time the report on "
                             f"it (~6 GB of memory; else the issue's {QUOTED_RAW_REPORT_S:.0f} s is quoted)")
    parser.add_argument("--kernel", choices=["numpy", "compiled", "both", "threads"],
                        help="the Accumulator's kernel: both (the default with numba) times the two on the "
                             "same batches; threads times the compiled one on 2 threads and on 1; the other "
                             "sections use the compiled one (2 threads)")
    parser.add_argument("--floor", action="store_true",
                        help="only time where the compiled pass goes on one batch, beside one read")
    parser.add_argument("--city-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.city_child is not None:
        return city_child(args.city_child, args.city_batch)
    if args.floor:
        best, clocks, pixels, lowest = floor_pieces()
        read = {time.perf_counter: best["one read: numpy p.sum()"],
                time.thread_time: best["one read: numpy p.sum() (CPU time)"]}
        print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; one batch of 8 images 512 x 512 x 21 "
              f"({pixels / 1e6:.1f}M pixels), best of 11; (1 thread) rows in thread CPU time, beside the read's\n")
        print_table(["what", "time", "beside one read"],
                    [[name, f"{seconds * 1e3:.1f} ms", f"{seconds / read[clocks[name]]:.1f}x"]
                     for name, seconds in best.items()])
        print(f"\nscores in their class's lowest of the 1000 bins: {lowest:.1%}; load average after: "
              f"{os.getloadavg()[0]:.2f}")
        return None
    choice = args.kernel or ("both" if _with_kernel("", counts_kernel.fused) else "numpy")
    kernels = {"both": ["compiled", "numpy"], "threads": ["compiled", ONE_THREAD]}.get(choice, [choice])
    voc_images = args.voc_images or (16 if args.quick else 100)
    city_images = args.city_images if args.city_images is not None else (8 if args.quick else 500)
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; VOC {voc_images} images, "
          f"Cityscapes {city_images} images; kernels {', '.join(kernels)} (sections 2-4: {kernels[0]})\n")

    # 3 first: its child process must not share the machine with the VOC arrays
    city = accumulate_city(city_images, args.city_batch, kernels[0]) if city_images else None
    voc = accumulate_voc(voc_images, 8, args.roc_pixels, kernels)
    acc = voc["accumulator"]
    payload = acc.summary_pb().ByteSize()
    report_s, event_bytes = report_on_sums(acc)
    raw = report_on_raw(voc_images, 8) if args.raw else None
    merge_s = merge_seconds(acc.state)

    mpx = lambda seconds, pixels: (f"{pixels / seconds / 1e6:,.1f} Mpx/s" if pixels / seconds >= 1e5
                                   else f"{pixels / seconds / 1e3:,.2f} kpx/s")
    n = voc["pixels"]
    tm_roc = voc["tm_roc_per_pixel"] * n
    tm_both = voc["tm_confusion"] + tm_roc
    rows = [[f"Accumulator.update (all sums), {name} kernel", f"{spent:.2f} s", mpx(spent, n),
             f"{spent / voc['ours']:.2f}x, {spent / voc['read']:.2f}x one read"]
            for name, spent in voc["kernels"].items()]
    rows += [[f"  {name} kernel at its quickest batch's rate (as the read is taken)", f"{spent:.2f} s",
              mpx(spent, n), f"{spent / voc['read']:.2f}x one read"] for name, spent in voc["best_batch"].items()]
    rows += [
        ["one read: numpy p.sum() (its quickest batch's rate)", f"{voc['read']:.3f} s", mpx(voc["read"], n),
         f"ours ({kernels[0]}) {voc['ours'] / voc['read']:.2f}x slower"],
        ["torchmetrics MulticlassConfusionMatrix.update", f"{voc['tm_confusion']:.2f} s",
         mpx(voc["tm_confusion"], n), f"{voc['tm_confusion'] / voc['ours']:.2f}x ours"
         + (" (faster)" if voc["tm_confusion"] < voc["ours"] else "")],
        [f"torchmetrics MulticlassROC(thresholds=1000).update (timed on {voc['roc_pixels']:,} px)",
         f"{tm_roc:,.0f} s (scaled)", mpx(tm_roc, n), f"{tm_roc / voc['ours']:,.0f}x ours"],
        ["torchmetrics confusion + ROC(1000)", f"{tm_both:,.0f} s (scaled)", mpx(tm_both, n),
         f"{tm_both / voc['ours']:,.0f}x ours"],
    ]
    print(f"1. Accumulate {n / 1e6:.1f}M pixels x 21 classes in batches of 8 images (512 x 512), total time; "
          f"ratios are peer / ours ({kernels[0]} kernel); load average after it {voc['load']:.2f}")
    print_table(["what", "time", "throughput", "ratio"], rows)

    raw_cell = (f"{raw[0]:.1f} s on a {raw[1] / 1e9:.2f} GB event file (measured)" if raw
                else f"{QUOTED_RAW_REPORT_S:.0f} s (quoted from issue 13, not measured here)")
    speedup = (raw[0] if raw else QUOTED_RAW_REPORT_S) / report_s
    print("\n2. One VOC epoch written as sums")
    print_table(["figure", "ours", "goal", "peer"], [
        ["bytes per epoch (payload)", f"{payload / 1e3:,.0f} kB", "<= 1 MB",
         f"raw float16 predictions {acc.state.total * 21 * 2 / 1e9:.2f} GB"],
        ["event file", f"{event_bytes / 1e3:,.0f} kB", "", f"{raw[1] / 1e9:.2f} GB" if raw else ""],
        ["tb-confusion report (fresh process, best of 3)", f"{report_s:.2f} s", "<= 1 s",
         f"{raw_cell}: {speedup:.0f}x"],
    ])

    if city:
        growth = city["peak"] - city["before"]
        print(f"\n3. Cityscapes size: {city['images']} images 1024 x 2048 ({city['pixels'] / 1e6:,.0f}M "
              f"pixels), 19 classes, batches of {args.city_batch}")
        print_table(["figure", "ours", "goal"], [
            ["writer RSS growth (peak - before)", f"{growth / 2**20:,.0f} MiB", "<= 500 MB"],
            ["  of which one batch's inputs (labels int64 + float32 probabilities)",
             f"{city['inputs'] / 2**20:,.0f} MiB", ""],
            ["accumulated state after the epoch", f"{city['state'] / 2**20:,.1f} MiB", ""],
            ["payload of the epoch", f"{city['payload'] / 1e3:,.0f} kB", "<= 1 MB"],
            ["update time / throughput",
             f"{city['seconds']:.0f} s, {mpx(city['seconds'], city['pixels'])}", ""],
        ])

    print("\n4. Merge of two VOC-size states (median of 7) beside one update of 8 images "
          "(median over the epoch)")
    print_table(["CountState.merge", "one update batch", "ratio"],
                [[f"{merge_s * 1e6:,.0f} us", f"{voc['update_batch'] * 1e3:,.0f} ms",
                  f"merge = 1/{voc['update_batch'] / merge_s:,.0f} of an update"]])

    print("\nMarkdown to paste:\n")
    goal = lambda ok: "yes" if ok else "**no**"
    lines = [
        "| goal | measured | peer | met |", "|---|---|---|---|",
        f"| accumulate {n / 1e6:.1f}M px x 21: >= 1x torchmetrics (confusion + 1000-threshold ROC) | "
        f"{mpx(voc['ours'], n)} ({voc['ours']:.1f} s) | {mpx(tm_both, n)} ({tm_both:,.0f} s, ROC scaled from "
        f"{voc['roc_pixels']:,} px): {tm_both / voc['ours']:,.0f}x; confusion matrix alone "
        f"{mpx(voc['tm_confusion'], n)} ({voc['tm_confusion'] / voc['ours']:.2f}x) | "
        f"{goal(tm_both >= voc['ours'])} |",
    ]
    lines += [
        f"| ... and <= 3x one read of the probabilities ({name} kernel) | {spent / voc['read']:.2f}x "
        f"({mpx(spent, n)}, {spent:.2f} s) | numpy `p.sum()` {voc['read']:.3f} s ({mpx(voc['read'], n)}) | "
        f"{goal(spent <= 3 * voc['read'])} |" for name, spent in voc["kernels"].items()]
    lines += [
        f"| ... the same at the quickest batch's rate, as the read is taken ({name} kernel) | "
        f"{spent / voc['read']:.2f}x ({mpx(spent, n)}) | | {goal(spent <= 3 * voc['read'])} |"
        for name, spent in voc["best_batch"].items()]
    lines += [
        f"| bytes per VOC epoch <= 1 MB | {payload / 1e3:,.0f} kB | raw float16 "
        f"{acc.state.total * 21 * 2 / 1e9:.2f} GB | {goal(payload <= 1e6)} |",
        f"| `tb-confusion report` on that epoch <= 1 s | {report_s:.2f} s | {raw_cell} | "
        f"{goal(report_s <= 1)} |",
    ]
    if city:
        lines.append(f"| Cityscapes {city['pixels'] / 1e6:,.0f}M px, writer RSS growth <= 500 MB | "
                     f"{(city['peak'] - city['before']) / 2**20:,.0f} MiB (one batch's inputs "
                     f"{city['inputs'] / 2**20:,.0f} MiB) | state {city['state'] / 2**20:.1f} MiB | "
                     f"{goal(city['peak'] - city['before'] <= 500e6)} |")
    lines.append(f"| merge step beside one update batch | {merge_s * 1e6:,.0f} us | update of 8 images "
                 f"{voc['update_batch'] * 1e3:,.0f} ms (merge = 1/{voc['update_batch'] / merge_s:,.0f}) | |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

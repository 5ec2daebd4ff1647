"""kernel.batch_sums compiled with numba: one pass over the elements, on THREADS threads (the `fast` extra,
`pip install tb_confusion[fast]`). Importing this module needs numba; tb_confusion.counts.kernel picks it.

Elements go BLOCK at a time. Their scores are copied into a transposed block ([class, element], so the
later per-class loops run across elements, vectorized) by 8 x 8 transposes in vector registers, the next
blocks prefetched; then the row-sum and sign check, argmax and top score, the true class's score and rank
(scikit-learn's tie rule), each score's bin (across elements) and its increment (element by element), and
per element the true class's score bin, the cell x top-score bin, the calibration band and top-k hits.
Bins are computed as kernel._bins does (float32 multiply, clip, floor), so the counts equal the numpy
kernel's; float sums differ only by summation order. What keeps the pass near the speed of its memory reads
(BENCHMARKS.md, "Per-pixel accumulation"):
- the transposed copy is 3 x 8 vector loads, 72 shuffles and 24 vector stores per 8 elements of 21 classes
  (instead of 168 scalar stores), and the memory AHEAD blocks on is prefetched line by line: the hardware
  prefetchers stop at each 4 kB page, which a block of 21 classes crosses every ~48 elements;
- the row sums, lowest scores, argmax and ranks are one loop over the classes with the block's sums in
  vector registers (_columns), where numba's loops kept them in memory, each class waiting on the stores;
  the row sums are float32 (half the registers): a block whose sums are all within the tolerance of 1, less
  twice their rounding error, passes the check as it would in float64; any other block is summed again in
  float64 (_sums64);
- the labels are read and checked without branches, the first bad one looked for only in a block holding one,
  and the weights (when given) read in a loop of their own: one loop choosing between w[i] and the unit
  weight compiled to a gather and masked loads past the end of the one-element w (~6% of the pass);
- each thread sums into its own histograms (int32 counts without weights), added in int64 at the end;
- the threads take CHUNKS chunks of each pass in turn from a shared atomic counter (a thread slowed by
  another process does not hold up the pass), and the helper threads stay alive across calls (counts/threads.py);
- no per-element sum waits on its neighbour's: calibration sums go to one lane per block position, and
  without weights an example's cells are read off the cell table at its end (the change in its row
  sums) instead of being counted element by element;
- without weights the log loss is the log of per-lane products of the clipped scores, rescaled by their
  exponents (one log per lane instead of one per element; ~1e-16 relative).
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from tb_confusion.counts import threads as threads_pool
from tb_confusion.counts.kernel import _CALIBRATION_EDGES, BatchSums
from tb_confusion.counts.state import CALIBRATION_BINS, CUTOFF_BINS, SCORE_BINS
from tb_confusion.tasks.multiclass import TOP_K

THREADS = 2
CHUNKS = 16  # chunks of a pass the threads take in turn (8 left a larger wait at the end)
BLOCK = 64  # elements per transposed block: [C, BLOCK] float32 stays in L1
AHEAD = 4  # blocks prefetched ahead (2-8 measured the same)
_THREADED = 1 << 14  # fewer elements run on the calling thread alone
_SCORE_SCALE = np.float32(SCORE_BINS)
_CUTOFF_SCALE = np.float32(CUTOFF_BINS)
_EPS = np.float32(np.finfo(np.float32).eps)
_ONE_MINUS_EPS = np.float32(1) - _EPS
_LN2 = math.log(2.0)
_NO_ROWS = np.zeros(0, np.int64)
# "no weights": every element counts 1, summed in int32 histograms (half the cache lines of int64; a
# thread's count never exceeds the elements of one call, < 2**31) added up in int64 at the end
_UNIT = np.ones(1, np.int32)
_UNIT64 = np.ones(1, np.int64)
_NARROW = 2**31  # calls of this many elements or more count in int64


def batch_sums(probabilities, labels, weights, rows, *, num_examples, num_classes):
    """kernel.batch_sums, compiled (same arguments, same BatchSums)."""
    sums, _, _ = _run(probabilities, labels, weights, rows, 0, 0, None, num_examples, num_classes, check=None)
    return sums


def pass_sums(probabilities, labels, weights, start, per_example, ignore_index, *, num_examples, num_classes,
              tolerance=None):
    """BatchSums of elements start.. of a batch (probabilities [M, C] float32, labels [M] int64, weights
    [M] or None of those elements), element start + i belonging to example (start + i) // per_example, and
    elements labelled `ignore_index` (None: none) skipped without a copy.

    Labels are checked in the same pass: an element whose label is neither a class (0 <= label < C) nor
    `ignore_index` is counted nowhere. With `tolerance`, every element (the ignored too) is also checked:
    finite, >= 0, summing to 1 within `tolerance`. Returns (sums, index of the first element failing the
    probability check or -1, index of the first element with such a label or -1)."""
    return _run(probabilities, labels, weights, _NO_ROWS, start, per_example, ignore_index, num_examples,
                num_classes, check=tolerance)


def build():
    """Run the pass on two elements: numba compiles it (or loads its cache) here, so a numba or LLVM that
    cannot build its intrinsics fails when the kernel is picked (kernel.fused falls back to numpy) rather
    than at the first update. (The weighted pass, compiled at its first use, has the same intrinsics.)"""
    pass_sums(np.full((2, 2), 0.5, np.float32), np.zeros(2, np.int64), None, 0, 1, None, num_examples=2,
              num_classes=2, tolerance=1e-3)


def _run(p, y, w, rows, start, per_example, ignore, n, c, check):
    p = np.ascontiguousarray(p, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    weighted = w is not None
    w = (_UNIT if len(y) < _NARROW else _UNIT64) if w is None else np.ascontiguousarray(w, dtype=np.float64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    ks = np.array([k for k in TOP_K if k < c], dtype=np.int64)
    m = len(y)
    threads = THREADS if m >= _THREADED else 1
    # histograms in the weights' type: int32 counts (w is [1]) or float64 sums, one set per thread (the
    # last, `seen`: its cell row sums at its last image end, _count_examples)
    parts = [(np.zeros(c * c * CUTOFF_BINS, w.dtype), np.zeros(c * SCORE_BINS, w.dtype),
              np.zeros(c * SCORE_BINS, w.dtype), np.zeros(n * c * c, w.dtype), np.zeros(c * c, w.dtype))
             for _ in range(threads)]
    # the pass in chunks: the threads take them in turn from a shared counter (a thread slowed by another
    # process does not hold up the pass). With weights each thread takes fixed ones (every threads-th): its
    # float sums, in every histogram, then do not depend on which thread took which chunk, and the same
    # call gives the same bits every time. The other float sums are kept per chunk, added in chunk order.
    size = max(BLOCK, -(-m // ((CHUNKS if threads > 1 else 1) * BLOCK)) * BLOCK)
    bounds = np.array(list(range(0, m, size)) + [m], np.int64)
    chunks = len(bounds) - 1
    calibration = np.zeros((chunks, 3, CALIBRATION_BINS))
    top_k = np.zeros((chunks, len(ks)))
    log_loss = np.zeros((chunks, 1))
    counter = np.zeros(1, np.int64)
    bad = [(-1, -1)] * threads
    tolerance = 0.0 if check is None else float(check)
    args = (p, y, w, int(weighted), rows, start, per_example, ignore is not None,
            0 if ignore is None else int(ignore), check is not None, tolerance, ks, _CALIBRATION_EDGES, bounds,
            counter, threads, weighted, calibration, top_k, log_loss)

    def run(t):
        bad[t] = _chunks(*args, t, *parts[t])

    if threads == 1:
        run(0)
    else:
        threads_pool.run([lambda t=t: run(t) for t in range(threads)])
    cells, every, positives, examples = (_total(column) for column in list(zip(*parts))[:4])
    calibration, top_k, log_loss = calibration.sum(0), top_k.sum(0), log_loss.sum()
    scores = np.empty((c, 2, SCORE_BINS))
    scores[:, 1] = positives.reshape(c, SCORE_BINS)
    scores[:, 0] = every.reshape(c, SCORE_BINS) - scores[:, 1]
    nonzero = np.flatnonzero(examples)
    examples = (nonzero // (c * c), nonzero % (c * c), examples[nonzero])
    sums = BatchSums(cells.reshape(c * c, CUTOFF_BINS), scores, calibration, top_k, float(log_loss),
                     examples, n, weighted)
    first = lambda found: min((i for i in found if i >= 0), default=-1)  # threads' chunks interleave
    return sums, first(b for b, _ in bad), first(b for _, b in bad)


def _total(column):
    """The threads' parts added up, counts in int64 (one addition: no int64 copy of each part first)."""
    kind = np.int64 if column[0].dtype.kind == "i" else column[0].dtype
    total = np.add(column[0], column[1], dtype=kind) if len(column) > 1 else column[0].astype(kind)
    for part in column[2:]:
        total += part
    return total


@njit(cache=True, nogil=True, boundscheck=False)
def _chunks(p, y, w, weighted, rows, start, per_example, has_ignore, ignore, check, tolerance, ks, edges, bounds,
            counter, threads, fixed, calibration, top_k, log_loss, t, cells, every, positives, examples, seen):
    """_span over chunks bounds[k]..bounds[k + 1] for thread t: each k taken from the shared counter until
    none is left, or (fixed) k = t, t + threads, ... A thread's chunks come in increasing order, so its first
    bad element is in the first chunk holding one. `seen` stays the thread's cell row sums at its last image
    end across its chunks: a chunk's images are counted as the change since then. Calibration, top-k hits
    and log loss go to chunk k's row."""
    bad = -1
    bad_label = -1
    k = t - threads
    while True:
        k = k + threads if fixed else _fetch_add(counter, 1)
        if k >= len(bounds) - 1:
            break
        found, found_label = _span(p, y, w, weighted, rows, start, per_example, has_ignore, ignore, check,
                                   tolerance, ks, edges, bounds[k], bounds[k + 1], cells, every, positives,
                                   calibration[k], top_k[k], log_loss[k], examples, seen)
        bad = found if bad < 0 else bad
        bad_label = found_label if bad_label < 0 else bad_label
    return bad, bad_label


@njit(cache=True, nogil=True, boundscheck=False)
def _span(p, y, w, weighted, rows, start, per_example, has_ignore, ignore, check, tolerance, ks, edges, lo, hi,
          cells, every, positives, calibration, top_k, log_loss, examples, seen):
    c = p.shape[1]
    cc = c * c
    bad = -1
    bad_label = -1
    score_last = np.float32(SCORE_BINS - 1)
    cutoff_last = np.float32(CUTOFF_BINS - 1)
    zero = np.float32(0)
    loss = 0.0
    block = np.empty((c, BLOCK), np.float32)
    index = np.empty((c, BLOCK), np.int32)
    total = np.empty(BLOCK, np.float32)
    total64 = np.empty(BLOCK)
    # A float32 sum of C scores >= 0 (a row with a negative one fails anyway) is within C * 2**-24 * (1 + tol)
    # of the float64 sum: a row whose float32 sum is within `margin` of 1 passes the check in float64 too, with
    # a factor 2 to spare. Blocks with other rows (not finite, near the tolerance's edge) are summed again in
    # float64, as numpy's check sums them; from ~8,000 classes on every block is.
    margin = np.float32(max(0.0, tolerance - (c + 1) * 2.0**-23)) if check else np.float32(np.inf)
    one = np.float32(1)
    low = np.empty(BLOCK, np.float32)
    top = np.empty(BLOCK, np.float32)
    best = np.empty(BLOCK, np.int32)
    rank = np.empty(BLOCK, np.int32)
    label = np.empty(BLOCK, np.int32)
    true_score = np.empty(BLOCK, np.float32)
    weight = np.zeros(BLOCK, every.dtype)
    pkey = np.empty(BLOCK, np.int64)
    ckey = np.empty(BLOCK, np.int64)
    band = np.empty(BLOCK, np.int64)
    product = np.ones(BLOCK)
    hits = np.zeros(len(ks), every.dtype)
    edges32 = edges.astype(np.float32)
    exponent = 0
    blocks = 0
    lane_count = np.zeros(CALIBRATION_BINS * BLOCK, every.dtype)
    lane_hits = np.zeros(CALIBRATION_BINS * BLOCK, every.dtype)
    lane_confidence = np.zeros(CALIBRATION_BINS * BLOCK)
    # Unweighted, with examples much larger than the cell table, an example's cells are the change in the
    # cell table's row sums since its first element (exact in integers), read at each example's end (and at
    # the span's end); `seen` holds the row sums at the last such read (zeros before the first).
    snapshots = not weighted and per_example != 0 and per_example * 16 >= cc * CUTOFF_BINS
    example = 0 if per_example == 0 else (start + lo) // per_example
    next_example = (example + 1) * per_example - start  # the first element of the next example
    for a in range(lo, hi, BLOCK):
        n = min(BLOCK, hi - a)
        strays = False
        for j in range(n):  # without branches (vectorized); a label neither a class nor ignored is a stray
            given = y[np.uint64(a + j)]
            skipped = has_ignore & (given == ignore)
            stray = ~skipped & ((given < 0) | (given >= c))
            strays |= stray
            counted = ~skipped & ~stray  # a stray is counted nowhere: the caller raises
            label[j] = np.int32(given) if counted else np.int32(0)
            weight[j] = counted  # 1 or 0 (without weights, each element counts 1: w is [1])
        if weighted:
            for j in range(n):
                weight[j] = w[np.uint64(a + j)] if weight[j] != 0 else 0
        if strays and bad_label < 0:
            for j in range(n):
                given = y[a + j]
                if not (has_ignore and given == ignore) and (given < 0 or given >= c):
                    bad_label = a + j
                    break
        for j in range(n, BLOCK):  # a short last block: zero rows, weight 0
            label[j] = 0
            weight[j] = 0
            for k in range(c):
                block[k, j] = zero
        if a + (AHEAD + 1) * BLOCK <= hi:
            for line in range((a + AHEAD * BLOCK) * c, (a + (AHEAD + 1) * BLOCK) * c, 16):
                _prefetch(p, line)
        if n == BLOCK and c >= 8:  # 8 elements x 8 classes at a time, the last 8 classes overlapping
            for j in range(0, BLOCK, 8):
                for k in range(0, c - 7, 8):
                    _transpose8(p, (a + j) * c + k, c, block, k * BLOCK + j)
                if c % 8:
                    _transpose8(p, (a + j) * c + c - 8, c, block, (c - 8) * BLOCK + j)
        else:
            for j in range(n):
                for k in range(c):
                    block[k, j] = p[a + j, k]
        for j in range(BLOCK):
            label[j] = label[j] if weight[j] != 0 else 0  # ignored labels need not be classes
            true_score[j] = block[label[j], j]
        _columns(block, label, true_score, total, low, top, best, rank)
        settled = True
        for j in range(BLOCK):
            settled &= abs(total[j] - one) < margin
        if settled:
            total64[:] = 1.0
        else:
            _sums64(block, total64)
        unusable = False
        off = False  # a row failing the check (always, in a short last block: its zero rows)
        for j in range(BLOCK):  # flags across the block (vectorized); the first failing row looked for below
            usable = (low[j] >= zero) & np.isfinite(total64[j])
            unusable |= not usable
            off |= not (usable & (abs(total64[j] - 1.0) <= tolerance))
        if check and bad < 0 and off:
            for j in range(n):
                usable = (low[j] >= zero) & np.isfinite(total64[j])
                if not (usable and abs(total64[j] - 1.0) <= tolerance):
                    bad = a + j
                    break
        if unusable:  # NaN or negative scores: counted nowhere (and must not index the histograms)
            for j in range(BLOCK):
                if (low[j] >= zero) & np.isfinite(total64[j]):
                    continue
                for k in range(c):
                    block[k, j] = zero
                weight[j] = 0
                label[j] = 0
            _argmax_rank(block, label, true_score, top, best, rank)
        for k in range(c):
            _bin_row(block[k], index[k], np.int32(k * SCORE_BINS))
        # element by element: neighbours often share a bin, and C distinct classes between two increments
        # of one bin keep them from waiting on each other (unsigned indices here and below: numba adds no
        # negative-index wraparound to them)
        for j in range(n):
            wj = weight[j]
            for k in range(c):
                every[np.uint64(index[k, j])] += wj
        for j in range(BLOCK):
            pkey[j] = np.int64(label[j]) * SCORE_BINS + np.int64(min(true_score[j] * _SCORE_SCALE, score_last))
            ckey[j] = ((np.int64(label[j]) * c + best[j]) * CUTOFF_BINS
                       + np.int64(min(top[j] * _CUTOFF_SCALE, cutoff_last)))
        # the band: searchsorted(edges, top, side="right") - 1, clipped, as the inner edges at or below top
        # (compares across the block instead of a lookup per element)
        band[:] = 0
        for e in range(1, CALIBRATION_BINS):
            edge = edges32[e]
            for j in range(BLOCK):
                band[j] += edge <= top[j]
        for t in range(len(ks)):
            hit = hits[t]
            for j in range(BLOCK):
                hit += weight[j] if rank[j] < ks[t] else 0
            hits[t] = hit
        if weighted:
            for j in range(n):
                if weight[j] != 0:
                    loss -= np.log(np.float64(min(max(true_score[j], _EPS), _ONE_MINUS_EPS))) * weight[j]
        else:
            for j in range(BLOCK):
                clipped = min(max(true_score[j], _EPS), _ONE_MINUS_EPS)  # probabilistic._clip in float32
                product[j] *= np.float64(clipped) if weight[j] != 0 else 1.0
            blocks += 1
            if blocks == 32:  # each factor is >= 2**-23: rescale before the lanes could underflow
                blocks = 0
                for j in range(BLOCK):
                    mantissa, e = math.frexp(product[j])
                    product[j] = mantissa
                    exponent += e
        for j in range(BLOCK):  # lane j of each band: no two neighbours wait on one sum
            at = np.uint64(band[j] * BLOCK + j)
            wj = weight[j]
            lane_count[at] += wj
            lane_confidence[at] += np.float64(top[j]) * wj
            lane_hits[at] += wj if best[j] == label[j] else 0
        for j in range(n):
            positives[np.uint64(pkey[j])] += weight[j]
            cells[np.uint64(ckey[j])] += weight[j]
        if snapshots:
            while a + n > next_example:  # the block reaches the next example: its elements before are counted
                _count_examples(cells, seen, examples, example * cc, ckey, weight, next_example - a, n)
                example += 1
                next_example += per_example
        else:
            for j in range(n):
                wj = weight[j]
                if wj == 0:  # ignored, skipped, or weighing nothing
                    continue
                if per_example == 0:
                    e = rows[a + j]
                else:
                    while a + j >= next_example:  # (start + a + j) // per_example, without a division
                        example += 1
                        next_example += per_example
                    e = example
                examples[np.uint64(e * cc + ckey[j] // CUTOFF_BINS)] += wj
    if snapshots and hi > lo:
        _count_examples(cells, seen, examples, example * cc, ckey, weight, 0, 0)
    for b in range(CALIBRATION_BINS):
        for j in range(BLOCK):
            calibration[0, b] += lane_count[b * BLOCK + j]
            calibration[1, b] += lane_confidence[b * BLOCK + j]
            calibration[2, b] += lane_hits[b * BLOCK + j]
    if not weighted:
        for j in range(BLOCK):
            loss -= np.log(product[j])
        loss -= exponent * _LN2
    for t in range(len(ks)):
        top_k[t] += hits[t]
    log_loss[0] += loss
    return bad, bad_label


@njit(cache=True, nogil=True, boundscheck=False)
def _count_examples(cells, seen, examples, base, ckey, weight, later, n):
    """Add to examples[base:base + C * C] each cell's count since the last call: the change in the cell
    table's row sums, less elements later..n of the block just counted (they belong to the next example)."""
    cc = seen.shape[0]
    for j in range(later, n):
        cells[ckey[j]] -= weight[j]
    for cell in range(cc):
        total = cells[cell * CUTOFF_BINS]
        for b in range(1, CUTOFF_BINS):
            total += cells[cell * CUTOFF_BINS + b]
        examples[base + cell] += total - seen[cell]
        seen[cell] = total
    for j in range(later, n):
        cells[ckey[j]] += weight[j]


@njit(cache=True, nogil=True, boundscheck=False)
def _sums64(block, out):
    """out[j]: the float64 sum of column j of a [C, BLOCK] float32 block, classes in order."""
    out[:] = 0.0
    for k in range(block.shape[0]):
        for j in range(BLOCK):
            out[j] += np.float64(block[k, j])


@njit(cache=True, nogil=True, boundscheck=False)
def _bin_row(scores, out, offset):
    last = np.float32(SCORE_BINS - 1)
    for j in range(BLOCK):
        scaled = scores[j] * _SCORE_SCALE
        out[j] = offset + np.int32(scaled if scaled < last else last)


@njit(cache=True, nogil=True, boundscheck=False)
def _argmax_rank(block, label, true_score, top, best, rank):
    """Each element's top score and its first class (np.argmax), and the rank of its true class's score in
    scikit-learn's top-k order: higher scores first, equal scores by larger class index first. (_columns
    does this with the row sums; this is for blocks whose unusable rows were zeroed after it.)"""
    for j in range(BLOCK):
        true_score[j] = block[label[j], j]
        top[j] = block[0, j]
        best[j] = 0
        rank[j] = 0
    for k in range(block.shape[0]):
        row = block[k]
        kk = np.int32(k)
        for j in range(BLOCK):
            score = row[j]
            higher = score > top[j]
            best[j] = kk if higher else best[j]
            top[j] = score if higher else top[j]
            rank[j] += np.int32((score > true_score[j]) | ((score == true_score[j]) & (kk > label[j])))


# The LLVM IR helpers below stay in this file: numba's on-disk cache (cache=True) checks only the source file
# of the compiled functions, so an intrinsic edited in another module would leave stale machine code behind.


def _data(context, builder, array_type, array):
    """The data pointer of a numba array argument of an intrinsic."""
    return context.make_array(array_type)(context, builder, array).data


def _shuffle(builder, a, b, mask):
    return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(ir.IntType(32), len(mask)), mask))


@intrinsic
def _transpose8(typingctx, src, src_at, src_stride, dst, dst_at):
    """dst.flat[dst_at + i * BLOCK + r] = src.flat[src_at + r * src_stride + i] for r, i < 8 (float32
    C-contiguous arrays, no bounds checks): 8 vector loads, 24 shuffles, 8 vector stores. LLVM's loop
    vectorizer does not find this transpose (it gathers or stores scalar by scalar), hence the IR."""
    sig = types.void(src, types.int64, types.int64, dst, types.int64)
    vector = ir.VectorType(ir.FloatType(), 8)
    i64 = ir.IntType(64)

    def codegen(context, builder, signature, args):
        s, s_at, s_stride, d, d_at = args
        sdata = _data(context, builder, signature.args[0], s)
        ddata = _data(context, builder, signature.args[3], d)
        rows = []
        for r in range(8):
            at = builder.add(s_at, builder.mul(s_stride, ir.Constant(i64, r)))
            rows.append(builder.load(builder.bitcast(builder.gep(sdata, [at]), vector.as_pointer()), align=4))
        # pairs of rows interleaved, then pairs of pairs, then halves: rows[i][k] ends in out[k][i]
        t = []
        for r in range(0, 8, 2):
            t.append(_shuffle(builder, rows[r], rows[r + 1], [0, 8, 1, 9, 4, 12, 5, 13]))
            t.append(_shuffle(builder, rows[r], rows[r + 1], [2, 10, 3, 11, 6, 14, 7, 15]))
        u = [None] * 8
        for r in (0, 4):
            for i, (x, y) in enumerate([(0, 2), (0, 2), (1, 3), (1, 3)]):
                mask = [0, 1, 8, 9, 4, 5, 12, 13] if i % 2 == 0 else [2, 3, 10, 11, 6, 7, 14, 15]
                u[r + i] = _shuffle(builder, t[r + x], t[r + y], mask)
        for i in range(4):
            for k, mask in ((i, [0, 1, 2, 3, 8, 9, 10, 11]), (i + 4, [4, 5, 6, 7, 12, 13, 14, 15])):
                at = builder.add(d_at, ir.Constant(i64, k * BLOCK))
                builder.store(_shuffle(builder, u[i], u[i + 4], mask),
                              builder.bitcast(builder.gep(ddata, [at]), vector.as_pointer()), align=4)
        return context.get_dummy_value()
    return sig, codegen


@intrinsic
def _prefetch(typingctx, src, at):
    """Prefetch the cache line holding src.flat[at] for reading (a hint: never faults)."""
    sig = types.void(src, types.int64)

    def codegen(context, builder, signature, args):
        s, s_at = args
        data = _data(context, builder, signature.args[0], s)
        byte = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic("llvm.prefetch", [byte],
                                              ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32]))
        # read, high locality, data cache
        builder.call(fn, [builder.bitcast(builder.gep(data, [s_at]), byte), ir.Constant(i32, 0),
                          ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return sig, codegen


@intrinsic
def _fetch_add(typingctx, counter, value):
    """counter[0] += value as one atomic operation (int64 array); returns counter[0] before."""
    sig = types.int64(counter, types.int64)

    def codegen(context, builder, signature, args):
        data = _data(context, builder, signature.args[0], args[0])
        return builder.atomic_rmw("add", data, args[1], "seq_cst")
    return sig, codegen


def _splat(builder, value, vector):
    undefined = ir.Constant(vector, ir.Undefined)
    one = builder.insert_element(undefined, value, ir.Constant(ir.IntType(32), 0))
    return _shuffle(builder, one, undefined, [0] * vector.count)


@intrinsic
def _columns(typingctx, block, label, true_score, total, low, top, best, rank):
    """For each element j of a [C, BLOCK] float32 block: total[j] its score sum (float32, classes in
    order), low[j] min(0, its scores), top[j] its top score and best[j] that score's first class (as
    np.argmax), rank[j] the scores above true_score[j], equal scores counting when their class is above
    label[j] (scikit-learn's top-k order); NaN compares as numba's min and > do. One loop over the classes
    with the BLOCK-element sums held in vector registers: the same loops in numba keep them in memory,
    each class's pass waiting on the last one's stores (2.5x slower)."""
    sig = types.void(block, label, true_score, total, low, top, best, rank)
    f32 = ir.VectorType(ir.FloatType(), BLOCK)
    i32 = ir.VectorType(ir.IntType(32), BLOCK)

    def codegen(context, builder, signature, args):
        data = [_data(context, builder, ty, arg) for ty, arg in zip(signature.args, args)]
        vectors = [None, i32, f32, f32, f32, f32, i32, i32]
        pointer = lambda at, vector: builder.bitcast(at, vector.as_pointer())
        labels = builder.load(pointer(data[1], i32), align=4)
        truth = builder.load(pointer(data[2], f32), align=4)
        shape = context.make_array(signature.args[0])(context, builder, args[0]).shape
        classes = cgutils.unpack_tuple(builder, shape, 2)[0]
        sums = {}
        for name, vector, start in (("total", f32, ir.Constant(f32, [0.0] * BLOCK)),
                                    ("low", f32, ir.Constant(f32, [0.0] * BLOCK)),
                                    ("top", f32, builder.load(pointer(data[0], f32), align=4)),
                                    ("best", i32, ir.Constant(i32, [0] * BLOCK)),
                                    ("rank", i32, ir.Constant(i32, [0] * BLOCK))):
            sums[name] = cgutils.alloca_once(builder, vector)  # promoted to registers by LLVM
            builder.store(start, sums[name])
        with cgutils.for_range(builder, classes) as loop:
            k = loop.index
            at = builder.gep(data[0], [builder.mul(k, ir.Constant(k.type, BLOCK))])
            row = builder.load(pointer(at, f32), align=4)
            kk = _splat(builder, builder.trunc(k, ir.IntType(32)), i32)
            builder.store(builder.fadd(builder.load(sums["total"]), row), sums["total"])
            low = builder.load(sums["low"])
            builder.store(builder.select(builder.fcmp_ordered("<", row, low), row, low), sums["low"])
            top = builder.load(sums["top"])
            higher = builder.fcmp_ordered(">", row, top)
            builder.store(builder.select(higher, row, top), sums["top"])
            builder.store(builder.select(higher, kk, builder.load(sums["best"])), sums["best"])
            above = builder.or_(builder.fcmp_ordered(">", row, truth),
                                builder.and_(builder.fcmp_ordered("==", row, truth),
                                             builder.icmp_signed(">", kk, labels)))
            builder.store(builder.add(builder.load(sums["rank"]), builder.zext(above, i32)), sums["rank"])
        for name, at in (("total", 3), ("low", 4), ("top", 5), ("best", 6), ("rank", 7)):
            builder.store(builder.load(sums[name]), pointer(data[at], vectors[at]), align=4)
        return context.get_dummy_value()
    return sig, codegen

// The cluster order (class_order.js): on block-structured matrices whose classes were shuffled, the
// confused classes come back together; beside scipy's reverse Cuthill-McKee on the same matrices: a
// bandwidth within a factor of its, and blocks kept together where its breadth-first walk splits them.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {averageLinkageOrder, bandwidth, clusterOrder, confusionGraph} from "../src/class_order.js";
import {classOrder} from "../src/matrix_math.js";
import {pythonJson} from "./fixtures.js";

function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A matrix of `blocks` x `size` classes, confused mostly within their block, classes shuffled:
 * {matrix, blockOf}. `perClass` examples per class, `accuracy` of them right, `within` of the errors
 * inside the block, the rest on any class. */
function blockMatrix({blocks, size, perClass = 100, accuracy = 0.7, within = 0.95, seed = 1}) {
  const random = generator(seed);
  const n = blocks * size;
  const shuffled = Array.from({length: n}, (_, k) => k);
  for (let k = n - 1; k > 0; k--) {
    const r = Math.floor(random() * (k + 1));
    [shuffled[k], shuffled[r]] = [shuffled[r], shuffled[k]];
  }
  const matrix = Array.from({length: n}, () => new Array(n).fill(0));
  const blockOf = new Array(n);
  for (let a = 0; a < n; a++) {
    const block = Math.floor(a / size);
    blockOf[shuffled[a]] = block;
    for (let e = 0; e < perClass; e++) {
      let b = a;
      if (random() > accuracy) {
        do {
          b = random() < within ? block * size + Math.floor(random() * size) : Math.floor(random() * n);
        } while (b === a);
      }
      matrix[shuffled[a]][shuffled[b]] += 1;
    }
  }
  return {matrix, blockOf};
}

/** The model's non-zero cells (lookups.js multiclassCellsAt's shape) of a dense matrix. */
function cellsOf(matrix) {
  const rows = [];
  const columns = [];
  const values = [];
  const rowStart = [0];
  matrix.forEach((row, i) => {
    row.forEach((v, j) => { if (v) { rows.push(i); columns.push(j); values.push(v); } });
    rowStart.push(rows.length);
  });
  return {numClasses: matrix.length, width: matrix[0].length, length: rows.length, rows: Int32Array.from(rows),
    columns: Int32Array.from(columns), values: Float64Array.from(values), rowStart: Int32Array.from(rowStart)};
}

/** The mean |position(i) - position(j)| over the off-diagonal examples. */
function meanDistance(matrix, order) {
  const position = new Map(order.map((c, p) => [c, p]));
  let sum = 0;
  let count = 0;
  matrix.forEach((row, i) => row.forEach((v, j) => {
    if (i !== j && v) { sum += v * Math.abs(position.get(i) - position.get(j)); count += v; }
  }));
  return sum / count;
}

/** How many blocks have their classes in one run of positions. */
function contiguousBlocks(order, blockOf) {
  const positions = new Map();
  order.forEach((c, p) => positions.set(blockOf[c], [...(positions.get(blockOf[c]) || []), p]));
  return [...positions.values()].filter((p) => Math.max(...p) - Math.min(...p) + 1 === p.length).length;
}

const isPermutation = (order, n) => order.length === n && [...order].sort((a, b) => a - b).every((c, k) => c === k);

test("clusterOrder puts each block of a shuffled block matrix in one run of positions", () => {
  const {matrix, blockOf} = blockMatrix({blocks: 10, size: 12, seed: 3});
  const order = clusterOrder(matrix);
  assert.ok(isPermutation(order, 120));
  assert.equal(contiguousBlocks(order, blockOf), 10);
  const logged = Array.from({length: 120}, (_, k) => k);
  const [before, after] = [meanDistance(matrix, logged), meanDistance(matrix, order)];
  assert.ok(after < before / 4, `mean distance of confused pairs ${after} vs ${before} as shuffled`);
});

/** scipy's reverse_cuthill_mckee of the pairs of `graph` whose weight is at least `minWeight`, or null
 * without scipy: {order, graph} (the graph it ordered). */
function scipyRcm(graph, minWeight = 0) {
  const start = [0];
  const neighbors = [];
  for (let i = 0; i < graph.size; i++) {
    for (let k = graph.start[i]; k < graph.start[i + 1]; k++) if (graph.weights[k] >= minWeight) neighbors.push(graph.neighbors[k]);
    start.push(neighbors.length);
  }
  const directory = mkdtempSync(join(tmpdir(), "class-order-"));
  try {
    const file = join(directory, "graph.json");
    writeFileSync(file, JSON.stringify({size: graph.size, start, neighbors}));
    const order = pythonJson(`
import json
try:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import reverse_cuthill_mckee
except ImportError:
    print("null"); raise SystemExit
g = json.load(open(${JSON.stringify(file)}))
m = csr_matrix(([1] * len(g["neighbors"]), g["neighbors"], g["start"]), shape=(g["size"], g["size"]))
print(json.dumps([int(k) for k in reverse_cuthill_mckee(m, symmetric_mode=True)]))`);
    const linked = {size: graph.size, start: Int32Array.from(start), neighbors: Int32Array.from(neighbors)};
    return order === null ? null : {order, graph: linked};
  } finally {
    rmSync(directory, {recursive: true, force: true});
  }
}

test("with few examples per class, where stray errors weigh as much as real ones, the blocks stay together", (t) => {
  // 20 examples per class: one stray error is 5% of a class, as much as one real confusion.
  const {matrix, blockOf} = blockMatrix({blocks: 20, size: 10, perClass: 20, accuracy: 0.6, within: 0.85, seed: 5});
  const order = clusterOrder(matrix);
  assert.ok(isPermutation(order, 200));
  const logged = Array.from({length: 200}, (_, k) => k);
  const [before, after] = [meanDistance(matrix, logged), meanDistance(matrix, order)];
  const kept = contiguousBlocks(order, blockOf);
  let versus = "";
  const rcm = scipyRcm(confusionGraph(matrix));
  if (rcm) {
    versus = `; scipy's reverse_cuthill_mckee: ${meanDistance(matrix, rcm.order).toFixed(1)}, `
      + `${contiguousBlocks(rcm.order, blockOf)} of 20 blocks contiguous`;
    assert.ok(after < meanDistance(matrix, rcm.order) / 2);
  }
  t.diagnostic(`mean distance ${after.toFixed(1)} vs ${before.toFixed(1)} shuffled; ${kept} of 20 blocks contiguous${versus}`);
  assert.ok(after < before / 4, `${after} vs ${before}`);
  assert.ok(kept >= 15, `${kept} of 20 blocks contiguous`);
});

test("the cells and the dense matrix give one order, and the below-cutoff column links nothing", () => {
  const {matrix} = blockMatrix({blocks: 6, size: 8, seed: 9});
  const order = classOrder(matrix, "cluster");
  assert.deepEqual(classOrder(null, "cluster", cellsOf(matrix)), order);
  const withBelow = matrix.map((row, i) => [...row, 50 + i]); // a last "below cutoff" column
  const cells = {...cellsOf(withBelow), numClasses: matrix.length};
  assert.deepEqual(clusterOrder(null, cells), averageLinkageOrder(confusionGraph(null, cells)));
  // The rates change (the classes have more examples), the pairs do not.
  assert.deepEqual(confusionGraph(withBelow).neighbors, confusionGraph(matrix).neighbors);
});

test("confusionGraph weighs each pair by its rates in both directions; classes without confusions go last", () => {
  const matrix = [
    [90, 6, 4, 0],
    [10, 10, 0, 0],
    [0, 0, 7, 0],
    [0, 0, 0, 3],
  ];
  const graph = confusionGraph(matrix);
  const row = (i) => Object.fromEntries([...graph.neighbors.subarray(graph.start[i], graph.start[i + 1])]
    .map((j, k) => [j, graph.weights[graph.start[i] + k]]));
  assert.deepEqual(row(0), {1: 6 / 100 + 10 / 20, 2: 4 / 100});
  assert.deepEqual(row(1), {0: 6 / 100 + 10 / 20});
  assert.deepEqual(row(3), {});
  // 0-1 merge first, then 2 joins at 0's end (0-2 is the only link): 1, 0, 2; class 3 last.
  assert.deepEqual(clusterOrder(matrix), [1, 0, 2, 3]);
  assert.deepEqual(classOrder([[9, 1], [2, 8]], "cluster"), [0, 1]);
  assert.deepEqual(classOrder([[5, 0, 0], [0, 5, 1], [0, 2, 5]], "cluster"), [1, 2, 0]);
});

test("the bandwidth is within a factor 2 of scipy's reverse_cuthill_mckee on the links of at least 5%", (t) => {
  const {matrix} = blockMatrix({blocks: 8, size: 15, perClass: 100, accuracy: 0.6, within: 0.95, seed: 11});
  const rcm = scipyRcm(confusionGraph(matrix), 0.05);
  if (!rcm) {
    t.skip("scipy is not installed");
    return;
  }
  const ours = bandwidth(rcm.graph, clusterOrder(matrix));
  const theirs = bandwidth(rcm.graph, rcm.order);
  const logged = bandwidth(rcm.graph, Array.from({length: 120}, (_, k) => k));
  t.diagnostic(`bandwidth: ours ${ours}, scipy ${theirs}, as logged ${logged}`);
  assert.ok(ours <= 2 * theirs + 1, `${ours} vs scipy's ${theirs}`);
  assert.ok(ours < logged / 2);
});

test("clusterOrder at 1000 classes (50 superclasses of 20, 20 examples each), timed", (t) => {
  const {matrix, blockOf} = blockMatrix({blocks: 50, size: 20, perClass: 20, accuracy: 0.7, within: 0.9, seed: 21});
  const cells = cellsOf(matrix);
  let started = performance.now();
  const order = clusterOrder(null, cells);
  const first = performance.now() - started;
  started = performance.now();
  assert.deepEqual(clusterOrder(null, cells), order);
  const again = performance.now() - started;
  started = performance.now();
  clusterOrder(matrix);
  const dense = performance.now() - started;
  const other = cellsOf(blockMatrix({blocks: 50, size: 20, perClass: 20, accuracy: 0.7, within: 0.9, seed: 22}).matrix);
  started = performance.now();
  clusterOrder(null, other);
  const warm = performance.now() - started;
  assert.ok(isPermutation(order, 1000));
  const logged = Array.from({length: 1000}, (_, k) => k);
  const [before, after] = [meanDistance(matrix, logged), meanDistance(matrix, order)];
  const kept = contiguousBlocks(order, blockOf);
  const message = `C=1000, ${cells.length} non-zero cells: ${first.toFixed(1)} ms (a second matrix: ${warm.toFixed(1)} ms), remembered ${again.toFixed(1)} ms, `
    + `from the dense matrix ${dense.toFixed(1)} ms; mean distance ${after.toFixed(1)} vs ${before.toFixed(1)} shuffled; `
    + `${kept} of 50 blocks contiguous`;
  t.diagnostic(message);
  console.log(`# ${message}`);
  assert.ok(after < before / 4, `${after} vs ${before}`);
  assert.ok(kept >= 40, message);
});

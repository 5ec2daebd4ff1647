// A class order that puts classes confused with each other next to each other, so that a many-class
// matrix shows its confusions as blocks along the diagonal: the leaf order of an average-linkage
// clustering of the symmetrized off-diagonal confusion rates.
//
// Why not reverse Cuthill-McKee (what Azimuth uses) or a spectral order: with few examples per class
// (20 at 1,000 classes and 20,000 examples) a stray error weighs as much as a real confusion, and a
// breadth-first walk over the links interleaves the superclasses (0 of 50 contiguous in
// test/class_order.test.js, scipy's reverse_cuthill_mckee alike), while one Fiedler vector separates two
// groups, not fifty. Average linkage weighs each link: two groups merge when the mean rate between
// their classes is the largest left, so a stray error between two superclasses counts for 1 / (20 x 20)
// of a link once they are formed, and every merged group is one run of positions in the leaf order.
// Pure functions; a few ms at 1,000 classes.

/** The confused pairs as a symmetric graph in compressed rows: {size, start, neighbors, weights}; the
 * neighbors of class i are neighbors[start[i]..start[i+1]) and weights their rate
 * M[i][j] / n_i + M[j][i] / n_j (n: row totals, examples of the class). Takes the dense `matrix` (rows
 * true, columns predicted) or the model's non-zero `cells` (lookups.js multiclassCellsAt); the
 * diagonal and columns past the classes ("below cutoff") are left out. */
export function confusionGraph(matrix, cells = null) {
  const size = cells ? cells.numClasses : matrix.length;
  const support = new Float64Array(size);
  const entries = []; // i, j, count of the off-diagonal cells
  const visit = (i, j, count) => {
    support[i] += count;
    if (i !== j && j < size && count !== 0) entries.push(i, j, count);
  };
  if (cells) {
    for (let k = 0; k < cells.length; k++) visit(cells.rows[k], cells.columns[k], cells.values[k]);
  } else {
    for (let i = 0; i < size; i++) {
      const row = matrix[i];
      for (let j = 0; j < row.length; j++) if (row[j] !== 0) visit(i, j, row[j]);
    }
  }
  // Both directions of each cell into rows, then (i, j) and (j, i) summed within each row.
  const degree = new Int32Array(size);
  for (let k = 0; k < entries.length; k += 3) { degree[entries[k]]++; degree[entries[k + 1]]++; }
  const rowStart = new Int32Array(size + 1);
  for (let i = 0; i < size; i++) rowStart[i + 1] = rowStart[i] + degree[i];
  const fill = rowStart.slice(0, size);
  const other = new Int32Array(rowStart[size]);
  const rate = new Float64Array(rowStart[size]);
  for (let k = 0; k < entries.length; k += 3) {
    const [i, j] = [entries[k], entries[k + 1]];
    const value = entries[k + 2] / support[i];
    other[fill[i]] = j; rate[fill[i]++] = value;
    other[fill[j]] = i; rate[fill[j]++] = value;
  }
  const start = new Int32Array(size + 1);
  const neighbors = new Int32Array(rowStart[size]);
  const weights = new Float64Array(rowStart[size]);
  const slot = new Int32Array(size).fill(-1);
  let n = 0;
  for (let i = 0; i < size; i++) {
    start[i] = n;
    const first = n;
    for (let k = rowStart[i]; k < rowStart[i + 1]; k++) {
      const j = other[k];
      if (slot[j] < first) { slot[j] = n; neighbors[n] = j; weights[n++] = rate[k]; } else weights[slot[j]] += rate[k];
    }
  }
  start[size] = n;
  return {size, start, neighbors: neighbors.subarray(0, n), weights: weights.subarray(0, n)};
}

/** The leaf order of the average-linkage clustering of `graph` (confusionGraph's): repeatedly merge the
 * two groups with the largest mean weight between their classes (ties: the smaller indices), joining
 * them end to end in the orientation that puts the most confused pair of end classes side by side.
 * Groups never linked come largest first (ties: the one holding the smaller index); classes without
 * confusions last, in the logged order. */
export function averageLinkageOrder(graph) {
  const {size, start, neighbors, weights} = graph;
  const pairWeight = (i, j) => {
    for (let k = start[i]; k < start[i + 1]; k++) if (neighbors[k] === j) return weights[k];
    return 0;
  };
  // Group g (named by one of its classes): its classes in order, its links to other groups (summed
  // weights), a version bumped on each merge so that stale heap entries are recognised.
  const members = Array.from({length: size}, (_, i) => [i]);
  const links = Array.from({length: size}, (_, i) => {
    const map = new Map();
    for (let k = start[i]; k < start[i + 1]; k++) map.set(neighbors[k], weights[k]);
    return map;
  });
  const version = new Int32Array(size);
  const alive = new Uint8Array(size).fill(1);
  const heap = createHeap();
  const offer = (a, b) => {
    const x = a < b ? a : b;
    const y = a < b ? b : a;
    heap.push(links[x].get(y) / (members[x].length * members[y].length), x, y, version[x], version[y]);
  };
  for (let i = 0; i < size; i++) for (const j of links[i].keys()) if (i < j) offer(i, j);
  while (heap.size()) {
    const entry = heap.pop();
    const x = entry.x;
    const y = entry.y;
    if (!alive[x] || !alive[y] || version[x] !== entry.vx || version[y] !== entry.vy) continue;
    members[x] = join(members[x], members[y], pairWeight);
    members[y] = null;
    alive[y] = 0;
    version[x]++;
    links[x].delete(y);
    const into = links[x];
    links[y].forEach((weight, g) => { // forEach: no [key, value] array per entry
      if (g === x) return;
      const sum = (into.get(g) || 0) + weight;
      into.set(g, sum);
      links[g].delete(y);
      links[g].set(x, sum);
    });
    links[y] = null;
    into.forEach((weight, g) => heap.push(weight / (members[x].length * members[g].length), Math.min(x, g), Math.max(x, g),
      version[Math.min(x, g)], version[Math.max(x, g)]));
  }
  const groups = [];
  const alone = [];
  for (let g = 0; g < size; g++) {
    if (!alive[g]) continue;
    if (members[g].length === 1 && start[g + 1] === start[g]) alone.push(g);
    else groups.push(members[g]);
  }
  groups.sort((a, b) => b.length - a.length || Math.min(...a) - Math.min(...b));
  return [...groups.flat(), ...alone];
}

/** `left` then `right`, each possibly reversed, so that the two classes meeting in the middle are the
 * most confused of the four end pairs (ties: as given). */
function join(left, right, pairWeight) {
  const [l0, l1, r0, r1] = [left[0], left[left.length - 1], right[0], right[right.length - 1]];
  const options = [[l1, r0, false, false], [l1, r1, false, true], [l0, r0, true, false], [l0, r1, true, true]];
  let best = options[0];
  let bestWeight = pairWeight(l1, r0);
  for (const option of options.slice(1)) {
    const weight = pairWeight(option[0], option[1]);
    if (weight > bestWeight) { best = option; bestWeight = weight; }
  }
  const a = best[2] ? left.slice().reverse() : left;
  const b = best[3] ? right.slice().reverse() : right;
  return a.concat(b);
}

/** A binary max-heap of entries (score, x, y, vx, vy) in typed arrays (no object per entry: the
 * clustering pushes tens of thousands): the largest score first, ties by the smaller x, then y. */
function createHeap() {
  let capacity = 1024;
  let score = new Float64Array(capacity);
  let pairs = new Int32Array(capacity * 4); // x, y, vx, vy
  let size = 0;
  // Entry p (score s, x, y) goes before entry q.
  const before = (s, x, y, q) => s > score[q] || (s === score[q] && (x < pairs[4 * q] || (x === pairs[4 * q] && y < pairs[4 * q + 1])));
  const move = (from, to) => {
    score[to] = score[from];
    pairs[4 * to] = pairs[4 * from]; pairs[4 * to + 1] = pairs[4 * from + 1];
    pairs[4 * to + 2] = pairs[4 * from + 2]; pairs[4 * to + 3] = pairs[4 * from + 3];
  };
  const put = (k, s, x, y, vx, vy) => { score[k] = s; pairs[4 * k] = x; pairs[4 * k + 1] = y; pairs[4 * k + 2] = vx; pairs[4 * k + 3] = vy; };
  const top = {x: 0, y: 0, vx: 0, vy: 0};
  return {
    size: () => size,
    push(s, x, y, vx, vy) {
      if (size === capacity) {
        capacity *= 2;
        const grown = new Float64Array(capacity); grown.set(score); score = grown;
        const grownPairs = new Int32Array(capacity * 4); grownPairs.set(pairs); pairs = grownPairs;
      }
      let k = size++;
      while (k > 0) {
        const parent = (k - 1) >> 1;
        if (!before(s, x, y, parent)) break;
        move(parent, k);
        k = parent;
      }
      put(k, s, x, y, vx, vy);
    },
    /** The top entry as {x, y, vx, vy} (one object, overwritten by the next pop). */
    pop() {
      top.x = pairs[0]; top.y = pairs[1]; top.vx = pairs[2]; top.vy = pairs[3];
      size--;
      if (size) {
        const [s, x, y, vx, vy] = [score[size], pairs[4 * size], pairs[4 * size + 1], pairs[4 * size + 2], pairs[4 * size + 3]];
        let k = 0;
        for (;;) {
          const l = 2 * k + 1;
          if (l >= size) break;
          const r = l + 1;
          const child = r < size && !before(score[l], pairs[4 * l], pairs[4 * l + 1], r) ? r : l;
          if (before(s, x, y, child)) break;
          move(child, k);
          k = child;
        }
        put(k, s, x, y, vx, vy);
      }
      return top;
    },
  };
}

const memo = [];

/** The cluster order of a matrix (or its `cells`): averageLinkageOrder(confusionGraph(...)). The panel
 * asks for it on every render; the last few graphs and their orders are remembered, so an unchanged
 * matrix costs one pass over its cells. */
export function clusterOrder(matrix, cells = null) {
  const graph = confusionGraph(matrix, cells);
  const hit = memo.find((entry) => sameGraph(entry.graph, graph));
  if (hit) return hit.order.slice();
  const order = averageLinkageOrder(graph);
  memo.unshift({graph, order});
  memo.length = Math.min(memo.length, 8);
  return order.slice();
}

function sameGraph(a, b) {
  if (a.size !== b.size || a.neighbors.length !== b.neighbors.length) return false;
  for (let i = 0; i <= a.size; i++) if (a.start[i] !== b.start[i]) return false;
  for (let k = 0; k < a.neighbors.length; k++) if (a.neighbors[k] !== b.neighbors[k] || a.weights[k] !== b.weights[k]) return false;
  return true;
}

/** The largest |position of i - position of j| over the pairs (i, j) of `graph` under `order`. */
export function bandwidth(graph, order) {
  const position = new Int32Array(graph.size);
  order.forEach((node, p) => { position[node] = p; });
  let widest = 0;
  for (let i = 0; i < graph.size; i++) {
    for (let k = graph.start[i]; k < graph.start[i + 1]; k++) widest = Math.max(widest, Math.abs(position[i] - position[graph.neighbors[k]]));
  }
  return widest;
}

/**
 * The per-block kernels of the k-means fit. Rows are cut into fixed blocks whose size depends only on
 * the data's shape (never on the number of threads); each kernel writes its results per block, and the
 * driver combines blocks in block order. So any thread may run any block, in any order, and the fit is
 * byte-identical whatever the thread count. The same functions run on the main thread and in workers.
 */

/** Everything the kernels read and write: one set of (shareable) arrays per fit, reused by every restart. */
export interface KState {
  X: Float64Array; // n × p, row-major
  n: number;
  p: number;
  k: number;
  blockRows: number;
  nBlocks: number;
  /** trials per k-means++ step (the candidate buffers hold this many rows) */
  trials: number;
  centers: Float64Array; // k × p
  /** half the distance from each centre to its nearest other centre */
  half: Float64Array; // k
  /** how far each centre moved in the last update */
  shift: Float64Array; // k
  labels: Int32Array; // n
  /** upper bound on the distance to the assigned centre */
  upper: Float64Array; // n
  /** lower bound on the distance to the second-closest centre */
  lower: Float64Array; // n
  bSums: Float64Array; // nBlocks × k × p
  bCounts: Int32Array; // nBlocks × k
  bChanged: Int32Array; // nBlocks
  bInertia: Float64Array; // nBlocks
  /** k-means++: squared distance of each row to its nearest chosen centre */
  closest: Float64Array; // n
  /** k-means++: min(closest, squared distance to candidate t), per candidate */
  candDist: Float64Array; // trials × n
  /** k-means++: the candidates' rows (trials × p) */
  candRows: Float64Array;
  bPot: Float64Array; // nBlocks × trials
  /** per-call parameters: [command, candidates, previous best (-1 none), mode] */
  params: Int32Array; // 4
  /** bound updates: [largest shift, second largest shift, index of the largest] */
  shiftMax: Float64Array; // 3
}

export const CMD_KPP = 1;
export const CMD_ASSIGN = 2;
export const CMD_FINAL = 3;

export const MODE_FULL = 0;
export const MODE_BOUNDS = 1;

/**
 * Rows per block: at least 256, more when k·p is large so the per-block sums stay near 4M numbers.
 * A function of (n, k, p) only.
 */
export function blockRowsFor(n: number, k: number, p: number): number {
  return Math.max(256, Math.ceil((n * k * p) / 4_000_000));
}

function sqDist(X: Float64Array, xo: number, C: Float64Array, co: number, p: number): number {
  let s = 0;
  for (let j = 0; j < p; j++) {
    const d = X[xo + j] - C[co + j];
    s += d * d;
  }
  return s;
}

/**
 * Squared distances of the row at X[xo..] to the m rows of C (m × p) into out[0..m): exact
 * differences (no |x|² − 2x·c + |c|² cancellation), four centres per pass over the row.
 */
function sqDists(X: Float64Array, xo: number, C: Float64Array, m: number, p: number, out: Float64Array): void {
  let c = 0;
  for (; c + 4 <= m; c += 4) {
    const o0 = c * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < p; j++) {
      const x = X[xo + j];
      const d0 = x - C[o0 + j];
      const d1 = x - C[o1 + j];
      const d2 = x - C[o2 + j];
      const d3 = x - C[o3 + j];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[c] = s0;
    out[c + 1] = s1;
    out[c + 2] = s2;
    out[c + 3] = s3;
  }
  for (; c < m; c++) out[c] = sqDist(X, xo, C, c * p, p);
}

let scratch = new Float64Array(16);
function scratchFor(m: number): Float64Array {
  if (scratch.length < m) scratch = new Float64Array(m);
  return scratch;
}

/**
 * One k-means++ step on block b: each row's distance to its nearest chosen centre is first taken from
 * the previous step's winning candidate (or +∞ on the first step), then for each candidate t the
 * row's min(closest, d²(row, candidate)) is stored and summed into the block's potential for t.
 */
function kppBlock(S: KState, b: number): void {
  const { X, n, p, closest, candDist, candRows, bPot } = S;
  const T = S.params[1];
  const prev = S.params[2];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  const d = scratchFor(T);
  const pot = new Float64Array(T);
  for (let i = r0; i < r1; i++) {
    const c0 = prev < 0 ? Infinity : candDist[prev * n + i];
    closest[i] = c0;
    sqDists(X, i * p, candRows, T, p, d);
    for (let t = 0; t < T; t++) {
      const m = d[t] < c0 ? d[t] : c0;
      candDist[t * n + i] = m;
      pot[t] += m;
    }
  }
  for (let t = 0; t < T; t++) bPot[b * S.trials + t] = pot[t];
}

/** Adds the block's rows into its per-centre sums and counts, from scratch. */
export function blockSums(S: KState, b: number, r0: number, r1: number): void {
  const { X, p, k, labels, bSums, bCounts } = S;
  const so = b * k * p;
  bSums.fill(0, so, so + k * p);
  bCounts.fill(0, b * k, b * k + k);
  for (let i = r0; i < r1; i++) {
    const a = labels[i];
    bCounts[b * k + a]++;
    const xo = i * p;
    const ao = so + a * p;
    for (let j = 0; j < p; j++) bSums[ao + j] += X[xo + j];
  }
}

/**
 * The assignment step on block b. MODE_FULL computes every distance (first iteration: sets labels
 * and both bounds). MODE_BOUNDS is Hamerly's: the bounds are first moved by how far the centres
 * moved, a row whose upper bound stays under max(half-gap of its centre, its lower bound) cannot have
 * changed centre and is skipped; otherwise the upper bound is tightened and, if still needed, every
 * distance is computed. The block's sums are recomputed only when one of its rows changed centre.
 */
function assignBlock(S: KState, b: number): void {
  const { X, n, p, k, centers, half, shift, labels, upper, lower } = S;
  const full = S.params[3] === MODE_FULL;
  const maxShift = S.shiftMax[0];
  const secondShift = S.shiftMax[1];
  const maxAt = S.shiftMax[2];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  let changed = 0;
  for (let i = r0; i < r1; i++) {
    const xo = i * p;
    let a = labels[i];
    if (!full) {
      const u0 = upper[i] + shift[a];
      const l0 = lower[i] - (a === maxAt ? secondShift : maxShift);
      upper[i] = u0;
      lower[i] = l0;
      const m = half[a] > l0 ? half[a] : l0;
      if (u0 <= m) continue;
      const u = Math.sqrt(sqDist(X, xo, centers, a * p, p));
      upper[i] = u;
      if (u <= m) continue;
    }
    let best = -1;
    let d1 = Infinity;
    let d2 = Infinity;
    const dist = scratchFor(k);
    sqDists(X, xo, centers, k, p, dist);
    for (let c = 0; c < k; c++) {
      const d = dist[c];
      if (d < d1) {
        d2 = d1;
        d1 = d;
        best = c;
      } else if (d < d2) d2 = d;
    }
    upper[i] = Math.sqrt(d1);
    lower[i] = Math.sqrt(d2);
    if (best !== a) {
      changed++;
      a = best;
      labels[i] = a;
    }
  }
  S.bChanged[b] = changed;
  if (changed > 0 || full) blockSums(S, b, r0, r1);
}

/**
 * The exact final assignment of block b: every row's nearest centre (ties → the lower index), the
 * block's inertia (sum of squared distances) and its per-centre counts.
 */
function finalBlock(S: KState, b: number): void {
  const { X, n, p, k, centers, labels, bCounts } = S;
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  bCounts.fill(0, b * k, b * k + k);
  let inertia = 0;
  for (let i = r0; i < r1; i++) {
    const best = nearest(X, i * p, centers, k, p);
    labels[i] = best;
    bCounts[b * k + best]++;
    inertia += nearestSq;
  }
  S.bInertia[b] = inertia;
}

/** squared distance found by the last nearest() call */
let nearestSq = Infinity;

/** Index of the centre nearest to the row at X[xo..], ties → the lower index; its d² in nearestSq. */
function nearest(X: Float64Array, xo: number, C: Float64Array, k: number, p: number): number {
  let best = 0;
  let d1 = Infinity;
  const dist = scratchFor(k);
  sqDists(X, xo, C, k, p, dist);
  for (let c = 0; c < k; c++) {
    const d = dist[c];
    if (d < d1) {
      d1 = d;
      best = c;
    }
  }
  nearestSq = d1;
  return best;
}

export function runBlock(S: KState, cmd: number, b: number): void {
  if (cmd === CMD_KPP) kppBlock(S, b);
  else if (cmd === CMD_ASSIGN) assignBlock(S, b);
  else if (cmd === CMD_FINAL) finalBlock(S, b);
  else throw new Error(`unknown k-means command ${cmd}`);
}

/**
 * Nearest centre of every row of X (n × p) and the Euclidean distance to it; ties go to the lower
 * centre index. The same arithmetic as the fit's final assignment.
 */
export function nearestCentres(X: Float64Array, n: number, p: number, centers: Float64Array, k: number): { segment: Int32Array; distance: Float64Array } {
  const segment = new Int32Array(n);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    segment[i] = nearest(X, i * p, centers, k, p);
    distance[i] = Math.sqrt(nearestSq);
  }
  return { segment, distance };
}

/** Squared distances of every row of X (n × p) to every centre: n × k, row-major; the engine's arithmetic. */
export function squaredDistances(X: Float64Array, n: number, p: number, centers: Float64Array, k: number): Float64Array {
  const out = new Float64Array(n * k);
  const d = scratchFor(k);
  for (let i = 0; i < n; i++) {
    sqDists(X, i * p, centers, k, p, d);
    for (let c = 0; c < k; c++) out[i * k + c] = d[c];
  }
  return out;
}

/** The nearest centre per row from squared distances (n × k): first minimum on ties. */
export function argminRows(D: Float64Array, n: number, k: number): Int32Array {
  const seg = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (D[i * k + c] < D[i * k + best]) best = c;
    seg[i] = best;
  }
  return seg;
}

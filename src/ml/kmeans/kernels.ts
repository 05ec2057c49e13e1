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
  /** k-means++: the squared distance of each row to candidate t */
  candDist: Float64Array; // trials × n
  /** k-means++: the candidates' rows (trials × p) */
  candRows: Float64Array;
  bPot: Float64Array; // nBlocks × trials
  /** per-call parameters: [command, candidates, previous best candidate (-1 none), mode, the centre it became] */
  params: Int32Array; // 5
  /** bound updates: [largest shift, second largest shift, index of the largest] */
  shiftMax: Float64Array; // 3
}

export const CMD_KPP = 1;
export const CMD_ASSIGN = 2;
export const CMD_FINAL = 3;

export const MODE_FULL = 0;
export const MODE_BOUNDS = 1;
/** the first assignment after k-means++: adds the last centre's distances to what k-means++ found */
export const MODE_KPP = 2;

/** relative margin by which a bound must clear a distance for the final pass to trust it over arithmetic */
const BOUND_MARGIN = 1e-9;

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
 * Squared distances of the two rows at X[xo..] and X[xo + p..] to the 4 rows of C (4 × p) into
 * out[0..4) and out[4..8): each centre value loaded once for both rows; the same arithmetic per pair
 * as sqDists.
 */
function sqDists2x4(X: Float64Array, xo: number, C: Float64Array, p: number, out: Float64Array): void {
  const yo = xo + p;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  for (let j = 0; j < p; j++) {
    const x = X[xo + j];
    const y = X[yo + j];
    const c0 = C[j];
    const c1 = C[p + j];
    const c2 = C[2 * p + j];
    const c3 = C[3 * p + j];
    let d = x - c0;
    a0 += d * d;
    d = x - c1;
    a1 += d * d;
    d = x - c2;
    a2 += d * d;
    d = x - c3;
    a3 += d * d;
    d = y - c0;
    b0 += d * d;
    d = y - c1;
    b1 += d * d;
    d = y - c2;
    b2 += d * d;
    d = y - c3;
    b3 += d * d;
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
  out[4] = b0;
  out[5] = b1;
  out[6] = b2;
  out[7] = b3;
}

/**
 * Adds centre c, whose squared distances are d[off..], to row i's nearest (labels, upper) and
 * second-nearest (lower) squared distances; ties keep the lower centre, as a full assignment does.
 */
function addCentre(S: KState, i: number, d: Float64Array, off: number, c: number): void {
  const r = d[off + i];
  if (r < S.upper[i]) {
    S.lower[i] = S.upper[i];
    S.upper[i] = r;
    S.labels[i] = c;
  } else if (r < S.lower[i]) S.lower[i] = r;
}

/**
 * One k-means++ step on block b. While k-means++ runs, labels, upper and lower hold each row's nearest
 * chosen centre and the squared distances to its nearest and second-nearest ones (the same arithmetic
 * as a full assignment's). The previous step's winning candidate is added to them first (on the first
 * step they start empty); then each candidate t's squared distance is stored and min(nearest, it) summed
 * into the block's potential for t.
 */
function kppBlock(S: KState, b: number): void {
  const { X, n, p, candDist, candRows, bPot, upper, labels, lower } = S;
  const T = S.params[1];
  const prev = S.params[2];
  const prevCentre = S.params[4];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  const d = scratchFor(Math.max(8, T));
  const pot = new Float64Array(T);
  for (let i = r0; i < r1; i++) {
    if (prev < 0) {
      upper[i] = Infinity;
      lower[i] = Infinity;
      labels[i] = -1;
    } else addCentre(S, i, candDist, prev * n, prevCentre);
  }
  // four candidates (k < 21): two rows per pass
  const pairs = T === 4 ? r0 + ((r1 - r0) & ~1) : r0;
  for (let i = r0; i < pairs; i += 2) {
    sqDists2x4(X, i * p, candRows, p, d);
    for (let r = 0; r < 2; r++) {
      const c0 = upper[i + r];
      for (let t = 0; t < 4; t++) {
        const m = d[r * 4 + t];
        candDist[t * n + i + r] = m;
        pot[t] += m < c0 ? m : c0;
      }
    }
  }
  for (let i = pairs; i < r1; i++) {
    const c0 = upper[i];
    sqDists(X, i * p, candRows, T, p, d);
    for (let t = 0; t < T; t++) {
      const m = d[t];
      candDist[t * n + i] = m;
      pot[t] += m < c0 ? m : c0;
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

/** Moves row i (at X[xo..]) from centre a to centre c in block b's sums and counts. */
function moveRow(S: KState, b: number, xo: number, a: number, c: number): void {
  const { X, p, k, bSums, bCounts } = S;
  const so = b * k * p;
  const ao = so + a * p;
  const co = so + c * p;
  for (let j = 0; j < p; j++) {
    const x = X[xo + j];
    bSums[ao + j] -= x;
    bSums[co + j] += x;
  }
  bCounts[b * k + a]--;
  bCounts[b * k + c]++;
}

/**
 * The assignment step on block b. MODE_FULL computes every distance (first iteration: sets labels,
 * bounds and the block's sums from scratch); MODE_KPP does the same from what k-means++ computed. MODE_BOUNDS first moves the bounds by how far the centres
 * moved, then skips every distance Hamerly's bounds rule out: a row whose upper bound stays under
 * max(half-gap of its centre, its lower bound) cannot have changed centre; otherwise the upper bound is
 * tightened and, if still needed, every distance is computed. A row that changes centre moves from one
 * centre's sums to the other's, in row order within the block (so no pass re-adds the whole block).
 */
function assignBlock(S: KState, b: number): void {
  const mode = S.params[3];
  if (mode === MODE_FULL) assignFull(S, b);
  else if (mode === MODE_KPP) assignAfterKpp(S, b);
  else assignHamerly(S, b);
}

/** MODE_KPP: the last centre added to what k-means++ found gives the labels and both bounds. */
function assignAfterKpp(S: KState, b: number): void {
  const { n, candDist, upper, lower } = S;
  const off = S.params[2] * n;
  const c = S.params[4];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  for (let i = r0; i < r1; i++) {
    addCentre(S, i, candDist, off, c);
    upper[i] = Math.sqrt(upper[i]);
    lower[i] = Math.sqrt(lower[i]);
  }
  S.bChanged[b] = r1 - r0;
  blockSums(S, b, r0, r1);
}

/** Every distance of row i: sets its upper (nearest) and lower (second-nearest) bounds; returns the nearest centre (ties → the lower index). */
function boundsFromScratch(S: KState, i: number, dist: Float64Array): number {
  const { X, p, k, centers, upper, lower } = S;
  sqDists(X, i * p, centers, k, p, dist);
  let best = -1;
  let d1 = Infinity;
  let d2 = Infinity;
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
  return best;
}

function assignFull(S: KState, b: number): void {
  const { n, k, labels } = S;
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  const dist = scratchFor(k);
  let changed = 0;
  for (let i = r0; i < r1; i++) {
    const best = boundsFromScratch(S, i, dist);
    if (best !== labels[i]) changed++;
    labels[i] = best;
  }
  S.bChanged[b] = changed;
  blockSums(S, b, r0, r1);
}

function assignHamerly(S: KState, b: number): void {
  const { X, n, p, k, centers, half, shift, labels, upper, lower } = S;
  const maxShift = S.shiftMax[0];
  const secondShift = S.shiftMax[1];
  const maxAt = S.shiftMax[2];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  const dist = scratchFor(k);
  let changed = 0;
  for (let i = r0; i < r1; i++) {
    const xo = i * p;
    const a = labels[i];
    const u0 = upper[i] + shift[a];
    const l0 = lower[i] - (a === maxAt ? secondShift : maxShift);
    upper[i] = u0;
    lower[i] = l0;
    const m = half[a] > l0 ? half[a] : l0;
    if (u0 <= m) continue;
    const u = Math.sqrt(sqDist(X, xo, centers, a * p, p));
    upper[i] = u;
    if (u <= m) continue;
    const best = boundsFromScratch(S, i, dist);
    if (best !== a) {
      changed++;
      labels[i] = best;
      moveRow(S, b, xo, a, best);
    }
  }
  S.bChanged[b] = changed;
}

/**
 * The exact final assignment of block b: every row's nearest centre (ties → the lower index), the
 * block's inertia (sum of squared distances) and its per-centre counts. A row whose bounds leave no
 * doubt keeps its centre and only its own distance is computed (the driver runs it after the bounds'
 * shifts and half-gaps of the last update are in place).
 */
function finalBlock(S: KState, b: number): void {
  const { X, n, p, k, centers, labels, bCounts, half, shift, upper, lower } = S;
  const maxShift = S.shiftMax[0];
  const secondShift = S.shiftMax[1];
  const maxAt = S.shiftMax[2];
  const r0 = b * S.blockRows;
  const r1 = Math.min(n, r0 + S.blockRows);
  bCounts.fill(0, b * k, b * k + k);
  let inertia = 0;
  for (let i = r0; i < r1; i++) {
    // the bounds, moved by the last update, prove the row's centre is strictly the nearest (by a
    // margin no rounding reaches): only its own distance is needed
    const a = labels[i];
    const l = lower[i] - (a === maxAt ? secondShift : maxShift);
    if ((upper[i] + shift[a]) * (1 + BOUND_MARGIN) < (half[a] > l ? half[a] : l)) {
      bCounts[b * k + a]++;
      inertia += sqDist(X, i * p, centers, a * p, p);
      continue;
    }
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

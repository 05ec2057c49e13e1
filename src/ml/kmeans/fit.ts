/**
 * k-means (scikit-learn's KMeans semantics, typed arrays, our own seeded generator):
 * - greedy k-means++ initialisation: each new centre is the best of 2 + ⌊ln k⌋ candidates drawn with
 *   probability ∝ squared distance to the nearest chosen centre (the one that lowers the potential most);
 * - `nInit` restarts from one seeded stream, keeping the lowest inertia (the earlier run on a tie);
 * - Lloyd iterations with Hamerly's bounds; stops when no row changed centre, when the centres' total
 *   squared shift is ≤ tol · mean feature variance, or after maxIter; then one exact assignment pass
 *   gives the labels and inertia of the final centres (so labels = nearest centre, like predict);
 * - empty clusters take the rows farthest from their centres (as scikit-learn relocates them).
 * Rows are processed in fixed blocks and combined in block order: byte-identical for a seed, whatever
 * the number of threads.
 */
import { availableParallelism } from 'node:os';
import { dataError, usageError } from '../../errors.js';
import { makeRng, type Rng } from '../splits.js';
import { blockRowsFor, blockSums, CMD_ASSIGN, CMD_FINAL, CMD_KPP, MODE_BOUNDS, MODE_FULL, MODE_KPP, type KState } from './kernels.js';
import { makeRunner, type BlockRunner } from './pool.js';
import type { Tick } from '../../ui/progress.js';

export interface KMeansOptions {
  k: number;
  /** restarts (default 10, as scikit-learn 1.2) */
  nInit?: number;
  /** Lloyd iterations per restart (default 300) */
  maxIter?: number;
  /** relative tolerance on the centres' total squared shift (default 1e-4) */
  tol?: number;
  seed?: number;
  /** threads for the block kernels; default: every core when the data is large enough to gain */
  threads?: number;
  /** explicit initial centres (k × p) instead of k-means++; every restart then starts from them */
  init?: Float64Array;
  /** column names, for error messages */
  columns?: string[];
  onTick?: Tick;
}

export interface KMeansRun {
  inertia: number;
  iterations: number;
  converged: boolean;
}

export interface KMeansFit {
  k: number;
  p: number;
  n: number;
  /** k × p, row-major */
  centers: Float64Array;
  labels: Int32Array;
  sizes: number[];
  inertia: number;
  iterations: number;
  converged: boolean;
  runs: KMeansRun[];
  bestRun: number;
  /** the absolute tolerance: tol · mean feature variance */
  tolerance: number;
  threads: number;
}

/** n·k·p below which one thread is faster than starting workers */
const PARALLEL_MIN_WORK = 4_000_000;

export function defaultThreads(n: number, k: number, p: number): number {
  return n * k * p >= PARALLEL_MIN_WORK ? Math.max(1, availableParallelism()) : 1;
}

export function kppTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/** Rejects bad parameters and data with one clear message each; nothing is fitted. */
export function checkKMeansInput(X: Float64Array, n: number, p: number, opts: KMeansOptions): void {
  const { k } = opts;
  if (!Number.isInteger(k) || k < 2) throw usageError(`k must be an integer ≥ 2, got ${k}`);
  if (opts.nInit !== undefined && (!Number.isInteger(opts.nInit) || opts.nInit < 1)) throw usageError(`n_init must be an integer ≥ 1, got ${opts.nInit}`);
  if (opts.maxIter !== undefined && (!Number.isInteger(opts.maxIter) || opts.maxIter < 1)) throw usageError(`max_iter must be an integer ≥ 1, got ${opts.maxIter}`);
  if (opts.tol !== undefined && !(opts.tol >= 0 && Number.isFinite(opts.tol))) throw usageError(`tol must be a finite number ≥ 0, got ${opts.tol}`);
  if (opts.init !== undefined && opts.init.length !== k * p) throw usageError(`init must hold k × p = ${k * p} numbers, got ${opts.init.length}`);
  if (p < 1) throw dataError('k-means needs at least one numeric feature; the feature matrix has none');
  if (X.length !== n * p) throw new RangeError(`feature matrix holds ${X.length} numbers, expected ${n} × ${p}`);
  if (n < k) throw dataError(`k = ${k} needs at least ${k} rows; the data has ${n}`);
  const name = (j: number) => (opts.columns?.[j] !== undefined ? `"${opts.columns[j]}"` : `${j}`);
  for (let i = 0; i < n * p; i++) {
    const v = X[i];
    if (!Number.isFinite(v)) {
      throw dataError(`row ${Math.floor(i / p)}, feature ${name(i % p)} is ${Number.isNaN(v) ? 'NaN (missing)' : v > 0 ? '+Infinity' : '-Infinity'}: k-means needs finite numbers`, 'impute missing values in the feature set (impute: median) or filter the rows');
    }
  }
  let same = true;
  for (let i = p; i < n * p && same; i++) if (X[i] !== X[i % p]) same = false;
  if (same) throw dataError(`all ${n} rows are identical: there is nothing to segment`);
}

function allocState(X: Float64Array, n: number, p: number, k: number, shared: boolean): KState {
  const trials = kppTrials(k);
  const blockRows = blockRowsFor(n, k, p);
  const nBlocks = Math.ceil(n / blockRows);
  const f64 = (len: number) => (shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len));
  const i32 = (len: number) => (shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len));
  let Xs = X;
  if (shared && !(X.buffer instanceof SharedArrayBuffer)) {
    Xs = f64(n * p);
    Xs.set(X);
  }
  return {
    X: Xs,
    n,
    p,
    k,
    blockRows,
    nBlocks,
    trials,
    centers: f64(k * p),
    half: f64(k),
    shift: f64(k),
    labels: i32(n),
    upper: f64(n),
    lower: f64(n),
    bSums: f64(nBlocks * k * p),
    bCounts: i32(nBlocks * k),
    bChanged: i32(nBlocks),
    bInertia: f64(nBlocks),
    candDist: f64(trials * n),
    candRows: f64(trials * p),
    bPot: f64(nBlocks * trials),
    params: i32(5),
    shiftMax: f64(3),
  };
}

/** scikit-learn's _tolerance: tol × the mean of the columns' (population) variances. */
export function absoluteTolerance(X: Float64Array, n: number, p: number, tol: number): number {
  if (tol === 0) return 0;
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += X[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= n;
  const ss = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const d = X[i * p + j] - mean[j];
      ss[j] += d * d;
    }
  }
  let v = 0;
  for (let j = 0; j < p; j++) v += ss[j] / n;
  return (v / p) * tol;
}

/**
 * Greedy k-means++: first centre uniform; then, per centre, `trials` candidates drawn ∝ d² (the first
 * row whose running sum of d² exceeds u · potential, so rows at distance 0 are never drawn) and the
 * one giving the lowest potential is kept. Returns false if the potential reached 0 with fewer than k
 * centres (fewer distinct rows than k); `chosen` then says how many. On success every row's nearest and
 * second-nearest centre are known but for the last centre's, which the first assignment (MODE_KPP) adds.
 */
async function kmeansPlusPlus(S: KState, R: BlockRunner, rng: Rng): Promise<{ ok: boolean; chosen: number }> {
  const { n, p, k, X, centers, candDist, upper, bPot, nBlocks, blockRows } = S;
  const T = S.trials;
  const first = rng.int(n);
  centers.set(X.subarray(first * p, first * p + p), 0);
  S.candRows.set(centers.subarray(0, p));
  S.params[1] = 1;
  S.params[2] = -1;
  await R.run(CMD_KPP);
  let prev = 0;
  let pot = 0;
  for (let b = 0; b < nBlocks; b++) pot += bPot[b * T];
  for (let c = 1; c < k; c++) {
    if (!(pot > 0)) return { ok: false, chosen: c };
    const cand: number[] = [];
    for (let t = 0; t < T; t++) {
      const row = drawRow(upper, candDist, prev * n, bPot, T, prev, nBlocks, blockRows, n, rng.next() * pot);
      cand.push(row);
      S.candRows.set(X.subarray(row * p, row * p + p), t * p);
    }
    S.params[1] = T;
    S.params[2] = prev;
    S.params[4] = c - 1;
    await R.run(CMD_KPP);
    let best = 0;
    let bestPot = Infinity;
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let b = 0; b < nBlocks; b++) s += bPot[b * T + t];
      if (s < bestPot) {
        bestPot = s;
        best = t;
      }
    }
    const row = cand[best];
    centers.set(X.subarray(row * p, row * p + p), c * p);
    prev = best;
    pot = bestPot;
  }
  // the last centre's distances wait in candDist[prev] for the first assignment
  S.params[2] = prev;
  S.params[4] = k - 1;
  return { ok: true, chosen: k };
}

/**
 * The first row whose running sum of weights min(near[i], d[off + i]) (the squared distance to the
 * nearest chosen centre, candidate included) exceeds v, walking block totals first.
 */
function drawRow(near: Float64Array, d: Float64Array, off: number, bPot: Float64Array, T: number, t: number, nBlocks: number, blockRows: number, n: number, v: number): number {
  let acc = 0;
  let lastPositive = -1;
  for (let b = 0; b < nBlocks; b++) {
    const bp = bPot[b * T + t];
    const r0 = b * blockRows;
    if (acc + bp > v) {
      const r1 = Math.min(n, r0 + blockRows);
      for (let i = r0; i < r1; i++) {
        const x = d[off + i] < near[i] ? d[off + i] : near[i];
        if (x > 0) lastPositive = i;
        acc += x;
        if (acc > v && x > 0) return i;
      }
    } else {
      acc += bp;
      if (bp > 0) lastPositive = lastPositiveIn(near, d, off, r0, Math.min(n, r0 + blockRows));
    }
  }
  return lastPositive;
}

function lastPositiveIn(near: Float64Array, d: Float64Array, off: number, r0: number, r1: number): number {
  for (let i = r1 - 1; i >= r0; i--) if (d[off + i] > 0 && near[i] > 0) return i;
  return -1;
}

/** half the distance from each centre to its nearest other one (Hamerly's s) */
function halfGaps(S: KState): void {
  const { k, p, centers, half } = S;
  half.fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      let s = 0;
      for (let j = 0; j < p; j++) {
        const d = centers[a * p + j] - centers[b * p + j];
        s += d * d;
      }
      const h = Math.sqrt(s) / 2;
      if (h < half[a]) half[a] = h;
      if (h < half[b]) half[b] = h;
    }
  }
}

/** New centres (sum of block sums in block order / count) into `out`; returns the counts. */
function reduceCentres(S: KState, out: Float64Array): Float64Array {
  const { k, p, nBlocks, bSums, bCounts } = S;
  out.fill(0);
  const counts = new Float64Array(k);
  for (let b = 0; b < nBlocks; b++) {
    const so = b * k * p;
    for (let c = 0; c < k; c++) counts[c] += bCounts[b * k + c];
    for (let i = 0; i < k * p; i++) out[i] += bSums[so + i];
  }
  return counts;
}

/**
 * Empty clusters take the rows farthest from their current centres (largest first; ties → lower row),
 * as scikit-learn does; the moved rows' blocks get their sums recomputed.
 */
function relocateEmpty(S: KState, counts: Float64Array): void {
  const { X, n, p, k, centers, labels } = S;
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const a = labels[i];
    for (let j = 0; j < p; j++) {
      const d = X[i * p + j] - centers[a * p + j];
      s += d * d;
    }
    dist[i] = s;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b] - dist[a] || a - b);
  const touched = new Set<number>();
  empty.forEach((c, e) => {
    const f = order[e];
    labels[f] = c;
    S.upper[f] = 0;
    S.lower[f] = 0;
    touched.add(Math.floor(f / S.blockRows));
  });
  for (const b of touched) {
    const r0 = b * S.blockRows;
    blockSums(S, b, r0, Math.min(n, r0 + S.blockRows));
  }
}

/** Lloyd from the current centres; fromKpp: k-means++ left every row's two nearest centres but the last. */
async function lloyd(S: KState, R: BlockRunner, maxIter: number, tolAbs: number, fromKpp: boolean): Promise<KMeansRun> {
  const { k, p, centers, shift } = S;
  const next = new Float64Array(k * p);
  if (!fromKpp) S.labels.fill(-1);
  S.params[3] = fromKpp ? MODE_KPP : MODE_FULL;
  await R.run(CMD_ASSIGN);
  let iterations = 0;
  let converged = false;
  for (let it = 0; it < maxIter; it++) {
    let counts = reduceCentres(S, next);
    if (counts.some((c) => c === 0)) {
      relocateEmpty(S, counts);
      counts = reduceCentres(S, next);
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < p; j++) next[c * p + j] /= counts[c];
    let changed = 0;
    for (let b = 0; b < S.nBlocks; b++) changed += S.bChanged[b];
    let shiftTot = 0;
    let m1 = 0;
    let m2 = 0;
    let at = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < p; j++) {
        const d = next[c * p + j] - centers[c * p + j];
        s += d * d;
      }
      shiftTot += s;
      const r = Math.sqrt(s);
      shift[c] = r;
      if (r > m1) {
        m2 = m1;
        m1 = r;
        at = c;
      } else if (r > m2) m2 = r;
    }
    centers.set(next);
    iterations = it + 1;
    // the bounds' moves and the half-gaps of the new centres: the next assignment's, or the final pass's
    S.shiftMax[0] = m1;
    S.shiftMax[1] = m2;
    S.shiftMax[2] = at;
    halfGaps(S);
    if (it > 0 && changed === 0) {
      converged = true;
      break;
    }
    if (shiftTot <= tolAbs) {
      converged = true;
      break;
    }
    if (it + 1 === maxIter) break;
    S.params[3] = MODE_BOUNDS;
    await R.run(CMD_ASSIGN);
  }
  await R.run(CMD_FINAL);
  let inertia = 0;
  for (let b = 0; b < S.nBlocks; b++) inertia += S.bInertia[b];
  return { inertia, iterations, converged };
}

function clusterSizes(S: KState): number[] {
  const sizes = new Array<number>(S.k).fill(0);
  for (let b = 0; b < S.nBlocks; b++) for (let c = 0; c < S.k; c++) sizes[c] += S.bCounts[b * S.k + c];
  return sizes;
}

/** Fits k-means to X (n × p, row-major). Throws a DictlError for bad parameters or data. */
export async function fitKMeans(X: Float64Array, n: number, p: number, opts: KMeansOptions): Promise<KMeansFit> {
  checkKMeansInput(X, n, p, opts);
  const { k } = opts;
  const nInit = opts.nInit ?? 10;
  const maxIter = opts.maxIter ?? 300;
  const threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads(n, k, p)));
  const S = allocState(X, n, p, k, threads > 1);
  const tolerance = absoluteTolerance(S.X, n, p, opts.tol ?? 1e-4);
  const rng = makeRng(opts.seed ?? 0);
  const R = makeRunner(S, threads);
  try {
    const runs: KMeansRun[] = [];
    let best = -1;
    let bestCenters = new Float64Array(k * p);
    let bestLabels = new Int32Array(n);
    let bestSizes: number[] = [];
    for (let r = 0; r < nInit; r++) {
      const init = opts.init ? (S.centers.set(opts.init), { ok: true, chosen: k }) : await kmeansPlusPlus(S, R, rng);
      if (!init.ok) throw dataError(`only ${init.chosen} distinct rows, fewer than k = ${k}: choose a smaller k`);
      const run = await lloyd(S, R, maxIter, tolerance, !opts.init);
      runs.push(run);
      if (best < 0 || run.inertia < runs[best].inertia) {
        best = r;
        bestCenters = S.centers.slice();
        bestLabels = S.labels.slice();
        bestSizes = clusterSizes(S);
      }
      opts.onTick?.(r + 1, nInit);
    }
    const b = runs[best];
    return {
      k,
      p,
      n,
      centers: bestCenters,
      labels: bestLabels,
      sizes: bestSizes,
      inertia: b.inertia,
      iterations: b.iterations,
      converged: b.converged,
      runs,
      bestRun: best,
      tolerance,
      threads,
    };
  } finally {
    await R.close();
  }
}

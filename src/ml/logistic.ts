/**
 * Logistic regression, binary and multinomial (softmax), with scikit-learn's objective:
 *   C · Σ s_i · logloss_i + (1 − r)/2 · ‖W‖² + r · ‖W‖₁     (intercepts never penalised)
 * where r = 0 for l2, 1 for l1, l1Ratio for elasticnet, and no penalty for 'none'. We minimise the
 * same objective divided by C (identical minimiser; this is what sklearn's lbfgs path does too, so its
 * gtol has the same scale): Σ s_i·logloss_i + λ2/2·‖W‖² + λ1·‖W‖₁ with λ2 = (1 − r)/C, λ1 = r/C.
 * Newton (binary, few columns), L-BFGS / OWL-QN otherwise. X is row-major n × p Float64Array.
 * Parameter layout θ: for each class row k, [w_k0 … w_k(p−1), b_k]; binary has one row.
 */
import { CHUNK_ROWS, chunkRanges, chunkRows } from './kernels.js';
import { minimize, type MinimizeResult } from './optim.js';
import { PARALLEL_MIN_ENTRIES, RowSession, solverThreads, toShared } from './parallel.js';

export type Penalty = 'l2' | 'l1' | 'elasticnet' | 'none';

export interface LogisticOptions {
  penalty: Penalty;
  C: number;
  l1Ratio?: number;
  tol: number;
  maxIter: number;
  /**
   * relative objective decrease that also ends the search (default 1e-12: tighter than scipy's
   * 2.2e-9 that sklearn uses, which on ill-conditioned one-hot data leaves coefficients ~5e-3 off
   * the optimum; 1e-12 keeps them within ~1e-4 for a modest number of extra iterations)
   */
  ftol?: number;
  /** per-row weights (class weights); default 1 */
  sampleWeight?: Float64Array;
  /** 'auto' (default): Newton for binary p ≤ NEWTON_MAX_P, else quasi-Newton; 'lbfgs': quasi-Newton only */
  solver?: 'auto' | 'lbfgs';
  /** warm start θ (layout above) */
  init?: Float64Array;
  /** the rows of X to fit on, as [start, end) ranges (default: all n rows); weights and labels are indexed like X */
  rows?: RowRanges;
  /** called after each iteration with (iteration, objective, gradient norm) */
  onIter?: (it: number, f: number, gnorm: number) => void;
}

export interface LinearFit {
  /** K' rows × p */
  coef: Float64Array[];
  intercept: Float64Array;
  iterations: number;
  converged: boolean;
  gradNorm: number;
  reason: MinimizeResult['reason'];
  /** the minimised objective (divided by C) */
  objective: number;
  theta: Float64Array;
  /** which solver(s) ran, e.g. "lbfgs", "owlqn+newton", "cholesky" */
  solver?: string;
}

/** Largest p for which the binary solver is (proximal) Newton; L-BFGS / OWL-QN above it. */
export const NEWTON_MAX_P = 400;

export function penaltyStrengths(penalty: Penalty, C: number, l1Ratio = 0.5): { l1: number; l2: number } {
  if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`C must be a positive number, got ${C}`);
  switch (penalty) {
    case 'none':
      return { l1: 0, l2: 0 };
    case 'l2':
      return { l1: 0, l2: 1 / C };
    case 'l1':
      return { l1: 1 / C, l2: 0 };
    case 'elasticnet':
      if (!(l1Ratio >= 0 && l1Ratio <= 1)) throw new RangeError(`l1-ratio must be within [0, 1], got ${l1Ratio}`);
      return { l1: l1Ratio / C, l2: (1 - l1Ratio) / C };
  }
}

/** Rows of X a fit uses: [start, end) ranges (default: all n rows). */
export type RowRanges = ArrayLike<number>;

const sharedCopies = new WeakMap<Float64Array, Float64Array>();

/** Rows per Hessian chunk: at most ~16 partial q × q matrices per pass, whatever the number of rows. */
function hessChunkRows(rows: number): number {
  return Math.max(CHUNK_ROWS, Math.ceil(rows / 16 / CHUNK_ROWS) * CHUNK_ROWS);
}

/** Row stride of the Hessian's row sample: about max(10 000, 40·q) rows (all rows when fewer). */
export function hessianStride(rows: number, q: number): number {
  return Math.max(1, Math.floor(rows / Math.max(10_000, 40 * q)));
}

/**
 * Binds the fit's rows to the solver threads. X is copied into shared memory (once per array) only
 * when threads will help; data loaded by dictl already lives there.
 */
export function openRows(X: Float64Array, n: number, p: number, y: Float64Array, sw: Float64Array | undefined, K: number, ranges: RowRanges = [0, n]): RowSession {
  const g = chunkRanges(ranges, CHUNK_ROWS);
  const rows = chunkRows(g);
  const h = chunkRanges(ranges, hessChunkRows(rows));
  let Xs = X;
  let ys = y;
  let ss = sw;
  if (solverThreads() > 1 && rows * p >= PARALLEL_MIN_ENTRIES) {
    if (!(X.buffer instanceof SharedArrayBuffer)) {
      let c = sharedCopies.get(X);
      if (!c) {
        c = toShared(X);
        sharedCopies.set(X, c);
      }
      Xs = c;
    }
    ys = toShared(y);
    ss = sw ? toShared(sw) : undefined;
  }
  return new RowSession(Xs, p, ys, ss, K, { g, h });
}

/** Adds λ2/2·‖w‖² (all coefficients, no intercepts) to f and λ2·w to the gradient. */
function addL2(theta: Float64Array, grad: Float64Array, rows: number, p: number, l2: number): number {
  if (!(l2 > 0)) return 0;
  const q = p + 1;
  let w2 = 0;
  for (let k = 0; k < rows; k++) {
    for (let j = 0; j < p; j++) {
      const t = theta[k * q + j];
      w2 += t * t;
      grad[k * q + j] += l2 * t;
    }
  }
  return 0.5 * l2 * w2;
}

/** Binary objective Σ s_i·logloss_i + λ2/2‖w‖² and its gradient over the session's rows. */
function binaryObjectiveOn(s: RowSession, p: number, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  const buf = new Float64Array(p + 2);
  return (theta, grad) => {
    s.run('grad', 'g', theta, buf);
    for (let j = 0; j <= p; j++) grad[j] = buf[j];
    return buf[p + 1] + addL2(theta, grad, 1, p, l2);
  };
}

/** Multinomial objective over K classes (y = class index), softmax with a full K-row parameterisation. */
function multinomialObjectiveOn(s: RowSession, p: number, K: number, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  const w = K * (p + 1);
  const buf = new Float64Array(w + 1);
  return (theta, grad) => {
    s.run('mgrad', 'g', theta, buf);
    for (let j = 0; j < w; j++) grad[j] = buf[j];
    return buf[w] + addL2(theta, grad, K, p, l2);
  };
}

/** Binary objective Σ s_i·logloss_i + λ2/2‖w‖² and its gradient on all n rows (one thread). */
export function binaryObjective(X: Float64Array, n: number, p: number, y: Float64Array, sw: Float64Array | undefined, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  return binaryObjectiveOn(new RowSession(X, p, y, sw, 2, { g: chunkRanges([0, n], CHUNK_ROWS) }, 1), p, l2);
}

/** Multinomial objective on all n rows (one thread). */
export function multinomialObjective(X: Float64Array, n: number, p: number, y: Float64Array, K: number, sw: Float64Array | undefined, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  return multinomialObjectiveOn(new RowSession(X, p, y, sw, K, { g: chunkRanges([0, n], CHUNK_ROWS) }, 1), p, K, l2);
}

function startingPoint(y: Float64Array, sw: Float64Array | undefined, K: number, p: number, ranges: RowRanges): Float64Array {
  // the weighted class log-odds / log-priors (intercepts), zero coefficients
  const rows = K === 2 ? 1 : K;
  const q = p + 1;
  const theta0 = new Float64Array(rows * q);
  const cnt = new Float64Array(K);
  let tot = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    for (let i = ranges[r]; i < ranges[r + 1]; i++) {
      const s = sw ? sw[i] : 1;
      cnt[K === 2 ? (y[i] > 0.5 ? 1 : 0) : y[i]] += s;
      tot += s;
    }
  }
  if (K === 2) {
    const pr = Math.min(Math.max(cnt[1] / tot, 1e-6), 1 - 1e-6);
    theta0[p] = Math.log(pr / (1 - pr));
  } else {
    let mean = 0;
    for (let k = 0; k < K; k++) mean += Math.log(Math.max(cnt[k] / tot, 1e-6)) / K;
    for (let k = 0; k < K; k++) theta0[k * q + p] = Math.log(Math.max(cnt[k] / tot, 1e-6)) - mean;
  }
  return theta0;
}

/**
 * Fits logistic regression. K = 2 → binary (y ∈ {0,1}, one coefficient row); K > 2 → multinomial
 * (y = class index 0..K−1, K rows). The solver is picked by shape, as scikit-learn's advice goes:
 * binary with p ≤ NEWTON_MAX_P → (proximal) Newton with a Cholesky solve on a row-sampled Hessian
 * (a few iterations, whatever the conditioning: collinear one-hot data included); otherwise
 * L-BFGS (OWL-QN with an L1 part). Every pass over the rows runs on the solver threads.
 * `maxIter` caps the iterations of whichever solver runs.
 */
export function fitLogistic(X: Float64Array, n: number, p: number, y: Float64Array, K: number, opts: LogisticOptions): LinearFit {
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const sw = opts.sampleWeight;
  const ranges = opts.rows ?? [0, n];
  const rows = K === 2 ? 1 : K;
  const q = p + 1;
  const theta0 = opts.init && opts.init.length === rows * q ? opts.init : startingPoint(y, sw, K, p, ranges);
  const s = openRows(X, n, p, y, sw, K, ranges);
  try {
    if (K === 2 && p <= NEWTON_MAX_P && opts.solver !== 'lbfgs') {
      const rowsUsed = chunkRows(s.chunks.g);
      let start = theta0;
      if (!opts.init && rowsUsed >= SAMPLE_START_FROM) start = sampleStart(X, n, p, y, sw, s.chunks.g, rowsUsed, l1, l2, opts.maxIter, theta0);
      const r = newtonOn(s, p, l1, l2, opts.tol, opts.ftol ?? 1e-12, opts.maxIter, start, hessianStride(rowsUsed, q), opts.onIter);
      return { ...r, solver: l1 > 0 ? 'newton-cd' : 'newton-cholesky' };
    }
    let l1w: Float64Array | undefined;
    if (l1 > 0) {
      l1w = new Float64Array(rows * q);
      for (let k = 0; k < rows; k++) for (let j = 0; j < p; j++) l1w[k * q + j] = l1;
    }
    const fn = K === 2 ? binaryObjectiveOn(s, p, l2) : multinomialObjectiveOn(s, p, K, l2);
    const r = minimize(fn, theta0, { gtol: opts.tol, ftol: opts.ftol ?? 1e-12, maxIter: opts.maxIter, l1: l1w, onIter: opts.onIter });
    const coef: Float64Array[] = [];
    const intercept = new Float64Array(rows);
    for (let k = 0; k < rows; k++) {
      coef.push(r.theta.slice(k * q, k * q + p));
      intercept[k] = r.theta[k * q + p];
    }
    return { coef, intercept, iterations: r.iterations, converged: r.converged, gradNorm: r.gradNorm, reason: r.reason, objective: r.f, theta: r.theta, solver: l1 > 0 ? 'owlqn' : 'lbfgs' };
  } finally {
    s.close();
  }
}

/** Rows from which a cold Newton start is first solved on a sample of row blocks. */
const SAMPLE_START_FROM = 200_000;

/**
 * A cold start's first Newton iterations only need to get close: they run on every k-th row block
 * (about 50 000 rows, penalty scaled to the sample's share so the optimum matches), to a loose
 * tolerance, and the full-data Newton then finishes in two or three iterations from there.
 * Deterministic (fixed blocks); the full-data iterations alone decide convergence.
 */
function sampleStart(X: Float64Array, n: number, p: number, y: Float64Array, sw: Float64Array | undefined, chunks: Int32Array, rows: number, l1: number, l2: number, maxIter: number, theta0: Float64Array): Float64Array {
  const k = Math.max(2, Math.floor(rows / 50_000));
  const ranges: number[] = [];
  for (let c = 0; c < chunks.length; c += 2 * k) ranges.push(chunks[c], chunks[c + 1]);
  const s = openRows(X, n, p, y, sw, 2, ranges);
  try {
    const share = chunkRows(s.chunks.g) / rows;
    return newtonOn(s, p, l1 * share, l2 * share, 0, 1e-8, Math.min(maxIter, 30), theta0, hessianStride(chunkRows(s.chunks.g), p + 1)).theta;
  } finally {
    s.close();
  }
}

/** ‖minimum-norm subgradient‖∞ of f + l1·‖w‖₁ (intercept unpenalised). */
function subgradNorm(theta: Float64Array, g: Float64Array, p: number, l1: number): number {
  let m = Math.abs(g[p]);
  for (let j = 0; j < p; j++) {
    const v = l1 === 0 ? Math.abs(g[j]) : theta[j] !== 0 ? Math.abs(g[j] + l1 * Math.sign(theta[j])) : Math.max(Math.abs(g[j]) - l1, 0);
    if (v > m) m = v;
  }
  return m;
}

/**
 * (Proximal) Newton for binary logistic regression: a Cholesky solve for l2/none, coordinate descent
 * on the quadratic model for l1/elasticnet (as glmnet/newGLMNET), then a backtracking line search on
 * the true objective. The gradient is exact (all rows); the Hessian comes from every `stride`-th row
 * (scaled up), which keeps each iteration at about two gradient passes while the convergence stays
 * fast (a row sample estimates a sum of positive curvature terms to ~1%, collinear directions too).
 * Stops when the minimum-norm subgradient ‖·‖∞ ≤ tol, when an iteration lowers the objective by a
 * relative ≤ ftol, or after maxIter iterations.
 */
function newtonOn(s: RowSession, p: number, l1: number, l2: number, tol: number, ftol: number, maxIter: number, init: Float64Array, stride: number, onIter?: (it: number, f: number, gnorm: number) => void): LinearFit {
  const q = p + 1;
  const fn = binaryObjectiveOn(s, p, l2);
  const l1sum = (t: Float64Array) => {
    let v = 0;
    for (let j = 0; j < p; j++) v += Math.abs(t[j]);
    return l1 * v;
  };
  const theta = Float64Array.from(init);
  const g = new Float64Array(q);
  const H = new Float64Array(q * q);
  const d = new Float64Array(q);
  const Hd = new Float64Array(q);
  const trial = new Float64Array(q);
  const gt = new Float64Array(q);
  // the Hessian sample's rows count `scale` times (the exact Hessian when stride = 1)
  const sampleRows = (() => {
    let m = 0;
    const c = s.chunks.h;
    for (let k = 0; k < c.length; k += 2) m += Math.ceil((c[k + 1] - c[k]) / stride);
    return m;
  })();
  const scale = chunkRows(s.chunks.h) / Math.max(sampleRows, 1);
  let f = fn(theta, g) + l1sum(theta);
  if (!Number.isFinite(f)) throw new RangeError('objective is not finite at the starting point');
  let gnorm = subgradNorm(theta, g, p, l1);
  let it = 0;
  let reason: LinearFit['reason'] = 'maxIter';
  for (;;) {
    if (gnorm <= tol) {
      reason = 'gtol';
      break;
    }
    if (it >= maxIter) break;
    s.run('hess', 'h', theta, H, stride);
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < a; b++) {
        H[a * q + b] *= scale;
        H[b * q + a] = H[a * q + b];
      }
      H[a * q + a] = H[a * q + a] * scale + (a < p ? l2 : 0);
    }
    if (l1 === 0) {
      for (let j = 0; j < q; j++) d[j] = -g[j];
      choleskySolve(H, q, d);
    } else proximalDirection(H, q, p, g, theta, l1, d, Hd);
    let dec = 0;
    for (let j = 0; j < q; j++) dec += g[j] * d[j];
    // the Newton decrement: what the step would still gain; below the f tolerance, stop here
    if (l1 === 0 && -dec / 2 <= ftol * Math.max(Math.abs(f), 1)) {
      reason = 'ftol';
      break;
    }
    let t = 1;
    let ok = false;
    let fNew = f;
    for (let ls = 0; ls < 30; ls++) {
      for (let j = 0; j < q; j++) trial[j] = theta[j] + t * d[j];
      fNew = fn(trial, gt) + l1sum(trial);
      const expected = l1 === 0 ? t * dec : t * dec + l1sum(trial) - l1sum(theta);
      if (fNew <= f + 1e-4 * Math.min(expected, 0)) {
        ok = true;
        break;
      }
      t *= 0.5;
    }
    if (!ok) {
      // no decrease possible at double precision: the optimum as far as it can be resolved
      reason = gnorm <= 100 * tol ? 'gtol' : 'lineSearch';
      break;
    }
    it++;
    const fOld = f;
    theta.set(trial);
    g.set(gt);
    f = fNew;
    gnorm = subgradNorm(theta, g, p, l1);
    onIter?.(it, f, gnorm);
    if (gnorm <= tol) {
      reason = 'gtol';
      break;
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      reason = 'ftol';
      break;
    }
  }
  return { coef: [theta.slice(0, p)], intercept: Float64Array.of(theta[p]), iterations: it, converged: reason === 'gtol' || reason === 'ftol', gradNorm: gnorm, reason, objective: f, theta };
}

/** CD on  g·d + ½ dᵀ(H + εI)d + l1·‖w + d‖₁ (ε keeps flat, collinear directions from taking huge steps). */
function proximalDirection(H: Float64Array, q: number, p: number, g: Float64Array, theta: Float64Array, l1: number, d: Float64Array, Hd: Float64Array): void {
  let tr = 0;
  for (let j = 0; j < q; j++) tr += H[j * q + j];
  const eps = 1e-8 * (1 + tr / q);
  for (let j = 0; j < q; j++) H[j * q + j] += eps;
  d.fill(0);
  Hd.fill(0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let maxStep = 0;
    for (let j = 0; j < q; j++) {
      const hjj = H[j * q + j];
      if (!(hjj > 0)) continue;
      const grad = g[j] + Hd[j];
      let nd: number;
      if (j === p) nd = d[j] - grad / hjj;
      else {
        const u = theta[j] + d[j] - grad / hjj; // unpenalised coordinate minimiser of w_j + d_j
        const w = Math.sign(u) * Math.max(Math.abs(u) - l1 / hjj, 0);
        nd = w - theta[j];
      }
      const delta = nd - d[j];
      if (delta !== 0) {
        d[j] = nd;
        const row = j * q;
        for (let k = 0; k < q; k++) Hd[k] += delta * H[row + k];
        if (Math.abs(delta) > maxStep) maxStep = Math.abs(delta);
      }
    }
    if (maxStep <= 1e-12) break;
  }
}

/**
 * Newton with the exact Hessian (all rows), the high-precision reference: stops when the minimum-norm
 * subgradient ‖·‖∞ ≤ tol (default 1e-10) or at the precision floor.
 */
export function newtonLogistic(
  X: Float64Array, n: number, p: number, y: Float64Array,
  opts: { C: number; penalty: Penalty; l1Ratio?: number; tol?: number; maxIter?: number; sampleWeight?: Float64Array; init?: Float64Array },
): LinearFit {
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const q = p + 1;
  const init = opts.init && opts.init.length === q ? opts.init : new Float64Array(q);
  const s = openRows(X, n, p, y, opts.sampleWeight, 2);
  try {
    return { ...newtonOn(s, p, l1, l2, opts.tol ?? 1e-10, 1e-15, opts.maxIter ?? 100, init, 1), solver: l1 > 0 ? 'newton-cd' : 'newton-cholesky' };
  } finally {
    s.close();
  }
}

/**
 * Numerical rank of the weighted Gram matrix of [X, 1] (intercept last) by Cholesky with diagonal
 * pivoting on the unit-diagonal (correlation) scaling; the columns left out are the ones that are
 * (within rel. 1e-9) linear combinations of the others. Returns the rank and, per dependent column,
 * the independent columns it is made of. With `stride` > 1 only every stride-th row counts: a row
 * sample's rank is at most the full rank, so a full-rank sample proves full rank.
 */
export function gramRank(X: Float64Array, n: number, p: number, sw?: Float64Array, ranges: RowRanges = [0, n], stride = 1): { rank: number; q: number; dependent: { column: number; on: number[] }[] } {
  const q = p + 1;
  const s = openRows(X, n, p, new Float64Array(n), sw, 2, ranges);
  const G = new Float64Array(q * q);
  try {
    s.run('gram', 'h', new Float64Array(q), G, stride);
  } finally {
    s.close();
  }
  for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) G[b * q + a] = G[a * q + b];
  const scale = new Float64Array(q);
  for (let j = 0; j < q; j++) scale[j] = G[j * q + j] > 0 ? 1 / Math.sqrt(G[j * q + j]) : 0;
  const A = new Float64Array(q * q);
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) A[a * q + b] = G[a * q + b] * scale[a] * scale[b];
  // pivoted Cholesky (outer-product form), A = L Lᵀ on the chosen pivots
  const L = new Float64Array(q * q);
  const diag = new Float64Array(q);
  for (let j = 0; j < q; j++) diag[j] = A[j * q + j];
  const chosen: number[] = [];
  const used = new Uint8Array(q);
  const tolPivot = 1e-9;
  for (let k = 0; k < q; k++) {
    let best = -1;
    for (let j = 0; j < q; j++) if (!used[j] && (best < 0 || diag[j] > diag[best])) best = j;
    if (best < 0 || !(diag[best] > tolPivot)) break;
    used[best] = 1;
    const piv = Math.sqrt(diag[best]);
    const col = chosen.length;
    for (let i = 0; i < q; i++) {
      if (used[i] && i !== best) continue;
      let v = A[i * q + best];
      for (let c = 0; c < col; c++) v -= L[i * q + c] * L[best * q + c];
      L[i * q + col] = v / piv;
      if (i !== best) diag[i] -= (v / piv) ** 2;
    }
    chosen.push(best);
  }
  const rank = chosen.length;
  const dependent: { column: number; on: number[] }[] = [];
  if (rank < q) {
    // express each left-out column in the chosen ones: solve A_cc β = A_c,j
    const r = rank;
    const Acc = new Float64Array(r * r);
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) Acc[a * r + b] = A[chosen[a] * q + chosen[b]];
    for (let j = 0; j < q; j++) {
      if (used[j]) continue;
      const beta = new Float64Array(r);
      for (let a = 0; a < r; a++) beta[a] = A[chosen[a] * q + j];
      choleskySolve(Acc, r, beta);
      const on = chosen.filter((_, a) => Math.abs(beta[a]) > 1e-6).sort((a, b) => a - b);
      dependent.push({ column: j, on });
    }
  }
  return { rank, q, dependent };
}

/** Solves A x = b in place (b ← x) for symmetric positive definite A (row-major q × q, copied). */
export function choleskySolve(A: Float64Array, q: number, b: Float64Array): void {
  const L = Float64Array.from(A);
  for (let j = 0; j < q; j++) {
    let d = L[j * q + j];
    for (let k = 0; k < j; k++) d -= L[j * q + k] * L[j * q + k];
    if (!(d > 0)) d = 1e-12 * Math.max(1, Math.abs(A[j * q + j])); // singular direction: regularise
    const ljj = Math.sqrt(d);
    L[j * q + j] = ljj;
    for (let i = j + 1; i < q; i++) {
      let s = L[i * q + j];
      for (let k = 0; k < j; k++) s -= L[i * q + k] * L[j * q + k];
      L[i * q + j] = s / ljj;
    }
  }
  for (let i = 0; i < q; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * q + k] * b[k];
    b[i] = s / L[i * q + i];
  }
  for (let i = q - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < q; k++) s -= L[k * q + i] * b[k];
    b[i] = s / L[i * q + i];
  }
}

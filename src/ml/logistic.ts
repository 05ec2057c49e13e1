/**
 * Logistic regression, binary and multinomial (softmax), with scikit-learn's objective:
 *   C · Σ s_i · logloss_i + (1 − r)/2 · ‖W‖² + r · ‖W‖₁     (intercepts never penalised)
 * where r = 0 for l2, 1 for l1, l1Ratio for elasticnet, and no penalty for 'none'. We minimise the
 * same objective divided by C (identical minimiser; this is what sklearn's lbfgs path does too, so its
 * gtol has the same scale): Σ s_i·logloss_i + λ2/2·‖W‖² + λ1·‖W‖₁ with λ2 = (1 − r)/C, λ1 = r/C.
 * L-BFGS for smooth penalties, OWL-QN when there is an L1 part. X is row-major n × p Float64Array.
 * Parameter layout θ: for each class row k, [w_k0 … w_k(p−1), b_k]; binary has one row.
 */
import { minimize, type MinimizeResult } from './optim.js';

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
  /** 'auto' (default): quasi-Newton, finished by Newton for binary p ≤ NEWTON_MAX_P; 'lbfgs': quasi-Newton only */
  solver?: 'auto' | 'lbfgs';
  /** warm start θ (layout above) */
  init?: Float64Array;
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

/** Largest p for which the binary solver may finish with exact (proximal) Newton steps. */
export const NEWTON_MAX_P = 400;
/** Newton iterations allowed after the quasi-Newton budget (each costs one Hessian, n·p²/2). */
const NEWTON_PHASE_MAX = 50;

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

/** Binary objective Σ s_i·logloss_i + λ2/2‖w‖² and its gradient, one fused pass over the rows. */
export function binaryObjective(X: Float64Array, n: number, p: number, y: Float64Array, sw: Float64Array | undefined, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  return (theta, grad) => {
    grad.fill(0);
    const b = theta[p];
    let f = 0;
    let gb = 0;
    const p4 = p - (p % 4);
    for (let i = 0; i < n; i++) {
      const off = i * p;
      // four accumulators: breaks the add-latency chain of the dot product (~1.3× faster overall)
      let z0 = 0;
      let z1 = 0;
      let z2 = 0;
      let z3 = 0;
      let j = 0;
      for (; j < p4; j += 4) {
        z0 += X[off + j] * theta[j];
        z1 += X[off + j + 1] * theta[j + 1];
        z2 += X[off + j + 2] * theta[j + 2];
        z3 += X[off + j + 3] * theta[j + 3];
      }
      for (; j < p; j++) z0 += X[off + j] * theta[j];
      const z = b + (z0 + z1 + (z2 + z3));
      const s = sw ? sw[i] : 1;
      const yi = y[i];
      // logloss = softplus(z) − y·z, with one exp shared by softplus and σ; log(1 + e) for e ≤ 1 has
      // an absolute error ≤ 1.2e-16, all a summed loss needs (and is faster than log1p)
      const e = Math.exp(z > 0 ? -z : z);
      f += s * ((z > 0 ? z : 0) + Math.log(1 + e) - yi * z);
      const r = s * ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi);
      if (r !== 0) {
        for (let j = 0; j < p; j++) grad[j] += r * X[off + j];
        gb += r;
      }
    }
    grad[p] = gb;
    if (l2 > 0) {
      let w2 = 0;
      for (let j = 0; j < p; j++) {
        w2 += theta[j] * theta[j];
        grad[j] += l2 * theta[j];
      }
      f += 0.5 * l2 * w2;
    }
    return f;
  };
}

/** Multinomial objective over K classes (y = class index), softmax with a full K-row parameterisation. */
export function multinomialObjective(X: Float64Array, n: number, p: number, y: Float64Array, K: number, sw: Float64Array | undefined, l2: number): (theta: Float64Array, grad: Float64Array) => number {
  const z = new Float64Array(K);
  const q = p + 1;
  return (theta, grad) => {
    grad.fill(0);
    let f = 0;
    for (let i = 0; i < n; i++) {
      const off = i * p;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) {
        const o = k * q;
        let s = theta[o + p];
        for (let j = 0; j < p; j++) s += X[off + j] * theta[o + j];
        z[k] = s;
        if (s > mx) mx = s;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        z[k] = Math.exp(z[k] - mx);
        sum += z[k];
      }
      const s = sw ? sw[i] : 1;
      const yi = y[i];
      // −log softmax_y = log Σ e^{z} − z_y ; z[k] now holds e^{z_k − mx}
      f += s * (Math.log(sum) - Math.log(z[yi]));
      for (let k = 0; k < K; k++) {
        const r = s * (z[k] / sum - (k === yi ? 1 : 0));
        if (r === 0) continue;
        const o = k * q;
        for (let j = 0; j < p; j++) grad[o + j] += r * X[off + j];
        grad[o + p] += r;
      }
    }
    if (l2 > 0) {
      let w2 = 0;
      for (let k = 0; k < K; k++) {
        const o = k * q;
        for (let j = 0; j < p; j++) {
          w2 += theta[o + j] * theta[o + j];
          grad[o + j] += l2 * theta[o + j];
        }
      }
      f += 0.5 * l2 * w2;
    }
    return f;
  };
}

/**
 * Fits logistic regression. K = 2 → binary (y ∈ {0,1}, one coefficient row); K > 2 → multinomial
 * (y = class index 0..K−1, K rows).
 */
export function fitLogistic(X: Float64Array, n: number, p: number, y: Float64Array, K: number, opts: LogisticOptions): LinearFit {
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const sw = opts.sampleWeight;
  const fn = K === 2 ? binaryObjective(X, n, p, y, sw, l2) : multinomialObjective(X, n, p, y, K, sw, l2);
  const rows = K === 2 ? 1 : K;
  const q = p + 1;
  let theta0 = opts.init;
  if (!theta0 || theta0.length !== rows * q) {
    // start at the weighted class log-odds / log-priors (intercepts), zero coefficients
    theta0 = new Float64Array(rows * q);
    const cnt = new Float64Array(K);
    let tot = 0;
    for (let i = 0; i < n; i++) {
      const s = sw ? sw[i] : 1;
      cnt[K === 2 ? (y[i] > 0.5 ? 1 : 0) : y[i]] += s;
      tot += s;
    }
    if (K === 2) {
      const pr = Math.min(Math.max(cnt[1] / tot, 1e-6), 1 - 1e-6);
      theta0[p] = Math.log(pr / (1 - pr));
    } else {
      let mean = 0;
      for (let k = 0; k < K; k++) mean += Math.log(Math.max(cnt[k] / tot, 1e-6)) / K;
      for (let k = 0; k < K; k++) theta0[k * q + p] = Math.log(Math.max(cnt[k] / tot, 1e-6)) - mean;
    }
  }
  let l1w: Float64Array | undefined;
  if (l1 > 0) {
    l1w = new Float64Array(rows * q);
    for (let k = 0; k < rows; k++) for (let j = 0; j < p; j++) l1w[k * q + j] = l1;
  }
  // Binary with modest p: L-BFGS/OWL-QN gets a budget of max(50, p + 1) iterations (enough on well-
  // conditioned data), then exact (proximal) Newton finishes from where it stopped.
  const hybrid = K === 2 && p <= NEWTON_MAX_P && opts.solver !== 'lbfgs';
  const budget = hybrid ? Math.min(opts.maxIter, Math.max(50, p + 1)) : opts.maxIter;
  let r = minimize(fn, theta0, { gtol: opts.tol, ftol: opts.ftol ?? 1e-12, maxIter: budget, l1: l1w });
  let solver = l1 > 0 ? 'owlqn' : 'lbfgs';
  if (hybrid && !r.converged && opts.maxIter > r.iterations) {
    const nt = newtonLogistic(X, n, p, y, { C: opts.C, penalty: opts.penalty, l1Ratio: opts.l1Ratio, tol: opts.tol, maxIter: Math.min(NEWTON_PHASE_MAX, opts.maxIter - r.iterations), sampleWeight: sw, init: r.theta });
    // keep Newton's answer unless it made things worse (it cannot, bar rounding)
    if (nt.objective <= r.f * (1 + 1e-12) || !Number.isFinite(r.f)) {
      r = { ...r, theta: nt.theta, f: nt.objective, iterations: r.iterations + nt.iterations, converged: nt.converged || r.converged, gradNorm: nt.gradNorm, reason: nt.converged ? 'gtol' : r.reason };
      solver += '+newton';
    }
  }
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    coef.push(r.theta.slice(k * q, k * q + p));
    intercept[k] = r.theta[k * q + p];
  }
  return { coef, intercept, iterations: r.iterations, converged: r.converged, gradNorm: r.gradNorm, reason: r.reason, objective: r.f, theta: r.theta, solver };
}

/** Gradient and Hessian (row-major q × q, q = p + 1, intercept last) of the binary objective. */
function gradHess(X: Float64Array, n: number, p: number, y: Float64Array, sw: Float64Array | undefined, l2: number, theta: Float64Array, g: Float64Array, H: Float64Array): number {
  const q = p + 1;
  g.fill(0);
  H.fill(0);
  let f = 0;
  for (let i = 0; i < n; i++) {
    const off = i * p;
    let z = theta[p];
    for (let j = 0; j < p; j++) z += X[off + j] * theta[j];
    const s = sw ? sw[i] : 1;
    const e = Math.exp(z > 0 ? -z : z);
    const pr = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    f += s * ((z > 0 ? z : 0) + Math.log1p(e) - y[i] * z);
    const r = s * (pr - y[i]);
    const w = s * pr * (1 - pr);
    for (let a = 0; a < p; a++) {
      const xa = X[off + a];
      g[a] += r * xa;
      if (w === 0) continue;
      const wa = w * xa;
      const row = a * q;
      for (let b = 0; b <= a; b++) H[row + b] += wa * X[off + b];
      H[row + p] += wa;
    }
    g[p] += r;
    H[p * q + p] += w;
  }
  let w2 = 0;
  for (let a = 0; a < p; a++) {
    H[a * q + a] += l2;
    g[a] += l2 * theta[a];
    w2 += theta[a] * theta[a];
    for (let b = 0; b < a; b++) H[b * q + a] = H[a * q + b];
    H[p * q + a] = H[a * q + p];
  }
  return f + 0.5 * l2 * w2;
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
 * (Proximal) Newton for binary logistic regression with an exact Hessian: a Cholesky solve for
 * l2/none, coordinate descent on the quadratic model for l1/elasticnet (as glmnet/newGLMNET), then a
 * backtracking line search on the true objective. Quadratic convergence, so it finishes what L-BFGS
 * finds slow on ill-conditioned (collinear, one-hot) data and is the high-precision reference.
 * Stops when the minimum-norm subgradient ‖·‖∞ ≤ tol.
 */
export function newtonLogistic(
  X: Float64Array, n: number, p: number, y: Float64Array,
  opts: { C: number; penalty: Penalty; l1Ratio?: number; tol?: number; maxIter?: number; sampleWeight?: Float64Array; init?: Float64Array },
): LinearFit {
  const q = p + 1;
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 100;
  const sw = opts.sampleWeight;
  const fn = binaryObjective(X, n, p, y, sw, l2);
  const l1sum = (t: Float64Array) => {
    let s = 0;
    for (let j = 0; j < p; j++) s += Math.abs(t[j]);
    return l1 * s;
  };
  const theta = opts.init && opts.init.length === q ? Float64Array.from(opts.init) : new Float64Array(q);
  const g = new Float64Array(q);
  const H = new Float64Array(q * q);
  const d = new Float64Array(q);
  const Hd = new Float64Array(q);
  const trial = new Float64Array(q);
  const gt = new Float64Array(q);
  let f = 0;
  let it = 0;
  let converged = false;
  let gnorm = Infinity;
  for (; it <= maxIter; it++) {
    f = gradHess(X, n, p, y, sw, l2, theta, g, H) + l1sum(theta);
    gnorm = subgradNorm(theta, g, p, l1);
    if (gnorm <= tol) {
      converged = true;
      break;
    }
    if (it === maxIter) break;
    if (l1 === 0) {
      for (let j = 0; j < q; j++) d[j] = -g[j];
      choleskySolve(H, q, d);
    } else {
      // CD on  g·d + ½ dᵀ(H + εI)d + l1·‖w + d‖₁ (ε keeps flat, collinear directions from taking huge steps)
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
    let dec = 0;
    for (let j = 0; j < q; j++) dec += g[j] * d[j];
    let t = 1;
    let ok = false;
    const tiny = 1e-13 * Math.max(1, Math.abs(f));
    for (let ls = 0; ls < 30; ls++) {
      for (let j = 0; j < q; j++) trial[j] = theta[j] + t * d[j];
      const fNew = fn(trial, gt) + l1sum(trial);
      const expected = l1 === 0 ? t * dec : t * dec + l1sum(trial) - l1sum(theta);
      if (fNew <= f + 1e-4 * Math.min(expected, 0)) {
        ok = true;
        break;
      }
      t *= 0.5;
    }
    if (!ok) {
      // no decrease possible at double precision: this is the optimum as far as it can be resolved
      converged = gnorm <= 100 * tol;
      break;
    }
    const fPrev = f;
    theta.set(trial);
    const fNow = fn(theta, gt) + l1sum(theta);
    if (fPrev - fNow <= tiny) {
      // stalled at the precision floor (sums of n terms carry ~n·ε relative error)
      f = gradHess(X, n, p, y, sw, l2, theta, g, H) + l1sum(theta);
      gnorm = subgradNorm(theta, g, p, l1);
      converged = gnorm <= 100 * tol;
      it++;
      break;
    }
  }
  const coef = [theta.slice(0, p)];
  return { coef, intercept: Float64Array.of(theta[p]), iterations: Math.min(it, maxIter), converged, gradNorm: gnorm, reason: converged ? 'gtol' : 'maxIter', objective: f, theta };
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

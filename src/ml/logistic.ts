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
import { sigmoid } from './predict.js';

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
}

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
    for (let i = 0; i < n; i++) {
      const off = i * p;
      let z = b;
      for (let j = 0; j < p; j++) z += X[off + j] * theta[j];
      const s = sw ? sw[i] : 1;
      const yi = y[i];
      // logloss = softplus(z) − y·z, with one exp shared by softplus and σ
      const e = Math.exp(z > 0 ? -z : z);
      f += s * ((z > 0 ? z : 0) + Math.log1p(e) - yi * z);
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
  const rows = K === 2 ? 1 : K;
  const q = p + 1;
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const sw = opts.sampleWeight;
  const fn = K === 2 ? binaryObjective(X, n, p, y, sw, l2) : multinomialObjective(X, n, p, y, K, sw, l2);
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
  const r = minimize(fn, theta0, { gtol: opts.tol, ftol: opts.ftol ?? 1e-12, maxIter: opts.maxIter, l1: l1w });
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    coef.push(r.theta.slice(k * q, k * q + p));
    intercept[k] = r.theta[k * q + p];
  }
  return { coef, intercept, iterations: r.iterations, converged: r.converged, gradNorm: r.gradNorm, reason: r.reason, objective: r.f, theta: r.theta };
}

/**
 * High-precision binary L2 (or unpenalised) logistic regression by Newton's method with an exact
 * Hessian and a Cholesky solve: the reference the quasi-Newton solver is tested against, and a
 * solver of its own for small p. Stops when ‖∇‖∞ ≤ tol (sum scale) or the Newton decrement is tiny.
 */
export function newtonLogistic(X: Float64Array, n: number, p: number, y: Float64Array, opts: { C: number; penalty: 'l2' | 'none'; tol?: number; maxIter?: number; sampleWeight?: Float64Array }): LinearFit {
  const q = p + 1;
  const l2 = opts.penalty === 'none' ? 0 : 1 / opts.C;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 100;
  const sw = opts.sampleWeight;
  const fn = binaryObjective(X, n, p, y, sw, l2);
  const theta = new Float64Array(q);
  const g = new Float64Array(q);
  const H = new Float64Array(q * q);
  const step = new Float64Array(q);
  const trial = new Float64Array(q);
  const gt = new Float64Array(q);
  let f = fn(theta, g);
  let it = 0;
  let converged = false;
  let gnorm = Infinity;
  for (; it < maxIter; it++) {
    gnorm = 0;
    for (let j = 0; j < q; j++) gnorm = Math.max(gnorm, Math.abs(g[j]));
    if (gnorm <= tol) {
      converged = true;
      break;
    }
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * p;
      let z = theta[p];
      for (let j = 0; j < p; j++) z += X[off + j] * theta[j];
      const pr = sigmoid(z);
      const w = (sw ? sw[i] : 1) * pr * (1 - pr);
      if (w === 0) continue;
      for (let a = 0; a < p; a++) {
        const wa = w * X[off + a];
        const row = a * q;
        for (let b = 0; b <= a; b++) H[row + b] += wa * X[off + b];
        H[row + p] += wa;
      }
      H[p * q + p] += w;
    }
    for (let a = 0; a < p; a++) {
      H[a * q + a] += l2;
      for (let b = 0; b < a; b++) H[b * q + a] = H[a * q + b];
      H[p * q + a] = H[a * q + p];
    }
    for (let j = 0; j < q; j++) step[j] = -g[j];
    choleskySolve(H, q, step);
    let t = 1;
    let fNew = f;
    for (let ls = 0; ls < 50; ls++) {
      for (let j = 0; j < q; j++) trial[j] = theta[j] + t * step[j];
      fNew = fn(trial, gt);
      let dec = 0;
      for (let j = 0; j < q; j++) dec += g[j] * step[j];
      if (fNew <= f + 1e-4 * t * dec || Math.abs(dec) < 1e-20) break;
      t *= 0.5;
    }
    theta.set(trial);
    g.set(gt);
    f = fNew;
  }
  return {
    coef: [theta.slice(0, p)],
    intercept: Float64Array.of(theta[p]),
    iterations: it,
    converged,
    gradNorm: gnorm,
    reason: converged ? 'gtol' : 'maxIter',
    objective: f,
    theta,
  };
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

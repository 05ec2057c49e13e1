/**
 * Quasi-Newton minimisers on Float64Array parameter vectors, no allocation per iteration beyond the
 * L-BFGS history. `lbfgs` minimises a smooth f; with `l1` weights it runs OWL-QN (Andrew & Gao 2007)
 * for f(θ) + Σ l1_j·|θ_j| (l1_j = 0 for unpenalised coordinates such as intercepts).
 *
 * Stopping follows scipy's L-BFGS-B as scikit-learn calls it (so iteration counts are comparable):
 * stop when ‖(pseudo-)gradient‖∞ ≤ gtol, or when the relative decrease of the objective over an
 * iteration is ≤ ftol (scipy's default factr 1e7 · machine ε ≈ 2.2e-9), or at maxIter.
 */

export type Objective = (theta: Float64Array, grad: Float64Array) => number;

export interface MinimizeOptions {
  gtol: number;
  ftol?: number;
  maxIter: number;
  /** history size (scipy's maxcor, default 10) */
  memory?: number;
  /** per-coordinate L1 weights → OWL-QN */
  l1?: Float64Array;
  /** called after each iteration with (iteration, objective, gradient norm) */
  onIter?: (it: number, f: number, gnorm: number) => void;
}

export interface MinimizeResult {
  theta: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  gradNorm: number;
  reason: 'gtol' | 'ftol' | 'maxIter' | 'lineSearch';
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/** OWL-QN pseudo-gradient of f + Σ l1_j|θ_j|. */
function pseudoGradient(theta: Float64Array, g: Float64Array, l1: Float64Array, out: Float64Array): void {
  for (let j = 0; j < theta.length; j++) {
    const a = l1[j];
    if (a === 0) out[j] = g[j];
    else if (theta[j] > 0) out[j] = g[j] + a;
    else if (theta[j] < 0) out[j] = g[j] - a;
    else if (g[j] + a < 0) out[j] = g[j] + a;
    else if (g[j] - a > 0) out[j] = g[j] - a;
    else out[j] = 0;
  }
}

function l1Term(theta: Float64Array, l1: Float64Array | undefined): number {
  if (!l1) return 0;
  let s = 0;
  for (let j = 0; j < theta.length; j++) s += l1[j] * Math.abs(theta[j]);
  return s;
}

export function minimize(fn: Objective, theta0: Float64Array, opts: MinimizeOptions): MinimizeResult {
  const d = theta0.length;
  const m = opts.memory ?? 10;
  const ftol = opts.ftol ?? 1e7 * 2.220446049250313e-16;
  const l1 = opts.l1;
  const theta = Float64Array.from(theta0);
  const g = new Float64Array(d);
  const pg = l1 ? new Float64Array(d) : g; // (pseudo-)gradient that drives the direction
  const dir = new Float64Array(d);
  const thetaNew = new Float64Array(d);
  const gNew = new Float64Array(d);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let evaluations = 1;
  let f = fn(theta, g) + l1Term(theta, l1);
  if (l1) pseudoGradient(theta, g, l1, pg);
  let gnorm = infNorm(pg);
  let it = 0;
  let reason: MinimizeResult['reason'] = 'maxIter';
  if (!Number.isFinite(f)) throw new RangeError('objective is not finite at the starting point');
  if (gnorm <= opts.gtol) return { theta, f, iterations: 0, evaluations, converged: true, gradNorm: gnorm, reason: 'gtol' };

  while (it < opts.maxIter) {
    // two-loop recursion: dir = −H·pg
    for (let j = 0; j < d; j++) dir[j] = -pg[j];
    const h = S.length;
    for (let i = h - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], dir);
      const y = Y[i];
      for (let j = 0; j < d; j++) dir[j] -= alpha[i] * y[j];
    }
    if (h > 0) {
      const gamma = dot(S[h - 1], Y[h - 1]) / dot(Y[h - 1], Y[h - 1]);
      for (let j = 0; j < d; j++) dir[j] *= gamma;
    }
    for (let i = 0; i < h; i++) {
      const beta = rho[i] * dot(Y[i], dir);
      const s = S[i];
      for (let j = 0; j < d; j++) dir[j] += s[j] * (alpha[i] - beta);
    }
    if (l1) {
      // keep the direction inside the orthant the pseudo-gradient points to
      for (let j = 0; j < d; j++) if (l1[j] !== 0 && dir[j] * pg[j] >= 0) dir[j] = 0;
    }
    let slope = dot(dir, pg);
    if (!(slope < 0)) {
      // not a descent direction: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let j = 0; j < d; j++) dir[j] = -pg[j];
      slope = -dot(pg, pg);
    }
    // backtracking line search (Armijo), first step scaled on the first iteration
    let step = h === 0 ? Math.min(1, 1 / Math.max(infNorm(pg), 1e-12)) : 1;
    let fNew = Infinity;
    let ok = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < d; j++) {
        let v = theta[j] + step * dir[j];
        if (l1 && l1[j] !== 0) {
          // project onto the orthant of θ (or of −pg where θ is 0)
          const orth = theta[j] !== 0 ? Math.sign(theta[j]) : -Math.sign(pg[j]);
          if (v * orth <= 0) v = 0;
        }
        thetaNew[j] = v;
      }
      fNew = fn(thetaNew, gNew) + l1Term(thetaNew, l1);
      evaluations++;
      let decrease = slope * step;
      if (l1) {
        decrease = 0;
        for (let j = 0; j < d; j++) decrease += pg[j] * (thetaNew[j] - theta[j]);
      }
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * decrease) {
        ok = true;
        break;
      }
      step *= step > 0.1 ? 0.5 : 0.1;
    }
    if (!ok) {
      reason = 'lineSearch';
      break;
    }
    it++;
    // history update with the smooth gradient difference
    const s = h === m ? S.shift()! : new Float64Array(d);
    const y = h === m ? Y.shift()! : new Float64Array(d);
    if (h === m) rho.shift();
    for (let j = 0; j < d; j++) {
      s[j] = thetaNew[j] - theta[j];
      y[j] = gNew[j] - g[j];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * Math.max(1, dot(y, y))) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fOld = f;
    theta.set(thetaNew);
    g.set(gNew);
    f = fNew;
    if (l1) pseudoGradient(theta, g, l1, pg);
    gnorm = infNorm(pg);
    opts.onIter?.(it, f, gnorm);
    if (gnorm <= opts.gtol) {
      reason = 'gtol';
      break;
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      reason = 'ftol';
      break;
    }
  }
  return { theta, f, iterations: it, evaluations, converged: reason === 'gtol' || reason === 'ftol', gradNorm: gnorm, reason };
}

/**
 * Linear regression for numeric labels with the same C convention as logistic regression:
 *   C · ½ Σ s_i (y_i − x_i·w − b)² + (1 − r)/2 · ‖w‖² + r · ‖w‖₁       (b not penalised)
 * so l2 ≙ sklearn Ridge(alpha = 1/C), l1 ≙ Lasso(alpha = 1/(C·n)), none ≙ ordinary least squares.
 * Solved on the (weighted, centred) Gram matrix: a Cholesky solve for l2/none, cyclic coordinate
 * descent for l1/elasticnet. One pass over the rows builds the Gram matrix, so this is cheap for
 * the p ≤ a few hundred this tool produces.
 */
import { choleskySolve, penaltyStrengths, type LinearFit, type Penalty } from './logistic.js';

export interface LinearOptions {
  penalty: Penalty;
  C: number;
  l1Ratio?: number;
  tol: number;
  maxIter: number;
  sampleWeight?: Float64Array;
}

/**
 * The sums of a fit, accumulated row by row in row order: pass 1 the weighted sums of x and y,
 * pass 2 the centred Gram matrix G = Xcᵀ S Xc and c = Xcᵀ S yc around pass 1's means. The rows may
 * arrive in batches (out-of-core training, src/ml/chunked.ts): the sums see the same rows in the
 * same order, so the fit is bit-identical to the one on the whole matrix.
 */
export class LinearSums {
  readonly mx: Float64Array;
  my = 0;
  W = 0;
  readonly G: Float64Array;
  readonly c: Float64Array;
  private readonly xc: Float64Array;
  private centred = false;

  constructor(readonly p: number) {
    this.mx = new Float64Array(p);
    this.G = new Float64Array(p * p);
    this.c = new Float64Array(p);
    this.xc = new Float64Array(p);
  }

  /** pass 1 over rows X (m × p), y, weights sw (or 1) */
  addMeans(X: Float64Array, m: number, y: Float64Array, sw?: Float64Array): void {
    const { p, mx } = this;
    for (let i = 0; i < m; i++) {
      const s = sw ? sw[i] : 1;
      this.W += s;
      this.my += s * y[i];
      const off = i * p;
      for (let j = 0; j < p; j++) mx[j] += s * X[off + j];
    }
  }

  /** turns pass 1's sums into means */
  endMeans(): void {
    if (!(this.W > 0)) throw new RangeError('no rows with positive weight to fit');
    this.my /= this.W;
    for (let j = 0; j < this.p; j++) this.mx[j] /= this.W;
    this.centred = true;
  }

  /** pass 2 over the same rows */
  addGram(X: Float64Array, m: number, y: Float64Array, sw?: Float64Array): void {
    if (!this.centred) throw new Error('addGram before endMeans');
    const { p, mx, my, G, c, xc } = this;
    for (let i = 0; i < m; i++) {
      const s = sw ? sw[i] : 1;
      const off = i * p;
      for (let j = 0; j < p; j++) xc[j] = X[off + j] - mx[j];
      const yc = y[i] - my;
      for (let a = 0; a < p; a++) {
        const v = s * xc[a];
        c[a] += v * yc;
        const row = a * p;
        for (let b = 0; b <= a; b++) G[row + b] += v * xc[b];
      }
    }
  }
}

export function fitLinear(X: Float64Array, n: number, p: number, y: Float64Array, opts: LinearOptions): LinearFit {
  const sums = new LinearSums(p);
  sums.addMeans(X, n, y, opts.sampleWeight);
  sums.endMeans();
  sums.addGram(X, n, y, opts.sampleWeight);
  return solveLinear(sums, opts);
}

/** The fit from the two passes' sums: Cholesky (l2, none) or coordinate descent (l1, elastic net). */
export function solveLinear(sums: LinearSums, opts: Pick<LinearOptions, 'penalty' | 'C' | 'l1Ratio' | 'tol' | 'maxIter'>): LinearFit {
  const { l1, l2 } = penaltyStrengths(opts.penalty, opts.C, opts.l1Ratio);
  const { p, G, c, mx, my } = sums;
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) G[b * p + a] = G[a * p + b];
  // penaltyStrengths gives the penalty weights of the objective divided by C, so the normal equations
  // are (G + λ2·I) w = c and coordinate descent soft-thresholds at λ1.
  const lam2 = l2;
  let w = new Float64Array(p);
  let iterations = 0;
  let converged = true;
  let gradNorm = 0;
  if (l1 === 0) {
    const A = Float64Array.from(G);
    for (let j = 0; j < p; j++) A[j * p + j] += lam2;
    w = Float64Array.from(c);
    choleskySolve(A, p, w);
    iterations = 1;
  } else {
    converged = false;
    for (iterations = 1; iterations <= opts.maxIter; iterations++) {
      let maxDelta = 0;
      let maxW = 0;
      for (let j = 0; j < p; j++) {
        const gjj = G[j * p + j];
        let rho = c[j];
        const row = j * p;
        for (let k = 0; k < p; k++) if (k !== j) rho -= G[row + k] * w[k];
        const denom = gjj + lam2;
        const nw = denom > 0 ? Math.sign(rho) * Math.max(Math.abs(rho) - l1, 0) / denom : 0;
        maxDelta = Math.max(maxDelta, Math.abs(nw - w[j]));
        w[j] = nw;
        maxW = Math.max(maxW, Math.abs(nw));
      }
      if (maxDelta <= opts.tol * Math.max(maxW, 1e-12) || maxW === 0) {
        converged = true;
        break;
      }
    }
    iterations = Math.min(iterations, opts.maxIter);
  }
  // KKT residual (inf-norm of the (sub)gradient of the objective divided by C)
  for (let j = 0; j < p; j++) {
    let gj = -c[j] + lam2 * w[j];
    const row = j * p;
    for (let k = 0; k < p; k++) gj += G[row + k] * w[k];
    const v = w[j] !== 0 ? Math.abs(gj + l1 * Math.sign(w[j])) : Math.max(Math.abs(gj) - l1, 0);
    gradNorm = Math.max(gradNorm, v);
  }
  let b = my;
  for (let j = 0; j < p; j++) b -= mx[j] * w[j];
  const theta = new Float64Array(p + 1);
  theta.set(w);
  theta[p] = b;
  return { coef: [w], intercept: Float64Array.of(b), iterations, converged, gradNorm, reason: converged ? 'gtol' : 'maxIter', objective: NaN, theta };
}

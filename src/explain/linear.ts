/**
 * Exact contributions of a linear model on the margin scale (log-odds for logistic, the prediction
 * for linear regression): input j adds w_kj · (x_j − μ_j), where μ_j is the training mean of that
 * model input; the base value is the margin at the training means, b_k + Σ_j w_kj μ_j. These are the
 * interventional Shapley values of the margin with the training means as the background, so
 * base + Σ_j contribution_j = margin. Pure.
 */

export interface LinearExplainModel {
  /** K × p (binary and regression: 1 row) */
  coef: ArrayLike<number>[];
  intercept: ArrayLike<number>;
  /** training mean of each model input */
  means: ArrayLike<number>;
}

/** Mean of each column of a row-major n × p matrix, summed in row order (deterministic). */
export function columnMeans(X: ArrayLike<number>, n: number, p: number): Float64Array {
  const s = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    for (let j = 0; j < p; j++) s[j] += X[o + j];
  }
  for (let j = 0; j < p; j++) s[j] /= n;
  return s;
}

/** The margin of each class at the training means. */
export function linearBase(m: LinearExplainModel): Float64Array {
  const K = m.coef.length;
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = m.intercept[k];
    const w = m.coef[k];
    for (let j = 0; j < w.length; j++) s += w[j] * m.means[j];
    out[k] = s;
  }
  return out;
}

/** Contributions of class k for the row at X[xo..xo+p) into out[oo..oo+p). */
export function linearContributions(m: LinearExplainModel, k: number, X: ArrayLike<number>, xo: number, out: Float64Array, oo = 0): Float64Array {
  const w = m.coef[k];
  const mu = m.means;
  for (let j = 0; j < w.length; j++) out[oo + j] = w[j] * (X[xo + j] - mu[j]);
  return out;
}

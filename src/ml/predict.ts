/**
 * Linear model scoring on a row-major Float64Array matrix. The same formula the ONNX scorer encodes:
 * binary → σ(x·w + b) = P(positive); multiclass → softmax over K linear scores (row-major n×K);
 * regression → x·w + b.
 */
import { sigmoid } from '../stats/sigmoid.js';

/** segmentation: an unsupervised family (k-means) — no label, a segment per row */
export type Task = 'binary' | 'multiclass' | 'regression' | 'segmentation';

export interface LinearModel {
  task: Task;
  /** K × p (binary and regression: 1 × p) */
  coef: number[][] | Float64Array[];
  intercept: number[] | Float64Array;
}

export { sigmoid };

/** Linear scores: n × K row-major (K = coef.length). */
export function linearScores(model: LinearModel, X: Float64Array, n: number, p: number): Float64Array {
  const K = model.coef.length;
  if (X.length !== n * p) throw new RangeError(`X has ${X.length} values, expected ${n}×${p}`);
  for (let k = 0; k < K; k++) {
    if (model.coef[k].length !== p) throw new RangeError(`model has ${model.coef[k].length} coefficients, data has ${p} features`);
  }
  const W = model.coef.map((r) => Float64Array.from(r as ArrayLike<number>));
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const off = i * p;
    for (let k = 0; k < K; k++) {
      const w = W[k];
      let s = model.intercept[k];
      for (let j = 0; j < p; j++) s += X[off + j] * w[j];
      out[i * K + k] = s;
    }
  }
  return out;
}

/** In-place softmax over each row of a row-major n × K matrix. */
export function softmaxRows(S: Float64Array, n: number, K: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (S[o + k] > m) m = S[o + k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(S[o + k] - m);
      S[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) S[o + k] /= sum;
  }
  return S;
}

/**
 * binary: P(positive) per row (length n); multiclass: softmax probabilities n × K row-major;
 * regression: predicted values (length n).
 */
export function predict(model: LinearModel, X: Float64Array, n: number, p: number): Float64Array {
  const S = linearScores(model, X, n, p);
  if (model.task === 'regression') return S;
  if (model.task === 'binary') {
    if (model.coef.length !== 1) throw new RangeError(`a binary model has one coefficient row, got ${model.coef.length}`);
    for (let i = 0; i < n; i++) S[i] = sigmoid(S[i]);
    return S;
  }
  return softmaxRows(S, n, model.coef.length);
}

/** Scoring a fitted model: raw margins per tree slot, then probabilities or values. */
import type { GbdtModel, GbdtTree } from './index.js';

/** Adds one tree's output for every row to out[i * stride + slot]. */
export function addTree(t: GbdtTree, X: Float64Array, n: number, p: number, out: Float64Array, stride: number, slot: number): void {
  const { feature, threshold, missingLeft, left, right, value } = t;
  const cats = t.categories;
  const sets: (Set<number> | null)[] | null = cats ? cats.map((c) => (c ? new Set(c) : null)) : null;
  for (let i = 0; i < n; i++) {
    const base = i * p;
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const x = X[base + f];
      let goLeft: boolean;
      if (x !== x) goLeft = missingLeft[node] === 1;
      else if (sets !== null && sets[node] !== null) goLeft = sets[node]!.has(x);
      else goLeft = Math.fround(x) <= threshold[node];
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    out[i * stride + slot] += value[node];
  }
}

/** n × treesPerRound raw margins: log-odds (binary), softmax logits (multiclass) or values (regression). */
export function gbdtMargins(model: GbdtModel, X: Float64Array, n: number, p: number): Float64Array {
  if (p !== model.nFeatures) throw new RangeError(`the model was fitted on ${model.nFeatures} features, got ${p}`);
  if (X.length < n * p) throw new RangeError(`X holds ${X.length} values, expected ${n} × ${p}`);
  const T = model.treesPerRound;
  const out = new Float64Array(n * T);
  for (let i = 0; i < n; i++) for (let k = 0; k < T; k++) out[i * T + k] = model.baseScore[k];
  for (let t = 0; t < model.trees.length; t++) addTree(model.trees[t], X, n, p, out, T, t % T);
  return out;
}

/** In place: margins → probabilities (binary: P(class 1), length n; multiclass: n × K softmax); regression unchanged. */
export function marginsToPrediction(K: number, m: Float64Array, n: number): Float64Array {
  if (K === 2) {
    for (let i = 0; i < n; i++) m[i] = 1 / (1 + Math.exp(-m[i]));
  } else if (K > 2) {
    for (let i = 0; i < n; i++) {
      const o = i * K;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) if (m[o + k] > mx) mx = m[o + k];
      let s = 0;
      for (let k = 0; k < K; k++) s += m[o + k] = Math.exp(m[o + k] - mx);
      for (let k = 0; k < K; k++) m[o + k] /= s;
    }
  }
  return m;
}

/** P(class 1) for binary (length n), n × K probabilities for multiclass, values for regression. */
export function gbdtPredict(model: GbdtModel, X: Float64Array, n: number, p: number): Float64Array {
  return marginsToPrediction(model.K, gbdtMargins(model, X, n, p), n);
}

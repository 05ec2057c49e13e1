/** Scoring a fitted model: raw margins per tree slot, then probabilities or values. */
import type { GbdtModel, GbdtTree } from './index.js';

/** A tree in typed arrays for scoring; categorical nodes keep a 0/1 table over codes. */
interface Compiled {
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  cats: (Uint8Array | null)[] | null;
}

function compile(t: GbdtTree): Compiled {
  let cats: (Uint8Array | null)[] | null = null;
  if (t.categories) {
    cats = t.categories.map((c) => {
      if (c === null) return null;
      const table = new Uint8Array(Math.max(0, ...c) + 1);
      for (const code of c) table[code] = 1;
      return table;
    });
  }
  return {
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    missingLeft: Uint8Array.from(t.missingLeft),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
    cats,
  };
}

/** rows per block: every tree runs over a block while its rows of X stay in cache */
const BLOCK = 512;

/**
 * n × treesPerRound raw margins: log-odds (binary), softmax logits (multiclass) or values
 * (regression). Routing as in the module header of index.ts: NaN → missingLeft; categorical →
 * left iff the code is listed; numeric → left iff Math.fround(x) <= threshold.
 */
export function gbdtMargins(model: GbdtModel, X: Float64Array, n: number, p: number): Float64Array {
  if (p !== model.nFeatures) throw new RangeError(`the model was fitted on ${model.nFeatures} features, got ${p}`);
  if (X.length < n * p) throw new RangeError(`X holds ${X.length} values, expected ${n} × ${p}`);
  const T = model.treesPerRound;
  const out = new Float64Array(n * T);
  for (let i = 0; i < n; i++) for (let k = 0; k < T; k++) out[i * T + k] = model.baseScore[k];
  const trees = model.trees.map(compile);
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const b1 = Math.min(n, b0 + BLOCK);
    for (let t = 0; t < trees.length; t++) {
      const { feature, threshold, missingLeft, left, right, value, cats } = trees[t];
      const slot = t % T;
      for (let i = b0; i < b1; i++) {
        const base = i * p;
        let node = 0;
        let f = feature[0];
        while (f >= 0) {
          const x = X[base + f];
          let goLeft: boolean;
          if (x !== x) goLeft = missingLeft[node] === 1;
          else if (cats !== null && cats[node] !== null) goLeft = cats[node]![x] === 1;
          else goLeft = Math.fround(x) <= threshold[node];
          node = goLeft ? left[node] : right[node];
          f = feature[node];
        }
        out[i * T + slot] += value[node];
      }
    }
  }
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

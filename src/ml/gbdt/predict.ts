/** Scoring a fitted model: raw margins per tree slot, then probabilities or values. */
import type { GbdtModel, GbdtTree } from './types.js';

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
 * Every numeric tree of a model in one set of flat arrays, for the fast path of gbdtMargins: the
 * children of node k are kids[2k] (left) and kids[2k + 1] (right); a leaf is its own two children,
 * so a row may take `depth` steps through any tree without testing for leaves, and four rows walk
 * a tree side by side (their loads overlap). null when a tree has a categorical split.
 */
interface Flat {
  root: Int32Array;
  depth: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  kids: Int32Array;
  value: Float64Array;
}

function flatten(trees: GbdtTree[]): Flat | null {
  let total = 0;
  for (const t of trees) {
    if (t.categories && t.categories.some((c) => c !== null)) return null;
    total += t.feature.length;
  }
  const f: Flat = { root: new Int32Array(trees.length), depth: new Int32Array(trees.length), feature: new Int32Array(total), threshold: new Float32Array(total), kids: new Int32Array(2 * total), value: new Float64Array(total) };
  let o = 0;
  trees.forEach((t, k) => {
    f.root[k] = o;
    const d = new Int32Array(t.feature.length);
    let deepest = 0;
    for (let i = 0; i < t.feature.length; i++) {
      const a = o + i;
      if (t.feature[i] < 0) {
        f.kids[2 * a] = a;
        f.kids[2 * a + 1] = a;
        f.value[a] = t.value[i];
        deepest = Math.max(deepest, d[i]);
      } else {
        f.feature[a] = t.feature[i];
        // float32 threshold; x (float32) <= it is Math.fround(x) <= threshold exactly
        f.threshold[a] = t.threshold[i];
        f.kids[2 * a] = o + t.left[i];
        f.kids[2 * a + 1] = o + t.right[i];
        d[t.left[i]] = d[i] + 1;
        d[t.right[i]] = d[i] + 1;
      }
    }
    f.depth[k] = deepest;
    o += t.feature.length;
  });
  return f;
}

/**
 * The side without a branch (a mispredicted branch per step costs ~3× the walk): for finite float32
 * x and threshold, d = threshold − x is exact in sign (zero iff equal) and |d| < 2^129, so
 * floor(d · 2^-130) is −1 when x > threshold (right) and 0 (or −0) otherwise (left).
 */
const SIDE = 2 ** -130;

/** Tree t of `f` over the m float32 rows of xf (p apart): out[q + i·T] += the row's leaf value. */
function walkBlock(f: Flat, t: number, xf: Float32Array, m: number, p: number, out: Float64Array, q: number, T: number): void {
  const { feature, threshold, kids, value } = f;
  const r = f.root[t];
  const d = f.depth[t];
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o0 = i * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    let n0 = r;
    let n1 = r;
    let n2 = r;
    let n3 = r;
    for (let s = 0; s < d; s++) {
      n0 = kids[2 * n0 - Math.floor((threshold[n0] - xf[o0 + feature[n0]]) * SIDE)];
      n1 = kids[2 * n1 - Math.floor((threshold[n1] - xf[o1 + feature[n1]]) * SIDE)];
      n2 = kids[2 * n2 - Math.floor((threshold[n2] - xf[o2 + feature[n2]]) * SIDE)];
      n3 = kids[2 * n3 - Math.floor((threshold[n3] - xf[o3 + feature[n3]]) * SIDE)];
    }
    const o = q + i * T;
    out[o] += value[n0];
    out[o + T] += value[n1];
    out[o + 2 * T] += value[n2];
    out[o + 3 * T] += value[n3];
  }
  for (; i < m; i++) {
    const o0 = i * p;
    let n0 = r;
    for (let s = 0; s < d; s++) n0 = kids[2 * n0 - Math.floor((threshold[n0] - xf[o0 + feature[n0]]) * SIDE)];
    out[q + i * T] += value[n0];
  }
}

/** One row through one compiled tree, with missing values and categories (the general routing). */
function leafValue(c: Compiled, X: Float64Array, base: number): number {
  const { feature, threshold, missingLeft, left, right, value, cats } = c;
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
  return value[node];
}

/**
 * n × treesPerRound raw margins: log-odds (binary), softmax logits (multiclass) or values
 * (regression). Routing as in the module header of index.ts: NaN → missingLeft; categorical →
 * left iff the code is listed; numeric → left iff Math.fround(x) <= threshold. Each row's margin
 * adds the trees' values in tree order (whichever path routed it), so the result does not depend
 * on the blocking or on which rows hold missing values.
 */
export function gbdtMargins(model: GbdtModel, X: Float64Array, n: number, p: number): Float64Array {
  if (p !== model.nFeatures) throw new RangeError(`the model was fitted on ${model.nFeatures} features, got ${p}`);
  if (X.length < n * p) throw new RangeError(`X holds ${X.length} values, expected ${n} × ${p}`);
  const T = model.treesPerRound;
  const out = new Float64Array(n * T);
  for (let i = 0; i < n; i++) for (let k = 0; k < T; k++) out[i * T + k] = model.baseScore[k];
  const trees = model.trees.map(compile);
  const flat = flatten(model.trees);
  const xf = new Float32Array(BLOCK * p);
  const slow: number[] = [];
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const b1 = Math.min(n, b0 + BLOCK);
    if (flat === null) {
      for (let t = 0; t < trees.length; t++) {
        const slot = t % T;
        for (let i = b0; i < b1; i++) out[i * T + slot] += leafValue(trees[t], X, i * p);
      }
      continue;
    }
    // the block as float32 values; rows holding a missing (or a non-finite float32) value take the general routing
    slow.length = 0;
    for (let i = b0; i < b1; i++) {
      const src = i * p;
      const dst = (i - b0) * p;
      let bad = false;
      for (let j = 0; j < p; j++) {
        xf[dst + j] = X[src + j];
        const v = xf[dst + j]; // the stored float32 (a double beyond its range is ±Infinity here)
        if (v - v !== 0) bad = true;
      }
      if (bad) slow.push(i);
    }
    for (let t = 0; t < trees.length; t++) walkBlock(flat, t, xf, b1 - b0, p, out, b0 * T + (t % T), T);
    for (const i of slow) {
      for (let k = 0; k < T; k++) out[i * T + k] = model.baseScore[k];
      for (let t = 0; t < trees.length; t++) out[i * T + (t % T)] += leafValue(trees[t], X, i * p);
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

/** Scoring a fitted model: raw margins per tree slot, then probabilities or values. */
import { wasmWalk, type WasmWalk } from './predict-wasm.js';
import type { GbdtModel, GbdtTree } from './types.js';

/** A tree in typed arrays for scoring; categorical nodes keep a 0/1 table over codes. */
export interface Compiled {
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

/** trees up to this deep are laid out as complete binary trees (heap order; at most 4095 nodes + 4096 leaves, 64 KB, each) */
const HEAP_DEPTH = 12;

/**
 * Every numeric tree of a model in one set of flat arrays, for the fast path of gbdtMargins. A tree
 * of depth d ≤ HEAP_DEPTH (12) is a complete tree in heap order (the children of node h are 2h + 1 and
 * 2h + 2; a leaf above depth d fills the whole subtree below it with its value), so a step is
 * h = 2h + 1 + (x > threshold) with no child table to read, and after d steps h − (2^d − 1) is the
 * leaf. A deeper tree keeps its own nodes: the children of node k are kids[2k] and kids[2k + 1], a
 * leaf is its own two children, so a row may take `depth` steps without testing for leaves. In the
 * heap layout eight rows walk a tree side by side (their loads overlap); the side is taken without
 * a branch.
 * null when a tree has a categorical split.
 */
export interface Flat {
  depth: Int32Array;
  /** 1: heap layout */
  heap: Uint8Array;
  /** where the tree's nodes start in feature / threshold (and kids) */
  node0: Int32Array;
  /** heap layout: where its 2^d leaves start in value; kids layout: value is indexed by node */
  leaf0: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  kids: Int32Array;
  value: Float64Array;
}

function treeDepth(t: GbdtTree): number {
  const d = new Int32Array(t.feature.length);
  let deepest = 0;
  for (let i = 0; i < t.feature.length; i++) {
    if (t.feature[i] < 0) deepest = Math.max(deepest, d[i]);
    else d[t.left[i]] = d[t.right[i]] = d[i] + 1;
  }
  return deepest;
}

function flatten(trees: GbdtTree[]): Flat | null {
  if (trees.some((t) => t.categories && t.categories.some((c) => c !== null))) return null;
  const T = trees.length;
  const f = { depth: new Int32Array(T), heap: new Uint8Array(T), node0: new Int32Array(T), leaf0: new Int32Array(T) };
  let nodes = 0;
  let leaves = 0;
  trees.forEach((t, k) => {
    const d = treeDepth(t);
    f.depth[k] = d;
    f.heap[k] = d <= HEAP_DEPTH ? 1 : 0;
    f.node0[k] = nodes;
    nodes += f.heap[k] ? (1 << d) - 1 : t.feature.length;
    if (f.heap[k]) leaves += 1 << d;
  });
  const feature = new Int32Array(nodes);
  const threshold = new Float32Array(nodes);
  const kids = new Int32Array(2 * nodes);
  const value = new Float64Array(nodes + leaves);
  let nextLeaf = nodes;
  trees.forEach((t, k) => {
    const o = f.node0[k];
    const d = f.depth[k];
    if (f.heap[k]) {
      f.leaf0[k] = nextLeaf;
      nextLeaf += 1 << d;
      // node `src` of the tree at heap position h (depth `at`)
      const place = (src: number, h: number, at: number): void => {
        if (at === d) {
          value[f.leaf0[k] + h - ((1 << d) - 1)] = t.value[src];
          return;
        }
        const leaf = t.feature[src] < 0;
        if (!leaf) {
          feature[o + h] = t.feature[src];
          threshold[o + h] = t.threshold[src]; // float32: x (float32) > it is Math.fround(x) > threshold exactly
        }
        place(leaf ? src : t.left[src], 2 * h + 1, at + 1);
        place(leaf ? src : t.right[src], 2 * h + 2, at + 1);
      };
      place(0, 0, 0);
      return;
    }
    for (let i = 0; i < t.feature.length; i++) {
      const a = o + i;
      if (t.feature[i] < 0) {
        kids[2 * a] = kids[2 * a + 1] = a;
        value[a] = t.value[i];
      } else {
        feature[a] = t.feature[i];
        threshold[a] = t.threshold[i];
        kids[2 * a] = o + t.left[i];
        kids[2 * a + 1] = o + t.right[i];
      }
    }
  });
  return { ...f, feature, threshold, kids, value };
}

/**
 * Tree t of `f` over the m float32 rows of xf (p apart, every value finite): out[q + i·T] += the
 * row's leaf value. `(x > thr) | 0` compiles to a flag, not a branch (a mispredicted branch per step
 * costs ~3× the walk).
 */
/** a comparison as 0/1 for the index arithmetic (JS adds booleans as numbers; this says so to the type checker) */
const gt = (c: boolean): number => c as unknown as number;

function walkBlock(f: Flat, t: number, xf: Float32Array, m: number, p: number, out: Float64Array, q: number, T: number): void {
  const { feature, threshold, value } = f;
  const d = f.depth[t];
  let i = 0;
  if (f.heap[t] === 1) {
    const b = f.node0[t];
    const L = f.leaf0[t] - ((1 << d) - 1);
    for (; i + 8 <= m; i += 8) {
      const o0 = i * p;
      const o1 = o0 + p;
      const o2 = o1 + p;
      const o3 = o2 + p;
      const o4 = o3 + p;
      const o5 = o4 + p;
      const o6 = o5 + p;
      const o7 = o6 + p;
      let h0 = 0;
      let h1 = 0;
      let h2 = 0;
      let h3 = 0;
      let h4 = 0;
      let h5 = 0;
      let h6 = 0;
      let h7 = 0;
      for (let s = 0; s < d; s++) {
        h0 = 2 * h0 + 1 + (gt(xf[o0 + feature[b + h0]] > threshold[b + h0]) | 0);
        h1 = 2 * h1 + 1 + (gt(xf[o1 + feature[b + h1]] > threshold[b + h1]) | 0);
        h2 = 2 * h2 + 1 + (gt(xf[o2 + feature[b + h2]] > threshold[b + h2]) | 0);
        h3 = 2 * h3 + 1 + (gt(xf[o3 + feature[b + h3]] > threshold[b + h3]) | 0);
        h4 = 2 * h4 + 1 + (gt(xf[o4 + feature[b + h4]] > threshold[b + h4]) | 0);
        h5 = 2 * h5 + 1 + (gt(xf[o5 + feature[b + h5]] > threshold[b + h5]) | 0);
        h6 = 2 * h6 + 1 + (gt(xf[o6 + feature[b + h6]] > threshold[b + h6]) | 0);
        h7 = 2 * h7 + 1 + (gt(xf[o7 + feature[b + h7]] > threshold[b + h7]) | 0);
      }
      const o = q + i * T;
      out[o] += value[L + h0];
      out[o + T] += value[L + h1];
      out[o + 2 * T] += value[L + h2];
      out[o + 3 * T] += value[L + h3];
      out[o + 4 * T] += value[L + h4];
      out[o + 5 * T] += value[L + h5];
      out[o + 6 * T] += value[L + h6];
      out[o + 7 * T] += value[L + h7];
    }
    for (; i < m; i++) {
      const o0 = i * p;
      let h0 = 0;
      for (let s = 0; s < d; s++) h0 = 2 * h0 + 1 + (gt(xf[o0 + feature[b + h0]] > threshold[b + h0]) | 0);
      out[q + i * T] += value[L + h0];
    }
    return;
  }
  // deeper trees (rare: no max_depth and many leaves) one row at a time through the child table
  const { kids } = f;
  const r = f.node0[t];
  for (; i < m; i++) {
    const o0 = i * p;
    let n0 = r;
    for (let s = 0; s < d; s++) n0 = kids[2 * n0 + (gt(xf[o0 + feature[n0]] > threshold[n0]) | 0)];
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

/** A model ready to score: its trees compiled once, reused batch after batch (and sent to score workers). */
export interface CompiledGbdt {
  nFeatures: number;
  treesPerRound: number;
  baseScore: number[];
  trees: Compiled[];
  /** every tree in flat arrays (null when some tree has a categorical split: the general routing only) */
  flat: Flat | null;
  /** walk the flat trees as WebAssembly (predict-wasm.ts) when every tree is in heap layout; false: the JS walk (the same margins) */
  wasm: boolean;
}

export function compileGbdt(model: Pick<GbdtModel, 'nFeatures' | 'treesPerRound' | 'baseScore' | 'trees'>, opts: { wasm?: boolean } = {}): CompiledGbdt {
  return { nFeatures: model.nFeatures, treesPerRound: model.treesPerRound, baseScore: model.baseScore.slice(), trees: model.trees.map(compile), flat: flatten(model.trees), wasm: opts.wasm !== false };
}

/** the float32 copy of a block of rows, reused call after call (one per thread: module state is per thread) */
let scratch = new Float32Array(0);
/** per block: 1 where the row holds a missing (or a non-finite float32) value */
const slowRows = new Uint8Array(BLOCK);
/** a row gathered from columns for the general routing */
let rowBuf = new Float64Array(0);

/** per thread: the WebAssembly walk of a compiled model's flat trees, built on first use (null: the JS walk) */
const wasmWalks = new WeakMap<Flat, WasmWalk | null>();

function wasmOf(c: CompiledGbdt): WasmWalk | null {
  const f = c.flat;
  if (f === null || !c.wasm) return null;
  let w = wasmWalks.get(f);
  if (w === undefined) {
    w = f.heap.every((h) => h === 1) ? wasmWalk(f, c.nFeatures, c.treesPerRound, BLOCK) : null;
    wasmWalks.set(f, w);
  }
  return w;
}

/** how this thread walks the model's rows: WebAssembly, the JS flat walk, or the general routing (categorical splits) */
export function gbdtWalk(c: CompiledGbdt): 'wasm' | 'js' | 'general' {
  return c.flat === null ? 'general' : wasmOf(c) !== null ? 'wasm' : 'js';
}

/** where a batch's rows come from: a row-major matrix, or one column per feature (rows i0 … of each) */
type Rows = { X: Float64Array; cols: null; i0: 0 } | { X: null; cols: ArrayLike<Float64Array>; i0: number };

/**
 * The margins of n rows of `src` into out (n × T): the flat trees walked block by block over the
 * rows' float32 values (WebAssembly or JS), rows with a missing or non-finite value through the
 * general routing on their float64 values; without flat trees, the general routing for every row.
 */
function margins(c: CompiledGbdt, src: Rows, n: number, out: Float64Array): Float64Array {
  const p = c.nFeatures;
  const T = c.treesPerRound;
  const { trees, flat, baseScore } = c;
  const w = wasmOf(c);
  if (w === null && scratch.length < BLOCK * p) scratch = new Float32Array(BLOCK * p);
  const xf = w !== null ? w.x : scratch;
  if (src.cols !== null && rowBuf.length < p) rowBuf = new Float64Array(p);
  /** the float64 values of row i for the general routing: the matrix and the row's offset, or the gathered row */
  const rowOf = (i: number): number => {
    if (src.X !== null) return i * p;
    for (let j = 0; j < p; j++) rowBuf[j] = src.cols[j][src.i0 + i];
    return 0;
  };
  const general = (i: number): void => {
    const base = rowOf(i);
    const Xr = src.X ?? rowBuf;
    for (let k = 0; k < T; k++) out[i * T + k] = baseScore[k];
    for (let t = 0; t < trees.length; t++) out[i * T + (t % T)] += leafValue(trees[t], Xr, base);
  };
  if (flat === null) {
    for (let i = 0; i < n; i++) general(i);
    return out;
  }
  const slow = slowRows;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const m = Math.min(n, b0 + BLOCK) - b0;
    // the block as float32 values (a double beyond float32's range is ±Infinity there); rows holding a missing or non-finite value take the general routing
    slow.fill(0, 0, m);
    if (src.X !== null) {
      const X = src.X;
      for (let i = 0; i < m; i++) {
        const s0 = (b0 + i) * p;
        const d0 = i * p;
        let bad = 0;
        for (let j = 0; j < p; j++) {
          const v = Math.fround(X[s0 + j]);
          xf[d0 + j] = v;
          if (v - v !== 0) bad = 1;
        }
        slow[i] = bad;
      }
    } else {
      const r0 = src.i0 + b0;
      for (let j = 0; j < p; j++) {
        const col = src.cols[j];
        for (let i = 0; i < m; i++) {
          const v = Math.fround(col[r0 + i]);
          xf[i * p + j] = v;
          if (v - v !== 0) slow[i] = 1;
        }
      }
    }
    if (w !== null) {
      const wo = w.out;
      for (let i = 0; i < m; i++) for (let k = 0; k < T; k++) wo[i * T + k] = baseScore[k];
      w.walk(m);
      out.set(wo.subarray(0, m * T), b0 * T);
    } else {
      for (let i = 0; i < m; i++) for (let k = 0; k < T; k++) out[(b0 + i) * T + k] = baseScore[k];
      for (let t = 0; t < trees.length; t++) walkBlock(flat, t, xf, m, p, out, b0 * T + (t % T), T);
    }
    for (let i = 0; i < m; i++) if (slow[i] === 1) general(b0 + i);
  }
  return out;
}

/**
 * Writes the n × treesPerRound raw margins of rows X (row-major, p = nFeatures) into out: log-odds
 * (binary), softmax logits (multiclass) or values (regression). Routing as in the module header of
 * index.ts: NaN → missingLeft; categorical → left iff the code is listed; numeric → left iff
 * Math.fround(x) <= threshold. Each row's margin adds the trees' values in tree order (whichever
 * path routed it), so the result does not depend on the blocking, on how rows are split between
 * threads, on which rows hold missing values, or on whether the walk ran as WebAssembly or JS.
 */
export function gbdtMarginsInto(c: CompiledGbdt, X: Float64Array, n: number, p: number, out: Float64Array): Float64Array {
  if (p !== c.nFeatures) throw new RangeError(`the model was fitted on ${c.nFeatures} features, got ${p}`);
  if (X.length < n * p) throw new RangeError(`X holds ${X.length} values, expected ${n} × ${p}`);
  if (out.length < n * c.treesPerRound) throw new RangeError(`out holds ${out.length} values, expected ${n} × ${c.treesPerRound}`);
  return margins(c, { X, cols: null, i0: 0 }, n, out);
}

/**
 * gbdtMarginsInto on rows [i0, i0 + n) of one column per feature (cols[j] holds feature j, NaN =
 * missing): the same margins as on the row-major matrix of those rows, without building it.
 */
export function gbdtMarginsColumns(c: CompiledGbdt, cols: ArrayLike<Float64Array>, i0: number, n: number, out: Float64Array): Float64Array {
  if (cols.length !== c.nFeatures) throw new RangeError(`the model was fitted on ${c.nFeatures} features, got ${cols.length} columns`);
  for (let j = 0; j < cols.length; j++) if (cols[j].length < i0 + n) throw new RangeError(`column ${j} holds ${cols[j].length} values, expected ${i0 + n}`);
  if (out.length < n * c.treesPerRound) throw new RangeError(`out holds ${out.length} values, expected ${n} × ${c.treesPerRound}`);
  return margins(c, { X: null, cols, i0 }, n, out);
}

/** below this many rows a one-off compile walks in JS: building the WebAssembly walk costs about as much as walking them */
const WASM_MIN_ROWS = 2048;

/** n × treesPerRound raw margins (gbdtMarginsInto on a fresh array). */
export function gbdtMargins(model: GbdtModel, X: Float64Array, n: number, p: number): Float64Array {
  if (p !== model.nFeatures) throw new RangeError(`the model was fitted on ${model.nFeatures} features, got ${p}`);
  return gbdtMarginsInto(compileGbdt(model, { wasm: n >= WASM_MIN_ROWS }), X, n, p, new Float64Array(n * model.treesPerRound));
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

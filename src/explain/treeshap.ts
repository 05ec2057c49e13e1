/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature
 * attribution for tree ensembles", algorithm 2): the Shapley values of a tree ensemble's margin when
 * the value of a coalition S is the expectation of the tree over the training rows that reach each
 * leaf, following x on the features in S and both children (weighted by cover) elsewhere. Polynomial:
 * O(T·L·D²) per row for T trees, L leaves and depth D, by carrying the proportions of all subset sizes
 * down each path (EXTEND) and taking a feature back out at a leaf (UNWIND).
 *
 * Trees are flat arrays (node 0 is the root; left/right are -1 at leaves). A split sends a row left iff
 * Math.fround(x) <= threshold (float32 comparison, as the trees were grown on float32 bins), or, for a
 * categorical split, iff x's code is one of the node's categories; a missing x (NaN) goes the node's
 * missing direction. Cover is the (weighted) count of training rows that reached the node. Pure.
 */

export interface ShapTree {
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  missingLeft: ArrayLike<boolean | number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  /** the leaf output (margin scale) */
  value: ArrayLike<number>;
  /** codes that go left at categorical splits (absent/null/empty at numeric splits) */
  categories?: ArrayLike<ArrayLike<number> | null | undefined>;
  /** training rows (or their weight: the cover) reaching each node */
  count: ArrayLike<number>;
}

export interface ShapEnsemble {
  /** round-major: tree t adds to class t % treesPerRound */
  trees: ShapTree[];
  treesPerRound: number;
  /** margin before any tree, one per class (or one number for all) */
  baseScore: number | ArrayLike<number>;
}

/** An ensemble packed into contiguous typed arrays for the per-row work. */
export interface PackedEnsemble {
  K: number;
  /** number of input features (1 + the largest feature index used) */
  p: number;
  nTrees: number;
  /** node offset of tree t's root */
  root: Int32Array;
  /** class of tree t */
  cls: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  /** absolute node indices; -1 at leaves */
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  cover: Float64Array;
  /** index into cats for categorical splits, -1 for numeric ones */
  catOf: Int32Array;
  cats: Set<number>[];
  maxDepth: number;
  /** margin before any tree, per class */
  baseScore: Float64Array;
  /** expected margin per class (base score + each tree's cover-weighted mean leaf value) */
  expected: Float64Array;
}

function depthOf(t: ShapTree, node: number): number {
  const l = t.left[node];
  if (l < 0) return 0;
  return 1 + Math.max(depthOf(t, l), depthOf(t, t.right[node]));
}

/** Cover-weighted mean leaf value of a tree: its expectation over the training rows. */
function treeMean(t: ShapTree, node: number): number {
  const l = t.left[node];
  if (l < 0) return t.value[node];
  const r = t.right[node];
  const c = t.count[node];
  return (t.count[l] * treeMean(t, l) + t.count[r] * treeMean(t, r)) / c;
}

export function packEnsemble(e: ShapEnsemble, nFeatures?: number): PackedEnsemble {
  const K = Math.max(1, e.treesPerRound);
  if (e.trees.length % K !== 0) throw new RangeError(`${e.trees.length} trees is not a whole number of rounds of ${K}`);
  let total = 0;
  for (const t of e.trees) total += t.feature.length;
  const P: PackedEnsemble = {
    K,
    p: nFeatures ?? 0,
    nTrees: e.trees.length,
    root: new Int32Array(e.trees.length),
    cls: new Int32Array(e.trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    missingLeft: new Uint8Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
    cover: new Float64Array(total),
    catOf: new Int32Array(total).fill(-1),
    cats: [],
    maxDepth: 0,
    baseScore: new Float64Array(K),
    expected: new Float64Array(K),
  };
  for (let k = 0; k < K; k++) P.expected[k] = P.baseScore[k] = typeof e.baseScore === 'number' ? e.baseScore : e.baseScore[k];
  let off = 0;
  let maxF = -1;
  e.trees.forEach((t, ti) => {
    const n = t.feature.length;
    P.root[ti] = off;
    P.cls[ti] = ti % K;
    for (let i = 0; i < n; i++) {
      const leaf = t.left[i] < 0;
      P.feature[off + i] = leaf ? -1 : t.feature[i];
      if (!leaf && t.feature[i] > maxF) maxF = t.feature[i];
      P.threshold[off + i] = t.threshold[i];
      P.missingLeft[off + i] = t.missingLeft[i] ? 1 : 0;
      P.left[off + i] = leaf ? -1 : off + t.left[i];
      P.right[off + i] = leaf ? -1 : off + t.right[i];
      P.value[off + i] = t.value[i];
      P.cover[off + i] = t.count[i];
      const c = t.categories?.[i];
      if (!leaf && c && c.length) {
        P.catOf[off + i] = P.cats.length;
        P.cats.push(new Set(Array.from(c)));
      }
      if (!leaf && !(t.count[i] > 0)) throw new RangeError(`tree ${ti} node ${i}: cover ${t.count[i]} (TreeSHAP needs the training rows reaching each split)`);
    }
    P.maxDepth = Math.max(P.maxDepth, depthOf(t, 0));
    P.expected[ti % K] += treeMean(t, 0);
    off += n;
  });
  P.p = Math.max(P.p, maxF + 1);
  return P;
}

/** 1/k for the path lengths (multiplications instead of divisions in the per-leaf loops) */
let INV = Float64Array.from({ length: 64 }, (_, k) => (k === 0 ? Infinity : 1 / k));
function growInv(n: number): void {
  if (INV.length < n) INV = Float64Array.from({ length: n }, (_, k) => (k === 0 ? Infinity : 1 / k));
}

/** the child row x goes to at split node i */
function goesLeft(P: PackedEnsemble, i: number, x: number): boolean {
  if (Number.isNaN(x)) return P.missingLeft[i] === 1;
  const c = P.catOf[i];
  if (c >= 0) return P.cats[c].has(x);
  return Math.fround(x) <= P.threshold[i];
}

/** The margin of row x (offset xo in a row-major matrix) for each class, into out[0..K). */
export function predictMargin(P: PackedEnsemble, X: ArrayLike<number>, xo: number, out: Float64Array): void {
  for (let k = 0; k < P.K; k++) out[k] = P.baseScore[k];
  for (let t = 0; t < P.nTrees; t++) {
    let i = P.root[t];
    while (P.left[i] >= 0) i = goesLeft(P, i, X[xo + P.feature[i]]) ? P.left[i] : P.right[i];
    out[P.cls[t]] += P.value[i];
  }
}

/**
 * Working memory of one explainer: the unique-path segments of every depth (each level copies its
 * parent's path), sized for the deepest tree.
 */
export class TreeShap {
  private fi: Int32Array;
  private zf: Float64Array;
  private of: Float64Array;
  private pw: Float64Array;
  private X: ArrayLike<number> = [];
  private xo = 0;
  private phi: Float64Array = new Float64Array(0);
  private po = 0;
  constructor(readonly P: PackedEnsemble) {
    const d = P.maxDepth + 2;
    growInv(d + 2);
    const size = ((d + 1) * (d + 2)) / 2 + d;
    this.fi = new Int32Array(size);
    this.zf = new Float64Array(size);
    this.of = new Float64Array(size);
    this.pw = new Float64Array(size);
  }

  /**
   * Contributions of row x (X[xo..xo+p)) into phi, class-major: phi[po + k·p + j] += φ_kj for feature
   * j and class k (callers zero phi first). Σ_j φ_kj = margin_k(x) − P.expected[k].
   */
  explain(X: ArrayLike<number>, xo: number, phi: Float64Array, po: number): void {
    this.X = X;
    this.xo = xo;
    this.phi = phi;
    const P = this.P;
    for (let t = 0; t < P.nTrees; t++) {
      this.po = po + P.cls[t] * P.p;
      this.recurse(P.root[t], 0, 0, 1, 1, -1);
    }
  }

  private extend(s: number, ud: number, zero: number, one: number, f: number): void {
    const fi = this.fi, zf = this.zf, of = this.of, pw = this.pw;
    fi[s + ud] = f;
    zf[s + ud] = zero;
    of[s + ud] = one;
    pw[s + ud] = ud === 0 ? 1 : 0;
    const inv = INV[ud + 1];
    for (let i = ud - 1; i >= 0; i--) {
      const w = pw[s + i];
      pw[s + i + 1] += one * w * (i + 1) * inv;
      pw[s + i] = zero * w * (ud - i) * inv;
    }
  }

  private unwind(s: number, ud: number, at: number): void {
    const fi = this.fi, zf = this.zf, of = this.of, pw = this.pw;
    const one = of[s + at];
    const zero = zf[s + at];
    let next = pw[s + ud];
    const d1 = ud + 1;
    const inv = INV[d1];
    if (one !== 0) {
      const r = d1 / one;
      for (let i = ud - 1; i >= 0; i--) {
        const tmp = pw[s + i];
        const w = next * r * INV[i + 1];
        pw[s + i] = w;
        next = tmp - w * zero * (ud - i) * inv;
      }
    } else {
      const r = d1 / zero;
      for (let i = ud - 1; i >= 0; i--) pw[s + i] = pw[s + i] * r * INV[ud - i];
    }
    for (let i = at; i < ud; i++) {
      fi[s + i] = fi[s + i + 1];
      zf[s + i] = zf[s + i + 1];
      of[s + i] = of[s + i + 1];
    }
  }

  /** the total weight of the path with element `at` taken out (without changing the path) */
  private unwoundSum(s: number, ud: number, at: number): number {
    const zf = this.zf, of = this.of, pw = this.pw;
    const one = of[s + at];
    const zero = zf[s + at];
    let total = 0;
    const d1 = ud + 1;
    if (one !== 0) {
      let next = pw[s + ud];
      const r = d1 / one;
      const z = zero * INV[d1];
      for (let i = ud - 1; i >= 0; i--) {
        const tmp = next * r * INV[i + 1];
        total += tmp;
        next = pw[s + i] - tmp * z * (ud - i);
      }
    } else if (zero !== 0) {
      const r = d1 / zero;
      for (let i = ud - 1; i >= 0; i--) total += pw[s + i] * r * INV[ud - i];
    }
    return total;
  }

  /** `ps`: start of the parent's path; the parent had ud elements before this node's one is added */
  private recurse(node: number, ps: number, ud: number, zero: number, one: number, f: number): void {
    const P = this.P;
    const fi = this.fi, zf = this.zf, of = this.of, pw = this.pw;
    // this node's path: a copy of the parent's, then extended by the feature that led here
    const s = ps + ud + 1;
    for (let i = 0; i < ud; i++) {
      fi[s + i] = fi[ps + i];
      zf[s + i] = zf[ps + i];
      of[s + i] = of[ps + i];
      pw[s + i] = pw[ps + i];
    }
    this.extend(s, ud, zero, one, f);
    const l = P.left[node];
    if (l < 0) {
      const v = P.value[node];
      const phi = this.phi, po = this.po;
      for (let i = 1; i <= ud; i++) {
        const w = this.unwoundSum(s, ud, i);
        phi[po + fi[s + i]] += w * (of[s + i] - zf[s + i]) * v;
      }
      return;
    }
    const r = P.right[node];
    const sf = P.feature[node];
    const hotLeft = goesLeft(P, node, this.X[this.xo + sf]);
    const hot = hotLeft ? l : r;
    const cold = hotLeft ? r : l;
    const c = P.cover[node];
    const hotZero = P.cover[hot] / c;
    const coldZero = P.cover[cold] / c;
    let inZero = 1;
    let inOne = 1;
    let d = ud;
    // a feature met again on this path: take its earlier element out and fold its fractions in
    let k = 1;
    while (k <= d && fi[s + k] !== sf) k++;
    if (k <= d) {
      inZero = zf[s + k];
      inOne = of[s + k];
      this.unwind(s, d, k);
      d--;
    }
    this.recurse(hot, s, d + 1, hotZero * inZero, inOne, sf);
    this.recurse(cold, s, d + 1, coldZero * inZero, 0, sf);
  }
}

/**
 * Contributions of n rows (row-major X, p columns): phi is n × K × p (row, class, feature) and
 * base the K expected margins. Σ_j phi[i,k,j] + base[k] = margin_k(row i).
 */
export function treeShap(P: PackedEnsemble, X: ArrayLike<number>, n: number, p: number): { phi: Float64Array; base: Float64Array } {
  if (P.p > p) throw new RangeError(`the trees use feature ${P.p - 1}, the data has ${p} columns`);
  const ex = new TreeShap({ ...P, p });
  const phi = new Float64Array(n * P.K * p);
  for (let i = 0; i < n; i++) ex.explain(X, i * p, phi, i * P.K * p);
  return { phi, base: Float64Array.from(P.expected) };
}

/**
 * Silhouette, exactly as scikit-learn's silhouette_samples / silhouette_score (Euclidean): for row i,
 * a = mean distance to the other rows of its cluster (sum / (size − 1)), b = the smallest mean distance
 * to the rows of another cluster, s = (b − a) / max(a, b), and 0 for a row alone in its cluster.
 * Clusters are the labels present in the rows given; there must be 2 … n − 1 of them.
 * Each pair's distance is computed once; every row's per-cluster sums still add their terms in
 * ascending row order, as scikit-learn's do.
 */
import { dataError } from '../../errors.js';
import { makeRng, shuffle } from '../splits.js';

export function silhouetteSamples(X: Float64Array, n: number, p: number, labels: ArrayLike<number>): Float64Array {
  // relabel to 0..L-1 in sorted label order (LabelEncoder)
  const distinct = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const L = distinct.length;
  if (L < 2 || L > n - 1) throw dataError(`silhouette needs 2 to ${n - 1} clusters among ${n} rows, got ${L}`);
  const code = new Map(distinct.map((v, i) => [v, i]));
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) lab[i] = code.get(labels[i])!;
  const freq = new Float64Array(L);
  for (let i = 0; i < n; i++) freq[lab[i]]++;
  const sums = new Float64Array(n * L); // sums[i·L + c]: Σ distance from i to the rows of cluster c
  for (let i = 0; i < n; i++) {
    const xi = i * p;
    const li = lab[i];
    const ri = i * L;
    for (let j = i + 1; j < n; j++) {
      const xj = j * p;
      let s = 0;
      for (let t = 0; t < p; t++) {
        const d = X[xi + t] - X[xj + t];
        s += d * d;
      }
      const d = Math.sqrt(s);
      sums[ri + lab[j]] += d;
      sums[j * L + li] += d;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const li = lab[i];
    const denom = freq[li] - 1;
    if (denom === 0) continue; // alone in its cluster: 0
    const a = sums[i * L + li] / denom;
    let b = Infinity;
    for (let c = 0; c < L; c++) {
      if (c === li) continue;
      const m = sums[i * L + c] / freq[c];
      if (m < b) b = m;
    }
    const mx = Math.max(a, b);
    const s = (b - a) / mx;
    out[i] = Number.isNaN(s) ? 0 : s;
  }
  return out;
}

export function silhouetteScore(X: Float64Array, n: number, p: number, labels: ArrayLike<number>): number {
  const s = silhouetteSamples(X, n, p, labels);
  let t = 0;
  for (let i = 0; i < n; i++) t += s[i];
  return t / n;
}

/** The rows of a seeded sample: the first `size` of a seeded permutation of 0..n−1 (all rows, in order, when size ≥ n). */
export function silhouetteSample(n: number, size: number, seed: number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(perm, makeRng(seed));
  return perm.slice(0, size);
}

/** The sampled rows of X (row-major) and their labels. */
export function takeRows(X: Float64Array, p: number, labels: ArrayLike<number>, rows: Int32Array): { X: Float64Array; labels: Int32Array } {
  const Xs = new Float64Array(rows.length * p);
  const ls = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    Xs.set(X.subarray(rows[r] * p, rows[r] * p + p), r * p);
    ls[r] = labels[rows[r]];
  }
  return { X: Xs, labels: ls };
}

/**
 * Gradient/hessian histograms, the inner loop of the fit. Layout of a node's histogram buffer
 * (histLength(p) doubles): per feature 256 bins × (sum of gradients, sum of hessians), bin 255 =
 * missing; then the count region from countsAt(p): per feature 256 row counts. Row counts are kept
 * only where they cannot be bounded instead (see grow.ts): every feature's missing-bin count, and
 * every bin of the features built with counts (categorical ones); other bins' counts are filled on
 * demand by countHistogram. Leaving the count out of the inner loop saves about a third of its time.
 * Each feature's bins are summed in row order, whichever thread builds them and however features are
 * grouped, so the result does not depend on the thread count. Four features share one pass over the
 * rows (one read of the row index and gradients for four updates); a remainder of two or three
 * features takes a pass of two. Gradients and hessians arrive as float32 (as in xgboost and LightGBM);
 * the sums are doubles. wasm/kernels.c repeats these loops operation for operation.
 */
import { MISSING_BIN } from './bins.js';

/** doubles per feature in the gradient/hessian region */
export const GH_STRIDE = 520;
/** doubles per feature in the count region */
export const COUNT_STRIDE = 256;
/** doubles of one node's histogram buffer */
export const histLength = (p: number): number => p * (GH_STRIDE + COUNT_STRIDE);
/** where the count region starts */
export const countsAt = (p: number): number => p * GH_STRIDE;

/**
 * Fills the histograms of `feats[fa..fb)` for the rows rows[start..end) of the column-major bin
 * matrix. identity = the node holds every row in order (rows is not read; g/h are indexed by row);
 * otherwise g/h hold the node's gradients in partition order (g[i − start] for rows[i]). counts:
 * every bin's row count too (else only the missing bin's), at `countAt` (countsAt(p)).
 */
export function buildHistograms(
  bins: Uint8Array, n: number, feats: Int32Array, fa: number, fb: number,
  rows: Int32Array, start: number, end: number, identity: boolean,
  g: Float32Array, h: Float32Array, hist: Float64Array, countAt: number, counts: boolean,
): void {
  const m = end - start;
  let q = fa;
  if (counts) {
    for (; q < fb; q++) {
      const f = feats[q];
      const ho = f * GH_STRIDE;
      const co = countAt + f * COUNT_STRIDE;
      hist.fill(0, ho, ho + GH_STRIDE);
      hist.fill(0, co, co + COUNT_STRIDE);
      const col = bins.subarray(f * n, f * n + n);
      if (identity) {
        for (let i = 0; i < n; i++) {
          const v = col[i];
          hist[ho + 2 * v] += g[i];
          hist[ho + 2 * v + 1] += h[i];
          hist[co + v] += 1;
        }
      } else {
        for (let j = 0; j < m; j++) {
          const v = col[rows[start + j]];
          hist[ho + 2 * v] += g[j];
          hist[ho + 2 * v + 1] += h[j];
          hist[co + v] += 1;
        }
      }
    }
    return;
  }
  for (; q + 4 <= fb; q += 4) {
    const f0 = feats[q];
    const f1 = feats[q + 1];
    const f2 = feats[q + 2];
    const f3 = feats[q + 3];
    const o0 = f0 * GH_STRIDE;
    const o1 = f1 * GH_STRIDE;
    const o2 = f2 * GH_STRIDE;
    const o3 = f3 * GH_STRIDE;
    hist.fill(0, o0, o0 + GH_STRIDE);
    hist.fill(0, o1, o1 + GH_STRIDE);
    hist.fill(0, o2, o2 + GH_STRIDE);
    hist.fill(0, o3, o3 + GH_STRIDE);
    const c0 = bins.subarray(f0 * n, f0 * n + n);
    const c1 = bins.subarray(f1 * n, f1 * n + n);
    const c2 = bins.subarray(f2 * n, f2 * n + n);
    const c3 = bins.subarray(f3 * n, f3 * n + n);
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    if (identity) {
      for (let i = 0; i < n; i++) {
        const gg = g[i];
        const hh = h[i];
        const v0 = c0[i];
        const v1 = c1[i];
        const v2 = c2[i];
        const v3 = c3[i];
        hist[o0 + 2 * v0] += gg;
        hist[o0 + 2 * v0 + 1] += hh;
        hist[o1 + 2 * v1] += gg;
        hist[o1 + 2 * v1 + 1] += hh;
        hist[o2 + 2 * v2] += gg;
        hist[o2 + 2 * v2 + 1] += hh;
        hist[o3 + 2 * v3] += gg;
        hist[o3 + 2 * v3 + 1] += hh;
        m0 += v0 === MISSING_BIN ? 1 : 0;
        m1 += v1 === MISSING_BIN ? 1 : 0;
        m2 += v2 === MISSING_BIN ? 1 : 0;
        m3 += v3 === MISSING_BIN ? 1 : 0;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const r = rows[start + j];
        const gg = g[j];
        const hh = h[j];
        const v0 = c0[r];
        const v1 = c1[r];
        const v2 = c2[r];
        const v3 = c3[r];
        hist[o0 + 2 * v0] += gg;
        hist[o0 + 2 * v0 + 1] += hh;
        hist[o1 + 2 * v1] += gg;
        hist[o1 + 2 * v1 + 1] += hh;
        hist[o2 + 2 * v2] += gg;
        hist[o2 + 2 * v2 + 1] += hh;
        hist[o3 + 2 * v3] += gg;
        hist[o3 + 2 * v3 + 1] += hh;
        m0 += v0 === MISSING_BIN ? 1 : 0;
        m1 += v1 === MISSING_BIN ? 1 : 0;
        m2 += v2 === MISSING_BIN ? 1 : 0;
        m3 += v3 === MISSING_BIN ? 1 : 0;
      }
    }
    hist[countAt + f0 * COUNT_STRIDE + MISSING_BIN] = m0;
    hist[countAt + f1 * COUNT_STRIDE + MISSING_BIN] = m1;
    hist[countAt + f2 * COUNT_STRIDE + MISSING_BIN] = m2;
    hist[countAt + f3 * COUNT_STRIDE + MISSING_BIN] = m3;
  }
  if (q + 2 <= fb) {
    const f0 = feats[q];
    const f1 = feats[q + 1];
    const o0 = f0 * GH_STRIDE;
    const o1 = f1 * GH_STRIDE;
    hist.fill(0, o0, o0 + GH_STRIDE);
    hist.fill(0, o1, o1 + GH_STRIDE);
    const c0 = bins.subarray(f0 * n, f0 * n + n);
    const c1 = bins.subarray(f1 * n, f1 * n + n);
    let m0 = 0;
    let m1 = 0;
    if (identity) {
      for (let i = 0; i < n; i++) {
        const gg = g[i];
        const hh = h[i];
        const v0 = c0[i];
        const v1 = c1[i];
        hist[o0 + 2 * v0] += gg;
        hist[o0 + 2 * v0 + 1] += hh;
        hist[o1 + 2 * v1] += gg;
        hist[o1 + 2 * v1 + 1] += hh;
        m0 += v0 === MISSING_BIN ? 1 : 0;
        m1 += v1 === MISSING_BIN ? 1 : 0;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const r = rows[start + j];
        const gg = g[j];
        const hh = h[j];
        const v0 = c0[r];
        const v1 = c1[r];
        hist[o0 + 2 * v0] += gg;
        hist[o0 + 2 * v0 + 1] += hh;
        hist[o1 + 2 * v1] += gg;
        hist[o1 + 2 * v1 + 1] += hh;
        m0 += v0 === MISSING_BIN ? 1 : 0;
        m1 += v1 === MISSING_BIN ? 1 : 0;
      }
    }
    hist[countAt + f0 * COUNT_STRIDE + MISSING_BIN] = m0;
    hist[countAt + f1 * COUNT_STRIDE + MISSING_BIN] = m1;
    q += 2;
  }
  for (; q < fb; q++) {
    const f = feats[q];
    const ho = f * GH_STRIDE;
    hist.fill(0, ho, ho + GH_STRIDE);
    const col = bins.subarray(f * n, f * n + n);
    let m0 = 0;
    if (identity) {
      for (let i = 0; i < n; i++) {
        const v = col[i];
        hist[ho + 2 * v] += g[i];
        hist[ho + 2 * v + 1] += h[i];
        m0 += v === MISSING_BIN ? 1 : 0;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const v = col[rows[start + j]];
        hist[ho + 2 * v] += g[j];
        hist[ho + 2 * v + 1] += h[j];
        m0 += v === MISSING_BIN ? 1 : 0;
      }
    }
    hist[countAt + f * COUNT_STRIDE + MISSING_BIN] = m0;
  }
}

/** Every bin's row count of feature f for the node rows[start..end) (identity: every row), into the count region. */
export function countHistogram(bins: Uint8Array, n: number, f: number, rows: Int32Array, start: number, end: number, identity: boolean, hist: Float64Array, countAt: number): void {
  const co = countAt + f * COUNT_STRIDE;
  hist.fill(0, co, co + COUNT_STRIDE);
  const col = bins.subarray(f * n, f * n + n);
  if (identity) for (let i = 0; i < n; i++) hist[co + col[i]] += 1;
  else for (let j = start; j < end; j++) hist[co + col[rows[j]]] += 1;
}

/**
 * parent −= child over the given features (the larger child's histograms, in the parent's buffer):
 * the gradient/hessian sums, the missing-bin counts, and every count of the features with counts.
 */
export function subtractHistograms(parent: Float64Array, child: Float64Array, feats: Int32Array, countAt: number, withCounts: Uint8Array): void {
  for (let q = 0; q < feats.length; q++) {
    const f = feats[q];
    const o = f * GH_STRIDE;
    for (let i = o; i < o + GH_STRIDE; i++) parent[i] -= child[i];
    const co = countAt + f * COUNT_STRIDE;
    if (withCounts[f] === 1) for (let i = co; i < co + COUNT_STRIDE; i++) parent[i] -= child[i];
    else parent[co + MISSING_BIN] -= child[co + MISSING_BIN];
  }
}

/**
 * Gradient/hessian/count histograms, the inner loop of the fit. Layout: per feature 256 bins × 3
 * doubles (sum of gradients, sum of hessians, row count), bin 255 = missing. Each feature's bins are
 * summed in row order, whichever thread builds them and however features are grouped, so the
 * result does not depend on the thread count. Four features share one pass over the rows (one read
 * of the row index and gradients for four updates: ~1.7× faster than one feature per pass here); a
 * remainder of two or three features takes a pass of two. Gradients and hessians arrive as float32
 * (as in xgboost and LightGBM); the sums are doubles.
 * The identity loops repeat the partition loops without the row index on purpose: the root pass
 * over every row is the largest of a tree.
 */
export const HIST_STRIDE = 256 * 3;

/**
 * Fills the histograms of `feats[fa..fb)` for the rows rows[start..end) of the column-major bin
 * matrix. identity = the node holds every row in order (rows is not read; g/h are indexed by row);
 * otherwise g/h hold the node's gradients in partition order (g[i − start] for rows[i]).
 */
export function buildHistograms(
  bins: Uint8Array, n: number, feats: Int32Array, fa: number, fb: number,
  rows: Int32Array, start: number, end: number, identity: boolean,
  g: Float32Array, h: Float32Array, hist: Float64Array,
): void {
  const m = end - start;
  let q = fa;
  for (; q + 4 <= fb; q += 4) {
    const f0 = feats[q];
    const f1 = feats[q + 1];
    const f2 = feats[q + 2];
    const f3 = feats[q + 3];
    const o0 = f0 * HIST_STRIDE;
    const o1 = f1 * HIST_STRIDE;
    const o2 = f2 * HIST_STRIDE;
    const o3 = f3 * HIST_STRIDE;
    hist.fill(0, o0, o0 + HIST_STRIDE);
    hist.fill(0, o1, o1 + HIST_STRIDE);
    hist.fill(0, o2, o2 + HIST_STRIDE);
    hist.fill(0, o3, o3 + HIST_STRIDE);
    const c0 = bins.subarray(f0 * n, f0 * n + n);
    const c1 = bins.subarray(f1 * n, f1 * n + n);
    const c2 = bins.subarray(f2 * n, f2 * n + n);
    const c3 = bins.subarray(f3 * n, f3 * n + n);
    if (identity) {
      for (let i = 0; i < n; i++) {
        const gg = g[i];
        const hh = h[i];
        let b = o0 + c0[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o1 + c1[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o2 + c2[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o3 + c3[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const r = rows[start + j];
        const gg = g[j];
        const hh = h[j];
        let b = o0 + c0[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o1 + c1[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o2 + c2[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o3 + c3[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
      }
    }
  }
  if (q + 2 <= fb) {
    const f0 = feats[q];
    const f1 = feats[q + 1];
    const o0 = f0 * HIST_STRIDE;
    const o1 = f1 * HIST_STRIDE;
    hist.fill(0, o0, o0 + HIST_STRIDE);
    hist.fill(0, o1, o1 + HIST_STRIDE);
    const c0 = bins.subarray(f0 * n, f0 * n + n);
    const c1 = bins.subarray(f1 * n, f1 * n + n);
    if (identity) {
      for (let i = 0; i < n; i++) {
        const gg = g[i];
        const hh = h[i];
        let b = o0 + c0[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o1 + c1[i] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const r = rows[start + j];
        const gg = g[j];
        const hh = h[j];
        let b = o0 + c0[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
        b = o1 + c1[r] * 3;
        hist[b] += gg;
        hist[b + 1] += hh;
        hist[b + 2] += 1;
      }
    }
    q += 2;
  }
  for (; q < fb; q++) {
    const f = feats[q];
    const ho = f * HIST_STRIDE;
    hist.fill(0, ho, ho + HIST_STRIDE);
    const col = bins.subarray(f * n, f * n + n);
    if (identity) {
      for (let i = 0; i < n; i++) {
        const b = ho + col[i] * 3;
        hist[b] += g[i];
        hist[b + 1] += h[i];
        hist[b + 2] += 1;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const b = ho + col[rows[start + j]] * 3;
        hist[b] += g[j];
        hist[b + 1] += h[j];
        hist[b + 2] += 1;
      }
    }
  }
}

/** parent −= child over the given features: the larger child's histograms, in the parent's buffer. */
export function subtractHistograms(parent: Float64Array, child: Float64Array, feats: Int32Array): void {
  for (let q = 0; q < feats.length; q++) {
    const o = feats[q] * HIST_STRIDE;
    for (let i = o; i < o + HIST_STRIDE; i++) parent[i] -= child[i];
  }
}

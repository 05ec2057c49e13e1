/**
 * Gradient/hessian/count histograms, the inner loop of the fit. Layout: per feature 256 bins × 3
 * doubles (sum of gradients, sum of hessians, row count), bin 255 = missing. Each bin is summed in
 * row order by one thread, so the result does not depend on how features are shared out.
 */
export const HIST_STRIDE = 256 * 3;

/**
 * Fills the histograms of `feats[fa..fb)` for the rows rows[start..end) of the column-major bin
 * matrix. identity = the node holds every row in order (rows is not read; g/h are indexed by row);
 * otherwise og/oh hold the node's gradients in partition order (og[i − start] for rows[i]).
 */
export function buildHistograms(
  bins: Uint8Array, n: number, feats: Int32Array, fa: number, fb: number,
  rows: Int32Array, start: number, end: number, identity: boolean,
  g: Float64Array, h: Float64Array, hist: Float64Array,
): void {
  for (let q = fa; q < fb; q++) {
    const f = feats[q];
    const ho = f * HIST_STRIDE;
    hist.fill(0, ho, ho + HIST_STRIDE);
    const col = bins.subarray(f * n, (f + 1) * n);
    if (identity) {
      for (let i = 0; i < n; i++) {
        const b = ho + col[i] * 3;
        hist[b] += g[i];
        hist[b + 1] += h[i];
        hist[b + 2] += 1;
      }
    } else {
      for (let i = start, j = 0; i < end; i++, j++) {
        const b = ho + col[rows[i]] * 3;
        hist[b] += g[j];
        hist[b + 1] += h[j];
        hist[b + 2] += 1;
      }
    }
  }
}

/** hist[a] −= hist[b] over the given features (the sibling of the smaller child, in the parent's buffer). */
export function subtractHistograms(parent: Float64Array, child: Float64Array, feats: Int32Array): void {
  for (let q = 0; q < feats.length; q++) {
    const o = feats[q] * HIST_STRIDE;
    for (let i = o; i < o + HIST_STRIDE; i++) parent[i] -= child[i];
  }
}

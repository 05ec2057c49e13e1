/**
 * Pure helpers for fitting numeric transforms on large training sets without DuckDB's exact quantile
 * aggregate (which collects and sorts every value of every column) and without a second scan for the
 * moments of imputed values. No I/O.
 *
 * Exact quantiles from a window: a small sample gives bounds [lo, hi] around the order statistics a
 * quantile needs; one scan then counts the values below lo and collects the few inside [lo, hi]. When
 * the needed order statistics fall inside the window they are exact (the same value DuckDB's
 * quantile_cont and NumPy's default give: x[k] + (x[k+1] - x[k]) * frac, with k + frac = (n - 1) * q);
 * when the sample was unlucky the caller falls back to the exact aggregate.
 */

/**
 * Quantile levels bounding q's window, from a row sample of `sampleRows` values (clamped to [0, 1]):
 * ± `sigmas` standard errors of a sample quantile, plus a small margin.
 */
export function windowLevels(q: number, sampleRows: number, sigmas = 6): [number, number] {
  const d = sigmas * Math.sqrt(Math.max(q * (1 - q), 0.01) / Math.max(sampleRows, 1)) + 0.002;
  return [Math.max(0, q - d), Math.min(1, q + d)];
}

/**
 * The q-quantile of n present values, given how many lie below the window and the window's values
 * sorted ascending; undefined when an order statistic it needs lies outside the window.
 */
export function quantileFromWindow(n: number, below: number, windowSorted: ArrayLike<number>, q: number): number | undefined {
  if (n <= 0) return undefined;
  const pos = (n - 1) * q;
  const k = Math.floor(pos);
  const frac = pos - k;
  const at = (i: number): number | undefined => {
    const j = i - below;
    return j >= 0 && j < windowSorted.length ? windowSorted[j] : undefined;
  };
  const a = at(k);
  if (a === undefined) return undefined;
  if (frac === 0 || k + 1 >= n) return a;
  const b = at(k + 1);
  return b === undefined ? undefined : a + (b - a) * frac;
}

/**
 * Mean and population standard deviation after imputing the missing values with `fill`, from the
 * moments of the present values (Chan et al.'s pairwise combination: no second scan). With nothing
 * missing these are the present values' own moments, unchanged.
 */
export function imputedMoments(nTotal: number, nPresent: number, mean: number, varPop: number, fill: number): { mean: number; std: number } {
  const nMissing = nTotal - nPresent;
  if (nMissing <= 0) return { mean, std: Math.sqrt(varPop) };
  if (nPresent === 0) return { mean: fill, std: 0 };
  const delta = fill - mean;
  const m = mean + (delta * nMissing) / nTotal;
  const m2 = varPop * nPresent + ((delta * delta * nPresent) / nTotal) * nMissing;
  return { mean: m, std: Math.sqrt(m2 / nTotal) };
}

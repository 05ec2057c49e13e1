/** Pure statistics for the data story: segment departure, chi-square association, bins. The tests and intervals are src/stats/. */
import { wilson as wilsonInterval } from '../stats/wilson.js';
import { chiSquareP } from '../stats/tests.js';

/** Wilson score interval for k successes in n trials as [lower, upper] (z = 1.96 → 95 %). */
export function wilson(k: number, n: number, z?: number): [number, number] {
  const w = wilsonInterval(k, n, z);
  return [w.lower, w.upper];
}

/** How many standard errors a segment's rate is from the overall rate (binomial, under "no difference"). */
export function departureZ(k: number, n: number, overall: number): number {
  if (n === 0 || overall <= 0 || overall >= 1) return 0;
  return (k / n - overall) / Math.sqrt((overall * (1 - overall)) / n);
}

export interface Association {
  chi2: number;
  df: number;
  p: number;
  /** Cramér's V for a k×2 table: sqrt(χ² / n) */
  cramersV: number;
}

/** Chi-square test of independence of segment and target over segments {n, k}. */
export function association(segments: { n: number; k: number }[]): Association {
  const segs = segments.filter((s) => s.n > 0);
  const N = segs.reduce((a, s) => a + s.n, 0);
  const K = segs.reduce((a, s) => a + s.k, 0);
  if (N === 0 || K === 0 || K === N || segs.length < 2) return { chi2: 0, df: Math.max(0, segs.length - 1), p: 1, cramersV: 0 };
  const p = K / N;
  let chi2 = 0;
  for (const s of segs) {
    const e1 = s.n * p;
    const e0 = s.n * (1 - p);
    chi2 += (s.k - e1) ** 2 / e1 + (s.n - s.k - e0) ** 2 / e0;
  }
  const df = segs.length - 1;
  return { chi2, df, p: chiSquareP(chi2, df), cramersV: Math.sqrt(chi2 / N) };
}

/** Bin edges from quantile cut points: sorted, deduplicated, interior only. */
export function binEdges(cuts: number[]): number[] {
  return [...new Set(cuts.filter((c) => Number.isFinite(c)))].sort((a, b) => a - b);
}

/** The bin index (0..edges.length) of x: bin i holds edges[i-1] ≤ x < edges[i]. */
export function binOf(x: number, edges: number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (x < edges[m]) hi = m;
    else lo = m + 1;
  }
  return lo;
}


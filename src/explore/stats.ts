/** Pure statistics for the data story: Wilson intervals, segment departure, chi-square association. */

/** Wilson score interval for k successes in n trials (z = 1.96 → 95 %). */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** How many standard errors a segment's rate is from the overall rate (binomial, under "no difference"). */
export function departureZ(k: number, n: number, overall: number): number {
  if (n === 0 || overall <= 0 || overall >= 1) return 0;
  return (k / n - overall) / Math.sqrt((overall * (1 - overall)) / n);
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9): ~15 significant digits for x > 0. */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) (series for x < a + 1, continued fraction otherwise). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a)));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h);
}

/** P(χ²_df ≥ x). */
export const chiSquareP = (x: number, df: number): number => (df <= 0 ? 1 : gammaQ(df / 2, x / 2));

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

/** Two-sided p-value of a standard normal z: P(|Z| ≥ |z|) = P(χ²₁ ≥ z²). */
export const twoSidedP = (z: number): number => chiSquareP(z * z, 1);

/**
 * Benjamini–Hochberg adjusted p-values (q-values), in the input order: controls the false discovery rate
 * across a family of tests (here: the segments of one column).
 */
export function benjaminiHochberg(ps: number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const q = new Array<number>(m);
  let min = 1;
  for (let r = m - 1; r >= 0; r--) {
    const [p, i] = order[r];
    min = Math.min(min, (p * m) / (r + 1));
    q[i] = min;
  }
  return q;
}

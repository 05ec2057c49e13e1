/** Test statistics and p-values, pure: χ² (through the regularised gamma), two-sample Kolmogorov–Smirnov, normal two-sided, Benjamini–Hochberg. */

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

/** Two-sample KS statistic D = sup |F_a − F_b| for sorted samples. */
export function ksStatistic(a: number[], b: number[]): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Asymptotic p-value of the two-sample KS test (Numerical Recipes' Kolmogorov Q with small-n correction). */
export function ksPValue(d: number, n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const ne = (n1 * n2) / (n1 + n2);
  const sq = Math.sqrt(ne);
  const lambda = (sq + 0.12 + 0.11 / sq) * d;
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

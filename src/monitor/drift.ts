/**
 * Drift statistics (pure, no I/O): a training profile of the model's raw inputs, and the comparison of
 * live inputs against it.
 *   numeric:     PSI over the training deciles (plus a "missing" bin) and the two-sample
 *                Kolmogorov–Smirnov statistic against up to 1001 training order statistics
 *   categorical: Pearson chi-square (training proportions, add-0.5 smoothed) and Jensen–Shannon
 *                divergence (base 2, 0..1); missing is its own category "__null__"
 * A column drifts when PSI >= psiLimit, or KS D >= ksLimit with p < alpha (numeric), or JS >= jsLimit
 * (categorical); it warns at half those limits or (categorical) when chi-square p < alpha.
 */
import { fmtP } from '../ui/format.js';
import { usageError } from '../errors.js';
import { chiSquareP, ksPValue, ksStatistic } from '../stats/tests.js';
import { quantileSorted } from '../stats/quantile.js';

export const NULL_CAT = '__null__';

export interface NumericProfile {
  name: string;
  type: 'number';
  n: number;
  nulls: number;
  /** inner bin edges (training deciles, distinct, ascending): bin i = edges[i-1] <= x < edges[i] */
  edges: number[];
  /** training counts per bin (edges.length + 1 bins) */
  counts: number[];
  /** sorted training order statistics at i/(k-1) quantiles (all values when few) */
  sample: number[];
}

export interface CategoricalProfile {
  name: string;
  type: 'string';
  n: number;
  nulls: number;
  /** category → training count (missing as "__null__") */
  counts: Record<string, number>;
}

export type ColumnDriftProfile = NumericProfile | CategoricalProfile;

export interface DriftProfile {
  kind: 'drift-profile';
  rows: number;
  columns: ColumnDriftProfile[];
}

export interface DriftLimits {
  psi: number;
  ks: number;
  js: number;
  alpha: number;
}

export const DEFAULT_LIMITS: DriftLimits = { psi: 0.2, ks: 0.1, js: 0.1, alpha: 0.01 };

export interface ColumnDrift {
  name: string;
  type: 'number' | 'string';
  n: number;
  nulls: number;
  psi?: number;
  ks?: number;
  ksP?: number;
  chi2?: number;
  chi2Df?: number;
  chi2P?: number;
  js?: number;
  /** categories seen live but never in training */
  unseen?: string[];
  status: 'ok' | 'warn' | 'drift';
  reasons: string[];
}

export interface DriftReport {
  rows: number;
  trainingRows: number;
  limits: DriftLimits;
  columns: ColumnDrift[];
  drifted: string[];
  ok: boolean;
}

const isMissing = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

function toNum(v: unknown): number | null {
  if (isMissing(v)) return null;
  const x = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(x) ? x : null;
}

export function binIndex(edges: number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= edges[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The present numbers of a column, sorted ascending, and how many values were missing. */
function sortedNumbers(values: unknown[]): { xs: number[]; nulls: number } {
  const buf = new Float64Array(values.length);
  let k = 0;
  let nulls = 0;
  for (const v of values) {
    const x = toNum(v);
    if (x === null) nulls++;
    else buf[k++] = x;
  }
  return { xs: buf.subarray(0, k).sort() as unknown as number[], nulls };
}

export function numericProfile(name: string, values: unknown[], bins = 10, sampleSize = 1001): NumericProfile {
  const { xs, nulls } = sortedNumbers(values);
  const edges: number[] = [];
  if (xs.length) {
    for (let i = 1; i < bins; i++) {
      const e = quantileSorted(xs, i / bins);
      if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
    }
    // an edge equal to the minimum would leave the first bin empty by construction
    if (edges.length && edges[0] <= xs[0]) edges.shift();
  }
  const counts = new Array(edges.length + 1).fill(0);
  for (const x of xs) counts[binIndex(edges, x)]++;
  const sample = xs.length <= sampleSize ? Array.from(xs) : Array.from({ length: sampleSize }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (sampleSize - 1))]);
  return { name, type: 'number', n: values.length, nulls, edges, counts, sample };
}

export function categoricalProfile(name: string, values: unknown[]): CategoricalProfile {
  const counts: Record<string, number> = {};
  let nulls = 0;
  for (const v of values) {
    const k = isMissing(v) ? NULL_CAT : String(v);
    if (k === NULL_CAT) nulls++;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(counts).sort()) sorted[k] = counts[k];
  return { name, type: 'string', n: values.length, nulls, counts: sorted };
}

/** Population stability index between two count vectors over the same bins (proportions floored at eps). */
export function psi(expected: number[], actual: number[], eps = 1e-4): number {
  if (expected.length !== actual.length) throw usageError('psi: bins differ in length');
  const se = expected.reduce((a, b) => a + b, 0);
  const sa = actual.reduce((a, b) => a + b, 0);
  if (se === 0 || sa === 0) return 0;
  let out = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] / se, eps);
    const a = Math.max(actual[i] / sa, eps);
    out += (a - e) * Math.log(a / e);
  }
  return out;
}

/** Jensen–Shannon divergence (base 2, in [0, 1]) between two count maps. */
export function jsDivergence(p: Record<string, number>, q: Record<string, number>): number {
  const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])];
  const sp = keys.reduce((s, k) => s + (p[k] ?? 0), 0);
  const sq = keys.reduce((s, k) => s + (q[k] ?? 0), 0);
  if (sp === 0 || sq === 0) return 0;
  let out = 0;
  for (const k of keys) {
    const a = (p[k] ?? 0) / sp;
    const b = (q[k] ?? 0) / sq;
    const m = (a + b) / 2;
    if (a > 0) out += 0.5 * a * Math.log2(a / m);
    if (b > 0) out += 0.5 * b * Math.log2(b / m);
  }
  return Math.max(0, Math.min(1, out));
}

/** Pearson chi-square of live counts against training proportions (training counts + 0.5 smoothing). */
export function chiSquare(train: Record<string, number>, live: Record<string, number>): { stat: number; df: number; p: number } {
  const keys = [...new Set([...Object.keys(train), ...Object.keys(live)])].sort();
  const st = keys.reduce((s, k) => s + (train[k] ?? 0) + 0.5, 0);
  const sl = keys.reduce((s, k) => s + (live[k] ?? 0), 0);
  if (sl === 0 || keys.length < 2) return { stat: 0, df: Math.max(0, keys.length - 1), p: 1 };
  let stat = 0;
  for (const k of keys) {
    const e = (sl * ((train[k] ?? 0) + 0.5)) / st;
    const o = live[k] ?? 0;
    stat += ((o - e) * (o - e)) / e;
  }
  const df = keys.length - 1;
  return { stat, df, p: chiSquareP(stat, df) };
}

export function buildProfile(rows: Record<string, unknown>[], columns: { name: string; type: 'number' | 'string' }[]): DriftProfile {
  return {
    kind: 'drift-profile',
    rows: rows.length,
    columns: columns.map((c) => (c.type === 'number' ? numericProfile(c.name, rows.map((r) => r[c.name])) : categoricalProfile(c.name, rows.map((r) => r[c.name])))),
  };
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function compareColumn(profile: ColumnDriftProfile, values: unknown[], limits: DriftLimits): ColumnDrift {
  const reasons: string[] = [];
  let status: ColumnDrift['status'] = 'ok';
  const bump = (s: 'warn' | 'drift', why: string) => {
    reasons.push(why);
    if (s === 'drift' || status === 'ok') status = s;
  };
  if (profile.type === 'number') {
    const { xs, nulls } = sortedNumbers(values);
    const live = new Array(profile.counts.length).fill(0);
    for (const x of xs) live[binIndex(profile.edges, x)]++;
    const p = psi([...profile.counts, profile.nulls], [...live, nulls]);
    const d = xs.length && profile.sample.length ? ksStatistic(profile.sample, xs) : 0;
    const kp = ksPValue(d, profile.n - profile.nulls, xs.length);
    if (p >= limits.psi) bump('drift', `PSI ${r6(p)} >= ${limits.psi}`);
    else if (p >= limits.psi / 2) bump('warn', `PSI ${r6(p)} >= ${limits.psi / 2}`);
    if (d >= limits.ks && kp < limits.alpha) bump('drift', `KS ${r6(d)} >= ${limits.ks} (p ${fmtP(kp)})`);
    else if (d >= limits.ks / 2 && kp < limits.alpha) bump('warn', `KS ${r6(d)} >= ${limits.ks / 2} (p ${fmtP(kp)})`);
    return { name: profile.name, type: 'number', n: values.length, nulls, psi: r6(p), ks: r6(d), ksP: kp, status, reasons };
  }
  const counts: Record<string, number> = {};
  let nulls = 0;
  for (const v of values) {
    const k = isMissing(v) ? NULL_CAT : String(v);
    if (k === NULL_CAT) nulls++;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const js = jsDivergence(profile.counts, counts);
  const chi = chiSquare(profile.counts, counts);
  const unseen = Object.keys(counts).filter((k) => !(k in profile.counts)).sort();
  if (js >= limits.js) bump('drift', `JS ${r6(js)} >= ${limits.js}`);
  else if (js >= limits.js / 2) bump('warn', `JS ${r6(js)} >= ${limits.js / 2}`);
  if (chi.p < limits.alpha) bump('warn', `chi-square p ${fmtP(chi.p)} < ${limits.alpha}`);
  if (unseen.length) reasons.push(`${unseen.length} unseen value(s): ${unseen.slice(0, 3).join(', ')}${unseen.length > 3 ? ', …' : ''}`);
  return { name: profile.name, type: 'string', n: values.length, nulls, js: r6(js), chi2: r6(chi.stat), chi2Df: chi.df, chi2P: chi.p, unseen, status, reasons };
}

export function compareProfile(profile: DriftProfile, rows: Record<string, unknown>[], limits: DriftLimits = DEFAULT_LIMITS): DriftReport {
  const columns = profile.columns.map((c) => compareColumn(c, rows.map((r) => r[c.name]), limits));
  const drifted = columns.filter((c) => c.status === 'drift').map((c) => c.name);
  return { rows: rows.length, trainingRows: profile.rows, limits, columns, drifted, ok: drifted.length === 0 };
}

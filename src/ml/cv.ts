/**
 * Hyper-parameter search by k-fold cross-validation (stratified for classification), pure parts:
 * parsing --grid, sampling --trials, grouping trials into warm-start chains, and summarising fold
 * scores into the CvResult stored with the model. The search itself is in tune.ts.
 */
import type { CvTrial } from '../types.js';
import type { Metric } from './fit.js';
import { GREATER_IS_BETTER } from './metrics.js';
import type { Penalty } from './logistic.js';
import { makeRng } from './splits.js';

export type TrialParams = { C: number; penalty: Penalty; l1_ratio?: number };

const PENALTIES: Penalty[] = ['l2', 'l1', 'elasticnet', 'none'];

function parseNumber(key: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new RangeError(`--grid ${key}: "${v}" is not a number`);
  return x;
}

/**
 * Parses "C=0.01,0.1,1;penalty=l1,l2;l1_ratio=0.2,0.8" into the cartesian product, in the order
 * given (last key varies fastest). Keys not given take the base values.
 */
export function parseGrid(text: string, base: TrialParams): TrialParams[] {
  const axes: { key: 'C' | 'penalty' | 'l1_ratio'; values: (number | string)[] }[] = [];
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new RangeError(`--grid part "${part}" is not KEY=V1,V2,…`);
    const rawKey = part.slice(0, eq).trim();
    const key = rawKey === 'c' ? 'C' : rawKey.replace('-', '_');
    const vals = part.slice(eq + 1).split(',').map((s) => s.trim());
    if (vals.length === 0 || vals.some((v) => v === '')) throw new RangeError(`--grid ${rawKey} has an empty value`);
    if (axes.some((a) => a.key === key)) throw new RangeError(`--grid names ${rawKey} twice`);
    if (key === 'C') {
      const nums = vals.map((v) => parseNumber(rawKey, v));
      for (const c of nums) if (!(c > 0)) throw new RangeError(`--grid C values must be > 0, got ${c}`);
      axes.push({ key, values: nums });
    } else if (key === 'l1_ratio') {
      const nums = vals.map((v) => parseNumber(rawKey, v));
      for (const r of nums) if (!(r >= 0 && r <= 1)) throw new RangeError(`--grid l1_ratio values must be within [0, 1], got ${r}`);
      axes.push({ key, values: nums });
    } else if (key === 'penalty') {
      for (const v of vals) if (!PENALTIES.includes(v as Penalty)) throw new RangeError(`--grid penalty "${v}" is not one of ${PENALTIES.join(', ')}`);
      axes.push({ key, values: vals });
    } else throw new RangeError(`--grid key "${rawKey}" is not one of C, penalty, l1_ratio`);
  }
  if (axes.length === 0) throw new RangeError('--grid is empty');
  let out: TrialParams[] = [{ ...base }];
  for (const a of axes) {
    const next: TrialParams[] = [];
    for (const t of out) for (const v of a.values) next.push({ ...t, [a.key]: v } as TrialParams);
    out = next;
  }
  // l1_ratio only means something for elasticnet: drop it elsewhere and de-duplicate
  const seen = new Set<string>();
  const res: TrialParams[] = [];
  for (const t of out) {
    const c: TrialParams = { C: t.C, penalty: t.penalty };
    if (t.penalty === 'elasticnet') c.l1_ratio = t.l1_ratio ?? 0.5;
    const k = JSON.stringify(c);
    if (!seen.has(k)) {
      seen.add(k);
      res.push(c);
    }
  }
  return res;
}

/**
 * Random search: N trials with C log-uniform in [1e-4, 1e4] (rounded to 4 significant digits so
 * the table stays readable), the base penalty, and l1_ratio uniform in [0, 1] for elasticnet. With a
 * grid, N distinct grid points are drawn instead. Seeded.
 */
export function sampleTrials(n: number, seed: number, base: TrialParams, grid?: TrialParams[]): TrialParams[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--trials must be a positive integer, got ${n}`);
  const rng = makeRng(seed ^ 0x5eed);
  if (grid) {
    const idx = grid.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, Math.min(n, grid.length)).sort((a, b) => a - b).map((i) => grid[i]);
  }
  const out: TrialParams[] = [];
  for (let i = 0; i < n; i++) {
    const C = Number((10 ** (-4 + 8 * rng.next())).toPrecision(4));
    const t: TrialParams = { C, penalty: base.penalty };
    if (base.penalty === 'elasticnet') t.l1_ratio = Number(rng.next().toFixed(3));
    out.push(t);
  }
  return out;
}

/**
 * Groups trials that differ only in C into chains ordered by ascending C, so a fold's fits can warm-
 * start from the previous (more regularised) solution. Returns trial indices per chain; chains are in
 * first-appearance order, so the grouping is deterministic.
 */
export function chainTrials(trials: TrialParams[]): number[][] {
  const groups = new Map<string, number[]>();
  trials.forEach((t, i) => {
    const k = `${t.penalty}|${t.l1_ratio ?? ''}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(i);
  });
  return [...groups.values()].map((g) => g.sort((a, b) => trials[a].C - trials[b].C || a - b));
}

/** Mean and sample standard deviation (ddof 0, as GridSearchCV's std_test_score). */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return { mean: m, sd: Math.sqrt(v) };
}

/** Index of the best trial by mean score (ties → the earlier trial). NaN means never win. */
export function bestTrial(trials: CvTrial[], metric: Metric): number {
  const higher = GREATER_IS_BETTER[metric];
  let best = -1;
  for (let i = 0; i < trials.length; i++) {
    const m = trials[i].mean;
    if (Number.isNaN(m)) continue;
    if (best < 0 || (higher ? m > trials[best].mean : m < trials[best].mean)) best = i;
  }
  return best;
}

export function trialRecord(t: TrialParams): Record<string, number | string> {
  const r: Record<string, number | string> = { C: t.C, penalty: t.penalty };
  if (t.l1_ratio !== undefined) r.l1_ratio = t.l1_ratio;
  return r;
}

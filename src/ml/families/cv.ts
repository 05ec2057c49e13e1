/**
 * Cross-validation across families: the linear trials run in the linear search of tune.ts (worker
 * threads, warm-start chains), every other trial is fitted fold by fold here through its family
 * (the trees use both cores inside each fit). One fold assignment for all, the one tune.ts makes,
 * so every trial is scored on the same rows; a search over linear trials only is tune.ts's alone.
 */
import type { CvResult, CvTrial } from '../../types.js';
import { bestTrial, meanSd, type TrialParams } from '../cv.js';
import { metricValue, type FitSpec, type Metric } from '../fit.js';
import { stratifiedKFold } from '../rng.js';
import { crossValidate, type TuneResult } from '../tune.js';
import type { FamilyTrial } from './grid.js';
import { getFamily, link } from './index.js';
import type { TrainingData } from './types.js';

export interface FamilyCvOptions {
  folds: number;
  seed: number;
  metric: Metric;
  workers: number;
  /** the linear search's fixed part (task, K, class weights, threshold, tol, max_iter) */
  linearBase: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'>;
  onProgress?: (done: number, total: number) => void;
}

const isLinear = (f: string) => f === 'logistic' || f === 'linear';

function rowsWhere(d: TrainingData, keep: (i: number) => boolean): TrainingData {
  let m = 0;
  for (let i = 0; i < d.n; i++) if (keep(i)) m++;
  const X = new Float64Array(m * d.p);
  const y = new Float64Array(m);
  const w = d.sampleWeight ? new Float64Array(m) : undefined;
  let k = 0;
  for (let i = 0; i < d.n; i++) {
    if (!keep(i)) continue;
    X.set(d.X.subarray(i * d.p, (i + 1) * d.p), k * d.p);
    y[k] = d.y[i];
    if (w) w[k] = d.sampleWeight![i];
    k++;
  }
  return { ...d, X, y, n: m, sampleWeight: w };
}

export async function crossValidateFamilies(d: TrainingData, trials: FamilyTrial[], o: FamilyCvOptions): Promise<TuneResult> {
  const lin = trials.map((t, i) => ({ t, i })).filter((x) => isLinear(x.t.family));
  const other = trials.map((t, i) => ({ t, i })).filter((x) => !isLinear(x.t.family));
  const linTrials: TrialParams[] = lin.map(({ t }) => ({ C: t.params.C as number, penalty: t.params.penalty as TrialParams['penalty'], ...(t.params.penalty === 'elasticnet' ? { l1_ratio: t.params.l1_ratio as number } : {}) }));
  const otherTasks = other.length * o.folds;
  const linTasks = lin.length ? o.folds : 0; // progress: count the linear search as one unit per fold
  const total = otherTasks + linTasks;
  let done = 0;
  let linear: TuneResult | undefined;
  if (lin.length) {
    linear = await crossValidate(d.X, d.y, d.n, d.p, o.linearBase, linTrials, {
      folds: o.folds,
      seed: o.seed,
      metric: o.metric,
      workers: o.workers,
      onProgress: (a, b) => o.onProgress?.(Math.round((a / b) * linTasks), total),
    });
    done = linTasks;
    if (other.length === 0) {
      // one family's linear search: its result as it is, with the trial records the grid made
      linear.cv.trials.forEach((ct, k) => (ct.params = lin[k].t.record));
      linear.cv.best = linear.cv.trials[linear.bestIndex].params;
      return linear;
    }
  }
  const foldOf = linear ? Int32Array.from(linear.cv.foldOf) : stratifiedKFold(d.task === 'regression' ? null : Array.from(d.y), d.n, o.folds, o.seed);
  const scores: number[][] = trials.map(() => new Array(o.folds).fill(NaN));
  const unconverged = new Set<number>(linear ? linear.unconverged.map((k) => lin[k].i) : []);
  if (linear) linear.cv.trials.forEach((ct, k) => (scores[lin[k].i] = ct.foldScores));
  for (let f = 0; f < o.folds; f++) {
    const tr = rowsWhere(d, (i) => foldOf[i] !== f);
    const va = rowsWhere(d, (i) => foldOf[i] === f);
    for (const { t, i } of other) {
      const fam = getFamily(t.family);
      const fit = await fam.fit(tr, t.params, { seed: o.seed, threads: o.workers, threshold: o.linearBase.threshold });
      const m = { ...fit.part, algorithm: t.family, task: d.task, label: { column: '', task: d.task, classes: d.task === 'multiclass' ? Array.from({ length: d.K }, (_, k) => String(k)) : undefined }, name: 'cv', version: 0, featureNames: d.names } as never;
      const width = d.task === 'multiclass' ? d.K : 1;
      const pred = link(d.task, fam.margins(m, va.X, va.n, va.p), va.n, width);
      scores[i][f] = metricValue(o.metric, { task: d.task, K: d.K, threshold: o.linearBase.threshold }, va.y, pred);
      o.onProgress?.(++done, total);
    }
  }
  const cvTrials: CvTrial[] = trials.map((t, i) => ({ params: t.record, foldScores: scores[i], ...meanSd(scores[i]) }));
  const bestIndex = bestTrial(cvTrials, o.metric);
  if (bestIndex < 0) throw new RangeError(`no trial produced a finite ${o.metric} (a fold may hold a single class)`);
  const cv: CvResult = { metric: o.metric, folds: o.folds, seed: o.seed, foldOf: Array.from(foldOf), trials: cvTrials, best: cvTrials[bestIndex].params };
  return { cv, bestIndex, unconverged: [...unconverged].sort((a, b) => a - b) };
}

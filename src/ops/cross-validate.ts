/**
 * Cross-validation across families, on one fold assignment for all (so every trial is scored on the
 * same rows) and one FoldSource: with a feature build, each fold's matrix has the feature state
 * refitted on that fold's training rows (src/features/folds.ts), as a scikit-learn Pipeline inside
 * GridSearchCV; without one, the given matrix serves every fold. The linear trials run in tune.ts's
 * search (warm-start chains, fits on row blocks over all cores); every other trial is fitted fold by
 * fold here through its family (the trees use both cores inside each fit).
 */
import type { Matrix } from '../features/builds.js';
import { openBuildFolds } from '../features/folds.js';
import type { CvResult, CvTrial, FeatureBuild } from '../types.js';
import type { Workspace } from '../workspace.js';
import { bestTrial, meanSd, type TrialParams } from '../ml/cv.js';
import { metricValue, type FitSpec, type Metric } from '../ml/fit.js';
import { foldLayout, sharedMatrixFolds, trainRanges, type FoldData, type FoldSource } from '../ml/folds.js';
import { assignFolds, searchFolds, type SearchProgress, type TuneResult } from '../ml/tune.js';
import type { FamilyTrial } from '../ml/families/grid.js';
import { getFamily, link } from '../ml/families/index.js';
import type { TrainingData } from '../ml/families/types.js';
import type { Tick } from '../ui/progress.js';

export interface FamilyCvOptions {
  folds: number;
  seed: number;
  metric: Metric;
  workers: number;
  /** the linear search's fixed part (task, K, class weights, threshold, tol, max_iter) */
  linearBase: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'>;
  /** the feature build behind `d`: its feature state is then refitted per fold */
  build?: { ws: Workspace; build: FeatureBuild; matrix: Matrix; allowUnconsented?: boolean };
  onTick?: Tick;
  onEvent?: (e: SearchProgress) => void;
}

const isLinear = (f: string) => f === 'logistic' || f === 'linear';

/** The rows of ranges [start, end, …] of a fold matrix as a family's training data. */
function rowsOf(d: TrainingData, f: FoldData, ranges: number[], weights: Float64Array | undefined): TrainingData {
  let m = 0;
  for (let k = 0; k < ranges.length; k += 2) m += ranges[k + 1] - ranges[k];
  const X = new Float64Array(m * f.p);
  const y = new Float64Array(m);
  const w = weights ? new Float64Array(m) : undefined;
  let o = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    X.set(f.X.subarray(ranges[k] * f.p, ranges[k + 1] * f.p), o * f.p);
    y.set(f.y.subarray(ranges[k], ranges[k + 1]), o);
    if (w) w.set(weights!.subarray(ranges[k], ranges[k + 1]), o);
    o += ranges[k + 1] - ranges[k];
  }
  const names = f.names ?? d.names;
  const cat = new Set(d.names.filter((_, j) => d.categorical[j] === 1));
  return { ...d, X, y, n: m, p: f.p, names, categorical: Uint8Array.from(names, (nm) => (cat.has(nm) ? 1 : 0)), sampleWeight: w };
}

export async function crossValidateFamilies(d: TrainingData, trials: FamilyTrial[], o: FamilyCvOptions): Promise<TuneResult> {
  const t0 = performance.now();
  const lin = trials.map((t, i) => ({ t, i })).filter((x) => isLinear(x.t.family));
  const other = trials.map((t, i) => ({ t, i })).filter((x) => !isLinear(x.t.family));
  const linTrials: TrialParams[] = lin.map(({ t }) => ({ C: t.params.C as number, penalty: t.params.penalty as TrialParams['penalty'], ...(t.params.penalty === 'elasticnet' ? { l1_ratio: t.params.l1_ratio as number } : {}) }));
  const total = trials.length * o.folds;
  let done = 0;
  const foldOf = assignFolds(d.y, d.n, d.task, o.folds, o.seed);
  const opened = o.build
    ? await openBuildFolds(o.build.ws, o.build.build, o.build.matrix, foldOf, o.folds, { allowUnconsented: o.build.allowUnconsented })
    : { source: sharedMatrixFolds(d.X, d.y, d.p, foldLayout(foldOf, o.folds), d.names) as FoldSource, warning: undefined };
  const source = opened.source;
  try {
    let linear: TuneResult | undefined;
    if (lin.length) {
      linear = await searchFolds(source, foldOf, o.linearBase, linTrials, {
        folds: o.folds,
        seed: o.seed,
        metric: o.metric,
        workers: o.workers,
        onEvent: (e) => {
          if (e.step === 'fit') {
            done++;
            o.onTick?.(done, total);
          }
          o.onEvent?.({ ...e, done, total });
        },
      });
      if (other.length === 0) {
        // one family's linear search: its result as it is, with the trial records the grid made
        linear.cv.trials.forEach((ct, k) => (ct.params = lin[k].t.record));
        linear.cv.best = linear.cv.trials[linear.bestIndex].params;
        return { ...linear, ...(opened.warning ? { warning: opened.warning } : {}) };
      }
    }
    const scores: number[][] = trials.map(() => new Array(o.folds).fill(NaN));
    const unconverged = new Set<number>(linear ? linear.unconverged.map((k) => lin[k].i) : []);
    if (linear) linear.cv.trials.forEach((ct, k) => (scores[lin[k].i] = ct.foldScores));
    const { layout } = source;
    // the family's row weights in the layout's row order
    const weights = d.sampleWeight ? Float64Array.from(layout.order, (i) => d.sampleWeight![i]) : undefined;
    for (let f = 0; f < o.folds; f++) {
      o.onEvent?.({ step: 'fold', done, total, fold: f, folds: o.folds, elapsedMs: performance.now() - t0 });
      const fd = await source.fold(f);
      const tr = rowsOf(d, fd, trainRanges(layout, f), weights);
      const va = rowsOf(d, fd, [layout.starts[f], layout.starts[f + 1]], undefined);
      for (const { t, i } of other) {
        const fam = getFamily(t.family);
        const fit = await fam.fit(tr, t.params, { seed: o.seed, threads: o.workers, threshold: o.linearBase.threshold });
        const m = { ...fit.part, algorithm: t.family, task: d.task, label: { column: '', task: d.task, classes: d.task === 'multiclass' ? Array.from({ length: d.K }, (_, k) => String(k)) : undefined }, name: 'cv', version: 0, featureNames: tr.names } as never;
        const width = d.task === 'multiclass' ? d.K : 1;
        const pred = link(d.task, fam.margins(m, va.X, va.n, va.p), va.n, width);
        scores[i][f] = metricValue(o.metric, { task: d.task, K: d.K, threshold: o.linearBase.threshold }, va.y, pred);
        done++;
        o.onTick?.(done, total);
        o.onEvent?.({ step: 'fit', done, total, fold: f, folds: o.folds, params: t.record, elapsedMs: performance.now() - t0 });
      }
    }
    const cvTrials: CvTrial[] = trials.map((t, i) => ({ params: t.record, foldScores: scores[i], ...meanSd(scores[i]) }));
    const bestIndex = bestTrial(cvTrials, o.metric);
    if (bestIndex < 0) throw new RangeError(`no trial produced a finite ${o.metric} (a fold may hold a single class)`);
    const cv: CvResult = { metric: o.metric, folds: o.folds, seed: o.seed, preprocessing: source.preprocessing, foldOf: Array.from(foldOf), trials: cvTrials, best: cvTrials[bestIndex].params };
    const unconvergedDetail = linear?.unconvergedDetail?.map((u) => ({ ...u, trial: lin[u.trial].i }));
    return { cv, bestIndex, unconverged: [...unconverged].sort((a, b) => a - b), ...(unconvergedDetail ? { unconvergedDetail } : {}), ...(opened.warning ? { warning: opened.warning } : {}) };
  } finally {
    await source.close();
  }
}

/**
 * Cross-validated search: seeded (stratified) folds, then fold by fold — each fold's matrix from a
 * FoldSource (per-fold feature state for builds, or one shared matrix) — every warm-start chain of
 * configurations (ascending C) is fitted on the fold's training rows in place and scored on its
 * validation block. The fits themselves use every core (row blocks on the solver threads), so the
 * result does not depend on the number of threads. Assembles the CvResult stored with the model.
 */
import type { CvResult, CvTrial } from '../types.js';
import { bestTrial, chainTrials, meanSd, trialRecord, type TrialParams } from './cv.js';
import { fitSpec, scoreFit, type FitSpec, type Metric } from './fit.js';
import { foldLayout, sharedMatrixFolds, trainRanges, type FoldData, type FoldSource } from './folds.js';
import { setSolverThreads } from './parallel.js';
import { stratifiedKFold } from './splits.js';
import type { Tick } from '../ui/progress.js';

/** Progress of a search: after each fit, and before each fold's preparation (step 'fold'). */
export interface SearchProgress {
  step: 'fold' | 'fit';
  /** fits finished and in all */
  done: number;
  total: number;
  fold: number;
  folds: number;
  /** the configuration just fitted (step 'fit') */
  params?: Record<string, number | string>;
  elapsedMs: number;
}

export interface TuneOptions {
  folds: number;
  seed: number;
  metric: Metric;
  /** solver threads (default: number of cores) */
  workers?: number;
  /** after each fit: fits done and in all */
  onTick?: Tick;
  /** after each fit and before each fold's preparation, with the configuration and fold */
  onEvent?: (p: SearchProgress) => void;
}

export interface TuneResult {
  cv: CvResult;
  bestIndex: number;
  /** trials whose fits did not all converge */
  unconverged: number[];
  /** per unconverged trial: in how many folds, and why (the solvers' stop reasons) */
  unconvergedDetail?: { trial: number; folds: number; reasons: string[] }[];
  /** why the folds share one feature state instead of refitting it per fold */
  warning?: string;
  /** the best configuration's parameters θ in the last fold (a warm start for the refit), with its columns */
  bestTheta?: { theta: Float64Array; names?: string[]; p: number };
}

/** Seeded fold of every training row (stratified by label for classification). */
export function assignFolds(y: Float64Array, n: number, task: FitSpec['task'], folds: number, seed: number): Int32Array {
  return stratifiedKFold(task === 'regression' ? null : Array.from(y.subarray(0, n)), n, folds, seed);
}

/** Cross-validation on one prepared matrix (the same preprocessing for every fold). */
export async function crossValidate(X: Float64Array, y: Float64Array, n: number, p: number, base: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'>, trials: TrialParams[], opts: TuneOptions): Promise<TuneResult> {
  const foldOf = assignFolds(y, n, base.task, opts.folds, opts.seed);
  const source = sharedMatrixFolds(X, y, p, foldLayout(foldOf, opts.folds));
  try {
    return await searchFolds(source, foldOf, base, trials, opts);
  } finally {
    await source.close();
  }
}

/** The search over the folds of `source` (foldOf: each training row's fold, as the layout was made). */
export async function searchFolds(source: FoldSource, foldOf: Int32Array, base: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'>, trials: TrialParams[], opts: TuneOptions): Promise<TuneResult> {
  if (trials.length === 0) throw new RangeError('no trials to run');
  const t0 = performance.now();
  const k = source.layout.k;
  const specs: FitSpec[] = trials.map((t) => ({ ...base, C: t.C, penalty: t.penalty, l1Ratio: t.l1_ratio ?? 0.5 }));
  const chains = chainTrials(trials);
  const total = trials.length * k;
  const foldScores: number[][] = trials.map(() => new Array(k).fill(NaN));
  const unconverged = new Map<number, { folds: number; reasons: Set<string> }>();
  let done = 0;
  // each chain's first (most regularised) solution in the previous fold starts the next fold's chain:
  // the folds' optima are close, so this saves the cold start's extra iterations
  const chainStart: (Float64Array | undefined)[] = chains.map(() => undefined);
  let lastNames: string[] | undefined;
  let lastP = 0;
  const thetas: (Float64Array | undefined)[] = trials.map(() => undefined);
  let prevColumns: string | undefined;
  if (opts.workers !== undefined) setSolverThreads(opts.workers);
  try {
    for (let f = 0; f < k; f++) {
      opts.onEvent?.({ step: 'fold', done, total, fold: f, folds: k, elapsedMs: performance.now() - t0 });
      const data = await source.fold(f);
      const columns = `${data.p}:${JSON.stringify(data.names ?? null)}`;
      const sameColumns = prevColumns === columns;
      prevColumns = columns;
      lastNames = data.names;
      lastP = data.p;
      for (const [c, chain] of chains.entries()) {
        runChain(data, source, f, chain.map((i) => specs[i]), opts.metric, sameColumns ? chainStart[c] : undefined, (j, score, fit) => {
          const ti = chain[j];
          if (j === 0) chainStart[c] = fit.theta;
          thetas[ti] = fit.theta;
          foldScores[ti][f] = score;
          if (!fit.converged) {
            const u = unconverged.get(ti) ?? { folds: 0, reasons: new Set<string>() };
            u.folds++;
            u.reasons.add(fit.reason);
            unconverged.set(ti, u);
          }
          done++;
          opts.onTick?.(done, total);
          opts.onEvent?.({ step: 'fit', done, total, fold: f, folds: k, params: trialRecord(trials[ti]), elapsedMs: performance.now() - t0 });
        });
      }
    }
  } finally {
    if (opts.workers !== undefined) setSolverThreads(undefined);
  }
  const cvTrials: CvTrial[] = trials.map((t, i) => ({ params: trialRecord(t), foldScores: foldScores[i], ...meanSd(foldScores[i]) }));
  const bestIndex = bestTrial(cvTrials, opts.metric);
  if (bestIndex < 0) throw new RangeError(`no trial produced a finite ${opts.metric} (a fold may hold a single class)`);
  return {
    cv: { metric: opts.metric, folds: k, seed: opts.seed, preprocessing: source.preprocessing, foldOf: Array.from(foldOf), trials: cvTrials, best: cvTrials[bestIndex].params },
    bestIndex,
    unconverged: [...unconverged.keys()].sort((a, b) => a - b),
    unconvergedDetail: [...unconverged.entries()].sort((a, b) => a[0] - b[0]).map(([trial, u]) => ({ trial, folds: u.folds, reasons: [...u.reasons].sort() })),
    ...(thetas[bestIndex] ? { bestTheta: { theta: thetas[bestIndex]!, names: lastNames, p: lastP } } : {}),
  };
}

/**
 * Fits the specs of one chain on fold f's training rows, each warm-started from the previous (more
 * regularised) solution — the first from `start` — and scores each on the fold's validation block.
 */
function runChain(data: FoldData, source: FoldSource, f: number, specs: FitSpec[], metric: Metric, start: Float64Array | undefined, onFit: (j: number, score: number, fit: { converged: boolean; iterations: number; reason: string; theta: Float64Array }) => void): void {
  const { layout } = source;
  const n = layout.order.length;
  const v0 = layout.starts[f];
  const v1 = layout.starts[f + 1];
  const rows = trainRanges(layout, f);
  const vX = data.X.subarray(v0 * data.p, v1 * data.p);
  const vy = data.y.subarray(v0, v1);
  let init = start;
  specs.forEach((spec, j) => {
    const fit = fitSpec(data.X, n, data.p, data.y, spec, init, rows);
    init = fit.theta;
    onFit(j, scoreFit(fit, vX, v1 - v0, data.p, vy, spec, metric), fit);
  });
}

/** One line of a search's progress: "C=1 penalty=l2, fold 3/5" (or the fold being prepared). */
export function searchDetail(e: SearchProgress): string {
  if (e.step === 'fold') return `preparing fold ${e.fold + 1}/${e.folds}`;
  return `${Object.entries(e.params ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}, fold ${e.fold + 1}/${e.folds}`;
}

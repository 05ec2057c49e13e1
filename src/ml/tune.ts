/**
 * Parallel cross-validated search: splits the training rows into seeded (stratified) folds, runs
 * every (fold, warm-start chain) task on a pool of worker threads sharing the matrix through a
 * SharedArrayBuffer, and assembles the CvResult (fold assignment, every trial's fold scores, best).
 * workers = 1 runs in this thread. Results do not depend on the number of workers or scheduling.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CvResult, CvTrial } from '../types.js';
import { bestTrial, chainTrials, meanSd, runFoldChain, trialRecord, type ChainResult, type TrialParams } from './cv.js';
import type { FitSpec, Metric } from './fit.js';
import { stratifiedKFold } from './rng.js';

export interface TuneOptions {
  folds: number;
  seed: number;
  metric: Metric;
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TuneResult {
  cv: CvResult;
  bestIndex: number;
  /** trials whose fits did not all converge */
  unconverged: number[];
}

function toShared<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const c = new (a.constructor as { new (b: SharedArrayBuffer): T })(sab);
  c.set(a as never);
  return c;
}

function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const js = join(dirname(here), 'worker.js');
  if (here.endsWith('.js') && existsSync(js)) return js;
  // running from TypeScript sources (tests): use the compiled worker
  return resolve(dirname(here), '../../dist/src/ml/worker.js');
}

export async function crossValidate(X: Float64Array, y: Float64Array, n: number, p: number, base: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'>, trials: TrialParams[], opts: TuneOptions): Promise<TuneResult> {
  if (trials.length === 0) throw new RangeError('no trials to run');
  const stratify = base.task === 'regression' ? null : Array.from(y);
  const foldOf = stratifyFolds(stratify, n, opts.folds, opts.seed);
  const specs: FitSpec[] = trials.map((t) => ({ ...base, C: t.C, penalty: t.penalty, l1Ratio: t.l1_ratio ?? 0.5 }));
  const chains = chainTrials(trials);
  const tasks: { id: number; fold: number; chain: number[] }[] = [];
  for (let f = 0; f < opts.folds; f++) for (const chain of chains) tasks.push({ id: tasks.length, fold: f, chain });
  const results: ChainResult[] = new Array(tasks.length);
  const total = tasks.length;
  let done = 0;
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), tasks.length));
  if (workers === 1) {
    for (const t of tasks) {
      results[t.id] = runFoldChain(X, y, foldOf, n, p, t.fold, t.chain.map((i) => specs[i]), opts.metric);
      opts.onProgress?.(++done, total);
    }
  } else {
    const shared = { X: toShared(X), y: toShared(y), foldOf: toShared(foldOf), n, p, metric: opts.metric };
    const path = workerPath();
    await new Promise<void>((resolveAll, rejectAll) => {
      let next = 0;
      let failed = false;
      const pool: Worker[] = [];
      const finish = (err?: Error) => {
        if (failed) return;
        if (err) failed = true;
        for (const w of pool) void w.terminate();
        if (err) rejectAll(err);
        else resolveAll();
      };
      const feed = (w: Worker) => {
        if (next < tasks.length) {
          const t = tasks[next++];
          w.postMessage({ id: t.id, fold: t.fold, specs: t.chain.map((i) => specs[i]) });
        }
      };
      for (let k = 0; k < workers; k++) {
        const w = new Worker(path, { workerData: shared });
        pool.push(w);
        w.on('message', (m: { id: number; ok: boolean; result?: ChainResult; error?: string }) => {
          if (!m.ok) return finish(new Error(`cross-validation task failed: ${m.error}`));
          results[m.id] = m.result!;
          opts.onProgress?.(++done, total);
          if (done === total) finish();
          else feed(w);
        });
        w.on('error', (e) => finish(e));
        w.on('exit', (code) => {
          if (done < total) finish(new Error(`a cross-validation worker exited (code ${code}) with ${total - done} tasks unfinished`));
        });
        feed(w);
      }
    });
  }
  const foldScores: number[][] = trials.map(() => new Array(opts.folds).fill(NaN));
  const unconvergedSet = new Set<number>();
  for (const t of tasks) {
    const r = results[t.id];
    t.chain.forEach((ti, k) => {
      foldScores[ti][t.fold] = r.scores[k];
      if (!r.converged[k]) unconvergedSet.add(ti);
    });
  }
  const cvTrials: CvTrial[] = trials.map((t, i) => ({ params: trialRecord(t), foldScores: foldScores[i], ...meanSd(foldScores[i]) }));
  const bestIndex = bestTrial(cvTrials, opts.metric);
  if (bestIndex < 0) throw new RangeError(`no trial produced a finite ${opts.metric} (a fold may hold a single class)`);
  return {
    cv: { metric: opts.metric, folds: opts.folds, seed: opts.seed, foldOf: Array.from(foldOf), trials: cvTrials, best: cvTrials[bestIndex].params },
    bestIndex,
    unconverged: [...unconvergedSet].sort((a, b) => a - b),
  };
}

function stratifyFolds(labels: number[] | null, n: number, k: number, seed: number): Int32Array {
  return stratifiedKFold(labels, n, k, seed);
}

/**
 * Cross-validation worker thread: receives the shared training matrix once (SharedArrayBuffer, no
 * copy), then (fold, chain) tasks, and posts back each chain's fold scores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runFoldChain } from './cv.js';
import type { FitSpec, Metric } from './fit.js';

interface Init {
  X: Float64Array;
  y: Float64Array;
  foldOf: Int32Array;
  n: number;
  p: number;
  metric: Metric;
}

export interface CvTask {
  id: number;
  fold: number;
  specs: FitSpec[];
}

const d = workerData as Init;
parentPort!.on('message', (task: CvTask | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  try {
    const r = runFoldChain(d.X, d.y, d.foldOf, d.n, d.p, task.fold, task.specs, d.metric);
    parentPort!.postMessage({ id: task.id, ok: true, result: r });
  } catch (e) {
    parentPort!.postMessage({ id: task.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});

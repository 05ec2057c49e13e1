/**
 * The minimiser thread of out-of-core training (src/ops/train-out-of-core.ts). It runs the ordinary synchronous
 * L-BFGS / OWL-QN of optim.ts; each objective evaluation hands θ to the main thread through shared
 * memory and blocks until the main thread has streamed one full pass over the feature build and
 * written back the objective and gradient.
 *
 * Shared layout: Int32 state at byte 0 (0 = evaluating, 1 = answer ready, 2 = abort), then float64
 * θ (d), gradient (d), objective (1) from byte 8.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { minimize, type MinimizeOptions } from './optim.js';

export interface ChunkedWorkerInit {
  shared: SharedArrayBuffer;
  d: number;
  theta0: Float64Array;
  opts: Omit<MinimizeOptions, 'onIter'>;
}

const { shared, d, theta0, opts } = workerData as ChunkedWorkerInit;
const state = new Int32Array(shared, 0, 1);
const buf = new Float64Array(shared, 8, 2 * d + 1);

const objective = (theta: Float64Array, grad: Float64Array): number => {
  buf.set(theta, 0);
  Atomics.store(state, 0, 0);
  parentPort!.postMessage({ kind: 'eval' });
  Atomics.wait(state, 0, 0);
  if (Atomics.load(state, 0) === 2) throw new Error('out-of-core pass failed');
  grad.set(buf.subarray(d, 2 * d));
  return buf[2 * d];
};

const r = minimize(objective, theta0, { ...opts, onIter: (it, f, g) => parentPort!.postMessage({ kind: 'iter', it, f, g }) });
parentPort!.postMessage({ kind: 'done', result: r });

/**
 * A walker thread of the native tree scorer (trees.ts): holds the compiled trees (workerData) and,
 * per job, writes the margins of rows [i0, i1) of the shared feature matrix into the shared margin
 * buffer. One job at a time, answered with one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gbdtMarginsInto, type CompiledGbdt } from '../ml/gbdt/predict.js';

const model = workerData as CompiledGbdt;
const T = model.treesPerRound;

parentPort!.on('message', (j: { x: SharedArrayBuffer; out: SharedArrayBuffer; p: number; i0: number; i1: number }) => {
  try {
    const m = j.i1 - j.i0;
    gbdtMarginsInto(model, new Float64Array(j.x, j.i0 * j.p * 8, m * j.p), m, j.p, new Float64Array(j.out, j.i0 * T * 8, m * T));
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).message });
  }
});

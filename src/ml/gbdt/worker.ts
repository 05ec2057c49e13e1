/**
 * The fit's worker thread: shares the bin matrix, labels, margins, gradients, row partition and an
 * output histogram with the fitting thread (SharedArrayBuffers, no copies), wakes when a job is
 * posted and takes its chunks alongside the fitting thread (threads.ts).
 */
import { workerData } from 'node:worker_threads';
import { CTRL, takeChunks, type Buffers, type SharedBuffers } from './threads.js';

const d = workerData as SharedBuffers;
const ctrl = new Int32Array(d.ctrl);
const b: Buffers = {
  n: d.n,
  T: d.T,
  K: d.K,
  bins: new Uint8Array(d.bins),
  g: new Float32Array(d.g),
  h: new Float32Array(d.h),
  og: new Float32Array(d.og),
  oh: new Float32Array(d.oh),
  rows: new Int32Array(d.rows),
  tmp: new Int32Array(d.tmp),
  hist: new Float64Array(d.hist),
  feats: new Int32Array(d.feats),
  left: new Uint8Array(d.left),
  lefts: new Int32Array(d.lefts),
  y: new Float64Array(d.y),
  w: d.w === null ? null : new Float64Array(d.w),
  m: new Float64Array(d.m),
  prob: new Float64Array(d.prob),
  delta: new Float64Array(d.delta),
};

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.seq, seen);
  seen = Atomics.load(ctrl, CTRL.seq);
  if (Atomics.load(ctrl, CTRL.stop) === 1) break;
  try {
    Atomics.add(ctrl, CTRL.workerChunks, takeChunks(b, ctrl));
  } catch (e) {
    // the fitting thread waits for every chunk to be done: never leave it hanging
    console.error(e);
    Atomics.store(ctrl, CTRL.failed, 1);
    Atomics.store(ctrl, CTRL.done, 1 << 30);
    Atomics.notify(ctrl, CTRL.done);
  }
}

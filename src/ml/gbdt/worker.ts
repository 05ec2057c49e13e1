/**
 * The fit's worker thread: shares the bin matrix, labels, margins, gradients, row partition and an
 * output histogram with the fitting thread (SharedArrayBuffers and the kernels' shared WebAssembly memory, no copies), wakes when a job is
 * posted and takes its chunks alongside the fitting thread (threads.ts).
 */
import { workerData } from 'node:worker_threads';
import { buffersOf, CTRL, SPIN_MS, spinWhile, takeChunks, type Buffers, type SharedBuffers } from './threads.js';

const d = workerData as SharedBuffers;
const ctrl = new Int32Array(d.ctrl);
const b: Buffers = buffersOf(d);

let seen = 0;
for (;;) {
  // jobs come in bursts (a node's gather, histograms, partition): spin a little before sleeping,
  // since waking from Atomics.wait costs tens of microseconds per job
  spinWhile(ctrl, CTRL.seq, seen, SPIN_MS);
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

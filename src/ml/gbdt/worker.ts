/**
 * The fit's worker thread: shares the bin matrix, labels, margins, gradients, row partition and an
 * output histogram with the fitting thread (SharedArrayBuffers, no copies), and runs its half of each
 * job it is given (threads.ts). Jobs are signalled through an Int32Array with Atomics (no message per node).
 */
import { workerData } from 'node:worker_threads';
import { buildHistograms } from './hist.js';
import { gather, gradients, partitionBlock } from './kernels.js';
import { CTRL, JOB, type SharedBuffers } from './threads.js';

const d = workerData as SharedBuffers;
const ctrl = new Int32Array(d.ctrl);
const delta = new Float64Array(d.delta);
const bins = new Uint8Array(d.bins);
const g = new Float32Array(d.g);
const h = new Float32Array(d.h);
const og = new Float32Array(d.og);
const oh = new Float32Array(d.oh);
const rows = new Int32Array(d.rows);
const tmp = new Int32Array(d.tmp);
const hist = new Float64Array(d.hist);
const feats = new Int32Array(d.feats);
const left = new Uint8Array(d.left);
const y = new Float64Array(d.y);
const w = d.w === null ? null : new Float64Array(d.w);
const m = new Float64Array(d.m);
const prob = new Float64Array(d.prob);
const T = m.length / d.n;
const K = prob.length > 0 ? prob.length / d.n : 2;
const arg = (i: number) => ctrl[CTRL.arg + i];

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.seq, seen);
  seen = Atomics.load(ctrl, CTRL.seq);
  if (Atomics.load(ctrl, CTRL.stop) === 1) break;
  try {
    const job = ctrl[CTRL.job];
    if (job === JOB.hist) {
      const identity = arg(0) === 1;
      buildHistograms(bins, d.n, feats, arg(1), arg(2), rows, arg(3), arg(4), identity, identity ? g : og, identity ? h : oh, hist);
    } else if (job === JOB.gradients) {
      gradients(arg(0), y, w, m, T, arg(1), prob, K, delta[0], g, h, arg(2), arg(3));
    } else if (job === JOB.partition) {
      ctrl[CTRL.result] = partitionBlock(rows, tmp, bins, arg(0), left, arg(1), arg(2));
    } else if (job === JOB.gather) {
      gather(rows, g, h, og, oh, arg(0), arg(1), arg(2));
    }
  } catch (e) {
    // the fitting thread waits on `done`: never leave it hanging
    console.error(e);
    Atomics.store(ctrl, CTRL.failed, 1);
  }
  Atomics.store(ctrl, CTRL.done, seen);
  Atomics.notify(ctrl, CTRL.done);
}

/**
 * Histogram worker: shares the bin matrix, gradients, row partition and an output histogram with the
 * fitting thread (SharedArrayBuffers, no copies), and builds the histograms of the features it is
 * given for each node. Jobs are signalled through an Int32Array with Atomics (no message per node).
 */
import { workerData } from 'node:worker_threads';
import { buildHistograms } from './hist.js';
import { CTRL, type SharedBuffers } from './threads.js';

const d = workerData as SharedBuffers;
const ctrl = new Int32Array(d.ctrl);
const bins = new Uint8Array(d.bins);
const g = new Float64Array(d.g);
const h = new Float64Array(d.h);
const og = new Float64Array(d.og);
const oh = new Float64Array(d.oh);
const rows = new Int32Array(d.rows);
const hist = new Float64Array(d.hist);
const feats = new Int32Array(d.feats);

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.seq, seen);
  seen = Atomics.load(ctrl, CTRL.seq);
  if (Atomics.load(ctrl, CTRL.stop) === 1) break;
  const identity = ctrl[CTRL.identity] === 1;
  try {
    buildHistograms(bins, d.n, feats, ctrl[CTRL.fa], ctrl[CTRL.fb], rows, ctrl[CTRL.start], ctrl[CTRL.end], identity, identity ? g : og, identity ? h : oh, hist);
  } catch (e) {
    // the fitting thread waits on `done`: never leave it hanging
    console.error(e);
    Atomics.store(ctrl, CTRL.failed, 1);
  }
  Atomics.store(ctrl, CTRL.done, seen);
  Atomics.notify(ctrl, CTRL.done);
}

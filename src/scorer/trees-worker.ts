/**
 * The walker thread of the native tree scorer (trees.ts): holds the compiled trees and the shared
 * feature and margin buffers (workerData); woken per job through the control words (Atomics), it
 * claims row blocks of the job beside the calling thread (trees-ctrl.ts) and writes their margins.
 */
import { workerData } from 'node:worker_threads';
import { gbdtMarginsColumns, gbdtMarginsInto, type CompiledGbdt } from '../ml/gbdt/predict.js';
import { claimBlocks, columnViews, CTRL, MODE } from './trees-ctrl.js';

const d = workerData as { model: CompiledGbdt; ctrl: SharedArrayBuffer; x: SharedArrayBuffer; out: SharedArrayBuffer };
const c = new Int32Array(d.ctrl);
const X = new Float64Array(d.x);
const out = new Float64Array(d.out);
const T = d.model.treesPerRound;
const p = d.model.nFeatures;
const cols = columnViews(d.x, p, d.x.byteLength / (p * 8));

let seen = 0;
for (;;) {
  Atomics.wait(c, CTRL.seq, seen);
  seen = Atomics.load(c, CTRL.seq);
  if (Atomics.load(c, CTRL.stop) === 1) break;
  if (c[CTRL.mode] === MODE.columns) claimBlocks(c, seen, (i0, i1) => gbdtMarginsColumns(d.model, cols, i0, i1 - i0, out.subarray(i0 * T, i1 * T)));
  else claimBlocks(c, seen, (i0, i1) => gbdtMarginsInto(d.model, X.subarray(i0 * p, i1 * p), i1 - i0, p, out.subarray(i0 * T, i1 * T)));
}

/**
 * TreeSHAP worker thread: takes chunks of rows from a shared counter and writes their contributions
 * straight into the shared output (see parallel.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TreeShap, type PackedEnsemble } from './treeshap.js';

interface Init {
  P: PackedEnsemble;
  X: Float64Array;
  phi: Float64Array;
  next: Int32Array;
  n: number;
  p: number;
  chunk: number;
}

const d = workerData as Init;
try {
  const ex = new TreeShap(d.P);
  const stride = d.P.K * d.p;
  for (;;) {
    const s = Atomics.add(d.next, 0, d.chunk);
    if (s >= d.n) break;
    const e = Math.min(d.n, s + d.chunk);
    for (let i = s; i < e; i++) ex.explain(d.X, i * d.p, d.phi, i * stride);
  }
  parentPort!.postMessage({ ok: true });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}

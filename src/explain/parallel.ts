/**
 * TreeSHAP over many rows on several threads: the rows and the output live in SharedArrayBuffers,
 * workers take chunks of rows from a shared counter (so a slower core takes fewer), and every row's
 * result is exactly what the single-threaded treeShap gives (each row is computed by one thread).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { treeShap, type PackedEnsemble } from './treeshap.js';
import { workerScript } from '../util/worker-script.js';

function workerPath(): string | URL {
  return workerScript(import.meta.url, 'shap-worker.js');
}

function shared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const c = new Float64Array(new SharedArrayBuffer(a.byteLength));
  c.set(a);
  return c;
}

/** phi: n × K × p (row, class, feature), base: the K expected margins; threads default: the cores, at most 2 */
export async function treeShapParallel(P: PackedEnsemble, X: Float64Array, n: number, p: number, threads = Math.min(2, availableParallelism())): Promise<{ phi: Float64Array; base: Float64Array }> {
  if (threads <= 1 || n < 4096) return treeShap(P, X, n, p);
  if (P.p > p) throw new RangeError(`the trees use feature ${P.p - 1}, the data has ${p} columns`);
  const Xs = shared(X.subarray(0, n * p));
  const phi = new Float64Array(new SharedArrayBuffer(n * P.K * p * 8));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const data = { P: { ...P, p }, X: Xs, phi, next, n, p, chunk: 1024 };
  const path = workerPath();
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((res, rej) => {
          const w = new Worker(path, { workerData: data });
          let ok = false;
          w.on('message', (m: { ok: boolean; error?: string }) => {
            if (m.ok) ok = true;
            else rej(new Error(`TreeSHAP worker failed: ${m.error}`));
          });
          w.on('error', rej);
          w.on('exit', (code) => (ok ? res() : rej(new Error(`a TreeSHAP worker exited (code ${code}) before finishing`))));
        }),
    ),
  );
  return { phi, base: Float64Array.from(P.expected) };
}

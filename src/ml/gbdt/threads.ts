/**
 * The fit's buffers and its second thread. The fitting thread and one worker (started once per fit)
 * share the bin matrix, labels, margins, gradients and the row partition (SharedArrayBuffers, no
 * copies per node), and split every large pass between them: gradients and a node's partition and
 * gather by halves of the rows (each thread writes only its half; the partition's halves are then
 * joined in order, which is the one stable partition), histograms by halves of the features (every
 * feature's bins summed in row order by exactly one thread). So the fitted model is byte-identical
 * whatever the thread count. Small nodes (and small data sets) stay on the fitting thread.
 * Jobs are signalled through an Int32Array with Atomics (no message per node; the idle worker
 * sleeps in Atomics.wait).
 */
import { Worker } from 'node:worker_threads';
import { buildHistograms, HIST_STRIDE } from './hist.js';
import { gather, gradients, partitionBlock } from './kernels.js';
import { workerScript } from '../../util/worker-script.js';

export const CTRL = { seq: 0, done: 1, stop: 2, job: 3, failed: 4, result: 5, arg: 6 } as const;
export const JOB = { hist: 1, gradients: 2, partition: 3, gather: 4 } as const;

export interface SharedBuffers {
  n: number;
  ctrl: SharedArrayBuffer;
  delta: SharedArrayBuffer;
  bins: SharedArrayBuffer;
  g: SharedArrayBuffer;
  h: SharedArrayBuffer;
  og: SharedArrayBuffer;
  oh: SharedArrayBuffer;
  rows: SharedArrayBuffer;
  tmp: SharedArrayBuffer;
  hist: SharedArrayBuffer;
  feats: SharedArrayBuffer;
  left: SharedArrayBuffer;
  y: SharedArrayBuffer;
  w: SharedArrayBuffer | null;
  m: SharedArrayBuffer;
  prob: SharedArrayBuffer;
}

/** nodes whose histograms were shared with the worker, since the process started (read by tests) */
export const threadStats = { sharedNodes: 0 };

/** below this many (row × feature) cells a node's histograms are built on the fitting thread alone */
const PARALLEL_CELLS = 120_000;
/** below this many rows a gradient, partition or gather pass runs on the fitting thread alone */
const PARALLEL_ROWS = 16_384;

export interface Labels {
  y: Float64Array;
  w: Float64Array | null;
  /** margin slots per row (1, or K for softmax) */
  T: number;
  K: number;
}

export class FitThreads {
  readonly bins: Uint8Array;
  readonly g: Float32Array;
  readonly h: Float32Array;
  readonly og: Float32Array;
  readonly oh: Float32Array;
  readonly rows: Int32Array;
  /** the right side of a partition, before it joins the left */
  private readonly tmp: Int32Array;
  /** where a node's histograms are built (copied out by the caller) */
  readonly hist: Float64Array;
  /** per bin of the feature being split: 1 = the row goes left */
  readonly left: Uint8Array;
  /** margins, n × T */
  readonly m: Float64Array;
  /** softmax class probabilities, n × K (empty otherwise) */
  readonly prob: Float64Array;
  private readonly y: Float64Array;
  private readonly w: Float64Array | null;
  private readonly T: number;
  private readonly K: number;
  private readonly feats: Int32Array;
  private readonly delta: Float64Array;
  private readonly ctrl: Int32Array | null;
  private worker: Worker | null = null;
  private seq = 0;

  private constructor(readonly n: number, p: number, threads: number, gatherMax: number, labels: Labels) {
    const sab = threads > 1;
    const buf = (bytes: number) => (sab ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.bins = new Uint8Array(buf(n * p));
    this.g = new Float32Array(buf(n * 4));
    this.h = new Float32Array(buf(n * 4));
    this.og = new Float32Array(buf(gatherMax * 4));
    this.oh = new Float32Array(buf(gatherMax * 4));
    this.rows = new Int32Array(buf(n * 4));
    this.tmp = new Int32Array(buf(n * 4));
    this.hist = new Float64Array(buf(p * HIST_STRIDE * 8));
    this.feats = new Int32Array(buf(Math.max(1, p) * 4));
    this.left = new Uint8Array(buf(256));
    this.m = new Float64Array(buf(n * labels.T * 8));
    this.prob = new Float64Array(buf(labels.K > 2 ? n * labels.K * 8 : 0));
    this.delta = new Float64Array(buf(8));
    // the worker reads labels and weights: shared copies when it runs, the caller's arrays otherwise
    this.y = sab ? copyShared(labels.y) : labels.y;
    this.w = labels.w === null ? null : sab ? copyShared(labels.w) : labels.w;
    this.T = labels.T;
    this.K = labels.K;
    this.ctrl = sab ? new Int32Array(new SharedArrayBuffer(16 * 4)) : null;
  }

  /**
   * n rows × p features; gatherMax = the most rows of a node whose gradients are gathered (a
   * node's smaller child is at most half of it). threads > 1 starts the worker and waits until it runs.
   */
  static async create(n: number, p: number, threads: number, gatherMax: number, labels: Labels): Promise<FitThreads> {
    const b = new FitThreads(n, p, threads, Math.max(1, Math.min(n, gatherMax)), labels);
    if (threads > 1) {
      const sh = (a: { buffer: ArrayBufferLike }) => a.buffer as SharedArrayBuffer;
      const data: SharedBuffers = {
        n,
        ctrl: sh(b.ctrl!),
        delta: sh(b.delta),
        bins: sh(b.bins),
        g: sh(b.g),
        h: sh(b.h),
        og: sh(b.og),
        oh: sh(b.oh),
        rows: sh(b.rows),
        tmp: sh(b.tmp),
        hist: sh(b.hist),
        feats: sh(b.feats),
        left: sh(b.left),
        y: sh(b.y),
        w: b.w === null ? null : sh(b.w),
        m: sh(b.m),
        prob: sh(b.prob),
      };
      const w = new Worker(workerScript(import.meta.url, 'worker.js'), { workerData: data });
      b.worker = w;
      await new Promise<void>((res, rej) => {
        w.once('online', () => res());
        w.once('error', rej);
      });
      w.on('error', () => {});
    }
    return b;
  }

  private parallel(): boolean {
    return this.ctrl !== null && this.worker !== null;
  }

  /** hands the worker a job with integer arguments */
  private post(job: number, args: number[]): void {
    const c = this.ctrl!;
    c[CTRL.job] = job;
    for (let i = 0; i < args.length; i++) c[CTRL.arg + i] = args[i];
    const s = ++this.seq;
    Atomics.store(c, CTRL.seq, s);
    Atomics.notify(c, CTRL.seq);
  }

  /** waits until the worker finished the last job; returns its result */
  private join(): number {
    const c = this.ctrl!;
    const s = this.seq;
    while (Atomics.load(c, CTRL.done) !== s) Atomics.wait(c, CTRL.done, Atomics.load(c, CTRL.done));
    if (Atomics.load(c, CTRL.failed) === 1) throw new Error('the fit\'s worker thread failed (see its error above)');
    return c[CTRL.result];
  }

  /** gradients and hessians of every row for margin slot k (LOSS kinds of kernels.ts) */
  gradients(loss: number, k: number, delta: number): void {
    const { n, y, w, m, T, prob, K, g, h } = this;
    if (!this.parallel() || n < PARALLEL_ROWS) {
      gradients(loss, y, w, m, T, k, prob, K, delta, g, h, 0, n);
      return;
    }
    const half = n >> 1;
    this.delta[0] = delta;
    this.post(JOB.gradients, [loss, k, half, n]);
    gradients(loss, y, w, m, T, k, prob, K, delta, g, h, 0, half);
    this.join();
  }

  /**
   * Stable partition of the node rows[s..e) by this.left over the bins of `feature`: left rows
   * first, both sides in their old order; returns where the right side starts.
   */
  partition(feature: number, s: number, e: number): number {
    const { rows, tmp, bins, left } = this;
    const col = feature * this.n;
    if (!this.parallel() || e - s < PARALLEL_ROWS) {
      const l = partitionBlock(rows, tmp, bins, col, left, s, e);
      rows.set(tmp.subarray(s, e - l), s + l);
      return s + l;
    }
    // halves [s, q) here and [q, e) in the worker, then left(s) left(q) right(s) right(q)
    const q = s + ((e - s) >> 1);
    this.post(JOB.partition, [col, q, e]);
    const lA = partitionBlock(rows, tmp, bins, col, left, s, q);
    const lB = this.join();
    const rA = q - s - lA;
    rows.copyWithin(s + lA, q, q + lB);
    rows.set(tmp.subarray(s, s + rA), s + lA + lB);
    rows.set(tmp.subarray(q, q + (e - q - lB)), s + lA + lB + rA);
    return s + lA + lB;
  }

  /** og/oh[0..e−s) = the gradients of the node rows[s..e) in partition order */
  gather(s: number, e: number): void {
    const { rows, g, h, og, oh } = this;
    if (!this.parallel() || e - s < PARALLEL_ROWS) {
      gather(rows, g, h, og, oh, s, e, s);
      return;
    }
    const q = s + ((e - s) >> 1);
    this.post(JOB.gather, [q, e, s]);
    gather(rows, g, h, og, oh, s, q, s);
    this.join();
  }

  /**
   * Histograms of `feats` for the node rows[start..end) into this.hist. identity: the node is every
   * row in order (g/h by row); otherwise og/oh hold its gradients in partition order (gather).
   */
  build(feats: Int32Array, start: number, end: number, identity: boolean): void {
    const m = feats.length;
    const g = identity ? this.g : this.og;
    const h = identity ? this.h : this.oh;
    if (!this.parallel() || (end - start) * m < PARALLEL_CELLS || m < 2) {
      buildHistograms(this.bins, this.n, feats, 0, m, this.rows, start, end, identity, g, h, this.hist);
      return;
    }
    // the fitting thread takes whole passes of four features, the worker the rest
    const half = Math.max(1, Math.min(m - 1, 4 * Math.round(m / 8)));
    threadStats.sharedNodes++;
    this.feats.set(feats);
    this.post(JOB.hist, [identity ? 1 : 0, half, m, start, end]);
    buildHistograms(this.bins, this.n, feats, 0, half, this.rows, start, end, identity, g, h, this.hist);
    this.join();
  }

  async close(): Promise<void> {
    if (this.worker && this.ctrl) {
      Atomics.store(this.ctrl, CTRL.stop, 1);
      Atomics.store(this.ctrl, CTRL.seq, ++this.seq);
      Atomics.notify(this.ctrl, CTRL.seq);
      await this.worker.terminate();
      this.worker = null;
    }
  }
}

function copyShared(a: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * Histogram building on one or two threads. The fitting thread builds the first half of a node's
 * features while one worker (started once per fit) builds the rest into the same shared histogram.
 * Every feature's histogram is summed in row order by exactly one thread, so the fitted model is
 * byte-identical whatever the thread count. Small nodes (and small data sets) stay on one thread.
 */
import { Worker } from 'node:worker_threads';
import { buildHistograms, HIST_STRIDE } from './hist.js';
import { workerScript } from '../../util/worker-script.js';

export const CTRL = { seq: 0, done: 1, stop: 2, identity: 3, fa: 4, fb: 5, start: 6, end: 7, failed: 8 } as const;

export interface SharedBuffers {
  n: number;
  ctrl: SharedArrayBuffer;
  bins: SharedArrayBuffer;
  g: SharedArrayBuffer;
  h: SharedArrayBuffer;
  og: SharedArrayBuffer;
  oh: SharedArrayBuffer;
  rows: SharedArrayBuffer;
  hist: SharedArrayBuffer;
  feats: SharedArrayBuffer;
}

/** nodes whose histograms were shared with the worker, since the process started (read by tests) */
export const threadStats = { sharedNodes: 0 };

/** below this many (row × feature) cells a node's histograms are built on the fitting thread alone */
const PARALLEL_CELLS = 120_000;

function workerPath(): string {
  return workerScript(import.meta.url, 'worker.js');
}

export class HistBuilder {
  readonly bins: Uint8Array;
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly og: Float64Array;
  readonly oh: Float64Array;
  readonly rows: Int32Array;
  /** where a node's histograms are built (copied out by the caller) */
  readonly hist: Float64Array;
  private readonly feats: Int32Array;
  private readonly ctrl: Int32Array | null;
  private worker: Worker | null = null;
  private seq = 0;

  private constructor(readonly n: number, p: number, threads: number, gatherMax: number) {
    const sab = threads > 1;
    const buf = (bytes: number) => (sab ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.bins = new Uint8Array(buf(n * p));
    this.g = new Float64Array(buf(n * 8));
    this.h = new Float64Array(buf(n * 8));
    this.og = new Float64Array(buf(gatherMax * 8));
    this.oh = new Float64Array(buf(gatherMax * 8));
    this.rows = new Int32Array(buf(n * 4));
    this.hist = new Float64Array(buf(p * HIST_STRIDE * 8));
    this.feats = new Int32Array(buf(Math.max(1, p) * 4));
    this.ctrl = sab ? new Int32Array(new SharedArrayBuffer(16 * 4)) : null;
  }

  /**
   * n rows × p features; gatherMax = the most rows of a node whose gradients are gathered (a
   * node's smaller child is at most half of it). threads > 1 starts the worker and waits until it runs.
   */
  static async create(n: number, p: number, threads: number, gatherMax: number): Promise<HistBuilder> {
    const b = new HistBuilder(n, p, threads, Math.max(1, Math.min(n, gatherMax)));
    if (threads > 1) {
      const data: SharedBuffers = {
        n,
        ctrl: b.ctrl!.buffer as SharedArrayBuffer,
        bins: b.bins.buffer as SharedArrayBuffer,
        g: b.g.buffer as SharedArrayBuffer,
        h: b.h.buffer as SharedArrayBuffer,
        og: b.og.buffer as SharedArrayBuffer,
        oh: b.oh.buffer as SharedArrayBuffer,
        rows: b.rows.buffer as SharedArrayBuffer,
        hist: b.hist.buffer as SharedArrayBuffer,
        feats: b.feats.buffer as SharedArrayBuffer,
      };
      const w = new Worker(workerPath(), { workerData: data });
      b.worker = w;
      await new Promise<void>((res, rej) => {
        w.once('online', () => res());
        w.once('error', rej);
      });
      w.on('error', () => {});
    }
    return b;
  }

  /**
   * Histograms of `feats` for the node rows[start..end) into this.hist. identity: the node is every
   * row in order (g/h by row); otherwise the caller has gathered og/oh in partition order.
   */
  build(feats: Int32Array, start: number, end: number, identity: boolean): void {
    const m = feats.length;
    const ctrl = this.ctrl;
    if (ctrl === null || this.worker === null || (end - start) * m < PARALLEL_CELLS || m < 2) {
      buildHistograms(this.bins, this.n, feats, 0, m, this.rows, start, end, identity, identity ? this.g : this.og, identity ? this.h : this.oh, this.hist);
      return;
    }
    const half = m >> 1;
    threadStats.sharedNodes++;
    this.feats.set(feats);
    ctrl[CTRL.identity] = identity ? 1 : 0;
    ctrl[CTRL.fa] = half;
    ctrl[CTRL.fb] = m;
    ctrl[CTRL.start] = start;
    ctrl[CTRL.end] = end;
    const s = ++this.seq;
    Atomics.store(ctrl, CTRL.seq, s);
    Atomics.notify(ctrl, CTRL.seq);
    buildHistograms(this.bins, this.n, feats, 0, half, this.rows, start, end, identity, identity ? this.g : this.og, identity ? this.h : this.oh, this.hist);
    while (Atomics.load(ctrl, CTRL.done) !== s) Atomics.wait(ctrl, CTRL.done, Atomics.load(ctrl, CTRL.done));
    if (Atomics.load(ctrl, CTRL.failed) === 1) throw new Error('the histogram worker failed (see its error above)');
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

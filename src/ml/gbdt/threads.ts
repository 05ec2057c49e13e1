/**
 * The fit's buffers and its second thread. The fitting thread and one worker (started once per fit)
 * share the bin matrix, labels, margins, gradients and the row partition (SharedArrayBuffers, no
 * copies per node). Every large pass is cut into chunks that the two threads take from a shared
 * counter until none is left: gradients and a node's gather by blocks of rows, a node's partition by
 * blocks of rows (each block partitioned on its own, the blocks then joined in order: the one
 * stable partition), histograms by groups of four features (every feature's bins summed in row
 * order by one thread). Which thread runs a chunk changes no byte, so the fitted model is
 * byte-identical whatever the thread count; and a thread that the machine's other work holds back
 * only takes fewer chunks instead of stalling the other. Small nodes (and small data sets) stay on
 * the fitting thread. Jobs are signalled through an Int32Array with Atomics (no message per node;
 * the idle worker sleeps in Atomics.wait).
 */
import { Worker } from 'node:worker_threads';
import { buildHistograms, countHistogram, COUNT_STRIDE, countsAt, histLength } from './hist.js';
import { addLeafValues, gather, gradients, joinBlock, LOSS, partitionBlock } from './kernels.js';
import { workerScript } from '../../util/worker-script.js';
import { binMatrix, MISSING_BIN, paddedEdges, type BinMapper } from './bins.js';
import { instantiate, kernelsModule, wasmArena, type WasmKernels } from './wasm/instance.js';

/**
 * Control words. next = (chunks of the job) << 12 | (next chunk to take); done = chunks finished.
 * A thread reads a job's arguments only after taking one of its chunks, when the job cannot change.
 */
export const CTRL = { seq: 0, stop: 1, failed: 2, next: 3, done: 4, job: 5, workerChunks: 6, arg: 8 } as const;
const CTRL_WORDS = 16;
export const JOB = { hist: 1, gradients: 2, partition: 3, gather: 4, leafValues: 5, join: 6, bin: 7, scan: 8 } as const;
/** most chunks of one job (12 bits of the next word) */
const MAX_CHUNKS = 4095;
/** most leaves of a tree whose margin update is shared between the threads (larger trees: this thread alone) */
const MAX_LEAVES = 4096;

/** The buffers both threads work on. */
export interface Buffers {
  n: number;
  /** features */
  p: number;
  bins: Uint8Array;
  g: Float32Array;
  h: Float32Array;
  og: Float32Array;
  oh: Float32Array;
  rows: Int32Array;
  /** the right sides of a partition's blocks, before they join the left sides */
  tmp: Int32Array;
  /** where a node's histograms are built (copied out by the caller) */
  hist: Float64Array;
  /** the features of the node being histogrammed */
  feats: Int32Array;
  /** per bin of the feature being split: 1 = the row goes left */
  left: Uint8Array;
  /** per partition block: its rows that went left (a binning job: per chunk, 1 when it met a value infinite in float32) */
  lefts: Int32Array;
  /** per partition block: where its left and its right rows go (2 per block) */
  dests: Int32Array;
  /** per gradient block: its largest hessian */
  hmaxes: Float64Array;
  /** a grown tree's leaves for the margin update: their ranges' ends (ascending) and values */
  leafEnds: Int32Array;
  leafValues: Float64Array;
  /** two staged blocks of the matrix being binned (row-major float32 values; the wasm kernels only) */
  stage: Float32Array;
  /** per feature (EDGE_STRIDE floats): its bin edges padded to 256 with +∞, then every 16th of them (edge 16j + 15; the wasm kernels only) */
  edges: Float32Array;
  /** histogram slots that nodes' histograms are built in and searched from (the wasm kernels only) */
  slots: Float64Array;
  /** the split search's features (a tree's), their non-missing bin counts, 1 for those it leaves to the caller (categorical) */
  scanFeats: Int32Array;
  nbins: Int32Array;
  skip: Uint8Array;
  /** min_samples_leaf, min_hessian, lambda, the node's largest hessian */
  scanArgs: Float64Array;
  /** per search feature: 8 doubles of its best numeric split (kernels.c scan) */
  scanOut: Float64Array;
  y: Float64Array;
  w: Float64Array | null;
  /** margins, n × T */
  m: Float64Array;
  /** softmax class probabilities, n × K (empty otherwise) */
  prob: Float64Array;
  T: number;
  K: number;
  delta: Float64Array;
  /** where the count region of `hist` starts (hist.ts) */
  countAt: number;
  /** the WebAssembly kernels over the memory that holds the arrays of WASM_ARRAYS, or null (the JS kernels) */
  wasm: WasmKernels | null;
  /** byte offsets of those arrays in that memory */
  at: Offsets;
}

/** the arrays the WebAssembly kernels read and write (they live in its one shared memory) */
const WASM_ARRAYS = ['bins', 'g', 'h', 'og', 'oh', 'rows', 'tmp', 'hist', 'feats', 'left', 'y', 'w', 'm', 'leafEnds', 'leafValues', 'stage', 'edges', 'slots', 'scanFeats', 'nbins', 'skip', 'scanArgs', 'scanOut'] as const;
type Offsets = Record<(typeof WASM_ARRAYS)[number], number>;
type ArrayKey = Exclude<keyof Buffers, 'n' | 'p' | 'T' | 'K' | 'wasm' | 'at' | 'countAt'>;
const CTORS = {
  bins: Uint8Array, g: Float32Array, h: Float32Array, og: Float32Array, oh: Float32Array, rows: Int32Array, tmp: Int32Array,
  hist: Float64Array, feats: Int32Array, left: Uint8Array, lefts: Int32Array, dests: Int32Array, hmaxes: Float64Array, leafEnds: Int32Array, leafValues: Float64Array, stage: Float32Array, edges: Float32Array, slots: Float64Array, scanFeats: Int32Array, nbins: Int32Array, skip: Uint8Array, scanArgs: Float64Array, scanOut: Float64Array, y: Float64Array, w: Float64Array,
  m: Float64Array, prob: Float64Array, delta: Float64Array,
} as const;

type Ctor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => unknown;
/** an array of kind k over (part of) a buffer */
function viewOf(k: ArrayKey, buffer: ArrayBufferLike, byteOffset = 0, length?: number): unknown {
  return new (CTORS[k] as unknown as Ctor)(buffer, byteOffset, length);
}

/** one array as the worker rebuilds it */
interface View {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

/** what the worker receives: every array as a view of shared memory, and the wasm memory and module when used */
export interface SharedBuffers {
  n: number;
  p: number;
  countAt: number;
  T: number;
  K: number;
  ctrl: SharedArrayBuffer;
  views: Record<ArrayKey, View | null>;
  wasm: { memory: WebAssembly.Memory; module: WebAssembly.Module; at: Offsets } | null;
}

/** The worker's Buffers over the shared memory it received. */
export function buffersOf(d: SharedBuffers): Buffers {
  const arr = <K extends ArrayKey>(k: K) => {
    const v = d.views[k];
    return v === null ? null : viewOf(k, v.buffer, v.byteOffset, v.length);
  };
  const out = { n: d.n, p: d.p, countAt: d.countAt, T: d.T, K: d.K, wasm: d.wasm === null ? null : instantiate(d.wasm.memory, d.wasm.module), at: d.wasm?.at ?? noOffsets() } as Record<string, unknown>;
  for (const k of Object.keys(CTORS) as ArrayKey[]) out[k] = arr(k);
  return out as unknown as Buffers;
}

function noOffsets(): Offsets {
  return Object.fromEntries(WASM_ARRAYS.map((k) => [k, -1])) as Offsets;
}

/** since the process started (read by tests): nodes whose histograms were offered to the worker, chunks it ran */
export const threadStats = { sharedNodes: 0, workerChunks: 0 };

/** below this many (row × feature) cells a node's histograms are built on the fitting thread alone */
const PARALLEL_CELLS = 120_000;
/** below this many rows a gradient, partition or gather pass runs on the fitting thread alone */
const PARALLEL_ROWS = 16_384;
/** rows per chunk of a row pass (at least): small enough that a held-back thread costs little */
const CHUNK_ROWS = 16_384;
/** bytes of one staged block of the matrix being binned (two are staged: one binned while the next is copied) */
const STAGE_BYTES = 1 << 20;
/** features per chunk of a split search shared by the threads */
const SCAN_FEATURES = 8;
/** floats per feature of the edge table (kernels.c EDGE_STRIDE) */
const EDGE_STRIDE = 272;
/** chunks of a staged block's binning job */
const BIN_CHUNKS = 4;

/** bytes the histogram slots may take (at most 64 slots) */
const SLOT_BYTES = 256 << 20;
/** histogram slots for p features: the most histograms a tree holds at once is its split candidates + 2 */
function histSlots(p: number): number {
  return Math.max(0, Math.min(64, Math.floor(SLOT_BYTES / (8 * histLength(p)))));
}

/** rows of one staged block for p features */
function stageRows(n: number, p: number): number {
  return Math.max(1, Math.min(n, Math.floor(STAGE_BYTES / (4 * Math.max(1, p)))));
}

/** chunk i of a row range [s, e) cut into `count` near-equal blocks */
function block(s: number, e: number, count: number, i: number): number {
  return s + Math.floor(((e - s) * i) / count);
}

/**
 * Runs chunk i of the job described by the control words (the same code on either thread).
 * hist: features [arg4·i, arg4·(i+1)) of feats; the row passes: block i of [arg1, arg2) in arg0 blocks.
 */
export function runChunk(b: Buffers, ctrl: Int32Array, i: number): void {
  const a = CTRL.arg;
  const job = ctrl[CTRL.job];
  if (job === JOB.scan) {
    const m = ctrl[a];
    const per = ctrl[a + 1];
    const at = b.at;
    b.wasm!.scan(ctrl[a + 2], b.countAt, at.scanFeats, per * i, Math.min(m, per * i + per), at.nbins, at.skip, at.scanArgs, at.scanOut);
    return;
  }
  if (job === JOB.hist) {
    const identity = ctrl[a] === 1;
    const m = ctrl[a + 1];
    const per = ctrl[a + 4];
    const counts = ctrl[a + 5];
    if (b.wasm !== null) {
      const at = b.at;
      const out = ctrl[a + 6];
      b.wasm.hist(at.bins, b.n, at.feats, per * i, Math.min(m, per * i + per), at.rows, ctrl[a + 2], ctrl[a + 3], identity ? 1 : 0, identity ? at.g : at.og, identity ? at.h : at.oh, out, out + 8 * b.countAt, counts);
      return;
    }
    buildHistograms(b.bins, b.n, b.feats, per * i, Math.min(m, per * i + per), b.rows, ctrl[a + 2], ctrl[a + 3], identity, identity ? b.g : b.og, identity ? b.h : b.oh, b.hist, b.countAt, counts === 2);
    return;
  }
  const count = ctrl[a];
  const s = block(ctrl[a + 1], ctrl[a + 2], count, i);
  const e = block(ctrl[a + 1], ctrl[a + 2], count, i + 1);
  const at = b.at;
  if (job === JOB.gradients) {
    b.hmaxes[i] = b.wasm !== null && ctrl[a + 3] === LOSS.binary
      ? b.wasm.grad_binary(at.y, b.w === null ? 0 : at.w, at.m, at.g, at.h, s, e)
      : gradients(ctrl[a + 3], b.y, b.w, b.m, b.T, ctrl[a + 4], b.prob, b.K, b.delta[0], b.g, b.h, s, e);
    if (ctrl[a + 5] === 1) {
      if (b.wasm !== null) b.wasm.iota(at.rows, s, e);
      else for (let r = s; r < e; r++) b.rows[r] = r;
    }
  } else if (job === JOB.leafValues) {
    if (b.wasm !== null) b.wasm.leaf_values(at.rows, at.m, b.T, ctrl[a + 4], at.leafEnds, at.leafValues, ctrl[a + 3], s, e);
    else addLeafValues(b.rows, b.m, b.T, ctrl[a + 4], b.leafEnds, b.leafValues, ctrl[a + 3], s, e);
  }
  else if (job === JOB.partition) b.lefts[i] = b.wasm !== null ? b.wasm.partition(b.at.rows, b.at.tmp, b.at.bins + ctrl[a + 3], b.at.left, s, e) : partitionBlock(b.rows, b.tmp, b.bins, ctrl[a + 3], b.left, s, e);
  else if (job === JOB.join) {
    if (b.wasm !== null) b.wasm.join(at.rows, at.tmp, s, b.lefts[i], e, b.dests[2 * i], b.dests[2 * i + 1]);
    else joinBlock(b.rows, b.tmp, s, b.lefts[i], e, b.dests[2 * i], b.dests[2 * i + 1]);
  } else if (job === JOB.gather) {
    if (b.wasm !== null) b.wasm.gather(b.at.rows, b.at.g, b.at.h, b.at.og, b.at.oh, s, e, ctrl[a + 3]);
    else gather(b.rows, b.g, b.h, b.og, b.oh, s, e, ctrl[a + 3]);
  } else if (job === JOB.bin) b.lefts[i] = b.wasm!.bin_rows(ctrl[a + 3], b.p, at.feats, ctrl[a + 5], at.edges, at.bins, b.n, ctrl[a + 4], s, e);
}

/** how long a thread spins on a control word before it sleeps in Atomics.wait */
export const SPIN_MS = 0.5;

/** Spins while ctrl[i] === v, for at most ms milliseconds. */
export function spinWhile(ctrl: Int32Array, i: number, v: number, ms: number): void {
  const until = performance.now() + ms;
  for (let k = 1; Atomics.load(ctrl, i) === v; k++) if ((k & 255) === 0 && performance.now() > until) return;
}

/** Takes and runs chunks of the current job until none is left; returns how many it ran. */
export function takeChunks(b: Buffers, ctrl: Int32Array): number {
  let ran = 0;
  for (;;) {
    const c = Atomics.load(ctrl, CTRL.next);
    const i = c & 0xfff;
    if (i >= c >>> 12) return ran;
    if (Atomics.compareExchange(ctrl, CTRL.next, c, c + 1) !== c) continue;
    runChunk(b, ctrl, i);
    ran++;
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}

export interface Labels {
  y: Float64Array;
  w: Float64Array | null;
  /** margin slots per row (1, or K for softmax) */
  T: number;
  K: number;
}

export class FitThreads {
  readonly bufs: Buffers;
  private readonly ctrl: Int32Array;
  private worker: Worker | null = null;
  private seq = 0;
  private readonly memory: WebAssembly.Memory | null;
  private hasMissing: Uint8Array | null = null;
  /** free histogram slots, and histograms of this thread's heap when they run out (or with the JS kernels) */
  private readonly freeSlots: Float64Array[] = [];
  private readonly spare: Float64Array[] = [];

  private constructor(readonly n: number, p: number, threads: number, gatherMax: number, labels: Labels, kernels: 'wasm' | 'js') {
    const sab = threads > 1;
    const buf = (bytes: number) => (sab ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const lengths: Record<(typeof WASM_ARRAYS)[number], number> = {
      bins: n * p, y: n, w: labels.w === null ? 0 : n, m: n * labels.T, leafEnds: MAX_LEAVES, leafValues: MAX_LEAVES, g: n, h: n, og: gatherMax, oh: gatherMax, rows: n, tmp: n, hist: histLength(p), feats: Math.max(1, p), left: 256,
      stage: kernels === 'wasm' ? 2 * stageRows(n, p) * p : 0, edges: kernels === 'wasm' ? EDGE_STRIDE * p : 0,
      slots: kernels === 'wasm' ? histSlots(p) * histLength(p) : 0, scanFeats: p, nbins: p, skip: p, scanArgs: 4, scanOut: 8 * p,
    };
    const at = noOffsets();
    // in the wasm memory the partition's scratch (tmp, n rows) shares the bytes of the gathered
    // gradients og and oh (2 × gatherMax ≥ the rows of a tree): a node is partitioned before its
    // children's gradients are gathered, and those are read only by the histogram pass that follows
    if (kernels === 'wasm') lengths.tmp = 0;
    const arena = kernels === 'wasm' ? wasmArena(WASM_ARRAYS.map((k) => lengths[k] * CTORS[k].BYTES_PER_ELEMENT)) : null;
    const inner = Object.fromEntries(WASM_ARRAYS.map((k, i) => {
      if (arena === null) return [k, viewOf(k, buf((k === 'tmp' ? n : lengths[k]) * CTORS[k].BYTES_PER_ELEMENT))];
      at[k] = arena.offsets[i];
      if (k === 'tmp') {
        at.tmp = arena.offsets[WASM_ARRAYS.indexOf('og')];
        return [k, viewOf(k, arena.memory.buffer, at.tmp, n)];
      }
      return [k, viewOf(k, arena.memory.buffer, at[k], lengths[k])];
    })) as { [k in (typeof WASM_ARRAYS)[number]]: InstanceType<(typeof CTORS)[k]> };
    this.memory = arena?.memory ?? null;
    this.bufs = {
      n,
      p,
      countAt: countsAt(p),
      ...inner,
      lefts: new Int32Array(buf(MAX_CHUNKS * 4)),
      dests: new Int32Array(buf(MAX_CHUNKS * 8)),
      hmaxes: new Float64Array(buf(MAX_CHUNKS * 8)),
      w: labels.w === null ? null : inner.w,
      prob: new Float64Array(buf(labels.K > 2 ? n * labels.K * 8 : 0)),
      T: labels.T,
      K: labels.K,
      delta: new Float64Array(buf(8)),
      wasm: arena === null ? null : instantiate(arena.memory),
      at,
    };
    // labels and weights: copies both threads (and the wasm loops) read
    this.bufs.y.set(labels.y);
    if (labels.w !== null) this.bufs.w!.set(labels.w);
    this.ctrl = new Int32Array(buf(CTRL_WORDS * 4));
    const len = histLength(p);
    for (let k = this.bufs.slots.length / len - 1; k >= 0; k--) this.freeSlots.push(this.bufs.slots.subarray(k * len, (k + 1) * len));
  }

  /**
   * n rows × p features; gatherMax = the most rows of a node whose gradients are gathered (a
   * node's smaller child is at most half of it). threads > 1 starts the worker and waits until it
   * runs. kernels: the WebAssembly loops (the default: about twice as fast) or the JS ones (the same
   * bytes; used when the arrays exceed wasm32's 4 GiB, and by tests).
   */
  static async create(n: number, p: number, threads: number, gatherMax: number, labels: Labels, kernels: 'wasm' | 'js' = 'wasm'): Promise<FitThreads> {
    const t = new FitThreads(n, p, threads, Math.max(1, Math.min(n, gatherMax)), labels, kernels);
    if (threads > 1) {
      const b = t.bufs as unknown as Record<ArrayKey, { buffer: ArrayBufferLike; byteOffset: number; length: number } | null>;
      const views = Object.fromEntries((Object.keys(CTORS) as ArrayKey[]).map((k) => {
        const a = b[k];
        return [k, a === null ? null : { buffer: a.buffer as SharedArrayBuffer, byteOffset: a.byteOffset, length: a.length }];
      })) as SharedBuffers['views'];
      const data: SharedBuffers = {
        n, p, countAt: t.bufs.countAt, T: t.bufs.T, K: t.bufs.K, ctrl: t.ctrl.buffer as SharedArrayBuffer, views,
        wasm: t.memory === null ? null : { memory: t.memory, module: kernelsModule(), at: t.bufs.at },
      };
      const w = new Worker(workerScript(import.meta.url, 'worker.js'), { workerData: data });
      t.worker = w;
      await new Promise<void>((res, rej) => {
        w.once('online', () => res());
        w.once('error', rej);
      });
      w.on('error', () => {});
    }
    return t;
  }

  /** which loops this fit runs */
  get kernels(): 'wasm' | 'js' {
    return this.bufs.wasm === null ? 'js' : 'wasm';
  }

  /**
   * Runs a job of `chunks` chunks: on this thread alone (shared = false), or offered to the worker
   * too, this thread taking chunks until none is left and then waiting for the worker's last one.
   */
  private run(job: number, args: number[], chunks: number, shared: boolean, meanwhile?: () => void): void {
    const c = this.ctrl;
    c[CTRL.job] = job;
    for (let i = 0; i < args.length; i++) c[CTRL.arg + i] = args[i];
    Atomics.store(c, CTRL.done, 0);
    Atomics.store(c, CTRL.next, chunks << 12);
    if (shared && this.worker !== null) {
      Atomics.store(c, CTRL.seq, ++this.seq);
      Atomics.notify(c, CTRL.seq);
    }
    meanwhile?.();
    takeChunks(this.bufs, c);
    for (;;) {
      const d = Atomics.load(c, CTRL.done);
      if (d >= chunks) break;
      spinWhile(c, CTRL.done, d, SPIN_MS);
      if (Atomics.load(c, CTRL.done) === d) Atomics.wait(c, CTRL.done, d);
    }
    if (Atomics.load(c, CTRL.failed) === 1) throw new Error('the fit\'s worker thread failed (see its error above)');
  }

  private rowChunks(rows: number): number {
    return this.worker === null || rows < PARALLEL_ROWS ? 1 : Math.min(MAX_CHUNKS, Math.max(2, Math.ceil(rows / CHUNK_ROWS)));
  }

  /**
   * Fills the bin matrix with the bins of the n training rows of X (rows idx[0..n) of it, or its
   * first n): binMatrix's bytes. With the wasm kernels the numeric features are binned in staged
   * blocks of float32 values that both threads bin, the next block copied in while the current one
   * is binned; the categorical ones (and every feature with the JS kernels) by binMatrix here.
   * Returns false when no binned value was infinite; true when one may have been (a value beyond
   * float32's range is infinite in float32; the JS kernels do not look): the caller checks X.
   */
  binRows(X: Float64Array, mapper: BinMapper, maxBins: number, idx: Int32Array | null): boolean {
    const b = this.bufs;
    const { n, p } = b;
    if (b.wasm === null) {
      binMatrix(X, n, p, mapper, maxBins, b.bins, idx);
      return true;
    }
    let m = 0;
    for (let f = 0; f < p; f++) {
      if (mapper.isCat[f]) continue;
      b.feats[m++] = f;
      const o = EDGE_STRIDE * f;
      const e = paddedEdges(mapper.edges[f], b.edges.subarray(o, o + 256));
      for (let j = 0; j < 16; j++) b.edges[o + 256 + j] = e[16 * j + 15];
    }
    if (m < p) binMatrix(X, n, p, mapper, maxBins, b.bins, idx, 'categorical');
    if (m === 0) return false;
    const B = stageRows(n, p);
    const stage = (k: number) => b.stage.subarray((k & 1) * B * p, ((k & 1) + 1) * B * p);
    const copy = (k: number) => {
      const dst = stage(k);
      const s0 = k * B;
      const s1 = Math.min(n, s0 + B);
      if (idx === null) dst.set(X.subarray(s0 * p, s1 * p));
      else for (let i = s0, o = 0; i < s1; i++, o += p) for (let j = 0, r = idx[i] * p; j < p; j++) dst[o + j] = X[r + j];
    };
    const blocks = Math.ceil(n / B);
    copy(0);
    let infinite = 0;
    for (let k = 0; k < blocks; k++) {
      const rows = Math.min(n, (k + 1) * B) - k * B;
      const chunks = this.worker === null || rows * m < PARALLEL_CELLS ? 1 : BIN_CHUNKS;
      this.run(JOB.bin, [chunks, 0, rows, b.at.stage + 4 * (k & 1) * B * p, k * B, m], chunks, chunks > 1, k + 1 < blocks ? () => copy(k + 1) : undefined);
      for (let i = 0; i < chunks; i++) infinite |= b.lefts[i];
    }
    return infinite !== 0;
  }

  /**
   * Gradients and hessians of every row for margin slot k (LOSS kinds of kernels.ts); returns the
   * largest hessian. resetRows: the same pass sets rows[i] = i (a tree on every row).
   */
  gradients(loss: number, k: number, delta: number, resetRows = false): number {
    this.bufs.delta[0] = delta;
    const chunks = this.rowChunks(this.n);
    this.run(JOB.gradients, [chunks, 0, this.n, loss, k, resetRows ? 1 : 0], chunks, chunks > 1);
    let hmax = 0;
    for (let i = 0; i < chunks; i++) hmax = Math.max(hmax, this.bufs.hmaxes[i]);
    return hmax;
  }

  /**
   * Adds each leaf's value to margin slot k of its rows: leaves as partition ranges of rows[0..nRows)
   * (every position in one leaf).
   */
  addLeafValues(leaves: { start: number; end: number; value: number }[], nRows: number, k: number): void {
    const b = this.bufs;
    const sorted = leaves.filter((l) => l.end > l.start).sort((x, y) => x.start - y.start);
    if (sorted.length > MAX_LEAVES) {
      for (const l of sorted) for (let i = l.start; i < l.end; i++) b.m[b.rows[i] * b.T + k] += l.value;
      return;
    }
    sorted.forEach((l, i) => {
      b.leafEnds[i] = l.end;
      b.leafValues[i] = l.value;
    });
    const chunks = this.rowChunks(nRows);
    this.run(JOB.leafValues, [chunks, 0, nRows, sorted.length, k], chunks, chunks > 1);
  }

  /**
   * Stable partition of the node rows[s..e) by bufs.left over the bins of `feature`: left rows
   * first, both sides in their old order; returns where the right side starts.
   */
  partition(feature: number, s: number, e: number): number {
    const { lefts, dests } = this.bufs;
    const chunks = this.rowChunks(e - s);
    this.run(JOB.partition, [chunks, s, e, feature * this.n], chunks, chunks > 1);
    // join: every block's left rows in block order, then every block's right rows (a job: the
    // blocks' rows come from tmp, so the blocks are moved independently)
    let mid = s;
    for (let i = 0; i < chunks; i++) mid += lefts[i];
    let at = s;
    let ar = mid;
    for (let i = 0; i < chunks; i++) {
      dests[2 * i] = at;
      dests[2 * i + 1] = ar;
      at += lefts[i];
      ar += block(s, e, chunks, i + 1) - block(s, e, chunks, i) - lefts[i];
    }
    this.run(JOB.join, [chunks, s, e], chunks, chunks > 1);
    return mid;
  }

  /** og/oh[0..e−s) = the gradients of the node rows[s..e) in partition order */
  gather(s: number, e: number): void {
    const chunks = this.rowChunks(e - s);
    this.run(JOB.gather, [chunks, s, e, s], chunks, chunks > 1);
  }

  /**
   * Histograms of `feats` for the node rows[start..end) into bufs.hist. identity: the node is every
   * row in order (g/h by row); otherwise og/oh hold its gradients in partition order (gather).
   * counts: 2 = every bin's row count too; 1 = the missing bins' counts; 0 = features with no
   * missing value (their missing count is 0; the wasm loop then skips counting).
   */
  build(feats: Int32Array, start: number, end: number, identity: boolean, counts: 0 | 1 | 2, slot: Float64Array | null = null): void {
    const m = feats.length;
    if (m === 0) return;
    this.bufs.feats.set(feats);
    const shared = this.worker !== null && (end - start) * m >= PARALLEL_CELLS && m >= 2;
    if (shared) threadStats.sharedNodes++;
    // chunks of four features (a single-thread pass takes them all at once)
    const per = shared ? 4 : m;
    this.run(JOB.hist, [identity ? 1 : 0, m, start, end, per, counts, slot === null ? this.bufs.at.hist : slot.byteOffset], Math.ceil(m / per), shared);
  }

  /**
   * A histogram buffer for a node (histLength(p) doubles, contents undefined): a slot of the shared
   * memory while one is free (build writes it directly, scanNumeric reads it), else an array of this
   * thread's heap. Give it back with releaseHist.
   */
  takeHist(): Float64Array {
    return this.freeSlots.pop() ?? this.spare.pop() ?? new Float64Array(histLength(this.bufs.p));
  }

  releaseHist(h: Float64Array): void {
    (this.isSlot(h) ? this.freeSlots : this.spare).push(h);
  }

  /** whether h is a histogram slot of the shared memory */
  isSlot(h: Float64Array): boolean {
    return this.memory !== null && h.buffer === this.memory.buffer;
  }

  /** The split search's per-fit tables: each feature's non-missing bins, and the features it leaves to the caller (categorical). */
  searchSetup(nBins: Int32Array, isCat: Uint8Array): void {
    if (this.bufs.wasm === null) return;
    this.bufs.nbins.set(nBins);
    this.bufs.skip.set(isCat);
  }

  /**
   * The numeric features' split scans (kernels.c scan) of the node whose histograms are in `slot`,
   * over `feats` (chunks of features on both threads); null when the histograms are not in a slot.
   * The results: 8 doubles per position in feats (kernels.c).
   */
  scanNumeric(slot: Float64Array, feats: Int32Array, minSamplesLeaf: number, minHessian: number, lambda: number, hmax: number): Float64Array | null {
    if (!this.isSlot(slot)) return null;
    const b = this.bufs;
    const m = feats.length;
    b.scanFeats.set(feats);
    b.scanArgs[0] = minSamplesLeaf;
    b.scanArgs[1] = minHessian;
    b.scanArgs[2] = lambda;
    b.scanArgs[3] = hmax;
    const per = Math.max(1, this.worker === null || m < 2 * SCAN_FEATURES ? m : SCAN_FEATURES);
    const chunks = Math.max(1, Math.ceil(m / per));
    this.run(JOB.scan, [m, per, slot.byteOffset], chunks, chunks > 1);
    return b.scanOut;
  }

  /** per feature: 1 if a training row is missing it (read once the bins are filled) */
  missing(): Uint8Array {
    if (this.hasMissing === null) {
      const { bins, n } = this.bufs;
      const p = this.bufs.p;
      this.hasMissing = new Uint8Array(p);
      for (let f = 0; f < p; f++) this.hasMissing[f] = bins.subarray(f * n, f * n + n).includes(MISSING_BIN) ? 1 : 0;
    }
    return this.hasMissing;
  }

  /** Every bin's row count of feature f for the node rows[start..end) into out's count region (this thread alone). */
  countHistogram(f: number, start: number, end: number, identity: boolean, out: Float64Array): void {
    const b = this.bufs;
    if (b.wasm === null) {
      countHistogram(b.bins, b.n, f, b.rows, start, end, identity, out, b.countAt);
      return;
    }
    const co = b.countAt + f * COUNT_STRIDE;
    if (this.isSlot(out)) {
      b.wasm.counts(b.at.bins + f * b.n, b.n, b.at.rows, start, end, identity ? 1 : 0, out.byteOffset + 8 * co);
      return;
    }
    b.wasm.counts(b.at.bins + f * b.n, b.n, b.at.rows, start, end, identity ? 1 : 0, b.at.hist + 8 * co);
    out.set(b.hist.subarray(co, co + COUNT_STRIDE), co);
  }

  async close(): Promise<void> {
    if (this.worker) {
      threadStats.workerChunks += Atomics.load(this.ctrl, CTRL.workerChunks);
      Atomics.store(this.ctrl, CTRL.stop, 1);
      Atomics.store(this.ctrl, CTRL.seq, ++this.seq);
      Atomics.notify(this.ctrl, CTRL.seq);
      await this.worker.terminate();
      this.worker = null;
    }
  }
}

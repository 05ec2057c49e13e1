/**
 * Row-block parallelism inside one fit: the calling thread and a pool of worker threads share the
 * matrix through SharedArrayBuffers (no copy per worker) and run the chunks of one pass (a gradient, a
 * Hessian) in whatever order they claim them; the calling thread then adds the chunks' partial sums in
 * chunk order. So a result is bit-identical whatever the number of threads or their speed, and the
 * solver code stays synchronous (the calling thread blocks on Atomics.wait until the last chunk is in).
 *
 * Protocol: a pass is posted to each worker as a message (with a fresh control block: a claim counter,
 * a done flag per chunk, θ; and a fresh partials buffer) and the workers are woken through a shared
 * counter. A worker drains its messages with receiveMessageOnPort, so it never needs its event loop,
 * and claims chunks with Atomics.add. The calling thread claims too, and at the end computes itself
 * any chunk not yet done, so it never waits for a thread the (shared) machine has not scheduled.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { chunkRows, passWidth, runChunk, type PassKind } from './kernels.js';
import { workerScript } from '../util/worker-script.js';

/** Below this many matrix entries in a pass, threads cost more than they save. */
export const PARALLEL_MIN_ENTRIES = 400_000;

let threadSetting: number | undefined;

/** Threads used by a fit (the calling one included); default: the number of cores. */
export function setSolverThreads(n: number | undefined): void {
  threadSetting = n;
}

export function solverThreads(): number {
  return Math.max(1, threadSetting ?? availableParallelism());
}

/** Copies a typed array into shared memory unless it is there already. */
export function toShared<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const c = new (a.constructor as { new (b: SharedArrayBuffer): T })(sab);
  c.set(a as never);
  return c;
}

/** A float64 array in shared memory (zeros). */
export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * n));
}

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
}

interface Pool {
  workers: PoolWorker[];
  wake: Int32Array;
}

let pool: Pool | undefined;
let nextSession = 1;

export function kernelWorkerPath(): string | URL {
  return workerScript(import.meta.url, 'kernel-worker.js');
}

function getPool(extra: number): Pool {
  if (!pool) pool = { workers: [], wake: new Int32Array(new SharedArrayBuffer(4)) };
  while (pool.workers.length < extra) {
    const ch = new MessageChannel();
    const worker = new Worker(kernelWorkerPath(), { workerData: { port: ch.port2, wake: pool.wake }, transferList: [ch.port2] });
    worker.unref();
    ch.port1.unref();
    worker.on('error', () => {
      // a broken worker only stops helping: the calling thread computes every chunk it leaves unclaimed
    });
    pool.workers.push({ worker, port: ch.port1 });
  }
  return pool;
}

/** Stops the worker threads (they are also unref'd, so they never keep the process alive). */
export async function closeSolverThreads(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await Promise.all(p.workers.map((w) => w.worker.terminate()));
}

/** control block: [next chunk to claim, …reserved, done flag per chunk], then θ */
const H_NEXT = 0;
const H_INTS = 4;
/** byte offset of θ in a control block of nChunks chunks (8-aligned) */
const thetaOffset = (nChunks: number) => 8 * Math.ceil((H_INTS + nChunks) / 2);

/**
 * The rows of one fit bound to the worker threads: X (n × p row-major), labels, optional row weights,
 * and the chunk lists of its passes. Close it when the fit ends.
 */
export class RowSession {
  readonly threads: number;
  private readonly id: number;
  private readonly workers: PoolWorker[];
  private local = new Float64Array(0);
  private closed = false;

  constructor(
    readonly X: Float64Array,
    readonly p: number,
    readonly y: Float64Array,
    readonly sw: Float64Array | undefined,
    readonly K: number,
    /** chunk lists by name: [start, end] pairs */
    readonly chunks: Record<string, Int32Array>,
    threads = solverThreads(),
  ) {
    const rows = Math.max(0, ...Object.values(chunks).map(chunkRows));
    const shared = X.buffer instanceof SharedArrayBuffer && y.buffer instanceof SharedArrayBuffer && (!sw || sw.buffer instanceof SharedArrayBuffer);
    this.threads = shared && rows * p >= PARALLEL_MIN_ENTRIES ? threads : 1;
    this.id = nextSession++;
    this.workers = this.threads > 1 ? getPool(this.threads - 1).workers.slice(0, this.threads - 1) : [];
    if (this.workers.length) {
      for (const [name, c] of Object.entries(chunks)) if (!(c.buffer instanceof SharedArrayBuffer)) this.chunks[name] = toShared(c);
      for (const w of this.workers) w.port.postMessage({ type: 'bind', id: this.id, X, p, y, sw, K, chunks: this.chunks });
    }
  }

  /**
   * Runs pass `kind` over the chunk list `chunkName` at θ and returns the sum of the chunks' partials
   * (into `out`, length passWidth). `stride` subsamples rows (Hessian passes).
   */
  run(kind: PassKind, chunkName: string, theta: Float64Array, out: Float64Array, stride = 1): Float64Array {
    if (this.closed) throw new Error('row session is closed');
    const chunks = this.chunks[chunkName];
    const nChunks = chunks.length / 2;
    const width = passWidth(kind, this.p, this.K);
    out.fill(0, 0, width);
    if (this.local.length < width) this.local = new Float64Array(width);
    const local = this.local;
    const add = (src: Float64Array, o: number) => {
      for (let j = 0; j < width; j++) out[j] += src[o + j];
    };
    if (this.workers.length === 0 || nChunks < 2) {
      for (let c = 0; c < nChunks; c++) {
        runChunk(kind, this.X, this.p, this.K, this.y, this.sw, theta, chunks[2 * c], chunks[2 * c + 1], stride, local, 0);
        add(local, 0);
      }
      return out;
    }
    // a fresh control block and partials buffer per pass: a worker still busy with an older pass
    // writes only into buffers nobody reads any more
    const ctrl = new SharedArrayBuffer(thetaOffset(nChunks) + 8 * theta.length);
    const hdr = new Int32Array(ctrl, 0, H_INTS + nChunks);
    new Float64Array(ctrl, thetaOffset(nChunks), theta.length).set(theta);
    const part = sharedFloat64(nChunks * width);
    for (const w of this.workers) w.port.postMessage({ type: 'job', id: this.id, kind, chunkName, ctrl, part, stride });
    const wake = pool!.wake;
    Atomics.add(wake, 0, 1);
    Atomics.notify(wake, 0);
    for (;;) {
      const c = Atomics.add(hdr, H_NEXT, 1);
      if (c >= nChunks) break;
      runChunk(kind, this.X, this.p, this.K, this.y, this.sw, theta, chunks[2 * c], chunks[2 * c + 1], stride, part, c * width);
      Atomics.store(hdr, H_INTS + c, 1);
    }
    // chunks a worker claimed but has not finished are computed here too (same numbers, whoever
    // finishes first): the caller never waits on a thread the machine has not scheduled
    for (let c = 0; c < nChunks; c++) {
      if (Atomics.load(hdr, H_INTS + c) === 1) add(part, c * width);
      else {
        runChunk(kind, this.X, this.p, this.K, this.y, this.sw, theta, chunks[2 * c], chunks[2 * c + 1], stride, local, 0);
        add(local, 0);
      }
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.port.postMessage({ type: 'unbind', id: this.id });
  }
}

export { H_INTS, H_NEXT, thetaOffset };

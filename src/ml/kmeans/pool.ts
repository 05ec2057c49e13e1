/**
 * Runs a kernel command over every block of a KState: on this thread alone, or on this thread plus
 * worker threads that share the state's memory (SharedArrayBuffer) and pull blocks from one atomic
 * counter. Workers start once per fit and wait on an atomic generation counter between commands, so
 * a command costs no message round trip. Results are per block, so who ran a block does not matter.
 */
import { Worker } from 'node:worker_threads';
import { runBlock, type KState } from './kernels.js';
import { workerScript } from '../../util/worker-script.js';

/** control words: generation, command, next block, workers done, failed */
export const GEN = 0;
export const CMD = 1;
export const NEXT = 2;
export const DONE = 3;
export const ERR = 4;
export const CMD_STOP = 0;

/** Atomics.waitAsync (Node ≥ 16; not in the ES2022 library types) */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

export interface BlockRunner {
  readonly threads: number;
  run(cmd: number): Promise<void>;
  close(): Promise<void>;
}

export function drainBlocks(S: KState, ctrl: Int32Array, cmd: number): void {
  for (;;) {
    const b = Atomics.add(ctrl, NEXT, 1);
    if (b >= S.nBlocks) return;
    runBlock(S, cmd, b);
  }
}

class SerialRunner implements BlockRunner {
  readonly threads = 1;
  constructor(private S: KState) {}
  async run(cmd: number): Promise<void> {
    for (let b = 0; b < this.S.nBlocks; b++) runBlock(this.S, cmd, b);
  }
  async close(): Promise<void> {}
}

function workerPath(): string | URL {
  return workerScript(import.meta.url, 'worker.js');
}

class ThreadRunner implements BlockRunner {
  readonly threads: number;
  private ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
  private workers: Worker[] = [];
  private failure: Promise<never>;
  private failed: Error | null = null;
  private closing = false;

  constructor(private S: KState, threads: number) {
    this.threads = threads;
    let reject!: (e: Error) => void;
    this.failure = new Promise<never>((_, rej) => (reject = rej));
    this.failure.catch(() => {});
    const fail = (e: Error) => {
      if (this.failed) return;
      this.failed = e;
      reject(e);
    };
    const path = workerPath();
    for (let w = 1; w < threads; w++) {
      const worker = new Worker(path, { workerData: { S, ctrl: this.ctrl } });
      worker.on('message', (m: string) => fail(new Error(`k-means worker failed: ${m}`)));
      worker.on('error', (e) => fail(e));
      worker.on('exit', (code) => {
        if (!this.closing) fail(new Error(`a k-means worker exited early (code ${code})`));
      });
      this.workers.push(worker);
    }
  }

  async run(cmd: number): Promise<void> {
    if (this.failed) throw this.failed;
    const c = this.ctrl;
    Atomics.store(c, CMD, cmd);
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, DONE, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    drainBlocks(this.S, c, cmd);
    const W = this.workers.length;
    for (;;) {
      const v = Atomics.load(c, DONE);
      if (v >= W) break;
      const r = waitAsync(c, DONE, v);
      if (r.async) await Promise.race([r.value, this.failure]);
    }
    if (this.failed) throw this.failed;
    if (Atomics.load(c, ERR)) throw new Error('a k-means worker failed');
  }

  async close(): Promise<void> {
    this.closing = true;
    const c = this.ctrl;
    Atomics.store(c, CMD, CMD_STOP);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    await Promise.all(this.workers.map((w) => new Promise<void>((res) => (w.threadId < 0 ? res() : w.once('exit', () => res())))));
  }
}

export function makeRunner(S: KState, threads: number): BlockRunner {
  return threads > 1 ? new ThreadRunner(S, threads) : new SerialRunner(S);
}

/**
 * The package's native tree scorer: a gradient-boosted tree package scores its rows with the fitted
 * pipeline and the trees it carries in explain.json (the pure TS executors, the same code the CLI's
 * own predictions run), the tree walk split over worker threads, instead of onnxruntime's
 * TreeEnsemble operator (about twice slower on the same trees). model.onnx stays the package's
 * portable graph and the reference: the first batch a scorer sees is also run through it and every
 * one of those rows must agree to 1e-6, else loading fails loudly. A batch holding a row the
 * pipeline rejects (an unknown category under `error`/`skip`, which validation normally keeps out)
 * is left to the graph, which scores it as model.onnx defines.
 *
 * Off: DICTL_SCORE_TREES=onnx in the environment, or `native: false` in the load options.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DictlError } from '../errors.js';
import { readExplainSpec } from '../explain/hook.js';
import type { GbdtTree } from '../ml/gbdt/index.js';
import { compileGbdt, gbdtMarginsInto, type CompiledGbdt } from '../ml/gbdt/predict.js';
import { sigmoid, softmaxRows } from '../ml/predict.js';
import { applyPipelineColumns } from '../pipeline/columns.js';
import type { FittedPipeline } from '../types.js';
import { workerScript } from '../util/worker-script.js';
import type { Manifest } from './manifest.js';

/** what a batch gives, as the graph's outputs: binary/multiclass probabilities n × K, regression values */
export interface TreeBatch {
  probabilities?: Float64Array;
  prediction?: Float64Array;
}

/** a batch's inputs: numbers as Float64Array (NaN = missing), strings as string[] ('' = missing) */
export type InputSlices = Record<string, Float64Array | string[]>;

export interface NativeTrees {
  /** walker threads (1 = on the calling thread) */
  threads: number;
  /** the batch's outputs, or null when the graph must score it */
  run(cols: InputSlices, n: number): Promise<TreeBatch | null>;
  close(): void;
}

/** below this many rows a batch is walked on the calling thread (a message round trip costs more) */
const SPLIT_ROWS = 2048;
/** rows of the first batch checked against the graph */
const CHECK_ROWS = 1024;

interface Job {
  x: SharedArrayBuffer;
  out: SharedArrayBuffer;
  p: number;
  i0: number;
  i1: number;
}

/** One walker thread: jobs in order, one at a time. */
class Walker {
  private w: Worker;
  private pending: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(model: CompiledGbdt) {
    this.w = new Worker(workerScript(import.meta.url, 'trees-worker.js'), { workerData: model });
    this.w.unref();
    this.w.on('message', (m: { ok: boolean; error?: string }) => {
      const p = this.pending;
      this.pending = null;
      this.w.unref();
      if (!p) return;
      if (m.ok) p.resolve();
      else p.reject(new DictlError('internal', `tree scorer thread: ${m.error}`));
    });
    this.w.on('error', (e) => this.fail(e));
    this.w.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
  }

  private fail(e: Error): void {
    this.failure ??= new DictlError('internal', `tree scorer thread failed: ${e.message}`);
    const p = this.pending;
    this.pending = null;
    p?.reject(this.failure);
  }

  walk(job: Job): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.w.ref(); // a job in flight keeps the process alive; an idle walker does not
      this.w.postMessage(job);
    });
  }

  close(): void {
    this.failure ??= new DictlError('internal', 'tree scorer closed');
    void this.w.terminate();
  }
}

/**
 * The native scorer of a package, or null when the package has no native path (not trees, no
 * explain.json, or switched off). `graph` scores a batch's inputs through model.onnx (the check).
 */
export function nativeTrees(dir: string, manifest: Manifest, graph: (cols: InputSlices, n: number) => Promise<TreeBatch>, opts: { threads?: number; native?: boolean } = {}): NativeTrees | null {
  if (opts.native === false || process.env.DICTL_SCORE_TREES === 'onnx') return null;
  if (manifest.explain?.family !== 'trees' || manifest.model.algorithm !== 'gbdt') return null;
  const task = manifest.model.task;
  if (task !== 'binary' && task !== 'multiclass' && task !== 'regression') return null;
  const spec = readExplainSpec(dir, manifest.files);
  if (!spec?.trees) return null;
  const pipeline: FittedPipeline = spec.pipeline;
  const p = pipeline.outputNames.length;
  const t = spec.trees;
  const K = task === 'regression' ? 1 : manifest.model.classes.length;
  // the native path reproduces margins one to one with the trees' slots (a 2-class multiclass label boosted as one margin is the graph's)
  if (t.treesPerRound !== (task === 'multiclass' ? K : 1) || spec.featureNames.join('\u0000') !== manifest.featureOrder.join('\u0000')) return null;
  const model = compileGbdt({ nFeatures: p, treesPerRound: t.treesPerRound, baseScore: t.baseScore, trees: t.trees as unknown as GbdtTree[] });
  const threads = Math.max(1, Math.min(opts.threads ?? 2, availableParallelism(), 2));
  const walkers: Walker[] = [];
  const T = t.treesPerRound;
  let xBuf = new SharedArrayBuffer(8);
  let outBuf = new SharedArrayBuffer(8);
  let checked = false;
  let queue: Promise<unknown> = Promise.resolve();

  async function margins(cols: InputSlices, n: number): Promise<Float64Array | null> {
    if (xBuf.byteLength < n * p * 8) xBuf = new SharedArrayBuffer(n * p * 8);
    if (outBuf.byteLength < n * T * 8) outBuf = new SharedArrayBuffer(n * T * 8);
    const X = new Float64Array(xBuf, 0, n * p);
    const bad = new Uint8Array(n);
    applyPipelineColumns(pipeline, cols, n, X, bad);
    if (bad.includes(1)) return null;
    const out = new Float64Array(outBuf, 0, n * T);
    if (threads === 1 || n < SPLIT_ROWS) gbdtMarginsInto(model, X, n, p, out);
    else {
      while (walkers.length < threads) walkers.push(new Walker(model));
      const jobs: Promise<void>[] = [];
      for (let k = 0; k < threads; k++) {
        const i0 = Math.floor((n * k) / threads);
        const i1 = Math.floor((n * (k + 1)) / threads);
        jobs.push(walkers[k].walk({ x: xBuf, out: outBuf, p, i0, i1 }));
      }
      await Promise.all(jobs);
    }
    return out;
  }

  async function score(cols: InputSlices, n: number): Promise<TreeBatch | null> {
    const m = await margins(cols, n);
    if (m === null) return null;
    let r: TreeBatch;
    if (task === 'regression') r = { prediction: Float64Array.from(m) };
    else if (task === 'binary') {
      // as the graph: [1 − σ(m), σ(m)]
      const pr = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const s = sigmoid(m[i]);
        pr[2 * i] = 1 - s;
        pr[2 * i + 1] = s;
      }
      r = { probabilities: pr };
    } else r = { probabilities: softmaxRows(Float64Array.from(m), n, K) };
    if (!checked) {
      await check(cols, n, r);
      checked = true;
    }
    return r;
  }

  async function check(cols: InputSlices, n: number, r: TreeBatch): Promise<void> {
    const m = Math.min(n, CHECK_ROWS);
    const head: InputSlices = {};
    for (const [k, c] of Object.entries(cols)) head[k] = c.slice(0, m);
    const g = await graph(head, m);
    const ours = r.probabilities ?? r.prediction!;
    const theirs = g.probabilities ?? g.prediction!;
    const w = ours.length / n;
    for (let i = 0; i < m * w; i++) {
      const tol = task === 'regression' ? 1e-6 * (1 + Math.abs(theirs[i])) : 1e-6;
      if (!(Math.abs(ours[i] - theirs[i]) <= tol))
        throw new DictlError('internal', `the package's trees (explain.json) do not reproduce model.onnx on row ${Math.floor(i / w)} of the first batch (${ours[i]} vs ${theirs[i]})`, { hint: 'rebuild the package: dictl package MODEL@VERSION --out DIR; or score through the graph alone with DICTL_SCORE_TREES=onnx' });
    }
  }

  return {
    threads,
    run(cols, n) {
      // one batch at a time: the batches share the feature and margin buffers
      const r = queue.then(() => score(cols, n));
      queue = r.catch(() => undefined);
      return r;
    },
    close() {
      for (const w of walkers) w.close();
      walkers.length = 0;
    },
  };
}

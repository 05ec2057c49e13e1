/**
 * The package's native tree scorer: a gradient-boosted tree package scores its rows with the fitted
 * pipeline and the trees it carries in explain.json (the pure TS executors and the engine's tree
 * walk, the same code the CLI's own predictions run: WebAssembly generated for the trees, see
 * ml/gbdt/predict-wasm.ts), the tree walk split between the calling thread and a walker thread,
 * instead of onnxruntime's TreeEnsemble operator (measured: about 6× the CPU on the same trees before the
 * walk was WebAssembly, about 11× since). A pipeline that passes its numeric inputs through raw is not
 * run at all: the trees read the batch's input columns. model.onnx
 * stays the package's portable graph and the reference: the first batch a scorer sees is also run
 * through it and every one of those rows must agree to 1e-6, else scoring stops with an internal
 * error. A batch holding a row the pipeline rejects (an unknown category under `error`/`skip`, which
 * validation normally keeps out) is left to the graph, which scores it as model.onnx defines.
 *
 * Off: DICTL_SCORE_TREES=onnx in the environment, or `native: false` in the load options.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DictlError } from '../errors.js';
import { EXPLAIN_FILE, type ExplainSpec } from '../explain/explainer.js';
import type { GbdtTree } from '../ml/gbdt/index.js';
import { compileGbdt, gbdtMarginsColumns, gbdtMarginsInto, type CompiledGbdt } from '../ml/gbdt/predict.js';
import { sigmoid, softmaxRows } from '../ml/predict.js';
import { applyPipelineColumns } from '../pipeline/columns.js';
import type { FittedPipeline } from '../types.js';
import { sha256 } from '../util/hash.js';
import { workerScript } from '../util/worker-script.js';
import type { Manifest } from './manifest.js';
import { BLOCK_ROWS, claimBlocks, columnViews, CTRL, MODE, tagOf } from './trees-ctrl.js';

/** what a batch gives, as the graph's outputs: binary/multiclass probabilities n × K, regression values */
export interface TreeBatch {
  probabilities?: Float64Array;
  prediction?: Float64Array;
}

/** a batch's inputs: numbers as Float64Array (NaN = missing), strings as string[] ('' = missing) */
export type InputSlices = Record<string, Float64Array | string[]>;

export interface NativeTrees {
  /** threads walking a batch: the calling thread and threads − 1 walker threads */
  threads: number;
  /** the batch's outputs (valid until the next run), or null when the graph must score it */
  run(cols: InputSlices, n: number): Promise<TreeBatch | null>;
  close(): void;
}

/** below this many rows a batch is walked on the calling thread alone (waking the walker costs more) */
const SPLIT_ROWS = 2048;
/** rows of the first batch checked against the graph */
const CHECK_ROWS = 1024;

/** a walker thread that does not finish its share within this long is taken for dead */
const WAIT_MS = 60_000;

/**
 * One walker thread over shared buffers sized for `rows` rows: the features and the margins. The
 * features are the pipeline's outputs (row-major Float64, p wide), or, when the pipeline passes
 * every model input through raw (MODE.columns), the input columns themselves (column j at j·rows),
 * so no row-major matrix is built on the calling thread. A job is signalled through the control
 * words with Atomics (no message per batch); both threads then claim row blocks of it (trees-ctrl.ts).
 */
class Walker {
  readonly ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
  readonly x: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  private seq = 0;
  private w: Worker;

  constructor(model: CompiledGbdt, readonly rows: number, p: number) {
    this.x = new SharedArrayBuffer(rows * p * 8);
    this.out = new SharedArrayBuffer(rows * model.treesPerRound * 8);
    this.w = new Worker(workerScript(import.meta.url, 'trees-worker.js'), { workerData: { model, ctrl: this.ctrl.buffer, x: this.x, out: this.out } });
    // a thread that dies outside a job (its jobs catch their own errors) fails the next wait
    this.w.on('error', (e) => {
      console.error(e);
      Atomics.store(this.ctrl, CTRL.failed, 1);
    });
  }

  async started(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.w.once('online', () => {
        this.w.unref(); // from now on a waiting walker does not keep the process alive
        resolve();
      });
      this.w.once('exit', (code) => reject(new DictlError('internal', `the tree scorer's walker thread exited at start (code ${code})`)));
    });
  }

  /**
   * Walks rows [0, n) of the shared buffers: this thread and the walker claim blocks of them until
   * none is left, then this thread waits for the blocks the walker still holds.
   */
  walk(model: CompiledGbdt, p: number, n: number, mode: number): void {
    const c = this.ctrl;
    const s = ++this.seq;
    c[CTRL.p] = p;
    c[CTRL.n] = n;
    c[CTRL.mode] = mode;
    Atomics.store(c, CTRL.finished, 0);
    Atomics.store(c, CTRL.next, tagOf(s) << 16);
    Atomics.store(c, CTRL.seq, s);
    Atomics.notify(c, CTRL.seq);
    const T = model.treesPerRound;
    const X = new Float64Array(this.x);
    const out = new Float64Array(this.out);
    if (mode === MODE.columns) {
      const cols = this.columns(p);
      claimBlocks(c, s, (i0, i1) => gbdtMarginsColumns(model, cols, i0, i1 - i0, out.subarray(i0 * T, i1 * T)));
    } else claimBlocks(c, s, (i0, i1) => gbdtMarginsInto(model, X.subarray(i0 * p, i1 * p), i1 - i0, p, out.subarray(i0 * T, i1 * T)));
    const blocks = Math.ceil(n / BLOCK_ROWS);
    const t0 = Date.now();
    for (let f = Atomics.load(c, CTRL.finished); f < blocks; f = Atomics.load(c, CTRL.finished)) {
      if (Atomics.wait(c, CTRL.finished, f, WAIT_MS) === 'timed-out' && Date.now() - t0 >= WAIT_MS) throw new DictlError('internal', `the tree scorer's walker thread did not finish its rows within ${WAIT_MS / 1000} s`);
    }
    if (Atomics.load(c, CTRL.failed) === 1) throw new DictlError('internal', "the tree scorer's walker thread failed (see its error above)");
  }

  private cols: Float64Array[] | null = null;

  /** the p input columns in the feature buffer (MODE.columns) */
  columns(p: number): Float64Array[] {
    this.cols ??= columnViews(this.x, p, this.rows);
    return this.cols;
  }

  close(): void {
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.store(this.ctrl, CTRL.seq, ++this.seq);
    Atomics.notify(this.ctrl, CTRL.seq);
    void this.w.terminate();
  }
}

/**
 * When the pipeline passes every model input through unchanged — each output a numeric feature
 * with no steps reading a number input (no derived column) — the input feeding each output, in
 * feature order; else null. Such a pipeline writes exactly the input's value (NaN = missing) into
 * its output (columns.ts), so the trees can read the input columns themselves.
 */
function rawInputs(pipeline: FittedPipeline, manifest: Manifest): string[] | null {
  if (pipeline.derived.length > 0) return null;
  const numberInputs = new Set(manifest.inputs.filter((i) => i.type === 'number').map((i) => i.name));
  const byName = new Map(pipeline.features.map((f) => [f.name, f]));
  const out: string[] = [];
  for (const name of pipeline.outputNames) {
    const f = byName.get(name);
    if (f === undefined || f.kind !== 'numeric' || f.steps.length > 0 || !numberInputs.has(f.input)) return null;
    out.push(f.input);
  }
  return pipeline.features.length === out.length ? out : null;
}

/**
 * The package's explain.json when it is the one its manifest lists; else null (the graph scores, and
 * `--explain` reports what is wrong with the file).
 */
function packagedSpec(dir: string, files: Manifest['files']): ExplainSpec | null {
  const path = join(dir, EXPLAIN_FILE);
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (files[EXPLAIN_FILE]?.sha256 !== sha256(bytes)) return null;
  try {
    const spec = JSON.parse(bytes.toString('utf8')) as ExplainSpec;
    return spec.kind === 'dictl-explainer' ? spec : null;
  } catch {
    return null;
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
  const spec = packagedSpec(dir, manifest.files);
  if (!spec?.trees) return null;
  const pipeline: FittedPipeline = spec.pipeline;
  const p = pipeline.outputNames.length;
  const t = spec.trees;
  const K = task === 'regression' ? 1 : manifest.model.classes.length;
  // the native path reproduces margins one to one with the trees' slots (a 2-class multiclass label boosted as one margin is the graph's)
  if (t.treesPerRound !== (task === 'multiclass' ? K : 1) || spec.featureNames.join('\u0000') !== manifest.featureOrder.join('\u0000')) return null;
  const model = compileGbdt({ nFeatures: p, treesPerRound: t.treesPerRound, baseScore: t.baseScore, trees: t.trees as unknown as GbdtTree[] });
  const raw = rawInputs(pipeline, manifest);
  const threads = Math.max(1, Math.min(opts.threads ?? 2, availableParallelism(), 2));
  const T = t.treesPerRound;
  /** threads > 1: one walker thread beside the calling one, its buffers sized by the largest batch split so far */
  let walker: Walker | null = null;
  const local = { x: new Float64Array(0), out: new Float64Array(0) };
  let checked = false;
  let queue: Promise<unknown> = Promise.resolve();

  let bad = new Uint8Array(0);
  let probs = new Float64Array(0);

  /** the batch's model inputs as the raw input columns (feature order), or null when the pipeline must run */
  const rawColumns = (cols: InputSlices): Float64Array[] | null => {
    if (raw === null) return null;
    const out: Float64Array[] = [];
    for (const name of raw) {
      const c = cols[name];
      if (!(c instanceof Float64Array)) return null;
      out.push(c);
    }
    return out;
  };

  async function margins(cols: InputSlices, n: number): Promise<Float64Array | null> {
    const split = threads > 1 && n >= SPLIT_ROWS;
    const rc = rawColumns(cols);
    let X: Float64Array;
    let out: Float64Array;
    if (split) {
      if (!walker || walker.rows < n) {
        walker?.close();
        walker = new Walker(model, n, p);
        await walker.started();
      }
      out = new Float64Array(walker.out, 0, n * T);
      if (rc !== null) {
        // the raw inputs copied into the shared columns: the threads read them from there
        const shared = walker.columns(p);
        for (let j = 0; j < p; j++) shared[j].set(rc[j].subarray(0, n));
        walker.walk(model, p, n, MODE.columns);
        return out;
      }
      X = new Float64Array(walker.x, 0, n * p);
    } else {
      if (local.out.length < n * T) local.out = new Float64Array(n * T);
      out = local.out.subarray(0, n * T);
      if (rc !== null) return gbdtMarginsColumns(model, rc, 0, n, out);
      if (local.x.length < n * p) local.x = new Float64Array(n * p);
      X = local.x.subarray(0, n * p);
    }
    if (bad.length < n) bad = new Uint8Array(n);
    const flags = bad.subarray(0, n);
    flags.fill(0);
    applyPipelineColumns(pipeline, cols, n, X, flags);
    if (flags.includes(1)) return null;
    if (!split) return gbdtMarginsInto(model, X, n, p, out);
    walker!.walk(model, p, n, MODE.rows);
    return out;
  }

  /** the batch's outputs, in buffers reused by the next batch (the caller copies them out first) */
  async function score(cols: InputSlices, n: number): Promise<TreeBatch | null> {
    const m = await margins(cols, n);
    if (m === null) return null;
    let r: TreeBatch;
    if (task === 'regression') r = { prediction: m };
    else {
      if (probs.length < n * K) probs = new Float64Array(n * K);
      const pr = probs.subarray(0, n * K);
      if (task === 'binary') {
        // as the graph: [1 − σ(m), σ(m)]
        for (let i = 0; i < n; i++) {
          const s = sigmoid(m[i]);
          pr[2 * i] = 1 - s;
          pr[2 * i + 1] = s;
        }
      } else {
        pr.set(m);
        softmaxRows(pr, n, K);
      }
      r = { probabilities: pr };
    }
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
      walker?.close();
      walker = null;
    },
  };
}

/**
 * The explainer a scorer package carries (explain.json beside model.onnx): the fitted feature pipeline,
 * the model's parameters and what the contributions are measured from (training means of the model
 * inputs for linear models; the trees' covers for tree ensembles). From raw events it gives each
 * row's base value and its source columns' contributions on the margin scale, and the top K of them
 * by |contribution| as reasons. For multiclass models the explained class is the predicted one.
 * Pure: the package reader passes the parsed spec in.
 */
import type { FittedPipeline, LabelSpec } from '../types.js';
import { compilePipeline } from '../pipeline/apply.js';
import { applyPipelineColumns, type Columns } from '../pipeline/columns.js';
import { columnValue, sourceColumns, type SourceColumns } from './columns.js';
import { linearBase, linearContributions, type LinearExplainModel } from './linear.js';
import { linearColumnContributions, linearColumnsPlan, type LinearColumnsPlan } from './linear-columns.js';
import { packEnsemble, TreeShap, type PackedEnsemble, type ShapTree } from './treeshap.js';

export const EXPLAIN_FILE = 'explain.json';

export interface ExplainSpec {
  kind: 'dictl-explainer';
  formatVersion: 1;
  family: 'linear' | 'trees';
  task: LabelSpec['task'];
  /** class names in model order (binary: [negative, positive]); [] for regression */
  classes: string[];
  pipeline: FittedPipeline;
  /** the model's inputs, in order (outputs of the pipeline) */
  featureNames: string[];
  linear?: { coef: number[][]; intercept: number[]; means: number[] };
  trees?: { trees: ShapTree[]; treesPerRound: number; baseScore: number[] };
}

/** a model family's part of explain.json (src/ml/families: explainPart) */
export type ExplainPart = Pick<ExplainSpec, 'family' | 'linear' | 'trees'>;

export interface Reason {
  column: string;
  value: string | number | boolean | null;
  contribution: number;
}

export interface Explanation {
  /** the base value (margin at the background) of the explained class */
  base: number;
  /** multiclass: the explained (predicted) class */
  class?: string;
  reasons: Reason[];
}

/**
 * The explanations of a batch, column-wise (no per-row objects): row i's reasons are the source
 * columns col[i·k + t] (t < k; −1 = no further reason) with contrib[i·k + t] and the event's value
 * vals[i·k + t]; base[i] is NaN for a row the pipeline rejected.
 */
export interface BatchExplanations {
  n: number;
  k: number;
  base: Float64Array;
  /** multiclass: the explained (predicted) class of each row */
  cls?: Int32Array;
  col: Int32Array;
  contrib: Float64Array;
  vals: (string | number | boolean | null)[];
  /** `{"column":NAME,"value":` per source column, for renderers */
  columnPrefix: string[];
  /** n × K margins the contributions add up to (NaN where the pipeline rejected the row) */
  margins: Float64Array;
  /** row i as an Explanation object (null where the pipeline rejected the row) */
  at(i: number): Explanation | null;
}

export interface Explainer {
  spec: ExplainSpec;
  columns: SourceColumns;
  /** `{"column":NAME,"value":` per source column, for renderers */
  columnPrefix: string[];
  /** number of margins: 1 for binary and regression */
  K: number;
  base: Float64Array;
  /**
   * Per-column contributions of model-input rows X (n × p, row-major) into out (n × columns), for the
   * predicted class of each row when classOf is given (written there), else class 0; margins n × K.
   */
  contributions(X: Float64Array, n: number, out: Float64Array, classOf?: Int32Array): { margins: Float64Array };
  /** top k reasons of raw rows (read through rowAt, which may return one reused object) */
  explainRows(rowAt: (i: number) => Record<string, unknown>, n: number, k: number): BatchExplanations;
  /** the same for a columnar batch (numbers NaN = missing, strings '' = missing), without row objects */
  explainColumns(cols: Columns, n: number, k: number): BatchExplanations;
}

/** Top k indices of |c| (ties: earlier column first), largest first; zero contributions are no reasons. */
export function topByMagnitude(c: ArrayLike<number>, k: number): number[] {
  const idx = new Int32Array(k);
  const m = topInto(c, k, idx, new Float64Array(k));
  return Array.from(idx.subarray(0, m));
}

/** topByMagnitude into idx[0..k) (mag: scratch of k, their |c|); returns how many */
function topInto(c: ArrayLike<number>, k: number, idx: Int32Array, mag: Float64Array): number {
  return topStrided(c, 0, 1, c.length, k, idx, mag);
}

/**
 * topByMagnitude of c[o], c[o + stride], … (count of them) into idx[0..k) as 0, 1, … indices, their
 * |c| in mag; returns how many. Insertion into the k kept so far: O(count · k).
 */
function topStrided(c: ArrayLike<number>, o: number, stride: number, count: number, k: number, idx: Int32Array, mag: Float64Array): number {
  let m = 0;
  // |c| of the k-th kept once k are kept (NaN sorts first, so it is never the k-th unless all are NaN)
  let kth = Infinity;
  for (let j = 0; j < count; j++) {
    const v = c[o + j * stride];
    const a = Math.abs(v);
    if (!(a > 0) && !Number.isNaN(v)) continue;
    if (m === k && !(a > kth)) continue;
    let at = m === k ? m - 1 : m++;
    while (at > 0 && !(mag[at - 1] >= a)) {
      idx[at] = idx[at - 1];
      mag[at] = mag[at - 1];
      at--;
    }
    idx[at] = j;
    mag[at] = a;
    if (m === k) kth = mag[m - 1];
  }
  return m;
}

/** per row: the margins into M[mo..mo+K) and the per-column contributions of the class chosen (returned) */
type RowFn = (x: Float64Array, xo: number, M: Float64Array, mo: number, pick: boolean, col: Float64Array, co: number) => number;

export function makeExplainer(spec: ExplainSpec): Explainer {
  if (spec.kind !== 'dictl-explainer') throw new RangeError('not a dictl explainer');
  if (spec.featureNames.join('\u0000') !== spec.pipeline.outputNames.join('\u0000')) throw new RangeError('explain.json: the model inputs are not the pipeline outputs in order');
  const columns = sourceColumns(spec.pipeline, spec.featureNames);
  const p = spec.featureNames.length;
  const C = columns.names.length;
  const of = columns.of;
  let K: number;
  let base: Float64Array;
  let rowFn: RowFn;
  /** one-margin linear models on plain pipelines: columnar batches skip the model-input matrix */
  let plan: LinearColumnsPlan | null = null;
  /** the plan's per-column contributions of a batch (C × n), kept between batches */
  let scratch = new Float64Array(0);
  const argmax = (M: Float64Array, mo: number) => {
    let b = 0;
    for (let k = 1; k < K; k++) if (M[mo + k] > M[mo + b]) b = k;
    return b;
  };
  if (spec.family === 'linear') {
    const l = spec.linear;
    if (!l) throw new RangeError('explain.json: a linear explainer without its coefficients');
    const m: LinearExplainModel = { coef: l.coef.map((r) => Float64Array.from(r)), intercept: Float64Array.from(l.intercept), means: Float64Array.from(l.means) };
    if (m.means.length !== p || m.coef.some((r) => r.length !== p)) throw new RangeError(`explain.json: ${p} model inputs but ${m.means.length} means`);
    K = m.coef.length;
    base = linearBase(m);
    const phi = new Float64Array(p);
    const w0 = m.coef[0];
    const mu = m.means;
    const b0 = base[0];
    if (K === 1) plan = linearColumnsPlan(spec.pipeline, columns, w0, mu);
    rowFn = (x, xo, M, mo, pick, col, co) => {
      if (K === 1) {
        // one margin: the contributions and the margin (base + their sum) in one pass
        for (let c = 0; c < C; c++) col[co + c] = 0;
        let s = b0;
        for (let j = 0; j < p; j++) {
          const v = w0[j] * (x[xo + j] - mu[j]);
          col[co + of[j]] += v;
          s += v;
        }
        M[mo] = s;
        return 0;
      }
      for (let k = 0; k < K; k++) {
        let s = m.intercept[k];
        const w = m.coef[k];
        for (let j = 0; j < p; j++) s += w[j] * x[xo + j];
        M[mo + k] = s;
      }
      const k = pick ? argmax(M, mo) : 0;
      linearContributions(m, k, x, xo, phi, 0);
      for (let c = 0; c < C; c++) col[co + c] = 0;
      for (let j = 0; j < p; j++) col[co + of[j]] += phi[j];
      return k;
    };
  } else {
    const t = spec.trees;
    if (!t) throw new RangeError('explain.json: a tree explainer without its trees');
    const P: PackedEnsemble = packEnsemble({ trees: t.trees, treesPerRound: t.treesPerRound, baseScore: t.baseScore }, p);
    K = P.K;
    base = Float64Array.from(P.expected);
    const shap = new TreeShap(P);
    const phi = new Float64Array(K * p);
    if (spec.task === 'multiclass' && spec.classes.length === 2 && P.K === 1) {
      // a 2-class label boosted as one margin m: the graph's margins are [0, m]. Class 1's log-odds
      // against class 0 is m, class 0's is −m, so the explained (predicted) class gets ±TreeSHAP of m
      // (base ±E[m]); base + Σ contributions = its margin minus the other class's.
      K = 2;
      const e = P.expected[0];
      base = Float64Array.from([-e, e]);
      rowFn = (x, xo, M, mo, pick, col, co) => {
        phi.fill(0);
        shap.explain(x, xo, phi, 0);
        let s = e;
        for (let j = 0; j < p; j++) s += phi[j];
        M[mo] = 0;
        M[mo + 1] = s;
        const k = pick ? argmax(M, mo) : 0;
        const sign = k === 1 ? 1 : -1;
        for (let c = 0; c < C; c++) col[co + c] = 0;
        for (let j = 0; j < p; j++) col[co + of[j]] += sign * phi[j];
        return k;
      };
    } else rowFn = (x, xo, M, mo, pick, col, co) => {
      phi.fill(0);
      shap.explain(x, xo, phi, 0);
      for (let k = 0; k < K; k++) {
        let s = P.expected[k];
        for (let j = 0; j < p; j++) s += phi[k * p + j];
        M[mo + k] = s;
      }
      const k = pick ? argmax(M, mo) : 0;
      for (let c = 0; c < C; c++) col[co + c] = 0;
      for (let j = 0; j < p; j++) col[co + of[j]] += phi[k * p + j];
      return k;
    };
  }
  const multi = spec.task === 'multiclass';
  const pipe = compilePipeline(spec.pipeline);
  const columnPrefix = columns.names.map((c) => `{"column":${JSON.stringify(c)},"value":`);
  const ex: Explainer = {
    spec,
    columns,
    columnPrefix,
    K,
    base,
    contributions(X, n, out, classOf) {
      const M = new Float64Array(n * K);
      for (let i = 0; i < n; i++) {
        const k = rowFn(X, i * p, M, i * K, classOf !== undefined, out, i * C);
        if (classOf) classOf[i] = k;
      }
      return { margins: M };
    },
    explainRows(rowAt, n, k) {
      const X = new Float64Array(n * p);
      const bad = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        try {
          pipe.row(rowAt(i), X, i);
        } catch {
          bad[i] = 1; // a row the pipeline rejects (the scorer reports it): no explanation
        }
      }
      return explainMatrix(X, bad, n, k, (i, c) => columnValue(spec.pipeline, columns.value[c], rowAt(i), X, i * p));
    },
    explainColumns(cols, n, k) {
      if (plan) return explainPlanned(plan, cols, n, k);
      const X = new Float64Array(n * p);
      const bad = new Uint8Array(n);
      applyPipelineColumns(spec.pipeline, cols, n, X, bad);
      const rowAt = (i: number) => Object.fromEntries(Object.entries(cols).map(([name, c]) => [name, c[i]]));
      return explainMatrix(X, bad, n, k, (i, c) => {
        const v = columns.value[c];
        if (v.kind === 'input') {
          const x = cols[v.name]?.[i];
          if (typeof x === 'number') return x === x ? x : null;
          if (typeof x === 'string') return x === '' ? null : x;
        }
        return columnValue(spec.pipeline, v, rowAt(i), X, i * p);
      });
    },
  };

  /** the reasons of a columnar batch through the linear plan: per-column contributions column by column, then each row's top k */
  function explainPlanned(plan: LinearColumnsPlan, cols: Columns, n: number, k: number): BatchExplanations {
    if (scratch.length < C * n) scratch = new Float64Array(C * n);
    const Cn = scratch;
    const bad = new Uint8Array(n);
    linearColumnContributions(plan, cols, n, Cn, bad);
    // the event's values as explainColumns reads them: numbers (NaN = missing), strings ('' = missing), else columnValue
    const src = columns.value.map((v) => (v.kind === 'input' ? cols[v.name] : undefined));
    const nums = src.map((a) => (a instanceof Float64Array ? a : null));
    const strs = src.map((a) => (Array.isArray(a) ? (a as unknown[]) : null));
    const b = emptyBatch(n, k);
    const idx = new Int32Array(k);
    const mag = new Float64Array(k);
    const b0 = base[0];
    for (let i = 0; i < n; i++) {
      if (bad[i]) {
        b.base[i] = NaN;
        b.margins[i] = NaN;
        continue;
      }
      // the margin the contributions add up to (checked against the graph's score)
      let s = b0;
      for (let c = 0; c < C; c++) s += Cn[c * n + i];
      b.margins[i] = s;
      b.base[i] = b0;
      const m = topStrided(Cn, i, n, C, k, idx, mag);
      for (let t = 0; t < m; t++) {
        const c = idx[t];
        const r = i * k + t;
        b.col[r] = c;
        b.contrib[r] = Cn[c * n + i];
        const f = nums[c];
        const g = strs[c];
        if (f !== null) {
          const x = f[i];
          b.vals[r] = x === x ? x : null;
        } else if (g !== null && typeof g[i] === 'string') {
          const x = g[i] as string;
          b.vals[r] = x === '' ? null : x;
        } else {
          const x = src[c]?.[i];
          b.vals[r] = typeof x === 'number' ? (x === x ? x : null) : typeof x === 'string' ? (x === '' ? null : x) : columnValue(spec.pipeline, columns.value[c], { [columns.names[c]]: x });
        }
      }
    }
    return b;
  }

  function emptyBatch(n: number, k: number): BatchExplanations {
    const b: BatchExplanations = {
      n,
      k,
      base: new Float64Array(n),
      col: new Int32Array(n * k).fill(-1),
      contrib: new Float64Array(n * k),
      vals: new Array(n * k).fill(null),
      columnPrefix,
      margins: new Float64Array(n * K),
      at(i) {
        if (Number.isNaN(b.base[i])) return null;
        const reasons: Reason[] = [];
        for (let t = 0; t < k && b.col[i * k + t] >= 0; t++) reasons.push({ column: columns.names[b.col[i * k + t]], value: b.vals[i * k + t], contribution: b.contrib[i * k + t] });
        const e: Explanation = { base: b.base[i], reasons };
        if (b.cls) e.class = spec.classes[b.cls[i]];
        return e;
      },
    };
    if (multi) b.cls = new Int32Array(n);
    return b;
  }

  /** the reasons of model-input rows X; value(i, c) reads source column c's value for row i */
  function explainMatrix(X: Float64Array, bad: Uint8Array, n: number, k: number, value: (i: number, c: number) => string | number | boolean | null): BatchExplanations {
    const col = new Float64Array(C);
    const idx = new Int32Array(k);
    const mag = new Float64Array(k);
    const b = emptyBatch(n, k);
    for (let i = 0; i < n; i++) {
      if (bad[i]) {
        b.base[i] = NaN;
        b.margins.fill(NaN, i * K, i * K + K);
        continue;
      }
      const kk = rowFn(X, i * p, b.margins, i * K, multi, col, 0);
      b.base[i] = base[kk];
      if (b.cls) b.cls[i] = kk;
      const m = topInto(col, k, idx, mag);
      for (let t = 0; t < m; t++) {
        const c = idx[t];
        b.col[i * k + t] = c;
        b.contrib[i * k + t] = col[c];
        b.vals[i * k + t] = value(i, c);
      }
    }
    return b;
  }
  return ex;
}

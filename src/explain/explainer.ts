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
import { columnValue, sourceColumns, sumByColumn, type SourceColumns } from './columns.js';
import { linearBase, linearContributions, type LinearExplainModel } from './linear.js';
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

export interface Explainer {
  spec: ExplainSpec;
  columns: SourceColumns;
  /** number of margins: 1 for binary and regression */
  K: number;
  base: Float64Array;
  /**
   * Per-column contributions of model-input rows X (n × p, row-major) for class k of each row
   * (k = pick(i, margins) when given, else 0): out is n × columns, margins n × K.
   */
  contributions(X: Float64Array, n: number, out: Float64Array, classOf?: Int32Array): { margins: Float64Array };
  /** top K reasons per raw row (rows read through rowAt), and every row's margins (n × K; NaN where the pipeline rejected the row) */
  explainRows(rowAt: (i: number) => Record<string, unknown>, n: number, K: number): { explanations: (Explanation | null)[]; margins: Float64Array };
}

/** Top k indices of |c| (ties: earlier column first), largest first. */
export function topByMagnitude(c: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let j = 0; j < c.length; j++) {
    const a = Math.abs(c[j]);
    if (!(a > 0) && !Number.isNaN(c[j])) continue;
    let at = idx.length;
    while (at > 0 && !(Math.abs(c[idx[at - 1]]) >= a)) at--;
    if (at >= k) continue;
    idx.splice(at, 0, j);
    if (idx.length > k) idx.pop();
  }
  return idx;
}

export function makeExplainer(spec: ExplainSpec): Explainer {
  if (spec.kind !== 'dictl-explainer') throw new RangeError('not a dictl explainer');
  const columns = sourceColumns(spec.pipeline, spec.featureNames);
  const p = spec.featureNames.length;
  const C = columns.names.length;
  let K: number;
  let base: Float64Array;
  let margins: (X: Float64Array, n: number, out: Float64Array, classOf: Int32Array | undefined, M: Float64Array) => void;
  if (spec.family === 'linear') {
    const l = spec.linear;
    if (!l) throw new RangeError('explain.json: a linear explainer without its coefficients');
    const m: LinearExplainModel = { coef: l.coef.map((r) => Float64Array.from(r)), intercept: Float64Array.from(l.intercept), means: Float64Array.from(l.means) };
    if (m.means.length !== p || m.coef.some((r) => r.length !== p)) throw new RangeError(`explain.json: ${p} model inputs but ${m.means.length} means`);
    K = m.coef.length;
    base = linearBase(m);
    const phi = new Float64Array(p);
    const col = new Float64Array(C);
    margins = (X, n, out, classOf, M) => {
      for (let i = 0; i < n; i++) {
        const xo = i * p;
        for (let k = 0; k < K; k++) {
          let s = m.intercept[k];
          const w = m.coef[k];
          for (let j = 0; j < p; j++) s += w[j] * X[xo + j];
          M[i * K + k] = s;
        }
        const k = classOf ? argmax(M, i * K, K, classOf, i) : 0;
        linearContributions(m, k, X, xo, phi, 0);
        out.set(sumByColumn(phi, 0, columns.of, col), i * C);
      }
    };
  } else {
    const t = spec.trees;
    if (!t) throw new RangeError('explain.json: a tree explainer without its trees');
    const P: PackedEnsemble = packEnsemble({ trees: t.trees, treesPerRound: t.treesPerRound, baseScore: t.baseScore }, p);
    K = P.K;
    base = Float64Array.from(P.expected);
    const shap = new TreeShap(P);
    const phi = new Float64Array(K * p);
    const col = new Float64Array(C);
    margins = (X, n, out, classOf, M) => {
      for (let i = 0; i < n; i++) {
        phi.fill(0);
        shap.explain(X, i * p, phi, 0);
        for (let k = 0; k < K; k++) {
          let s = P.expected[k];
          for (let j = 0; j < p; j++) s += phi[k * p + j];
          M[i * K + k] = s;
        }
        const k = classOf ? argmax(M, i * K, K, classOf, i) : 0;
        out.set(sumByColumn(phi, k * p, columns.of, col), i * C);
      }
    };
  }
  const multi = spec.task === 'multiclass';
  const pipe = compilePipeline(spec.pipeline);
  const ex: Explainer = {
    spec,
    columns,
    K,
    base,
    contributions(X, n, out, classOf) {
      const M = new Float64Array(n * K);
      margins(X, n, out, classOf, M);
      return { margins: M };
    },
    explainRows(rowAt, n, k) {
      const X = new Float64Array(n * p);
      const ok = new Uint8Array(n);
      const rows = new Array<Record<string, unknown>>(n);
      for (let i = 0; i < n; i++) {
        try {
          rows[i] = rowAt(i);
          pipe.row(rows[i], X, i);
          ok[i] = 1;
        } catch {
          ok[i] = 0; // a row the pipeline rejects (the scorer reports it): no explanation
        }
      }
      const out = new Float64Array(n * C);
      const classOf = multi ? new Int32Array(n) : undefined;
      const { margins } = ex.contributions(X, n, out, classOf);
      const res = new Array<Explanation | null>(n);
      for (let i = 0; i < n; i++) {
        if (!ok[i]) {
          res[i] = null;
          margins.fill(NaN, i * K, i * K + K);
          continue;
        }
        const c = out.subarray(i * C, i * C + C);
        const row = rows[i];
        const top = topByMagnitude(c, k);
        const reasons = top.map((j) => ({ column: columns.names[j], value: columnValue(spec.pipeline, columns.value[j], row, X, i * p), contribution: c[j] }));
        const kk = classOf ? classOf[i] : 0;
        const e: Explanation = { base: base[kk], reasons };
        if (multi) e.class = spec.classes[kk];
        res[i] = e;
      }
      return { explanations: res, margins };
    },
  };
  return ex;
}

function argmax(M: Float64Array, o: number, K: number, classOf: Int32Array, i: number): number {
  let b = 0;
  for (let k = 1; k < K; k++) if (M[o + k] > M[o + b]) b = k;
  classOf[i] = b;
  return b;
}

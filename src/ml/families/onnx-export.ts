/**
 * Compiles a ModelVersion (fitted pipeline + model) into ONE ONNX graph:
 * raw named inputs ([N,1] double for numbers, [N,1] string for strings) → derived expressions →
 * fitted features → Concat (model.featureNames order) → the model family's margins (linear: MatMul +
 * Add; trees: ai.onnx.ml TreeEnsembleRegressor on float32 inputs, summed in double) → outputs.
 * Outputs: binary `probabilities` [N,2] ([P(negative), P(positive)]) and `label` [N,1] string (by the
 * model's threshold); multiclass `probabilities` [N,K] (softmax, classes in label.classes order) and
 * `label`; regression `prediction` [N,1].
 *
 * Everything is computed in double with plain ONNX ops (plus ai.onnx.ml LabelEncoder for strings), so
 * the result agrees with the pure TS executor to rounding. Shared semantics: missing number = NaN;
 * x/0 → missing; ln(x≤0), log1p(x≤−1), sqrt(x<0) → missing; impute replaces missing; a missing string
 * ('' in the tensor) without impute is an unknown category. Unknown categories under the `error`
 * (or index `skip`) policy cannot raise inside ONNX: they score like `zeros`/`keep` there, and the
 * scorer's validation rejects such events before they reach the graph.
 */
import type { Expr, FittedFeature, FittedPipeline, IndexFeature, ModelVersion, NumericFeature, NumericStep, OneHotFeature } from '../../types.js';
import { familyOf } from './index.js';
import { segmentHead } from '../kmeans/onnx.js';
import { GraphBuilder, type TensorRef } from '../../onnx/builder.js';
import { classNames } from '../../labels.js';

// class names in probability-column order live beside the label's other rules
export { classNames };

export const ONNX_OPSET = { '': 17, 'ai.onnx.ml': 3 } as const;
const N = 'N';

export interface ExportOptions {
  producerVersion?: string;
}

/** Index of a string category under a onehot feature: slot index, or -1 for all zeros. */
export function onehotSlot(f: OneHotFeature, value: string): number {
  const i = f.categories.indexOf(value);
  if (i >= 0) return i;
  const K = f.categories.length;
  if (f.otherSlot && f.folded.includes(value)) return K;
  if (f.otherSlot && f.unknown === 'other') return K;
  return -1;
}

export function indexOf(f: IndexFeature, value: string): number {
  const i = f.vocabulary.indexOf(value);
  return i >= 0 ? i : f.vocabulary.length;
}

class Compiler {
  g = new GraphBuilder();
  /** raw numeric inputs and derived columns [N,1] double: what features read (a feature may share an input's name) */
  cols = new Map<string, TensorRef>();
  strs = new Map<string, TensorRef>(); // string columns [N,1]
  /** output name → tensor and column (for multi-column blocks) */
  outs = new Map<string, { t: TensorRef; col: number | null }>();

  nan(): TensorRef {
    return this.g.scalar(NaN);
  }
  isnan(x: TensorRef): TensorRef {
    return this.g.op('IsNaN', [x], 'bool', x.shape);
  }
  where(c: TensorRef, a: TensorRef, b: TensorRef): TensorRef {
    return this.g.op('Where', [c, a, b], 'double', [N, 1]);
  }
  cmp(op: string, a: TensorRef, b: TensorRef): TensorRef {
    return this.g.op(op, [a, b], 'bool', [N, 1]);
  }
  bin(op: string, a: TensorRef, b: TensorRef): TensorRef {
    return this.g.op(op, [a, b], 'double', [N, 1]);
  }

  expr(e: Expr): TensorRef {
    const g = this.g;
    switch (e.t) {
      case 'num':
        return g.scalar(e.v);
      case 'col': {
        const c = this.cols.get(e.name);
        if (!c) throw new Error(`expression references unknown numeric column "${e.name}"`);
        return c;
      }
      case 'neg':
        return g.op('Neg', [this.expr(e.e)], 'double', [N, 1]);
      case 'bin': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        if (e.op === '/') return this.where(this.cmp('Equal', r, g.scalar(0)), this.nan(), this.bin('Div', l, r));
        return this.bin({ '+': 'Add', '-': 'Sub', '*': 'Mul' }[e.op], l, r);
      }
      case 'call': {
        const a = e.args.map((x) => this.expr(x));
        const need = (k: number) => {
          if (a.length !== k) throw new Error(`${e.fn} takes ${k} argument(s), got ${a.length}`);
        };
        switch (e.fn) {
          case 'abs':
            need(1);
            return g.op('Abs', [a[0]], 'double', [N, 1]);
          case 'exp':
            need(1);
            return g.op('Exp', [a[0]], 'double', [N, 1]);
          case 'ln':
            need(1);
            return this.where(this.cmp('LessOrEqual', a[0], g.scalar(0)), this.nan(), g.op('Log', [a[0]], 'double', [N, 1]));
          case 'log1p':
            need(1);
            return this.log1p(a[0]);
          case 'sqrt':
            need(1);
            return this.where(this.cmp('Less', a[0], g.scalar(0)), this.nan(), g.op('Sqrt', [a[0]], 'double', [N, 1]));
          case 'nullif':
            need(2);
            return this.where(this.cmp('Equal', a[0], a[1]), this.nan(), a[0]);
          case 'coalesce': {
            if (a.length === 0) throw new Error('coalesce needs arguments');
            let r = a[a.length - 1];
            for (let i = a.length - 2; i >= 0; i--) r = this.where(this.isnan(a[i]), r, a[i]);
            return r;
          }
          case 'greatest':
          case 'least': {
            if (a.length === 0) throw new Error(`${e.fn} needs arguments`);
            // NULLs are ignored; all NULL → NULL (DuckDB semantics)
            const fill = g.scalar(e.fn === 'greatest' ? -Infinity : Infinity);
            const filled = a.map((x) => this.where(this.isnan(x), fill, x));
            const m = filled.length === 1 ? filled[0] : g.op(e.fn === 'greatest' ? 'Max' : 'Min', filled, 'double', [N, 1]);
            let all = this.isnan(a[0]);
            for (let i = 1; i < a.length; i++) all = g.op('And', [all, this.isnan(a[i])], 'bool', [N, 1]);
            return this.where(all, this.nan(), m);
          }
        }
        throw new Error(`unsupported function ${(e as { fn: string }).fn}`);
      }
    }
  }

  log1p(x: TensorRef): TensorRef {
    const g = this.g;
    const lg = g.op('Log', [this.bin('Add', x, g.scalar(1))], 'double', [N, 1]);
    return this.where(this.cmp('LessOrEqual', x, g.scalar(-1)), this.nan(), lg);
  }

  step(x: TensorRef, s: NumericStep): TensorRef {
    const g = this.g;
    switch (s.op) {
      case 'impute':
        return this.where(this.isnan(x), g.scalar(s.value), x);
      case 'affine':
        return this.bin('Div', this.bin('Sub', x, g.scalar(s.sub)), g.scalar(s.div));
      case 'log1p':
        return this.log1p(x);
      case 'clip': {
        let r = x;
        if (s.min !== undefined && s.min !== null) r = this.where(this.cmp('Less', r, g.scalar(s.min)), g.scalar(s.min), r);
        if (s.max !== undefined && s.max !== null) r = this.where(this.cmp('Greater', r, g.scalar(s.max)), g.scalar(s.max), r);
        return r;
      }
      case 'bucketize': {
        if (s.splits.length === 0) return this.where(this.isnan(x), this.nan(), g.scalar(0));
        const splits = g.constant('double', s.splits, [1, s.splits.length]);
        const ge = g.op('GreaterOrEqual', [x, splits], 'bool', [N, s.splits.length]);
        const cnt = g.op('ReduceSum', [g.op('Cast', [ge], 'double', [N, s.splits.length], { to: 11 }), g.constant('int64', [1], [1])], 'double', [N, 1], { keepdims: 1 });
        return this.where(this.isnan(x), this.nan(), cnt);
      }
    }
  }

  stringCol(f: { name: string; input: string }): TensorRef {
    const s = this.strs.get(f.input);
    if (!s) {
      if (this.cols.has(f.input)) throw new Error(`feature "${f.name}": categorical encoding of the numeric column "${f.input}" is not supported in ONNX`);
      throw new Error(`feature "${f.name}": unknown input column "${f.input}"`);
    }
    return s;
  }

  /** string → int64 via LabelEncoder; '' (missing) maps to missingIdx. */
  encode(x: TensorRef, keys: string[], values: number[], dflt: number, missingIdx: number, hint: string): TensorRef {
    const k: string[] = [];
    const v: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === '' || k.includes(keys[i])) continue;
      k.push(keys[i]);
      v.push(values[i]);
    }
    k.push('');
    v.push(missingIdx);
    return this.g.op('LabelEncoder', [x], 'int64', [N, 1], { keys_strings: k, values_int64s: v, default_int64: { i: dflt } }, 'ai.onnx.ml', hint);
  }

  feature(f: FittedFeature): void {
    const g = this.g;
    switch (f.kind) {
      case 'numeric': {
        let x = this.cols.get(f.input);
        if (!x) throw new Error(`feature "${f.name}": unknown numeric input "${f.input}"`);
        for (const s of f.steps) x = this.step(x, s);
        this.outs.set(f.name, { t: x, col: null });
        return;
      }
      case 'onehot': {
        const s = this.stringCol(f);
        const width = f.categories.length + (f.otherSlot ? 1 : 0);
        if (f.outputs.length !== width) throw new Error(`feature "${f.name}": ${f.outputs.length} outputs for ${width} slots`);
        const keys = [...f.categories, ...(f.otherSlot ? f.folded : [])];
        const vals = keys.map((k) => onehotSlot(f, k));
        const unknownIdx = f.otherSlot && f.unknown === 'other' ? f.categories.length : -1;
        const missingIdx = f.impute !== undefined && f.impute !== null && f.impute !== '' ? onehotSlot(f, f.impute) : unknownIdx;
        const idx = this.encode(s, keys, vals, unknownIdx, missingIdx, `${f.name}_idx`);
        const range = g.constant(
          'int64',
          Array.from({ length: width }, (_, i) => i),
          [1, width],
        );
        const eq = g.op('Equal', [idx, range], 'bool', [N, width]);
        const block = g.op('Cast', [eq], 'double', [N, width], { to: 11 }, '', f.name);
        f.outputs.forEach((o, i) => {
          this.outs.set(o, { t: block, col: i });
        });
        return;
      }
      case 'index': {
        const s = this.stringCol(f);
        const V = f.vocabulary.length;
        const vals = f.vocabulary.map((_, i) => i);
        const missingIdx = f.impute !== undefined && f.impute !== null && f.impute !== '' ? indexOf(f, f.impute) : V;
        const idx = this.encode(s, f.vocabulary, vals, V, missingIdx, `${f.name}_idx`);
        const x = g.op('Cast', [idx], 'double', [N, 1], { to: 11 }, '', f.name);
        this.outs.set(f.name, { t: x, col: null });
        return;
      }
      case 'interaction': {
        const l = this.column(f.left);
        const r = this.column(f.right);
        const x = this.bin('Mul', l, r);
        this.outs.set(f.name, { t: x, col: null });
        return;
      }
    }
  }

  /** Numeric features with the same step kinds, computed together on an [N,k] block. */
  numericBlock(fs: NumericFeature[]): void {
    const g = this.g;
    const k = fs.length;
    const sh = [N, k];
    const ins = fs.map((f) => {
      const x = this.cols.get(f.input);
      if (!x) throw new Error(`feature "${f.name}": unknown numeric input "${f.input}"`);
      return x;
    });
    let X = g.op('Concat', ins, 'double', sh, { axis: 1 }, '', 'block');
    const vec = (vals: number[]) => g.constant('double', vals, [1, k]);
    for (let si = 0; si < fs[0].steps.length; si++) {
      const steps = fs.map((f) => f.steps[si]);
      const s0 = steps[0];
      if (s0.op === 'impute') {
        X = g.op('Where', [g.op('IsNaN', [X], 'bool', sh), vec(steps.map((s) => (s as { value: number }).value)), X], 'double', sh);
      } else if (s0.op === 'affine') {
        const a = steps as { sub: number; div: number }[];
        X = g.op('Div', [g.op('Sub', [X, vec(a.map((s) => s.sub))], 'double', sh), vec(a.map((s) => s.div))], 'double', sh);
      } else if (s0.op === 'log1p') {
        const lg = g.op('Log', [g.op('Add', [X, g.scalar(1)], 'double', sh)], 'double', sh);
        X = g.op('Where', [g.op('LessOrEqual', [X, g.scalar(-1)], 'bool', sh), g.scalar(NaN), lg], 'double', sh);
      } else if (s0.op === 'clip') {
        const c = steps as { min?: number; max?: number }[];
        if (c[0].min !== undefined && c[0].min !== null) {
          const lo = vec(c.map((s) => s.min!));
          X = g.op('Where', [g.op('Less', [X, lo], 'bool', sh), lo, X], 'double', sh);
        }
        if (c[0].max !== undefined && c[0].max !== null) {
          const hi = vec(c.map((s) => s.max!));
          X = g.op('Where', [g.op('Greater', [X, hi], 'bool', sh), hi, X], 'double', sh);
        }
      } else throw new Error(`step ${s0.op} cannot run in a block`);
    }
    fs.forEach((f, i) => this.outs.set(f.name, { t: X, col: i }));
  }

  /** One output column as [N,1]. */
  column(name: string): TensorRef {
    const o = this.outs.get(name);
    if (!o) throw new Error(`unknown feature output "${name}"`);
    if (o.col === null) return o.t;
    return this.g.op('Gather', [o.t, this.g.constant('int64', [o.col], [1])], 'double', [N, 1], { axis: 1 });
  }

  /** Concat of the named outputs in order; whole onehot blocks are used when they appear complete and in order. */
  concat(names: string[]): TensorRef {
    const parts: TensorRef[] = [];
    let i = 0;
    while (i < names.length) {
      const o = this.outs.get(names[i]);
      if (!o) throw new Error(`model feature "${names[i]}" is not produced by the pipeline`);
      if (o.col === 0) {
        const w = o.t.shape[1] as number;
        let whole = i + w <= names.length;
        for (let j = 0; whole && j < w; j++) {
          const oj = this.outs.get(names[i + j]);
          whole = !!oj && oj.t === o.t && oj.col === j;
        }
        if (whole) {
          parts.push(o.t);
          i += w;
          continue;
        }
      }
      parts.push(this.column(names[i]));
      i++;
    }
    if (parts.length === 1) return parts[0];
    return this.g.op('Concat', parts, 'double', [N, names.length], { axis: 1 }, '', 'features');
  }
}

/** The step kinds of a numeric feature that can run in a block, or null. */
function blockSignature(f: FittedFeature): string | null {
  if (f.kind !== 'numeric') return null;
  const parts: string[] = [];
  for (const s of f.steps) {
    if (s.op === 'bucketize') return null;
    parts.push(s.op === 'clip' ? `clip${s.min !== undefined && s.min !== null ? '<' : ''}${s.max !== undefined && s.max !== null ? '>' : ''}` : s.op);
  }
  return parts.join(',');
}

/** Compiles a model (pipeline + model family's part) into ONNX bytes; deterministic. */
export function exportOnnx(model: ModelVersion, opts: ExportOptions = {}): Uint8Array {
  const p: FittedPipeline = model.pipeline;
  const c = new Compiler();
  const g = c.g;
  for (const inp of p.inputs) {
    if (inp.type === 'number') c.cols.set(inp.name, g.input(inp.name, 'double', [N, 1]));
    else c.strs.set(inp.name, g.input(inp.name, 'string', [N, 1]));
  }
  for (const d of p.derived) c.cols.set(d.name, c.expr(d.expr));
  // runs of ≥ 2 consecutive numeric features with the same kind of steps run as one [N,k] block
  // (a few ops on a wide tensor instead of a few ops per column)
  for (let i = 0; i < p.features.length; ) {
    const f = p.features[i];
    const sig = blockSignature(f);
    let j = i + 1;
    if (sig !== null) while (j < p.features.length && blockSignature(p.features[j]) === sig) j++;
    if (sig !== null && j - i >= 2) c.numericBlock(p.features.slice(i, j) as NumericFeature[]);
    else for (let k = i; k < j; k++) c.feature(p.features[k]);
    i = j;
  }
  const names = model.featureNames && model.featureNames.length ? model.featureNames : p.outputNames;
  const X = c.concat(names);
  // the model family's part: features [N,P] → margins [N,K] (linear scores, boosted tree sums)
  const z = familyOf(model).onnxMargins(g, X.shape[1] === names.length ? X : { ...X, shape: [N, names.length] }, model);
  const K = z.shape[1] as number;
  const classes = classNames(model);
  if (model.task === 'segmentation') {
    // margins are squared distances to the centres: the nearest is the segment
    const h = segmentHead(g, z);
    g.output('segment', h.segment);
    g.output('distance', h.distance);
  } else if (model.task === 'regression') {
    if (K !== 1) throw new Error('regression needs one margin');
    g.output('prediction', z);
  } else if (model.task === 'binary') {
    if (K !== 1) throw new Error('a binary model needs one margin');
    const p1 = g.op('Sigmoid', [z], 'double', [N, 1]);
    const p0 = g.op('Sub', [g.scalar(1), p1], 'double', [N, 1]);
    g.output('probabilities', g.op('Concat', [p0, p1], 'double', [N, 2], { axis: 1 }));
    const ge = g.op('GreaterOrEqual', [p1, g.scalar(model.threshold ?? 0.5)], 'bool', [N, 1]);
    const li = g.op('Cast', [ge], 'int64', [N, 1], { to: 7 });
    const lab = g.op('LabelEncoder', [li], 'string', [N, 1], { keys_int64s: [0, 1], values_strings: classes, default_string: '' }, 'ai.onnx.ml');
    g.output('label', lab);
  } else {
    if (K !== classes.length) throw new Error(`multiclass: ${K} margins for ${classes.length} classes`);
    const probs = g.op('Softmax', [z], 'double', [N, K], { axis: 1 });
    g.output('probabilities', probs);
    const am = g.op('ArgMax', [probs], 'int64', [N, 1], { axis: 1, keepdims: 1 });
    const lab = g.op('LabelEncoder', [am], 'string', [N, 1], { keys_int64s: classes.map((_, i) => i), values_strings: classes, default_string: '' }, 'ai.onnx.ml');
    g.output('label', lab);
  }
  return g.build({
    graphName: `${model.name}_v${model.version}`,
    producerVersion: opts.producerVersion ?? model.lineage?.dictlVersion ?? '0',
    docString: `dictl model ${model.name}@${model.version} (${model.task})`,
    metadata: { model: `${model.name}@${model.version}`, task: model.task },
  });
}

/**
 * The fitted pipeline executed column by column on a batch that is already columnar (numbers as
 * Float64Array with NaN = missing, strings as string[] with '' = missing — what the scorer holds):
 * one pass per feature over typed arrays instead of one row object per event. Exactly the semantics of
 * the row executor (apply.ts), which stays the reference; the tests compare the two value for value.
 * Rows the row executor would reject (an unknown category under unknown: error, a skip index) are
 * flagged in `bad` instead of throwing. Pure.
 */
import type { FittedPipeline, NumericStep } from '../types.js';
import { applyStep, outputOffsets, toCategory, toNumber } from './apply.js';
import { evalExpr } from './expr.js';

export type Columns = Record<string, Float64Array | string[] | ArrayLike<unknown>>;

/** the number in column c at row i (null = missing), with apply.ts's rules for non-numbers */
const numAt = (c: ArrayLike<unknown>, i: number): number | null => {
  const v = c[i];
  return typeof v === 'number' ? (v === v ? v : null) : toNumber(v);
};

const catAt = (c: ArrayLike<unknown>, i: number): string | null => {
  const v = c[i];
  return typeof v === 'string' ? (v === '' ? null : v) : toCategory(v);
};

/**
 * Writes rows [0, n) of the model inputs into X (row-major n × outputs); bad[i] = 1 where the row
 * executor would throw for row i (its outputs are then unspecified).
 */
export function applyPipelineColumns(p: FittedPipeline, cols: Columns, n: number, X: Float64Array, bad: Uint8Array): void {
  const w = p.outputNames.length;
  const offsets = outputOffsets(p);
  const missing: ArrayLike<unknown> = { length: 0 };
  const col = (name: string) => cols[name] ?? missing;
  // derived columns first, row by row (expressions read inputs and earlier derived columns)
  const derived = new Map<string, Float64Array>();
  for (const d of p.derived) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = evalExpr(d.expr, (name) => {
        const dv = derived.get(name);
        if (dv) {
          const x = dv[i];
          return x === x ? x : null;
        }
        return numAt(col(name), i);
      });
      out[i] = v === null ? NaN : v;
    }
    derived.set(d.name, out);
  }
  for (const f of p.features) {
    switch (f.kind) {
      case 'numeric': {
        const o = offsets.get(f.name)!;
        const src = derived.get(f.input) ?? col(f.input);
        const steps: NumericStep[] = f.steps;
        for (let i = 0; i < n; i++) {
          let x = numAt(src, i);
          for (const s of steps) x = applyStep(s, x);
          X[i * w + o] = x === null ? NaN : x;
        }
        break;
      }
      case 'onehot': {
        const o = offsets.get(f.outputs[0])!;
        const width = f.outputs.length;
        const idx = new Map<string, number>();
        f.categories.forEach((c, k) => idx.set(c, k));
        const folded = new Set(f.folded);
        const other = f.otherSlot ? f.categories.length : -1;
        const src = col(f.input);
        for (let i = 0; i < n; i++) {
          const base = i * w + o;
          for (let k = 0; k < width; k++) X[base + k] = 0;
          let v = catAt(src, i);
          if (v === null && f.impute !== undefined) v = f.impute;
          const k = v === null ? undefined : idx.get(v);
          if (k !== undefined) X[base + k] = 1;
          else if (v !== null && folded.has(v)) {
            if (other >= 0) X[base + other] = 1;
          } else if (f.unknown === 'other' && other >= 0) X[base + other] = 1;
          else if (f.unknown === 'error') bad[i] = 1;
        }
        break;
      }
      case 'index': {
        const o = offsets.get(f.name)!;
        const idx = new Map<string, number>();
        f.vocabulary.forEach((c, k) => idx.set(c, k));
        const src = col(f.input);
        for (let i = 0; i < n; i++) {
          let v = catAt(src, i);
          if (v === null && f.impute !== undefined) v = f.impute;
          const k = v === null ? undefined : idx.get(v);
          if (k !== undefined) X[i * w + o] = k;
          else if (f.unknown === 'keep') X[i * w + o] = f.vocabulary.length;
          else bad[i] = 1;
        }
        break;
      }
      case 'interaction': {
        const o = offsets.get(f.name)!;
        const l = offsets.get(f.left);
        const r = offsets.get(f.right);
        if (l === undefined || r === undefined) throw new RangeError(`interaction "${f.name}" refers to an unknown output ${l === undefined ? f.left : f.right}`);
        for (let i = 0; i < n; i++) X[i * w + o] = X[i * w + l] * X[i * w + r];
        break;
      }
    }
  }
}

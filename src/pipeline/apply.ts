/**
 * The in-process executor of a FittedPipeline: raw rows (named columns) → the model's feature matrix.
 * It is the reference semantics the DuckDB compiler (src/pipeline/sql.ts) and the ONNX exporter must
 * reproduce. Pure: no I/O.
 *
 * Missing values: null, undefined, '' and NaN. Numeric inputs given as strings (e.g. from Redis
 * hashes) are parsed; an unparsable string is missing. Categorical inputs are compared as strings
 * (numbers via String(n), booleans 'true'/'false'). A missing output is NaN in X.
 */
import { DictlError } from '../errors.js';
import type { FittedFeature, FittedPipeline, NumericStep } from '../types.js';
import { evalExpr } from './expr.js';

export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return null;
    const n = Number(s);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

export function toCategory(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number') return Number.isNaN(v) ? null : String(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return String(v);
}

export function applyStep(s: NumericStep, x: number | null): number | null {
  switch (s.op) {
    case 'impute':
      return x === null ? s.value : x;
    case 'affine': {
      if (x === null) return null;
      const v = (x - s.sub) / s.div;
      return Number.isNaN(v) ? null : v;
    }
    case 'log1p':
      return x === null || !(x > -1) ? null : Math.log(1 + x);
    case 'clip':
      if (x === null) return null;
      if (s.min !== undefined && x < s.min) return s.min;
      if (s.max !== undefined && x > s.max) return s.max;
      return x;
    case 'bucketize': {
      if (x === null) return null;
      let k = 0;
      for (const b of s.splits) if (x >= b) k++;
      return k;
    }
  }
}

/** Number of model inputs a fitted feature produces. */
export const featureWidth = (f: FittedFeature): number => (f.kind === 'onehot' ? f.outputs.length : 1);

/** Thrown for a row a `skip` string-index drops offline (online it is an error). */
export class SkipRowError extends DictlError {}

type RowFn = (row: Record<string, unknown>, out: Float64Array, base: number, vals: Map<string, number | null>) => void;

function compileFeature(f: FittedFeature, offsets: Map<string, number>, getNum: (row: Record<string, unknown>, vals: Map<string, number | null>, name: string) => number | null, getStr: (row: Record<string, unknown>, name: string) => string | null): RowFn {
  switch (f.kind) {
    case 'numeric': {
      const steps = f.steps;
      const o = offsets.get(f.name)!;
      return (row, out, base, vals) => {
        let x = getNum(row, vals, f.input);
        for (const s of steps) x = applyStep(s, x);
        out[base + o] = x === null ? NaN : x;
      };
    }
    case 'onehot': {
      const idx = new Map<string, number>();
      f.categories.forEach((c, i) => idx.set(c, i));
      const folded = new Set(f.folded);
      const o = offsets.get(f.outputs[0])!;
      const other = f.otherSlot ? f.categories.length : -1;
      return (row, out, base) => {
        for (let i = 0; i < f.outputs.length; i++) out[base + o + i] = 0;
        let v = getStr(row, f.input);
        if (v === null && f.impute !== undefined) v = f.impute;
        const i = v === null ? undefined : idx.get(v);
        if (i !== undefined) out[base + o + i] = 1;
        else if (v !== null && folded.has(v)) {
          if (other >= 0) out[base + o + other] = 1;
        } else if (f.unknown === 'other' && other >= 0) out[base + o + other] = 1;
        else if (f.unknown === 'error')
          throw new DictlError('data', `feature "${f.name}": ${v === null ? 'missing value' : `unknown category "${v}"`} (one-hot unknown: error)`);
      };
    }
    case 'index': {
      const idx = new Map<string, number>();
      f.vocabulary.forEach((c, i) => idx.set(c, i));
      const o = offsets.get(f.name)!;
      return (row, out, base) => {
        let v = getStr(row, f.input);
        if (v === null && f.impute !== undefined) v = f.impute;
        const i = v === null ? undefined : idx.get(v);
        if (i !== undefined) out[base + o] = i;
        else if (f.unknown === 'keep') out[base + o] = f.vocabulary.length;
        else {
          const what = v === null ? 'missing value' : `unknown category "${v}"`;
          if (f.unknown === 'skip') throw new SkipRowError('data', `feature "${f.name}": ${what} (string-index handle_invalid: skip drops such rows offline)`);
          throw new DictlError('data', `feature "${f.name}": ${what} (string-index handle_invalid: error)`);
        }
      };
    }
    case 'interaction': {
      const o = offsets.get(f.name)!;
      const l = offsets.get(f.left);
      const r = offsets.get(f.right);
      if (l === undefined || r === undefined) throw new DictlError('data', `interaction "${f.name}" refers to an unknown output ${l === undefined ? f.left : f.right}`);
      return (_row, out, base) => {
        const v = out[base + l] * out[base + r];
        out[base + o] = v;
      };
    }
  }
}

/** Column offsets of every output name in the flattened vector. */
export function outputOffsets(p: FittedPipeline): Map<string, number> {
  const m = new Map<string, number>();
  p.outputNames.forEach((n, i) => m.set(n, i));
  return m;
}

export interface CompiledPipeline {
  p: number;
  /** writes one row into out at row index i; throws DictlError on error/skip rows */
  row(row: Record<string, unknown>, out: Float64Array, i: number): void;
}

export function compilePipeline(p: FittedPipeline): CompiledPipeline {
  const offsets = outputOffsets(p);
  const width = p.outputNames.length;
  const derivedNames = new Set(p.derived.map((d) => d.name));
  const getNum = (row: Record<string, unknown>, vals: Map<string, number | null>, name: string) =>
    derivedNames.has(name) ? (vals.get(name) ?? null) : toNumber(row[name]);
  const getStr = (row: Record<string, unknown>, name: string) => toCategory(row[name]);
  const fns = p.features.map((f) => compileFeature(f, offsets, getNum, getStr));
  return {
    p: width,
    row(row, out, i) {
      const vals = new Map<string, number | null>();
      for (const d of p.derived) vals.set(d.name, evalExpr(d.expr, (n) => getNum(row, vals, n)));
      const base = i * width;
      for (const fn of fns) fn(row, out, base, vals);
    },
  };
}

/**
 * Runs the fitted pipeline on raw rows. Returns the row-major n×p matrix (missing = NaN).
 * A row a `skip` string-index would drop offline is an error here (SkipRowError).
 */
export function applyPipeline(p: FittedPipeline, rows: Record<string, unknown>[]): { X: Float64Array; n: number; p: number } {
  const c = compilePipeline(p);
  const X = new Float64Array(rows.length * c.p);
  for (let i = 0; i < rows.length; i++) c.row(rows[i], X, i);
  return { X, n: rows.length, p: c.p };
}

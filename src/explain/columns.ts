/**
 * Which source column each model input comes from, so that contributions read as reasons about the
 * event ("international_plan = yes: +1.21") rather than about one-hot levels. The outputs of one
 * feature (one-hot levels, buckets, scaled values) belong to its input; a derived column that reads a
 * single raw input belongs to that input, one that reads several is a column of its own; an
 * interaction belongs to its sides' column when both come from the same one, else it is a column of
 * its own (named after the interaction). Pure.
 */
import type { FittedPipeline } from '../types.js';
import { exprColumns, evalExpr } from '../pipeline/expr.js';
import { toCategory, toNumber } from '../pipeline/apply.js';

/** how a source column's value is read for a reason: a raw input, a derived column or a model input */
export type ColumnValue = { kind: 'input'; name: string } | { kind: 'derived'; name: string } | { kind: 'output'; index: number };

export interface SourceColumns {
  /** source column names, in the order of their first model input */
  names: string[];
  /** source column index of each model input (in featureNames order) */
  of: Int32Array;
  value: ColumnValue[];
}

export function sourceColumns(p: FittedPipeline, featureNames: string[] = p.outputNames): SourceColumns {
  const derived = new Map(p.derived.map((d) => [d.name, d.expr]));
  const rawOf = new Map<string, string[]>();
  const raw = (name: string, seen: Set<string> = new Set()): string[] => {
    const e = derived.get(name);
    if (!e || seen.has(name)) return [name];
    const hit = rawOf.get(name);
    if (hit) return hit;
    seen.add(name);
    const out: string[] = [];
    for (const c of exprColumns(e)) for (const r of raw(c, seen)) if (!out.includes(r)) out.push(r);
    rawOf.set(name, out);
    return out;
  };
  // the source of a feature's input: a raw input, or a derived column reading several
  const sourceOf = (input: string): ColumnValue & { col: string } => {
    if (!derived.has(input)) return { kind: 'input', name: input, col: input };
    const r = raw(input);
    return r.length === 1 && !derived.has(r[0]) ? { kind: 'input', name: r[0], col: r[0] } : { kind: 'derived', name: input, col: input };
  };
  const outputIndex = new Map(featureNames.map((n, i) => [n, i]));
  const byOutput = new Map<string, ColumnValue & { col: string }>();
  for (const f of p.features) {
    switch (f.kind) {
      case 'numeric':
      case 'index':
        byOutput.set(f.name, sourceOf(f.input));
        break;
      case 'onehot':
        for (const o of f.outputs) byOutput.set(o, sourceOf(f.input));
        break;
      case 'interaction': {
        const l = byOutput.get(f.left);
        const r = byOutput.get(f.right);
        if (l && r && l.col === r.col) byOutput.set(f.name, l);
        else byOutput.set(f.name, { kind: 'output', index: outputIndex.get(f.name) ?? -1, col: f.name });
        break;
      }
    }
  }
  const names: string[] = [];
  const value: ColumnValue[] = [];
  const index = new Map<string, number>();
  const of = new Int32Array(featureNames.length);
  featureNames.forEach((n, j) => {
    const s = byOutput.get(n);
    if (!s) throw new RangeError(`model input "${n}" is not an output of the feature pipeline`);
    let k = index.get(s.col);
    if (k === undefined) {
      k = names.length;
      index.set(s.col, k);
      names.push(s.col);
      const { col: _c, ...v } = s;
      value.push(v);
    }
    of[j] = k;
  });
  return { names, of, value };
}

/** Sums per-input contributions (phi[po..po+p)) into per-column ones (out[0..names.length)). */
export function sumByColumn(phi: ArrayLike<number>, po: number, of: Int32Array, out: Float64Array): Float64Array {
  out.fill(0);
  for (let j = 0; j < of.length; j++) out[of[j]] += phi[po + j];
  return out;
}

/** The value a reason shows for a source column: the event's raw value, a derived value, or a model input. */
export function columnValue(p: FittedPipeline, v: ColumnValue, row: Record<string, unknown>, x?: ArrayLike<number>, xo = 0): string | number | boolean | null {
  if (v.kind === 'input') {
    const r = row[v.name];
    if (r === undefined || r === null || (typeof r === 'number' && Number.isNaN(r)) || r === '') return null;
    return typeof r === 'number' || typeof r === 'string' || typeof r === 'boolean' ? r : toCategory(r);
  }
  if (v.kind === 'output') {
    const y = x ? x[xo + v.index] : NaN;
    return Number.isNaN(y) ? null : y;
  }
  const derived = new Map(p.derived.map((d) => [d.name, d.expr]));
  const get = (name: string): number | null => {
    const e = derived.get(name);
    return e ? evalExpr(e, get) : toNumber(row[name]);
  };
  return get(v.name);
}

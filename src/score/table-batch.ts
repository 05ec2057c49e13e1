/**
 * A batch of rows in columns, as the file (CSV/Parquet) and Arrow readers produce them, and the checks
 * every such batch goes through before scoring: per-row reasons from the reader (bad number text,
 * nulls where none are allowed) and the categorical error/skip policies. Pure.
 */
import { categoricalChecks, type Check } from '../scorer/scorer.js';
import type { Manifest } from '../scorer/manifest.js';

/** One batch of a CSV/Parquet file, column-wise: numbers NaN = missing, strings '' = missing. */
export interface TableBatch {
  n: number;
  cols: Record<string, Float64Array | string[]>;
  /** per row: why SQL-side checks rejected it (bad number text, missing non-nullable), or null */
  bad: (string | null)[];
}

/** The categorical checks of the package's string inputs (inputs without any are left out). */
export function tableChecks(man: Manifest): Map<string, Check[]> {
  const checks = new Map<string, Check[]>();
  for (const i of man.inputs) {
    const cs = i.type === 'string' ? categoricalChecks(man, i.name) : [];
    if (cs.length) checks.set(i.name, cs);
  }
  return checks;
}

/** Applies the categorical error/skip checks column-wise; returns per-row reasons (null = valid). */
export function tableReasons(b: TableBatch, checks: Map<string, Check[]>): (string | null)[] {
  const reasons = b.bad.slice(0, b.n);
  for (const [name, cs] of checks) {
    const col = b.cols[name] as string[];
    for (let r = 0; r < b.n; r++) {
      if (reasons[r] !== null) continue;
      for (const c of cs) {
        const why = c(col[r] === '' ? null : col[r]);
        if (why) {
          reasons[r] = why;
          break;
        }
      }
    }
  }
  return reasons;
}

/** A row of a batch as JSON (the dead letter's payload): missing numbers as null. */
export function tableRowJson(man: Pick<Manifest, 'inputs'>, b: TableBatch, r: number): string {
  const o: Record<string, unknown> = {};
  for (const i of man.inputs) {
    const v = b.cols[i.name][r];
    o[i.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
  }
  return JSON.stringify(o);
}

/** The columns of the kept rows only (the columns themselves when every row of them is kept). */
export function validRows(man: Pick<Manifest, 'inputs'>, cols: Record<string, Float64Array | string[]>, keep: number[]): Record<string, Float64Array | string[]> {
  if (!man.inputs.length || keep.length === cols[man.inputs[0].name].length) return cols;
  // compact to the valid rows (and to n, for the last, shorter batch)
  const out: Record<string, Float64Array | string[]> = {};
  for (const i of man.inputs) {
    const src = cols[i.name];
    if (src instanceof Float64Array) out[i.name] = Float64Array.from(keep, (r) => src[r]);
    else out[i.name] = keep.map((r) => src[r]);
  }
  return out;
}

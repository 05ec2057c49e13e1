/**
 * `dataset diff A B`: schema changes and profile shifts between two versions. Pure: works on the two
 * stored DatasetVersion records (their profiles), no data is read.
 *
 * Shift measures: numbers → standardized mean difference (meanB − meanA) / sdA; text → total variation
 * distance between the two top-category distributions (values outside the top lists pooled as
 * "other"); every column → change in missing rate. A column is flagged when |smd| ≥ 0.1, tvd ≥ 0.1 or
 * the missing rate moves by ≥ 0.05.
 */
import type { ColumnProfile, DatasetVersion } from '../types.js';
import { round12 } from './profile.js';

export const SHIFT = { smd: 0.1, tvd: 0.1, missingRate: 0.05 };

export interface ColumnShift {
  name: string;
  type: string;
  missingRate: [number, number];
  distinct: [number, number];
  mean?: [number | null, number | null];
  stddev?: [number | null, number | null];
  smd?: number | null;
  tvd?: number;
  newCategories?: string[];
  goneCategories?: string[];
  flagged: boolean;
  reasons: string[];
}

export interface DatasetDiff {
  from: string;
  to: string;
  rows: [number, number];
  sameData: boolean;
  schema: {
    added: { name: string; type: string }[];
    removed: { name: string; type: string }[];
    typeChanged: { name: string; from: string; to: string }[];
    nullableChanged: { name: string; from: boolean; to: boolean }[];
  };
  metadata: { field: string; from: unknown; to: unknown }[];
  columns: ColumnShift[];
  flagged: string[];
}

function shares(p: ColumnProfile, rows: number): Map<string, number> {
  const n = rows - p.nulls;
  const m = new Map<string, number>();
  if (n <= 0) return m;
  let seen = 0;
  for (const t of p.top ?? []) {
    m.set(t.value, t.count / n);
    seen += t.count;
  }
  if (seen < n) m.set('\u0000other', (n - seen) / n);
  return m;
}

export function totalVariation(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) s += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return s / 2;
}

export function diffVersions(a: DatasetVersion, b: DatasetVersion): DatasetDiff {
  const ca = new Map(a.columns.map((c) => [c.name, c]));
  const cb = new Map(b.columns.map((c) => [c.name, c]));
  const schema: DatasetDiff['schema'] = { added: [], removed: [], typeChanged: [], nullableChanged: [] };
  for (const c of b.columns) if (!ca.has(c.name)) schema.added.push({ name: c.name, type: c.type });
  for (const c of a.columns) if (!cb.has(c.name)) schema.removed.push({ name: c.name, type: c.type });
  for (const c of a.columns) {
    const d = cb.get(c.name);
    if (!d) continue;
    if (d.type !== c.type) schema.typeChanged.push({ name: c.name, from: c.type, to: d.type });
    if (d.nullable !== c.nullable) schema.nullableChanged.push({ name: c.name, from: c.nullable, to: d.nullable });
  }
  const metadata: DatasetDiff['metadata'] = [];
  for (const f of ['steward', 'consent', 'license', 'sourceDescription', 'description'] as const)
    if ((a[f] ?? null) !== (b[f] ?? null)) metadata.push({ field: f, from: a[f] ?? null, to: b[f] ?? null });
  if (JSON.stringify([...a.pii].sort()) !== JSON.stringify([...b.pii].sort())) metadata.push({ field: 'pii', from: a.pii, to: b.pii });

  const pa = new Map(a.profile.map((p) => [p.name, p]));
  const pb = new Map(b.profile.map((p) => [p.name, p]));
  const columns: ColumnShift[] = [];
  for (const c of a.columns) {
    const x = pa.get(c.name);
    const y = pb.get(c.name);
    if (!x || !y || !cb.has(c.name)) continue;
    const mr: [number, number] = [round12(a.rows ? x.nulls / a.rows : 0), round12(b.rows ? y.nulls / b.rows : 0)];
    const s: ColumnShift = { name: c.name, type: c.type, missingRate: mr, distinct: [x.distinct, y.distinct], flagged: false, reasons: [] };
    if (Math.abs(mr[1] - mr[0]) >= SHIFT.missingRate) s.reasons.push(`missing rate ${(100 * mr[0]).toFixed(1)}% → ${(100 * mr[1]).toFixed(1)}%`);
    if (x.mean !== undefined || y.mean !== undefined) {
      s.mean = [x.mean ?? null, y.mean ?? null];
      s.stddev = [x.stddev ?? null, y.stddev ?? null];
      s.smd = x.mean !== undefined && y.mean !== undefined && x.stddev ? round12((y.mean - x.mean) / x.stddev) : null;
      if (s.smd !== null && Math.abs(s.smd) >= SHIFT.smd) s.reasons.push(`mean ${x.mean!.toPrecision(5)} → ${y.mean!.toPrecision(5)} (${s.smd > 0 ? '+' : ''}${s.smd.toFixed(2)} sd)`);
    }
    if (x.top || y.top) {
      s.tvd = round12(totalVariation(shares(x, a.rows), shares(y, b.rows)));
      const va = new Set((x.top ?? []).map((t) => t.value));
      const vb = new Set((y.top ?? []).map((t) => t.value));
      // only certain when the top list holds every value
      if (x.distinct <= (x.top?.length ?? 0) && y.distinct <= (y.top?.length ?? 0)) {
        s.newCategories = [...vb].filter((v) => !va.has(v)).sort();
        s.goneCategories = [...va].filter((v) => !vb.has(v)).sort();
        if (s.newCategories.length) s.reasons.push(`new categories: ${s.newCategories.join(', ')}`);
        if (s.goneCategories.length) s.reasons.push(`categories gone: ${s.goneCategories.join(', ')}`);
      }
      if (s.tvd >= SHIFT.tvd) s.reasons.push(`category mix moved (TVD ${s.tvd.toFixed(2)})`);
    }
    s.flagged = s.reasons.length > 0;
    columns.push(s);
  }
  return {
    from: a.ref,
    to: b.ref,
    rows: [a.rows, b.rows],
    sameData: a.dataSha256 === b.dataSha256,
    schema,
    metadata,
    columns,
    flagged: columns.filter((c) => c.flagged).map((c) => c.name),
  };
}

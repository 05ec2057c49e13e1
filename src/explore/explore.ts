/**
 * `dictl explore NAME[@VER] --target COL`: the data story. Target rate and count by each categorical
 * column, by quantile bins of numeric columns and by time period, with a 95 % Wilson interval per
 * segment, each segment's departure from the overall rate (z), and per column a chi-square test of
 * association; columns are ranked by strength of evidence. DuckDB does the counting over data.parquet;
 * the statistics are pure (stats.ts).
 */
import { usageError, dataError } from '../errors.js';
import { withDuck, sqlIdent, sqlString, type Duck } from '../io/duck.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';
import type { ColumnSchema, DatasetVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import type { Workspace } from '../workspace.js';
import { association, binEdges, departureZ, wilson, type Association } from './stats.js';
import { benjaminiHochberg, twoSidedP } from '../stats/tests.js';

export type Every = 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface ExploreOptions {
  ref: string;
  target: string;
  positive?: string;
  by?: string[];
  bins?: number;
  time?: string;
  every?: Every;
  /** text columns with more distinct values than this are skipped (unless named in --by) */
  maxCategories?: number;
  /** how many segments to list in the overall ranking */
  top?: number;
}

export interface Segment {
  label: string;
  n: number;
  positives: number;
  rate: number;
  ci: [number, number];
  /** rate − overall rate */
  diff: number;
  /** rate / overall rate */
  lift: number;
  /** departure from the overall rate in standard errors */
  z: number;
  /** two-sided p-value of z, and its Benjamini–Hochberg q-value across the column's segments */
  p?: number;
  q?: number;
  /** q < 0.05 in a column whose χ² test has p < 0.05: the only segments charts colour */
  significant?: boolean;
}

export interface ColumnStory {
  column: string;
  kind: 'category' | 'bins' | 'time';
  segments: Segment[];
  association: Association;
}

export interface ExploreResult {
  dataset: string;
  target: string;
  positive: string;
  rows: number;
  /** rows with a missing target, left out */
  missingTarget: number;
  overall: { n: number; positives: number; rate: number; ci: [number, number] };
  columns: ColumnStory[];
  /** how segments are called significant: the multiple-comparison guard, in words */
  multipleComparisons: string;
  /** the segments departing most from the overall rate, across all columns */
  ranking: (Segment & { column: string })[];
  skipped: { column: string; reason: string }[];
}

const r6 = (x: number) => Number(x.toPrecision(6));
const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : Number(v));

/** The positive class: --positive, else a conventional label (yes/true/1/pos/positive), else the rarer class. */
export function choosePositive(values: { v: string; c: number }[], given?: string): string {
  if (given !== undefined) {
    if (!values.some((x) => x.v === given)) throw usageError(`--positive "${given}" never occurs in the target (values: ${values.map((x) => x.v).join(', ')})`);
    return given;
  }
  if (values.length !== 2) throw usageError(`the target has ${values.length} distinct values (${values.slice(0, 6).map((x) => x.v).join(', ')}${values.length > 6 ? ', …' : ''}); explore needs a binary target`, 'derive a 0/1 column first, or pick another --target');
  for (const p of ['yes', 'true', '1', 'pos', 'positive', 'y', 't']) {
    const hit = values.find((x) => x.v.toLowerCase() === p);
    if (hit) return hit.v;
  }
  return [...values].sort((a, b) => a.c - b.c || a.v.localeCompare(b.v))[0].v;
}

export const ALPHA = 0.05;
export const MULTIPLE_COMPARISONS = `Benjamini–Hochberg across each column's segments (q < ${ALPHA}), only in columns whose χ² test has p < ${ALPHA}`;

/** Pure: per-segment p and BH q-values; significant only when the column as a whole differs too. */
export function markSignificant(c: ColumnStory): ColumnStory {
  const ps = c.segments.map((s) => twoSidedP(s.z));
  const qs = benjaminiHochberg(ps);
  c.segments.forEach((s, i) => {
    s.p = Number(ps[i].toPrecision(4));
    s.q = Number(qs[i].toPrecision(4));
    s.significant = c.association.p < ALPHA && qs[i] < ALPHA;
  });
  return c;
}

function segment(label: string, n: number, k: number, overall: number): Segment {
  return {
    label,
    n,
    positives: k,
    rate: r6(n ? k / n : 0),
    ci: wilson(k, n).map(r6) as [number, number],
    diff: r6(n ? k / n - overall : 0),
    lift: r6(n && overall ? k / n / overall : 0),
    z: r6(departureZ(k, n, overall)),
  };
}

async function categoryStory(d: Duck, rel: string, y: string, col: string, overall: number, numericOrder: boolean): Promise<ColumnStory> {
  const q = sqlIdent(col);
  const rows = await d.all<{ v: string | null; o: number | null; n: number; k: number }>(
    `SELECT ${q}::VARCHAR AS v, ${numericOrder ? `min(${q})::DOUBLE` : 'NULL'} AS o, count(*) AS n, sum(${y}) AS k FROM ${rel} GROUP BY 1`,
  );
  const segs = rows.map((r) => ({ ...segment(r.v === null ? '(missing)' : String(r.v), num(r.n), num(r.k), overall), o: r.o, missing: r.v === null }));
  if (numericOrder) segs.sort((a, b) => (a.missing ? 1 : 0) - (b.missing ? 1 : 0) || num(a.o) - num(b.o));
  else segs.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.label.localeCompare(b.label));
  return { column: col, kind: 'category', segments: segs.map(({ o: _o, missing: _m, ...s }) => s), association: association(segs.map((s) => ({ n: s.n, k: s.positives }))) };
}

const fmtEdge = (x: number) => String(Number(x.toPrecision(6)));

async function binStory(d: Duck, rel: string, y: string, col: string, bins: number, overall: number): Promise<ColumnStory> {
  const q = sqlIdent(col);
  const probs = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const [cut] = await d.all<{ c: number[] | null }>(`SELECT quantile_cont(${q}::DOUBLE, [${probs.join(', ')}]) AS c FROM ${rel} WHERE isfinite(${q}::DOUBLE)`);
  const edges = binEdges((cut?.c ?? []).map(Number));
  const cases = edges.map((e, i) => `WHEN ${q} < ${e} THEN ${i}`).join(' ');
  const bucket = `CASE WHEN ${q} IS NULL THEN -1 ${cases} ELSE ${edges.length} END`;
  const rows = await d.all<{ b: number; n: number; k: number; lo: number; hi: number }>(
    `SELECT ${bucket} AS b, count(*) AS n, sum(${y}) AS k, min(${q})::DOUBLE AS lo, max(${q})::DOUBLE AS hi FROM ${rel} GROUP BY 1 ORDER BY 1`,
  );
  const segs = rows.map((r) => {
    const b = num(r.b);
    const label = b < 0 ? '(missing)' : b === 0 ? `< ${fmtEdge(edges[0] ?? Infinity)}` : b === edges.length ? `≥ ${fmtEdge(edges[b - 1])}` : `[${fmtEdge(edges[b - 1])}, ${fmtEdge(edges[b])})`;
    return { b, s: segment(edges.length === 0 && b >= 0 ? `all (${fmtEdge(num(r.lo))}…${fmtEdge(num(r.hi))})` : label, num(r.n), num(r.k), overall) };
  });
  segs.sort((a, b) => (a.b < 0 ? 1 : 0) - (b.b < 0 ? 1 : 0) || a.b - b.b);
  return { column: col, kind: 'bins', segments: segs.map((x) => x.s), association: association(segs.map((x) => ({ n: x.s.n, k: x.s.positives }))) };
}

async function timeStory(d: Duck, rel: string, y: string, c: ColumnSchema, every: Every, overall: number): Promise<ColumnStory> {
  const q = sqlIdent(c.name);
  const ts = c.type === 'string' ? `TRY_CAST(${q} AS TIMESTAMP)` : `${q}::TIMESTAMP`;
  const fmt = every === 'day' || every === 'week' ? '%Y-%m-%d' : every === 'year' ? '%Y' : '%Y-%m';
  const rows = await d.all<{ p: string | null; n: number; k: number }>(
    `SELECT strftime(date_trunc('${every}', ${ts}), '${fmt}') AS p, count(*) AS n, sum(${y}) AS k FROM ${rel} GROUP BY 1 ORDER BY p NULLS LAST`,
  );
  const segs = rows.map((r) => segment(r.p === null ? '(missing)' : every === 'quarter' ? `${r.p.slice(0, 4)}-Q${Math.floor((Number(r.p.slice(5, 7)) - 1) / 3) + 1}` : every === 'week' ? `week of ${r.p}` : r.p, num(r.n), num(r.k), overall));
  return { column: c.name, kind: 'time', segments: segs, association: association(segs.map((s) => ({ n: s.n, k: s.positives }))) };
}

export async function explore(ws: Workspace, o: ExploreOptions, progress?: Progress): Promise<ExploreResult> {
  const ds: DatasetVersion = resolveDataset(ws, o.ref);
  const cols = new Map(ds.columns.map((c) => [c.name, c]));
  const need = (c: string, what: string) => {
    if (!cols.has(c)) throw usageError(`${what} "${c}" is not a column of ${ds.ref}`, `columns: ${ds.columns.map((x) => x.name).join(', ')}`);
    return cols.get(c)!;
  };
  need(o.target, '--target');
  for (const b of o.by ?? []) need(b, '--by');
  const timeCol = o.time !== undefined ? need(o.time, '--time') : undefined;
  if (timeCol && !['date', 'timestamp', 'string'].includes(timeCol.type)) throw usageError(`--time column "${o.time}" is ${timeCol.type}, not a date or timestamp`);
  const bins = o.bins ?? 5;
  if (!Number.isInteger(bins) || bins < 2 || bins > 100) throw usageError('--bins must be an integer from 2 to 100');
  const maxCat = o.maxCategories ?? 30;
  const every = o.every ?? 'month';

  return withDuck(async (d) => {
    const path = datasetDataPath(ws, ds.name, ds.version);
    const t = sqlIdent(o.target);
    const values = await d.all<{ v: string; c: number }>(`SELECT ${t}::VARCHAR AS v, count(*) AS c FROM read_parquet(${sqlString(path)}) WHERE ${t} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50`);
    if (values.length === 0) throw dataError(`target "${o.target}" of ${ds.ref} has no values`);
    const positive = choosePositive(values.map((x) => ({ v: String(x.v), c: num(x.c) })), o.positive);
    await d.run(`CREATE TEMP VIEW __x AS SELECT *, CASE WHEN ${t}::VARCHAR = ${sqlString(positive)} THEN 1 ELSE 0 END AS __y FROM read_parquet(${sqlString(path)}) WHERE ${t} IS NOT NULL`);
    const [tot] = await d.all<{ n: number; k: number }>(`SELECT count(*) AS n, sum(__y) AS k FROM __x`);
    const n = num(tot.n);
    const k = num(tot.k);
    const overall = k / n;
    const columns: ColumnStory[] = [];
    const skipped: { column: string; reason: string }[] = [];
    const profile = new Map(ds.profile.map((p) => [p.name, p]));
    const chosen = o.by && o.by.length ? o.by : ds.columns.map((c) => c.name).filter((c) => c !== o.target && c !== o.time);
    for (const name of chosen) {
      const c = cols.get(name)!;
      const distinct = profile.get(name)?.distinct ?? Infinity;
      progress?.phase(`Segmenting by ${name}`);
      if (c.type === 'number' || c.type === 'integer') {
        if (c.type === 'integer' && distinct <= Math.max(bins, 12)) columns.push(await categoryStory(d, '__x', '__y', name, overall, true));
        else columns.push(await binStory(d, '__x', '__y', name, bins, overall));
      } else if (c.type === 'date' || c.type === 'timestamp') {
        columns.push(await timeStory(d, '__x', '__y', c, every, overall));
      } else if (distinct > maxCat && !(o.by ?? []).includes(name)) {
        skipped.push({ column: name, reason: `${distinct} distinct values (more than ${maxCat}; name it in --by to include it)` });
      } else columns.push(await categoryStory(d, '__x', '__y', name, overall, false));
    }
    if (timeCol) columns.push(await timeStory(d, '__x', '__y', timeCol, every, overall));
    columns.sort((a, b) => a.association.p - b.association.p || b.association.cramersV - a.association.cramersV || a.column.localeCompare(b.column));
    for (const c of columns) c.association = { chi2: r6(c.association.chi2), df: c.association.df, p: Number(c.association.p.toPrecision(4)), cramersV: r6(c.association.cramersV) };
    for (const c of columns) markSignificant(c);
    const ranking = columns
      .flatMap((c) => c.segments.map((s) => ({ column: c.column, ...s })))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.column.localeCompare(b.column) || a.label.localeCompare(b.label))
      .slice(0, o.top ?? 10);
    return {
      dataset: ds.ref,
      target: o.target,
      positive,
      rows: ds.rows,
      missingTarget: ds.rows - n,
      overall: { n, positives: k, rate: r6(overall), ci: wilson(k, n).map(r6) as [number, number] },
      columns,
      multipleComparisons: MULTIPLE_COMPARISONS,
      ranking,
      skipped,
    };
  });
}

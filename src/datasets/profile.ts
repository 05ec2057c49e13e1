/**
 * Column profiles (type, nulls, distinct, min/max/mean/stddev or top categories) computed by DuckDB
 * in aggregate passes over batches of columns plus one GROUP BY per text column. Memory is bounded
 * by the batch sizes, not by the width of the data: an exact count(DISTINCT) holds a hash table per
 * column and thread (about 2 MB each), so those run a few columns at a time. Also the checks that need the same pass:
 * NaN/Infinity in number columns and text columns that are mostly numbers (mixed types).
 */
import type { Duck } from '../io/duck.js';
import { sqlIdent } from '../io/duck.js';
import type { ColumnProfile, ColumnSchema } from '../types.js';

export const TOP_K = 10;
/** columns whose estimated distinct count is below this get an exact count (exact counting of millions of values costs as much as the whole load) */
export const EXACT_DISTINCT_BELOW = 100_000;

/** Rounds to 12 significant digits so parallel floating sums print the same on every run. */
export const round12 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(12)) : x);

export interface ProfileScan {
  profile: ColumnProfile[];
  /** per number column: how many NaN/±Infinity values; per text column: how many values read as NaN/±Infinity */
  nonFinite: Record<string, number>;
  /** per text column: how many non-null values parse as numbers */
  numericText: Record<string, number>;
  rows: number;
}

/** columns per aggregate pass (cheap states: counts, min/max, sums, HyperLogLog sketches) */
export const PROFILE_BATCH = 256;
/** columns per exact count(DISTINCT) pass */
export const EXACT_DISTINCT_BATCH = 16;

/** `sel` expressions for the columns in `items`, run `per` at a time; the results merged into one row. */
async function batchedRow(duck: Duck, rel: string, items: string[][], per: number, first: string[] = []): Promise<Record<string, unknown>> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < items.length || (i === 0 && first.length); i += per) {
    const sel = [...(i === 0 ? first : []), ...items.slice(i, i + per).flat()];
    if (!sel.length) break;
    Object.assign(row, (await duck.all<Record<string, unknown>>(`SELECT ${sel.join(', ')} FROM ${rel}`))[0]);
  }
  return row;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN);

/** Profiles `rel` (a table, view or table function expression usable after FROM). */
export async function profileRelation(duck: Duck, rel: string, columns: ColumnSchema[], opts: { topK?: number; exactDistinctBelow?: number } = {}): Promise<ProfileScan> {
  const topK = opts.topK ?? TOP_K;
  const perColumn: string[][] = columns.map((c, i) => {
    const sel: string[] = [];
    const q = sqlIdent(c.name);
    sel.push(`count(*) - count(${q}) AS "n${i}"`, `approx_count_distinct(${q}) AS "d${i}"`);
    if (c.type === 'number' || c.type === 'integer') {
      const fin = c.type === 'number' ? `CASE WHEN isfinite(${q}) THEN ${q} END` : q;
      sel.push(`min(${fin})::DOUBLE AS "lo${i}"`, `max(${fin})::DOUBLE AS "hi${i}"`, `avg(${fin})::DOUBLE AS "m${i}"`, `stddev_samp(${fin})::DOUBLE AS "s${i}"`);
      if (c.type === 'number') sel.push(`count(*) FILTER (WHERE NOT isfinite(${q})) AS "nf${i}"`);
    } else if (c.type === 'date' || c.type === 'timestamp') {
      sel.push(`min(${q})::VARCHAR AS "lo${i}"`, `max(${q})::VARCHAR AS "hi${i}"`, `count(*) FILTER (WHERE NOT isfinite(${q})) AS "nf${i}"`);
    } else if (c.type === 'string') {
      sel.push(`count(TRY_CAST(${q} AS DOUBLE)) AS "nt${i}"`, `count(*) FILTER (WHERE NOT isfinite(TRY_CAST(${q} AS DOUBLE))) AS "nf${i}"`);
    }
    return sel;
  });
  const row = await batchedRow(duck, rel, perColumn, PROFILE_BATCH, ['count(*) AS "__rows"']);
  const rows = num(row.__rows);
  // exact distinct counts where they are cheap (an HLL estimate says the column has few values): one more scan of those columns
  const exactLimit = opts.exactDistinctBelow ?? EXACT_DISTINCT_BELOW;
  const hasTop = (c: ColumnSchema) => c.type === 'string' || c.type === 'boolean';
  // (text columns get theirs from the top-values query below)
  const exactCols = columns.map((c, i) => [c, i] as const).filter(([c, i]) => !hasTop(c) && num(row[`d${i}`]) < exactLimit);
  const exact = exactCols.length ? await batchedRow(duck, rel, exactCols.map(([c, i]) => [`count(DISTINCT ${sqlIdent(c.name)}) AS "d${i}"`]), EXACT_DISTINCT_BATCH) : {};
  const profile: ColumnProfile[] = [];
  const nonFinite: Record<string, number> = {};
  const numericText: Record<string, number> = {};
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    const isExact = `d${i}` in exact;
    const p: ColumnProfile = { name: c.name, type: c.type, nulls: num(row[`n${i}`]), distinct: num(isExact ? exact[`d${i}`] : row[`d${i}`]) };
    if (!isExact) p.distinctApprox = true;
    if (c.type === 'number' || c.type === 'integer') {
      const lo = row[`lo${i}`];
      if (lo !== null && lo !== undefined) {
        p.min = round12(num(lo));
        p.max = round12(num(row[`hi${i}`]));
        p.mean = round12(num(row[`m${i}`]));
        const s = row[`s${i}`];
        if (s !== null && s !== undefined) p.stddev = round12(num(s));
      }
      if (c.type === 'number') nonFinite[c.name] = num(row[`nf${i}`]);
    } else if (c.type === 'date' || c.type === 'timestamp') {
      const lo = row[`lo${i}`];
      if (lo !== null && lo !== undefined) {
        p.min = String(lo);
        p.max = String(row[`hi${i}`]);
      }
      nonFinite[c.name] = num(row[`nf${i}`]);
    } else {
      if (c.type === 'string') {
        numericText[c.name] = num(row[`nt${i}`]);
        nonFinite[c.name] = num(row[`nf${i}`]);
      }
      const q = sqlIdent(c.name);
      const top = await duck.all<{ v: string; c: number; g: number }>(
        `SELECT v, c, count(*) OVER () AS g FROM (SELECT ${q}::VARCHAR AS v, count(*) AS c FROM ${rel} WHERE ${q} IS NOT NULL GROUP BY 1) ORDER BY c DESC, v ASC LIMIT ${topK}`,
      );
      p.top = top.map((t) => ({ value: String(t.v), count: num(t.c) }));
      // the number of groups is the exact distinct count
      p.distinct = top.length ? num((top[0] as { g?: unknown }).g) : 0;
      delete p.distinctApprox;
    }
    profile.push(p);
  }
  return { profile, nonFinite, numericText, rows };
}

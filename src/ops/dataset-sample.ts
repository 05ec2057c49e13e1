/**
 * `dataset sample`: a few rows of a dataset version as plain records — example events for `dictl score`
 * (NDJSON, one object a line), or a quick look. Rows come in source order, from the whole dataset or from
 * the test rows of its latest holdout; a seed draws a reproducible random sample instead of the first rows.
 */
import { sqlIdent, sqlString, withDuck } from '../io/duck.js';
import { latestHoldoutFor } from '../holdouts/store.js';
import { notFound, usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';

export interface SampleOptions {
  rows: number;
  /** only the test rows of the dataset version's latest holdout */
  holdout?: boolean;
  /** columns left out (e.g. the label, for events to score) */
  drop?: string[];
  /** draw a random sample with this seed instead of the first rows */
  seed?: number;
}

export interface SampleResult {
  dataset: string;
  from: 'all rows' | 'holdout test rows';
  columns: string[];
  /** 0-based data-row numbers of the rows, as holdouts name them */
  rowNumbers: number[];
  rows: Record<string, unknown>[];
}

export async function sampleDataset(ws: Workspace, refText: string, o: SampleOptions): Promise<SampleResult> {
  if (!Number.isInteger(o.rows) || o.rows < 1) throw usageError(`--rows must be a whole number ≥ 1, got ${o.rows}`);
  const ds = resolveDataset(ws, refText);
  const ref = `${ds.name}@${ds.version}`;
  const names = ds.columns.map((c) => c.name);
  const drop = o.drop ?? [];
  for (const d of drop) if (!names.includes(d)) throw usageError(`--drop ${d}: ${ref} has no column "${d}"`, `columns: ${names.join(', ')}`);
  const keep = names.filter((n) => !drop.includes(n));
  if (keep.length === 0) throw usageError('--drop leaves no column');
  let where = '';
  if (o.holdout) {
    const h = latestHoldoutFor(ws, ref);
    if (!h) throw notFound(`${ref} has no holdout`, `create one: dictl holdout create ${ref} --fraction 0.2 --seed 42`);
    where = `WHERE file_row_number IN (SELECT unnest(${sqlString(JSON.stringify(h.testRows))}::JSON::BIGINT[]))`;
  }
  const order = o.seed === undefined ? 'file_row_number' : `hash(file_row_number + ${Math.trunc(o.seed)} * 1000003), file_row_number`;
  const select = keep.map(sqlIdent).join(', ');
  const sql = `SELECT file_row_number AS __row, ${select} FROM read_parquet(${sqlString(datasetDataPath(ws, ds.name, ds.version))}, file_row_number = true) ${where} ORDER BY ${order} LIMIT ${o.rows}`;
  const got = await withDuck((d) => d.all<Record<string, unknown>>(sql));
  const rows = got.map(({ __row: _r, ...rest }) => normalise(rest));
  return { dataset: ref, from: o.holdout ? 'holdout test rows' : 'all rows', columns: keep, rowNumbers: got.map((r) => Number(r.__row)), rows };
}

/** Dates and timestamps as ISO text; everything else as JSON already has it. */
function normalise(r: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(r)) {
    const v = r[k];
    if (v instanceof Date) r[k] = v.toISOString();
  }
  return r;
}

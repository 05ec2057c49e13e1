/** Creates a holdout: a seeded (optionally stratified) split, or a row list made elsewhere. */
import { existsSync, readFileSync } from 'node:fs';
import { dataError, notFound, usageError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { sqlIdent, sqlString, withDuck } from '../io/duck.js';
import { locked } from '../io/lock.js';
import { crashPoint } from '../io/faults.js';
import { appendAudit } from '../io/audit.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';
import { stratifiedSplit } from '../ml/splits.js';
import type { Holdout } from '../types.js';
import { hashValue } from '../util/hash.js';
import type { Workspace } from '../workspace.js';
import { holdoutPath, latestPointerPath } from './store.js';

export interface HoldoutOptions {
  fraction?: number;
  stratify?: string;
  seed?: number;
  rowsFile?: string;
  wait?: number;
  actor?: string;
}

export interface HoldoutResult {
  holdout: Omit<Holdout, 'testRows'>;
  existing: boolean;
  path: string;
}

/** Parses a row-list file: one 0-based data-row number per line; blank lines ignored. Pure. */
export function parseRowList(text: string, nRows: number, source = 'rows file'): number[] {
  const rows: number[] = [];
  const seen = new Set<number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (s === '') continue;
    if (!/^\d+$/.test(s)) throw dataError(`${source} line ${i + 1}: "${s.slice(0, 40)}" is not a row number`, 'one 0-based data-row number per line');
    const r = Number(s);
    if (r >= nRows) throw dataError(`${source} line ${i + 1}: row ${r} is out of range (the dataset has ${nRows} rows)`);
    if (seen.has(r)) throw dataError(`${source} line ${i + 1}: row ${r} is listed twice`);
    seen.add(r);
    rows.push(r);
  }
  if (rows.length === 0) throw dataError(`${source} lists no rows`);
  if (rows.length >= nRows) throw dataError(`${source} lists every row: nothing would be left to train on`);
  return rows.sort((a, b) => a - b);
}

/** The holdout's identity: the data it splits and the rows it holds out. */
export const holdoutHash = (dataSha256: string, testRows: number[]) => hashValue({ dataSha256, testRows });

export async function createHoldout(ws: Workspace, datasetRef: string, o: HoldoutOptions): Promise<HoldoutResult> {
  const ds = resolveDataset(ws, datasetRef);
  let base: Omit<Holdout, 'hash' | 'testRows' | 'nTest' | 'nTrain'>;
  let testRows: number[];
  if (o.rowsFile) {
    if (o.fraction !== undefined || o.stratify !== undefined) throw usageError('--rows cannot be combined with --fraction or --stratify');
    if (!existsSync(o.rowsFile)) throw notFound(`rows file ${o.rowsFile} does not exist`);
    testRows = parseRowList(readFileSync(o.rowsFile, 'utf8'), ds.rows, o.rowsFile);
    base = { kind: 'holdout', dataset: ds.ref, dataSha256: ds.dataSha256, method: 'rows', nRows: ds.rows };
  } else {
    const fraction = o.fraction ?? 0.2;
    if (!(fraction > 0 && fraction < 1)) throw usageError(`--fraction must be between 0 and 1 (exclusive), got ${fraction}`);
    const seed = o.seed ?? 42;
    let labels: (string | number | null)[];
    if (o.stratify) {
      if (!ds.columns.some((c) => c.name === o.stratify))
        throw usageError(`dataset ${ds.ref} has no column "${o.stratify}" to stratify on`, `columns: ${ds.columns.map((c) => c.name).join(', ')}`);
      const col = o.stratify;
      labels = await withDuck(async (d) => {
        const rows = await d.all<{ v: unknown }>(
          `SELECT CAST(${sqlIdent(col)} AS VARCHAR) AS v FROM read_parquet(${sqlString(datasetDataPath(ws, ds.name, ds.version))}, file_row_number = true) ORDER BY file_row_number`,
        );
        return rows.map((r) => (r.v === null || r.v === undefined ? null : String(r.v)));
      });
    } else labels = new Array(ds.rows).fill(0);
    testRows = stratifiedSplit(labels, fraction, seed);
    if (testRows.length === 0 || testRows.length >= ds.rows) throw dataError(`a ${fraction} holdout of ${ds.rows} rows leaves no test or no training rows`);
    base = { kind: 'holdout', dataset: ds.ref, dataSha256: ds.dataSha256, method: o.stratify ? 'stratified' : 'random', fraction, seed, nRows: ds.rows };
    if (o.stratify) base.stratify = o.stratify;
  }
  const holdout: Holdout = { ...base, hash: holdoutHash(ds.dataSha256, testRows), nTest: testRows.length, nTrain: ds.rows - testRows.length, testRows };
  const path = holdoutPath(ws, holdout.hash);
  return locked(ws, o.wait, `holdout create ${datasetRef}`, () => {
    const existing = existsSync(path);
    if (!existing) writeJsonAtomic(path, holdout);
    crashPoint('holdout-commit');
    writeFileAtomic(latestPointerPath(ws, ds.ref), holdout.hash + '\n');
    if (!existing) appendAudit(ws, { action: 'holdout.create', subject: ds.ref, actor: o.actor, details: { hash: holdout.hash, method: holdout.method, nTest: holdout.nTest } });
    const { testRows: _omit, ...summary } = holdout;
    return { holdout: summary, existing, path };
  });
}

/**
 * `dictl holdout create DATASET@V (--fraction F --stratify COL --seed S | --rows FILE)`: a seeded
 * (optionally stratified) split, or a row list made elsewhere, computed before the lock; under the
 * workspace lock it is stored (registry/holdouts/HASH.json, once), the dataset's latest pointer moves,
 * and a new holdout gets a `holdout.create` audit entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dataError, notFound, usageError } from '../errors.js';
import { sqlIdent, sqlString, withDuck } from '../io/duck.js';
import { locked } from '../io/lock.js';
import { appendAudit } from '../io/audit.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';
import { holdoutHash, parseRowList, writeHoldoutUnlocked } from '../holdouts/create.js';
import { stratifiedSplit } from '../ml/splits.js';
import type { Holdout } from '../types.js';
import type { Workspace } from '../workspace.js';

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
  return locked(ws, o.wait, `holdout create ${datasetRef}`, () => {
    const { existing, path } = writeHoldoutUnlocked(ws, holdout);
    if (!existing) appendAudit(ws, { action: 'holdout.create', subject: ds.ref, actor: o.actor, details: { hash: holdout.hash, method: holdout.method, nTest: holdout.nTest } });
    const { testRows: _omit, ...summary } = holdout;
    return { holdout: summary, existing, path };
  });
}

/** Holdout pieces for `holdout create` (ops/holdout-create.ts): the row-list parser, the identity hash and the unlocked writer. */
import { existsSync } from 'node:fs';
import { dataError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import type { Holdout } from '../types.js';
import { hashValue } from '../util/hash.js';
import type { Workspace } from '../workspace.js';
import { holdoutPath, latestPointerPath } from './store.js';

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

/**
 * Stores a holdout (its HASH.json unless already there) and points the dataset's latest pointer at it
 * (no lock, no audit: callers hold the lock). Returns whether the holdout existed before, and its path.
 */
export function writeHoldoutUnlocked(ws: Workspace, holdout: Holdout): { existing: boolean; path: string } {
  const path = holdoutPath(ws, holdout.hash);
  const existing = existsSync(path);
  if (!existing) writeJsonAtomic(path, holdout);
  crashPoint('holdout-commit');
  writeFileAtomic(latestPointerPath(ws, holdout.dataset), holdout.hash + '\n');
  return { existing, path };
}

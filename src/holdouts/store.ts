/**
 * Holdouts: the preserved test rows of a dataset version. registry/holdouts/HASH.json holds the Holdout
 * (no timestamps: the same inputs and seed give the same bytes); registry/holdouts/latest/NAME@VER holds
 * the hash of the most recent holdout made for that dataset version, which feature builds use by default.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import type { Holdout } from '../types.js';
import type { Workspace } from '../workspace.js';
import { hashValue } from '../util/hash.js';
import { readJson, type Checkup } from '../io/checkup.js';

export const holdoutsDir = (ws: Workspace) => join(ws.registryDir, 'holdouts');
export const holdoutPath = (ws: Workspace, hash: string) => join(holdoutsDir(ws), `${hash}.json`);
export const latestPointerPath = (ws: Workspace, datasetRef: string) => join(holdoutsDir(ws), 'latest', datasetRef);

const HASH_RE = /^[0-9a-f]{8,64}$/;

/** Reads a holdout by its full hash or a unique prefix of at least 8 hex digits. */
export function readHoldout(ws: Workspace, hash: string): Holdout {
  if (!HASH_RE.test(hash)) throw usageError(`"${hash}" is not a holdout hash`, 'see: dictl holdout list');
  let p = holdoutPath(ws, hash);
  if (!existsSync(p) && hash.length < 64) {
    const matches = listHoldoutHashes(ws).filter((h) => h.startsWith(hash));
    if (matches.length > 1) throw usageError(`holdout prefix ${hash} is ambiguous (${matches.length} matches)`);
    if (matches.length === 1) p = holdoutPath(ws, matches[0]);
  }
  if (!existsSync(p)) throw notFound(`holdout ${hash} not found`, 'see: dictl holdout list');
  return JSON.parse(readFileSync(p, 'utf8')) as Holdout;
}

export function listHoldoutHashes(ws: Workspace): string[] {
  const dir = holdoutsDir(ws);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
    .map((f) => f.slice(0, 64))
    .sort();
}

export function listHoldouts(ws: Workspace): Holdout[] {
  return listHoldoutHashes(ws).map((h) => readHoldout(ws, h));
}

/** The most recent holdout created for a dataset version ("churn@1"), if any. */
export function latestHoldoutFor(ws: Workspace, datasetRef: string): Holdout | undefined {
  const p = latestPointerPath(ws, datasetRef);
  if (!existsSync(p)) return undefined;
  const hash = readFileSync(p, 'utf8').trim();
  return existsSync(holdoutPath(ws, hash)) ? readHoldout(ws, hash) : undefined;
}

/** What doctor learns of the holdouts: their hashes and, per hash, the dataset and test rows. */
export interface HoldoutIndex {
  hashes: Set<string>;
  rows: Map<string, { dataset: string; testRows: number[] }>;
  /** the holdouts folder exists */
  present: boolean;
}

/**
 * doctor: each holdout file is named by the hash of its contents, lists nTest rows and was made from
 * the data its dataset (ref → sha256 in `datasetSha`) holds now; each latest pointer names a holdout.
 */
export function verifyHoldouts(ws: Workspace, c: Checkup, datasetSha: Map<string, string>): HoldoutIndex {
  const dir = holdoutsDir(ws);
  const index: HoldoutIndex = { hashes: new Set(), rows: new Map(), present: existsSync(dir) };
  if (!index.present) return index;
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (f.startsWith('.') || statSync(p).isDirectory()) continue;
    if (!/^[0-9a-f]{64}\.json$/.test(f)) {
      c.add('error', 'holdout-stray-file', p, 'unexpected file among holdouts');
      continue;
    }
    c.checked.holdouts++;
    const r = readJson<Holdout>(p);
    if (!r.ok) {
      c.add('error', 'holdout-parse', p, `holdout does not parse: ${r.error}`);
      continue;
    }
    const h = r.value;
    const expect = hashValue({ dataSha256: h.dataSha256, testRows: h.testRows });
    if (h.hash !== f.slice(0, 64) || expect !== h.hash) c.add('error', 'holdout-hash', p, `holdout hash does not match its contents (file ${f.slice(0, 12)}, recorded ${String(h.hash).slice(0, 12)}, computed ${expect.slice(0, 12)})`);
    if (!Array.isArray(h.testRows) || h.testRows.length !== h.nTest) c.add('error', 'holdout-rows', p, `holdout lists ${h.testRows?.length} rows but nTest is ${h.nTest}`);
    const ds = datasetSha.get(h.dataset);
    if (ds === undefined) c.add('error', 'holdout-dataset', p, `holdout refers to dataset ${h.dataset}, which does not exist`);
    else if (ds !== h.dataSha256) c.add('error', 'holdout-dataset-hash', p, `holdout was made from other data than ${h.dataset} holds now`);
    index.hashes.add(h.hash);
    c.committed.push({ kind: 'holdout', ref: h.hash, path: p, actions: ['holdout.create'], entry: () => ({ action: 'holdout.create', subject: h.dataset, details: { hash: h.hash, method: h.method, nTest: h.nTest } }) });
    index.rows.set(h.hash, { dataset: h.dataset, testRows: Array.isArray(h.testRows) ? h.testRows : [] });
  }
  const latestDir = join(dir, 'latest');
  if (existsSync(latestDir)) {
    for (const f of readdirSync(latestDir).sort()) {
      if (f.startsWith('.')) continue;
      const hash = readFileSync(join(latestDir, f), 'utf8').trim();
      if (!index.hashes.has(hash)) c.add('error', 'holdout-latest-dangling', join(latestDir, f), `latest-holdout pointer for ${f} names ${hash.slice(0, 12)}, which does not exist`);
    }
  }
  return index;
}

/**
 * Holdouts: the preserved test rows of a dataset version. registry/holdouts/HASH.json holds the Holdout
 * (no timestamps: the same inputs and seed give the same bytes); registry/holdouts/latest/NAME@VER holds
 * the hash of the most recent holdout made for that dataset version, which feature builds use by default.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import type { Holdout } from '../types.js';
import type { Workspace } from '../workspace.js';

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

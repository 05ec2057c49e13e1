/**
 * `monitor drift`: live inputs (an NDJSON file of events, or a window of a Redis stream) against the
 * training profile of the packaged model. The profile is drift-profile.json in the package when
 * present; otherwise it is computed from the model's training rows in the workspace (the dataset and
 * holdout named in the manifest's lineage) and can be saved into the package with --save-profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataError, notFound, usageError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import type { Progress } from '../ui/progress.js';
import type { Workspace } from '../workspace.js';
import { buildProfile, compareProfile, type DriftLimits, type DriftProfile, type DriftReport } from '../monitor/drift.js';
import { resolveModel } from '../registry/models.js';
import { loadSplitRows } from '../decide/data.js';
import { readObjects } from '../io/ndjson.js';
import { openRedis, type Redis } from '../io/redis.js';

export const PROFILE_FILE = 'drift-profile.json';

export interface DriftRun extends DriftReport {
  package: string;
  model: string;
  input: string;
  profileSource: 'package' | 'workspace';
}

/** Reads the last `count` entries of a Redis stream (fields as strings; numbers parsed by the profile). */
export async function readRedisWindow(url: string, stream: string, count: number): Promise<Record<string, unknown>[]> {
  let r: Redis;
  try {
    r = await openRedis(url, { kind: 'once' });
  } catch (e) {
    throw notFound(`cannot reach Redis at ${url}: ${(e as Error).message}`, 'is it running and reachable? check --redis');
  }
  try {
    const entries = (await r.xrevrange(stream, '+', '-', 'COUNT', count)) as [string, string[]][];
    return entries.reverse().map(([, fields]) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) {
        // an entry may carry the event as one JSON field ("event" / "data" / "json")
        if ((fields[i] === 'event' || fields[i] === 'data' || fields[i] === 'json') && fields.length === 2) {
          try {
            return JSON.parse(fields[i + 1]) as Record<string, unknown>;
          } catch {
            /* fall through */
          }
        }
        o[fields[i]] = fields[i + 1];
      }
      return o;
    });
  } finally {
    r.disconnect();
  }
}

interface ManifestLite {
  model: { ref: string; name: string; version: number };
  inputs: { name: string; type: 'number' | 'string' }[];
}

export async function profileForPackage(dir: string, ws: Workspace | undefined, progress?: Progress): Promise<{ profile: DriftProfile; source: 'package' | 'workspace'; manifest: ManifestLite }> {
  const mp = join(dir, 'manifest.json');
  if (!existsSync(mp)) throw notFound(`no scorer package at ${dir} (no manifest.json)`, 'build one with: dictl package MODEL@VERSION --out DIR');
  const manifest = JSON.parse(readFileSync(mp, 'utf8')) as ManifestLite;
  const pp = join(dir, PROFILE_FILE);
  if (existsSync(pp)) return { profile: JSON.parse(readFileSync(pp, 'utf8')) as DriftProfile, source: 'package', manifest };
  if (!ws) throw notFound(`package ${dir} has no ${PROFILE_FILE} and no workspace was found to compute it`, 'run inside the workspace (or --workspace DIR) once with --save-profile');
  const model = resolveModel(ws, manifest.model.ref).model;
  progress?.phase(`Profiling the training rows of ${manifest.model.ref}`);
  const split = await loadSplitRows(ws, model, 'train');
  return { profile: buildProfile(split.rows, manifest.inputs.map((i) => ({ name: i.name, type: i.type }))), source: 'workspace', manifest };
}

export async function runDrift(
  dir: string,
  o: { ws?: Workspace; input?: string; redis?: string; stream?: string; count?: number; limits: DriftLimits; saveProfile?: boolean; progress?: Progress },
): Promise<DriftRun> {
  if (!o.input && !o.stream) throw usageError('give --input events.ndjson or --stream KEY (with --redis URL)');
  if (o.input && o.stream) throw usageError('give either --input or --stream, not both');
  const { profile, source, manifest } = await profileForPackage(dir, o.ws, o.progress);
  if (o.saveProfile && source === 'workspace') writeJsonAtomic(join(dir, PROFILE_FILE), profile);
  o.progress?.phase('Reading live inputs');
  const rows = o.input ? readObjects(o.input) : await readRedisWindow(o.redis ?? 'redis://127.0.0.1:6379', o.stream!, o.count ?? 10000);
  if (rows.length === 0) throw dataError('no live events to compare', o.input ? `${o.input} is empty` : `stream ${o.stream} is empty`);
  o.progress?.phase('Comparing distributions');
  const r = compareProfile(profile, rows, o.limits);
  return { ...r, package: dir, model: manifest.model.ref, input: o.input ?? `redis ${o.stream}`, profileSource: source };
}

/**
 * `dictl decide shadow MODEL [--challenger M] [--labels FILE] [--redis URL]`: the champion/challenger
 * report from the shadow log, with labels from resolved reviews and an optional labels file. With
 * --redis the entries a scorer put on the stream shadow:MODEL are first copied into the log, under
 * the workspace lock, once (a `shadow.sync` audit entry when anything was added).
 */
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import { appendAudit } from '../io/audit.js';
import { locked } from '../io/lock.js';
import { connectOnce } from '../io/redis.js';
import { appendLines, readCases } from '../review/queue.js';
import { copyNewEntries } from '../review/redis-queue.js';
import { matchLabels, shadowReport, type Label, type ShadowEntry, type ShadowReport } from '../decide/shadow.js';
import { modelShadowDir, readLabelsFile, readShadow, shadowLogPath, shadowStreamKey } from '../decide/shadow-store.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';

export interface ShadowSyncResult {
  stream: string;
  read: number;
  added: number;
  skipped: number;
  cursor: string;
}

/** Copies new entries of the Redis stream shadow:MODEL into the workspace log (under the lock, once). */
export async function syncShadowFromRedis(ws: Workspace, url: string, model: string, o: { wait?: number } = {}): Promise<ShadowSyncResult> {
  validateName('model', model);
  const client = await connectOnce(url);
  try {
    return await locked(ws, o.wait, `decide shadow ${model} --redis`, async () => {
      const key = shadowStreamKey(model);
      const r = await copyNewEntries<ShadowEntry>(client, {
        key,
        field: 'entry',
        cursorPath: join(modelShadowDir(ws, model), 'redis-cursor.json'),
        known: new Set(readShadow(ws, model).map((e) => e.id)),
        accept: (e) => typeof e.champion?.model === 'string' && e.champion.model.startsWith(`${model}@`) && typeof e.challenger?.model === 'string',
        append: (es) => appendLines(shadowLogPath(ws, model), es.map((e) => JSON.stringify(e))),
      });
      if (r.added) appendAudit(ws, { action: 'shadow.sync', subject: model, details: { stream: key, added: r.added, skipped: r.skipped, cursor: r.cursor } });
      return { stream: key, ...r };
    });
  } finally {
    client.disconnect();
  }
}

export interface ShadowReportResult extends ShadowReport {
  log: string;
  /** the Redis copy made first (with --redis) */
  synced?: ShadowSyncResult;
}

export async function shadowReportFor(
  ws: Workspace,
  model: string,
  o: { challenger?: string; labels?: string; labelColumn?: string; confidence?: number; redis?: string; wait?: number } = {},
): Promise<ShadowReportResult> {
  validateName('model', model);
  const synced = o.redis ? await syncShadowFromRedis(ws, o.redis, model, { wait: o.wait }) : undefined;
  let entries = readShadow(ws, model);
  if (entries.length === 0) throw notFound(`no shadow log for ${model}`, `score with: dictl score --package CHAMPION_DIR --challenger CHALLENGER_DIR …${o.redis ? '' : ' (or pass --redis URL when scoring from Redis)'}`);
  if (o.challenger) {
    const want = o.challenger;
    entries = entries.filter((e) => e.challenger.model === want || e.challenger.model.split('@')[0] === want);
    if (entries.length === 0) throw notFound(`the shadow log of ${model} has no events scored by challenger ${want}`, `see the pairs with: dictl decide shadow ${model}`);
  }
  const byReview = new Map<string, Label>();
  for (const c of readCases(ws, model)) if (c.resolution) byReview.set(c.id, c.resolution.label);
  const names = Object.keys(entries[0].input).sort();
  if (o.labels === undefined && o.labelColumn !== undefined) throw usageError('--label-column needs --labels FILE');
  const byInput = o.labels ? readLabelsFile(o.labels, o.labelColumn ?? 'label', names) : new Map<string, Label>();
  const labels = matchLabels(entries, byReview, byInput, names);
  const r: ShadowReportResult = { ...shadowReport(model, entries, labels, { confidence: o.confidence }), log: shadowLogPath(ws, model) };
  if (synced) r.synced = synced;
  return r;
}

/**
 * Review cases queued on Redis (when scoring from a Redis stream the scorer XADDs each case to the
 * stream reviews:MODEL as one field "case" holding the JSON). `review sync` copies new entries into
 * the workspace queue under the lock, remembering the last entry id per model
 * (registry/reviews/MODEL/redis-cursor.json), so list/resolve/export/trust see them. Idempotent: case
 * ids are content hashes and already-known ids are skipped.
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { dataError, usageError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { withLock } from '../io/lock.js';
import { appendAudit } from '../registry/audit.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { fileReviewSink, modelReviewsDir, readCases, type ReviewCase } from './queue.js';

export const reviewStreamKey = (model: string) => `reviews:${model}`;

export interface SyncResult {
  model: string;
  stream: string;
  read: number;
  added: number;
  skipped: number;
  cursor: string;
}

export async function syncFromRedis(ws: Workspace, url: string, model: string, o: { wait?: number; batch?: number } = {}): Promise<SyncResult> {
  validateName('model', model);
  if (!/^rediss?:\/\//.test(url)) throw usageError(`--redis must be a redis:// URL, got "${url}"`);
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {}); // reported through connect()'s rejection
  try {
    try {
      await client.connect();
    } catch (e) {
      throw dataError(`cannot connect to ${url}: ${(e as Error).message}`);
    }
    return await withLock(ws.registryDir, { wait: o.wait, command: `review sync ${model}` }, async () => {
      const cursorPath = join(modelReviewsDir(ws, model), 'redis-cursor.json');
      let cursor = existsSync(cursorPath) ? (JSON.parse(readFileSync(cursorPath, 'utf8')) as { last: string }).last : '0-0';
      const known = new Set(readCases(ws, model).map((c) => c.id));
      const key = reviewStreamKey(model);
      let read = 0;
      let added = 0;
      let skipped = 0;
      for (;;) {
        const entries = (await client.xrange(key, `(${cursor}`, '+', 'COUNT', o.batch ?? 1000)) as [string, string[]][];
        if (entries.length === 0) break;
        const fresh: ReviewCase[] = [];
        for (const [id, fields] of entries) {
          read++;
          cursor = id;
          const i = fields.indexOf('case');
          let c: ReviewCase | undefined;
          try {
            c = i >= 0 ? (JSON.parse(fields[i + 1]) as ReviewCase) : undefined;
          } catch {
            c = undefined;
          }
          if (!c || c.model !== model || typeof c.id !== 'string' || known.has(c.id)) {
            skipped++;
            continue;
          }
          known.add(c.id);
          fresh.push(c);
        }
        await fileReviewSink(ws).add(fresh);
        added += fresh.length;
        writeJsonAtomic(cursorPath, { last: cursor, stream: key });
      }
      if (added) appendAudit(ws, { action: 'review.sync', subject: model, details: { stream: key, added, skipped, cursor } });
      return { model, stream: key, read, added, skipped, cursor };
    });
  } finally {
    client.disconnect();
  }
}

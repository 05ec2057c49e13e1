/**
 * `dictl review sync --redis URL --model MODEL`: copies the review cases a scorer queued on the Redis
 * stream reviews:MODEL into the workspace queue, under the workspace lock, once (the cursor is
 * registry/reviews/MODEL/redis-cursor.json; already-known case ids are skipped), with a `review.sync`
 * audit entry when anything was added.
 */
import { join } from 'node:path';
import { appendAudit } from '../io/audit.js';
import { locked } from '../io/lock.js';
import { connectOnce } from '../io/redis.js';
import { fileReviewSink, modelReviewsDir, readCases, type ReviewCase } from '../review/queue.js';
import { copyNewEntries, reviewStreamKey } from '../review/redis-queue.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';

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
  const client = await connectOnce(url);
  try {
    return await locked(ws, o.wait, `review sync ${model}`, async () => {
      const key = reviewStreamKey(model);
      const r = await copyNewEntries<ReviewCase>(client, {
        key,
        field: 'case',
        cursorPath: join(modelReviewsDir(ws, model), 'redis-cursor.json'),
        known: new Set(readCases(ws, model).map((c) => c.id)),
        accept: (c) => c.model === model,
        append: (cs) => fileReviewSink(ws).add(cs),
        batch: o.batch,
      });
      if (r.added) appendAudit(ws, { action: 'review.sync', subject: model, details: { stream: key, added: r.added, skipped: r.skipped, cursor: r.cursor } });
      return { model, stream: key, ...r };
    });
  } finally {
    client.disconnect();
  }
}

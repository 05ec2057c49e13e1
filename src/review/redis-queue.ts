/**
 * Review cases queued on Redis (when scoring from a Redis stream the scorer XADDs each case to the
 * stream reviews:MODEL as one field "case" holding the JSON). `review sync` (ops/review-sync.ts) copies
 * new entries into the workspace queue under the lock with copyNewEntries, remembering the last entry
 * id per model (registry/reviews/MODEL/redis-cursor.json), so list/resolve/export/trust see them. Idempotent: case
 * ids are content hashes and already-known ids are skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../io/atomic.js';

export const reviewStreamKey = (model: string) => `reviews:${model}`;

export interface StreamCopy<T extends { id: string }> {
  /** stream key, e.g. reviews:MODEL */
  key: string;
  /** the entry field holding one JSON item */
  field: string;
  /** where the last copied entry id is remembered */
  cursorPath: string;
  /** ids already in the workspace (grows as items are copied) */
  known: Set<string>;
  /** whether an item belongs here (e.g. its model matches) */
  accept(item: T): boolean;
  /** appends a batch of new items to the workspace log */
  append(items: T[]): void | Promise<void>;
  batch?: number;
}

/**
 * Copies the entries of a stream written after the saved cursor into a workspace log, once: items
 * whose id is already known, unreadable or not accepted are skipped; the cursor advances per batch.
 * The caller holds the workspace lock.
 */
export async function copyNewEntries<T extends { id: string }>(client: import('ioredis').Redis, c: StreamCopy<T>): Promise<{ read: number; added: number; skipped: number; cursor: string }> {
  let cursor = existsSync(c.cursorPath) ? (JSON.parse(readFileSync(c.cursorPath, 'utf8')) as { last: string }).last : '0-0';
  let read = 0;
  let added = 0;
  let skipped = 0;
  for (;;) {
    const entries = (await client.xrange(c.key, `(${cursor}`, '+', 'COUNT', c.batch ?? 1000)) as [string, string[]][];
    if (entries.length === 0) break;
    const fresh: T[] = [];
    for (const [id, fields] of entries) {
      read++;
      cursor = id;
      const i = fields.indexOf(c.field);
      let x: T | undefined;
      try {
        x = i >= 0 ? (JSON.parse(fields[i + 1]) as T) : undefined;
      } catch {
        x = undefined;
      }
      if (!x || typeof x.id !== 'string' || !c.accept(x) || c.known.has(x.id)) {
        skipped++;
        continue;
      }
      c.known.add(x.id);
      fresh.push(x);
    }
    if (fresh.length) await c.append(fresh);
    added += fresh.length;
    writeJsonAtomic(c.cursorPath, { last: cursor, stream: c.key });
  }
  return { read, added, skipped, cursor };
}

/**
 * The online feature store in Redis: one hash per entity, `${prefix}${entity key value}`, holding that
 * entity's feature values as strings, plus one hash `${prefix}__dictl_schema__` {field: number|boolean|string}
 * so readers turn the strings back into typed values. Null values are left out of the hash (the
 * scorer's imputation handles them).
 *
 * writeOnline: validates every row first (entity key present), then writes in chunks, each chunk one
 * MULTI (DEL + HSET per entity, so a field that became null does not linger). Used by
 * `dictl feature materialize`.
 * OnlineLookup: pipelined HGETALL for the keys not in a small LRU (entries expire after ttlMs so
 * re-materialized features are seen), used for stream enrichment (--lookup).
 */
import { checkRedisUrl, openRedis, type Redis } from '../io/redis.js';
import { dataError } from '../errors.js';
import type { Tick } from '../ui/progress.js';

export const SCHEMA_SUFFIX = '__dictl_schema__';
export type OnlineType = 'number' | 'boolean' | 'string';

export interface WriteOnlineResult {
  keys: number;
  fields: number;
  prefix: string;
  schemaKey: string;
  schema: Record<string, OnlineType>;
}

async function connect(url: string, name: string): Promise<Redis> {
  checkRedisUrl(url, 'online store', 'redis://127.0.0.1:6379');
  return openRedis(url, { kind: 'reader', name });
}

/** DuckDB DECIMAL/HUGEINT values arrive as objects with toDouble() */
const numericObject = (v: unknown): v is { toDouble(): number } => typeof v === 'object' && v !== null && typeof (v as { toDouble?: unknown }).toDouble === 'function';

function typeOf(v: unknown): OnlineType | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
  if (typeof v === 'number' || typeof v === 'bigint' || numericObject(v)) return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'string';
}

export function encodeValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (v instanceof Date) return v.toISOString();
  if (numericObject(v)) return encodeValue(v.toDouble());
  return String(v);
}

export function decodeValue(s: string, t: OnlineType | undefined): unknown {
  if (t === 'string') return s;
  if (t === 'boolean') return s === 'true';
  if (t === 'number' || (t === undefined && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s))) {
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  }
  return s;
}

/** The per-field types of rows (first non-null value decides; mixed number/string → string). */
export function inferSchema(rows: Record<string, unknown>[], entityKey: string): Record<string, OnlineType> {
  const schema: Record<string, OnlineType> = {};
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (k === entityKey) continue;
      const t = typeOf(v);
      if (!t) continue;
      if (schema[k] === undefined) schema[k] = t;
      else if (schema[k] !== t) schema[k] = 'string';
    }
  }
  return schema;
}

export async function writeOnline(
  url: string,
  prefix: string,
  entityKey: string,
  rows: Record<string, unknown>[],
  opts: { chunk?: number; ttlSec?: number; onTick?: Tick } = {},
): Promise<WriteOnlineResult> {
  // validate everything before the first write
  rows.forEach((row, i) => {
    const id = row[entityKey];
    if (id === null || id === undefined || id === '') throw dataError(`row ${i} has no value for the entity key "${entityKey}"`, 'every row needs its entity key');
  });
  const schema = inferSchema(rows, entityKey);
  const schemaKey = `${prefix}${SCHEMA_SUFFIX}`;
  const r = await connect(url, 'dictl-online-write');
  let fields = 0;
  try {
    const chunk = opts.chunk ?? 1000;
    for (let start = 0; start < rows.length; start += chunk) {
      const m = r.multi();
      for (const row of rows.slice(start, start + chunk)) {
        const key = `${prefix}${encodeValue(row[entityKey])}`;
        const f: string[] = [];
        for (const [k, v] of Object.entries(row)) {
          if (k === entityKey) continue;
          const s = encodeValue(v);
          if (s !== undefined) f.push(k, s);
        }
        m.del(key);
        if (f.length > 0) {
          m.hset(key, ...f);
          fields += f.length / 2;
        }
        if (opts.ttlSec) m.expire(key, opts.ttlSec);
      }
      const res = await m.exec();
      for (const [err] of res ?? []) if (err) throw err;
      opts.onTick?.(Math.min(start + chunk, rows.length), rows.length);
    }
    const sf = Object.entries(schema).flat();
    if (sf.length > 0) await r.hset(schemaKey, ...sf);
  } finally {
    await r.quit().catch(() => r.disconnect());
  }
  return { keys: rows.length, fields, prefix, schemaKey, schema };
}

interface CacheEntry {
  value: Record<string, unknown> | null;
  at: number;
}

export class OnlineLookup {
  private cache = new Map<string, CacheEntry>();
  private schema?: Record<string, OnlineType>;
  private schemaAt = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly r: Redis,
    readonly prefix: string,
    private readonly opts: { lruSize: number; ttlMs: number } = { lruSize: 10_000, ttlMs: 5_000 },
  ) {}

  static async open(url: string, prefix: string, opts?: { lruSize: number; ttlMs: number }): Promise<OnlineLookup> {
    return new OnlineLookup(await connect(url, 'dictl-online-lookup'), prefix, opts);
  }

  /** Feature values of each id (null when the entity is not in the store), in order. */
  async getMany(ids: string[]): Promise<(Record<string, unknown> | null)[]> {
    const now = Date.now();
    const out: (Record<string, unknown> | null)[] = new Array(ids.length);
    const missing = new Map<string, number[]>();
    ids.forEach((id, i) => {
      const c = this.cache.get(id);
      if (c && now - c.at < this.opts.ttlMs) {
        this.hits++;
        // refresh recency
        this.cache.delete(id);
        this.cache.set(id, c);
        out[i] = c.value;
      } else {
        this.misses++;
        const at = missing.get(id);
        if (at) at.push(i);
        else missing.set(id, [i]);
      }
    });
    if (missing.size === 0) return out;
    const p = this.r.pipeline();
    const refreshSchema = !this.schema || now - this.schemaAt >= this.opts.ttlMs;
    if (refreshSchema) p.hgetall(`${this.prefix}${SCHEMA_SUFFIX}`);
    const keys = [...missing.keys()];
    for (const id of keys) p.hgetall(`${this.prefix}${id}`);
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    let off = 0;
    if (refreshSchema) {
      this.schema = res[0][1] as Record<string, OnlineType>;
      this.schemaAt = now;
      off = 1;
    }
    keys.forEach((id, j) => {
      const h = res[j + off][1] as Record<string, string>;
      let value: Record<string, unknown> | null = null;
      if (h && Object.keys(h).length > 0) {
        value = {};
        for (const [k, s] of Object.entries(h)) value[k] = decodeValue(s, this.schema?.[k]);
      }
      this.put(id, { value, at: now });
      for (const i of missing.get(id)!) out[i] = value;
    });
    return out;
  }

  private put(id: string, e: CacheEntry) {
    this.cache.delete(id);
    this.cache.set(id, e);
    while (this.cache.size > this.opts.lruSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  async close(): Promise<void> {
    await this.r.quit().catch(() => this.r.disconnect());
  }
}

/**
 * Enrichment: for each event with a value for entityKey, the looked-up fields are merged UNDER the
 * event's own fields (an event's own value always wins).
 */
export function mergeUnder(event: Record<string, unknown>, looked: Record<string, unknown> | null): void {
  if (!looked) return;
  for (const [k, v] of Object.entries(looked)) if (event[k] === undefined) event[k] = v;
}

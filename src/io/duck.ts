/**
 * DuckDB access. Loaded lazily (importing costs ~200 ms) by the commands that need it. Values are bound
 * as parameters where DuckDB allows; paths and identifiers that must be spliced are quoted here.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Tick } from '../ui/progress.js';

export { sqlIdent, sqlString } from '../util/sql-quote.js';

export interface Duck {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  /** rows as plain JS objects (BIGINT → number when safe) */
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): void;
}

function toJs(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export interface DuckDefaults {
  /** DuckDB memory_limit, e.g. "600MiB" */
  memoryLimit?: string;
  /** where DuckDB spills what does not fit */
  tempDirectory?: string;
}

let defaults: DuckDefaults = {};

/** Settings every DuckDB opened from now on gets (the command's memory budget: src/io/memory.ts). */
export function setDuckDefaults(d: DuckDefaults): void {
  defaults = { ...d };
}

export async function openDuck(opts: { threads?: number; lockdown?: boolean; progress?: boolean } = {}): Promise<Duck> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const config: Record<string, string> = {};
  if (opts.threads) config.threads = String(opts.threads);
  if (defaults.memoryLimit) config.memory_limit = defaults.memoryLimit;
  if (defaults.tempDirectory) config.temp_directory = defaults.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  // query progress is tracked only with the progress bar on; dictl draws its own, so DuckDB prints nothing
  if (opts.progress) await conn.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0');
  const duck: Duck = {
    instance,
    conn,
    async all<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const reader = params && params.length ? await conn.runAndReadAll(sql, params as never) : await conn.runAndReadAll(sql);
      const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
      return rows.map((r) => {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(r)) o[k] = toJs(r[k]);
        return o as T;
      });
    },
    async run(sql: string, params?: unknown[]): Promise<void> {
      if (params && params.length) await conn.run(sql, params as never);
      else await conn.run(sql);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
  return duck;
}

/**
 * Reports the rows done / rows to do of whatever query runs on duck's connection, every `everyMs`, until the
 * returned function is called. Needs openDuck({progress: true}); each statement starts its own count.
 */
export function watchProgress(duck: Duck, onTick: Tick, everyMs = Math.max(1, Math.min(200, Number(process.env.DICTL_PROGRESS_MS) || 200))): () => void {
  const timer = setInterval(() => {
    try {
      const p = duck.conn.progress;
      const done = Number(p.rows_processed);
      // the total is DuckDB's estimate (for CSV, from bytes): never below what is already done
      const total = Math.max(Number(p.total_rows_to_process), done);
      if (p.percentage >= 0 && total > 0) onTick(done, total);
    } catch {
      clearInterval(timer); // the connection was closed under the watcher
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs fn with a fresh in-memory DuckDB and always closes it. */
export async function withDuck<T>(fn: (d: Duck) => Promise<T>, opts?: { threads?: number; progress?: boolean }): Promise<T> {
  const d = await openDuck(opts);
  try {
    return await fn(d);
  } finally {
    d.close();
  }
}

/**
 * Copies m doubles of a DuckDB DOUBLE vector into out[start], out[start + stride], ... (NULL → NaN).
 * Reads the vector's Float64Array and validity bitmask directly when they are there (≈10× faster
 * than getItem), else falls back to getItem.
 */
export function readDoubleVector(vec: { getItem(i: number): unknown }, m: number, out: Float64Array, start: number, stride: number): void {
  const items = (vec as unknown as { items?: unknown }).items;
  const validity = (vec as unknown as { validity?: { data?: BigUint64Array | null; offset?: number } }).validity;
  if (items instanceof Float64Array && items.length >= m && validity && (validity.offset ?? 0) === 0 && (validity.data === null || validity.data instanceof BigUint64Array)) {
    const bits = validity.data ? new Uint8Array(validity.data.buffer, validity.data.byteOffset, validity.data.byteLength) : null;
    for (let i = 0, k = start; i < m; i++, k += stride) out[k] = bits && (bits[i >> 3] & (1 << (i & 7))) === 0 ? NaN : items[i];
    return;
  }
  for (let i = 0, k = start; i < m; i++, k += stride) {
    const x = vec.getItem(i) as number | null;
    out[k] = x === null ? NaN : x;
  }
}

/**
 * Runs `sql` (k DOUBLE columns, n rows) and returns its columns as Float64Arrays (NULL → NaN), in the
 * order DuckDB streams the rows.
 */
export async function readDoubleColumns(duck: Duck, sql: string, k: number, n: number): Promise<Float64Array[]> {
  const cols = Array.from({ length: k }, () => new Float64Array(n));
  const result = await duck.conn.stream(sql);
  let off = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const m = chunk.rowCount;
    if (off + m > n) throw new Error(`readDoubleColumns: more than the expected ${n} rows`);
    for (let j = 0; j < k; j++) readDoubleVector(chunk.getColumnVector(j), m, cols[j], off, 1);
    off += m;
  }
  if (off !== n) throw new Error(`readDoubleColumns: read ${off} rows, expected ${n}`);
  return cols;
}

/**
 * DuckDB access. Loaded lazily (importing costs ~200 ms) by the commands that need it. Values are bound
 * as parameters where DuckDB allows; paths and identifiers that must be spliced are quoted here.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

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

export async function openDuck(opts: { threads?: number; lockdown?: boolean } = {}): Promise<Duck> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const config: Record<string, string> = {};
  if (opts.threads) config.threads = String(opts.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
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

/** Runs fn with a fresh in-memory DuckDB and always closes it. */
export async function withDuck<T>(fn: (d: Duck) => Promise<T>, opts?: { threads?: number }): Promise<T> {
  const d = await openDuck(opts);
  try {
    return await fn(d);
  } finally {
    d.close();
  }
}

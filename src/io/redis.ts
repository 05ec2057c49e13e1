/**
 * Every Redis connection dictl opens: the URL check and the two connection kinds.
 * - `reconnect` (streams, online store): retries forever, commands wait in the offline queue while the
 *   server is down; RESP2 replies so XREADGROUP/HGETALL keep one shape whatever the server speaks.
 * - `once` (review/shadow sync, queue writers): no reconnect loop; a failed command rejects and the
 *   caller reports it.
 * ioredis is loaded only when a connection is asked for.
 */
import type { Redis } from 'ioredis';
import { dataError, usageError } from '../errors.js';

export type { Redis } from 'ioredis';

/** A redis:// or rediss:// URL, or a usage error naming the flag that gave it. */
export function checkRedisUrl(url: string, flag: string, hint = `${flag} redis://127.0.0.1:6379`): void {
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) throw usageError(`${flag} must be a redis:// URL, got "${url}"`, hint);
}

export interface RedisOptions {
  /**
   * `reader`: reconnects forever and commands wait in the offline queue (stream readers, the online store);
   * `writer`: reconnects, but a command rejects after `retries` attempts (review and shadow queues beside a run);
   * `once`: no reconnect, a command rejects at once (one-off syncs)
   */
  kind: 'reader' | 'writer' | 'once';
  /** CLIENT SETNAME, shown by CLIENT LIST */
  name?: string;
  /** `writer`: attempts per command (default 2) */
  retries?: number;
}

/** A connected client of the given kind. Errors are never unhandled events: callers see failed commands. */
export async function openRedis(url: string, o: RedisOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const backoff = (times: number) => Math.min(50 * times, 1000);
  const r = new Redis(url, {
    lazyConnect: true,
    connectionName: o.name,
    ...(o.kind === 'reader'
      ? { protocol: 2, maxRetriesPerRequest: null, retryStrategy: backoff }
      : o.kind === 'writer'
        ? { maxRetriesPerRequest: o.retries ?? 2 }
        : { maxRetriesPerRequest: 1, retryStrategy: () => null }),
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
  } catch (e) {
    r.disconnect();
    throw e;
  }
  return r;
}

/** A fail-fast client, or a data error naming the server it could not reach. */
export async function connectOnce(url: string): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) throw usageError(`--redis must be a redis:// URL, got "${url}"`);
  try {
    return await openRedis(url, { kind: 'once' });
  } catch (e) {
    throw dataError(`cannot connect to ${url}: ${(e as Error).message}`);
  }
}

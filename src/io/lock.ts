/**
 * The workspace write lock: one file created exclusively, naming the holder (pid, host, command, time).
 * A lock whose pid is dead on this host is stale and is cleared. `wait` seconds > 0 polls instead of
 * failing at once. Read-only commands never take it.
 */
import { readFileSync, rmSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createExclusive, tempPathFor } from './atomic.js';
import { busyError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface LockOptions {
  /** seconds to wait for a busy lock; 0 fails at once */
  wait?: number;
  command?: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** True when the lock file names a process that no longer exists on this host (or is unreadable). */
export function isStale(info: LockInfo | undefined): boolean {
  if (!info) return true;
  return info.host === hostname() && !pidAlive(info.pid);
}

function tryClearStale(path: string): void {
  const info = readLock(path);
  if (info === undefined) {
    // half-written or vanished: only clear if it is still unreadable after a moment's grace
    return;
  }
  if (!isStale(info)) return;
  // move aside atomically so two clearers cannot both remove a fresh lock
  const aside = tempPathFor(path);
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readLock(aside);
  if (moved && moved.pid !== info.pid) {
    // we moved a fresh lock by mistake: put it back if the slot is still free
    try {
      renameSync(aside, path);
    } catch {
      /* ignore */
    }
    return;
  }
  rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<() => void> {
  const path = join(dir, '.lock');
  const info: LockInfo = { pid: process.pid, host: hostname(), command: opts.command ?? process.argv.slice(2).join(' '), since: new Date().toISOString() };
  const deadline = Date.now() + Math.max(0, opts.wait ?? 0) * 1000;
  let delay = 10;
  let unreadableSince: number | undefined;
  for (;;) {
    if (createExclusive(path, JSON.stringify(info))) {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const cur = readLock(path);
        if (cur && cur.pid === process.pid) rmSync(path, { force: true });
      };
    }
    const holder = readLock(path);
    if (holder === undefined) {
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 2000) rmSync(path, { force: true }); // a holder that died mid-write
    } else {
      unreadableSince = undefined;
      if (isStale(holder)) {
        tryClearStale(path);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} running "${holder.command}" since ${holder.since}` : 'another process';
      throw busyError(`workspace is locked by ${who}`, 'retry later, or pass --wait SECONDS to wait for it');
    }
    await sleep(delay + Math.floor(Math.random() * delay));
    delay = Math.min(delay * 2, 200);
  }
}

export async function withLock<T>(dir: string, opts: LockOptions, fn: () => Promise<T> | T): Promise<T> {
  const release = await acquireLock(dir, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}

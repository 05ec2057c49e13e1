/**
 * The workspace write lock: one file created exclusively, naming the holder (pid, host, command, time).
 * A lock whose pid is dead on this host is stale and is cleared, and so is a lock file that is empty or
 * does not parse once it is older than UNREADABLE_STALE_MS (dictl writes it complete in one step, so
 * such a file is debris, e.g. of a full disk under an older version). `wait` seconds > 0 polls instead of
 * failing at once. `force` clears any holder (a process on another host, a reused pid): only for
 * `doctor --repair --force`. Read-only commands never take it.
 */
import { accessSync, constants, readFileSync, rmSync, renameSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createExclusive, tempPathFor } from './atomic.js';
import { onInterrupt } from './interrupt.js';
import { busyError } from '../errors.js';
import type { Workspace } from '../workspace.js';

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
  /** clear the lock whoever holds it (the caller warns); see `doctor --repair --force` */
  force?: boolean;
  /** told about a lock cleared by force */
  onForced?: (holder: LockInfo | undefined) => void;
}

/** an unreadable lock file older than this is stale */
export const UNREADABLE_STALE_MS = 5000;
/** how many stale locks one acquisition clears before it counts the lock as busy (bounds the loop) */
const MAX_CLEARS = 10;

/** True when a process with this pid exists on this host. */
export function pidAlive(pid: number): boolean {
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

/** Age in ms of the lock file, or undefined when it does not exist. */
export function lockAge(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** An unreadable (empty, torn, not JSON) lock file older than UNREADABLE_STALE_MS. */
export function isUnreadableStale(path: string): boolean {
  const age = lockAge(path);
  return age !== undefined && age > UNREADABLE_STALE_MS && readLock(path) === undefined;
}

/** Moves an unreadable stale lock aside and removes it; false when it changed meanwhile. */
function clearUnreadable(path: string): boolean {
  const aside = tempPathFor(path);
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  if (readLock(aside) !== undefined) {
    // a fresh, complete lock replaced it between the check and the move: put it back
    try {
      renameSync(aside, path);
    } catch {
      /* ignore */
    }
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

function tryClearStale(path: string, force = false): void {
  const info = readLock(path);
  if (info === undefined) {
    // unreadable: stale once old enough (dictl writes a lock complete, in one step)
    if (force || isUnreadableStale(path)) clearUnreadable(path);
    return;
  }
  if (!force && !isStale(info)) return;
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
  let clears = 0;
  for (;;) {
    if (createExclusive(path, JSON.stringify(info))) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        forget();
        const cur = readLock(path);
        if (cur && cur.pid === process.pid) rmSync(path, { force: true });
      };
      const forget = onInterrupt(release);
      return release;
    }
    const holder = readLock(path);
    if (clears < MAX_CLEARS && (opts.force || (holder === undefined ? isUnreadableStale(path) : isStale(holder)))) {
      clears++;
      if (opts.force && holder?.pid !== process.pid) opts.onForced?.(holder);
      tryClearStale(path, opts.force);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} running "${holder.command}" since ${holder.since}` : `a lock file that is still being written or unreadable (${path}; cleared once older than ${UNREADABLE_STALE_MS / 1000} s)`;
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

/**
 * The workspace's writer lock (registry/.lock) around `fn`: every store and use case that writes takes it
 * this way, with the command's --wait and a description of what holds it (shown to a waiting writer);
 * `force` (doctor --repair --force) clears a stale lock, telling `onForced` whose it was.
 */
export function locked<T>(ws: Pick<Workspace, 'registryDir'>, wait: number | undefined, command: string, fn: () => Promise<T> | T, force?: Pick<LockOptions, 'force' | 'onForced'>): Promise<T> {
  return withLock(ws.registryDir, { wait: wait ?? 0, command, ...force }, fn);
}

/**
 * False when `dir` is on a read-only file system (or not writable by this user). Readers that would
 * also record something (evaluate stores its result, package its lineage) then only read: committed
 * versions are immutable and renamed into place whole, so reading them needs no lock.
 */
export function writableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return false;
    throw e;
  }
}

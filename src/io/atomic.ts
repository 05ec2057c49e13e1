/**
 * Atomic file-system writes. Every write to a workspace or registry goes through here: the bytes go to
 * a temp file in the target's own folder, are fsynced, then renamed over the target, and the folder is
 * fsynced, so a crash leaves either the old file or the new one, never a torn one. Temp files carry the
 * marker `.tmp-` so `dictl doctor` can recognise and clear leftovers.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync, existsSync, readdirSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { stableStringify } from '../util/json.js';
import { onInterrupt } from './interrupt.js';

export const TMP_MARKER = '.tmp-';

export function tempPathFor(target: string): string {
  return join(dirname(target), `${TMP_MARKER}${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}`);
}

/**
 * mkdir -p, one level at a time: bounded by the depth of the path. (Node's recursive mkdirSync spins
 * forever on some pseudo file systems, e.g. under /proc/self.)
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let cur = resolve(dir);
  while (!existsSync(cur)) {
    missing.push(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems refuse fsync on a folder; the rename is still atomic */
  }
}

/** An fs error of a write to a temp file, reported against the file the user knows: `target`. */
function about<E>(e: E, target: string): E {
  if (e && typeof e === 'object' && 'code' in e) Object.assign(e, { path: target });
  return e;
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  try {
    writeFileAtomicAt(target, data);
  } catch (e) {
    throw about(e, target);
  }
}

function writeFileAtomicAt(target: string, data: string | Uint8Array): void {
  ensureDir(dirname(target));
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(target));
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, stableStringify(value));
}

/**
 * Creates a file only if it does not exist. Returns false when it already exists. The bytes are written
 * to a temp file first and hard-linked into place, so the file appears complete or not at all: a full
 * disk can never leave an empty or half-written file under `target`.
 */
export function createExclusive(target: string, data: string): boolean {
  try {
    return createExclusiveAt(target, data);
  } catch (e) {
    throw about(e, target);
  }
}

function createExclusiveAt(target: string, data: string): boolean {
  ensureDir(dirname(target));
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      const buf = Buffer.from(data, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // a file system without hard links: rename cannot refuse to replace, so the stricter check loses
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusiveInPlace(target, data);
      throw e;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDir(dirname(target));
  return true;
}

function createExclusiveInPlace(target: string, data: string): boolean {
  let fd: number;
  try {
    fd = openSync(target, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(target, { force: true });
    throw e;
  }
  closeSync(fd);
  return true;
}

/**
 * A staging folder beside `finalDir`; fill it, then `commitDir` renames it into place in one step.
 * The final folder must not exist yet: a version is never overwritten.
 */
export function stagingDirFor(finalDir: string): string {
  const dir = tempPathFor(finalDir);
  ensureDir(dir);
  // interrupted before the commit: the folder goes
  stagingForget.set(dir, onInterrupt(() => rmSync(dir, { recursive: true, force: true })));
  return dir;
}

const stagingForget = new Map<string, () => void>();

/** Removes a staging folder that will not be committed. */
export function dropStaging(staging: string): void {
  rmSync(staging, { recursive: true, force: true });
  stagingForget.get(staging)?.();
  stagingForget.delete(staging);
}

export function commitDir(staging: string, finalDir: string): void {
  // fsync every file in the staged folder before it becomes visible
  for (const f of readdirSync(staging)) {
    const p = join(staging, f);
    if (statSync(p).isFile()) {
      const fd = openSync(p, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  fsyncDir(staging);
  if (existsSync(finalDir)) {
    rmSync(staging, { recursive: true, force: true });
    throw Object.assign(new Error(`refusing to overwrite ${finalDir}`), { code: 'EEXIST' });
  }
  renameSync(staging, finalDir);
  stagingForget.get(staging)?.();
  stagingForget.delete(staging);
  fsyncDir(dirname(finalDir));
}

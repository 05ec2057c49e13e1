/**
 * Reading a user's input file so that what is hashed is exactly what is stored, even when another
 * program rewrites the file meanwhile:
 *  - a file at rest (not modified for HOT_MS) is read in place, and its identity (device, inode, size,
 *    mtime, ctime) is compared with the first look before anything is committed: any write after the
 *    first look moves mtime past its old value, so a changed file is refused, never stored mixed;
 *  - a file modified just now may still be being written: it is copied first (a copy-on-write clone
 *    where the file system has them) and only the copy is read and hashed; a file that changed during
 *    the copy is refused. The copy sits beside the workspace's staging folders (temp marker: doctor
 *    clears it after a crash) and goes when the caller is done.
 */
import { constants, copyFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { dataError } from '../errors.js';
import { tempPathFor } from './atomic.js';
import { onInterrupt } from './interrupt.js';

const same = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/** a file modified less than this long ago is copied before it is read */
export const HOT_MS = 2000;

const changed = (shown: string) =>
  dataError(`${shown}: the file changed while being read (it is being written by another program)`, 'register it once it is complete, e.g. write it elsewhere and move it into place');

export interface SourceRead {
  /** the file to read: the source itself, or the private copy */
  path: string;
  /** throws "the file changed while being read" when the source changed since the first look (call before committing) */
  check: () => void;
  remove: () => void;
}

/** How to read `src` (a regular file, stats `before`) safely; see above. */
export function readSource(src: string, shown: string, besidePath: string, before: Stats, now = Date.now()): SourceRead {
  if (now - before.mtimeMs < HOT_MS || now - before.ctimeMs < HOT_MS) {
    const snap = snapshotFile(src, shown, besidePath, before);
    return { path: snap.path, check: () => {}, remove: snap.remove };
  }
  return {
    path: src,
    check: () => {
      if (!same(before, statSync(src))) throw changed(shown);
    },
    remove: () => {},
  };
}

export interface Snapshot {
  path: string;
  bytes: number;
  remove: () => void;
}

/** Copies `src` (already checked to be a regular file, stats `before`) to a temp file beside `besidePath`. */
export function snapshotFile(src: string, shown: string, besidePath: string, before: Stats): Snapshot {
  const path = tempPathFor(besidePath);
  const forget = onInterrupt(() => rmSync(path, { force: true }));
  const remove = () => {
    rmSync(path, { force: true });
    forget();
  };
  try {
    // a copy-on-write clone where the file system has them (btrfs, xfs): no bytes copied
    copyFileSync(src, path, constants.COPYFILE_FICLONE);
    const after = statSync(src);
    const copy = statSync(path);
    if (!same(before, after) || copy.size !== after.size) throw changed(shown);
    return { path, bytes: copy.size, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/**
 * A private copy of a user's input file, taken before anything reads it, so that what is hashed is
 * exactly what is stored even when another program rewrites the file meanwhile. The copy sits beside
 * the workspace's staging folders (temp marker: doctor clears it after a crash) and goes when the
 * caller is done. The file's identity (device, inode, size, mtime, ctime) is compared before and after
 * the copy: a file that changed while being copied is refused instead of stored half old, half new.
 */
import { constants, copyFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { dataError } from '../errors.js';
import { tempPathFor } from './atomic.js';
import { onInterrupt } from './interrupt.js';

const same = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

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
    if (!same(before, after) || copy.size !== after.size)
      throw dataError(`${shown}: the file changed while being read (it is being written by another program)`, 'register it once it is complete, e.g. write it elsewhere and move it into place');
    return { path, bytes: copy.size, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

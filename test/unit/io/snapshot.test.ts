/** A source file read for registration: refused when it changes while being read; read in place when at rest, copied when just written. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOT_MS, readSource, snapshotFile } from '../../../src/io/snapshot.js';

const scratch = mkdtempSync(join(tmpdir(), 'dictl-snapshot-'));

describe('3. a file rewritten while it is registered', () => {
  it('a change between the first look and the copy is refused: "the file changed while being read"', () => {
    const f = join(scratch, 'changing.csv');
    writeFileSync(f, 'a,b\n1,2\n');
    const before = statSync(f);
    writeFileSync(f, 'a,b\n3,4\n'); // same size, rewritten in place
    expect(() => snapshotFile(f, f, join(scratch, 'copy'), before)).toThrow(/the file changed while being read/);
    expect(readdirSync(scratch).filter((n) => n.startsWith('.tmp-copy'))).toEqual([]);
  });

  it('a file at rest is read in place and refused if it changes before the commit; a file written just now is copied', () => {
    const f = join(scratch, 'atrest.csv');
    writeFileSync(f, 'a,b\n1,2\n');
    const hour = Date.now() / 1000 - 3600;
    utimesSync(f, hour, hour);
    const atRest = readSource(f, f, join(scratch, 'copy'), statSync(f), Date.now() + 2 * HOT_MS); // as if 4 s had passed: ctime (set by utimes) too is past HOT_MS
    expect(atRest.path).toBe(f);
    atRest.check();
    writeFileSync(f, 'a,b\n3,4\n');
    expect(() => atRest.check()).toThrow(/the file changed while being read/);
    const hot = readSource(f, f, join(scratch, 'copy'), statSync(f));
    expect(hot.path).not.toBe(f);
    expect(readFileSync(hot.path, 'utf8')).toBe('a,b\n3,4\n');
    hot.remove();
    expect(existsSync(hot.path)).toBe(false);
  });
});

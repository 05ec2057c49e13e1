/**
 * Helpers for the bad-input corpus: a hash of a whole folder tree (to prove a refused command changed
 * nothing), the "one clear line" check of a CLI error, and real file systems to fail on (a tmpfs that
 * can be filled or remounted read-only, needing root).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** path → content hash (files), '<dir>' or 'link:target', for every entry under root. */
export function treeState(root: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(r, '<dir>');
        walk(p, r);
      } else out.set(r, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root, '');
  return out;
}

export function treeHash(root: string, skip?: (rel: string) => boolean): string {
  const h = createHash('sha256');
  for (const [k, v] of treeState(root, skip)) h.update(`${k}\0${v}\n`);
  return h.digest('hex');
}

/** The differences between two tree states, for a readable failure. */
export function treeDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const d: string[] = [];
  for (const [k, v] of a) if (!b.has(k)) d.push(`removed ${k}`);
  else if (b.get(k) !== v) d.push(`changed ${k}`);
  for (const k of b.keys()) if (!a.has(k)) d.push(`added ${k}`);
  return d;
}

/** A refused command: the exit code, exactly one "Error (KIND): …" line matching `message`, no stack trace. */
export function expectOneLineError(r: { code: number | null; stderr: string }, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error ('));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(r.stderr).not.toMatch(/defect in dictl/);
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Mounts a tmpfs of `size` (e.g. '6m') at dir (created). Needs root; throws with the reason otherwise. */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot mount a tmpfs at ${dir} (${r.stderr.trim() || `exit ${r.status}`}): these tests need root`);
}

export function remount(dir: string, mode: 'ro' | 'rw'): void {
  const r = spawnSync('mount', ['-o', `remount,${mode}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot remount ${dir} ${mode}: ${r.stderr.trim()}`);
}

export function unmount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}

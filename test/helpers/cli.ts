/** Helpers for the dataset end-to-end tests: a temp workspace and the real CLI. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initWorkspace } from '../../src/workspace.js';
import { SHARED as SHARED_DIR } from './paths.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SHARED = join(SHARED_DIR, 'datasets');

export function tempDir(prefix = 'dictl-ds-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

export function cli(cwd: string, args: string[], opts: { json?: boolean; env?: Record<string, string> } = {}): CliResult {
  const a = opts.json === false ? args : [...args, '--json'];
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...a], {
    cwd,
    env: { ...process.env, DICTL_QUIET: '1', ...(opts.env ?? {}) },
    encoding: 'utf8',
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

export function newWorkspace(): string {
  const dir = join(tempDir(), 'ws');
  initWorkspace(dir); // the same function `dictl init` calls, without a process start
  return dir;
}

/** Every file under dir with its sha256: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        out[p + '/'] = 'dir';
        walk(p);
      } else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

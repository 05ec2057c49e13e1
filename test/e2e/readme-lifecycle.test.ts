/**
 * The README's lifecycle block, run as a new user would: line by line, in an empty folder, with `dictl` on
 * PATH (cliShim: a one-line script that runs the CLI) and nothing else prepared. Each line must exit 0; the last one
 * must score every sampled event with the data's own class names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliShim } from '../helpers/cli.js';
import { ROOT } from '../helpers/workspace.js';

/** The ```sh block under "## The lifecycle" in README.md, one command a line. */
export function readmeLifecycle(): string[] {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = md.slice(md.indexOf('## The lifecycle'));
  const m = /```sh\n([\s\S]*?)\n```/.exec(section);
  if (!m) throw new Error('README.md has no ```sh block under "## The lifecycle"');
  return m[1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

describe('README lifecycle, verbatim, from an empty folder', () => {
  it('every line runs and the scorer answers each example event', () => {
    const lines = readmeLifecycle();
    expect(lines[0]).toMatch(/^dictl init my-project --example churn && cd my-project/);
    expect(lines.some((l) => l.includes('events.ndjson') && l.includes('>'))).toBe(true);
    const home = mkdtempSync(join(tmpdir(), 'dictl-readme-'));
    const bin = cliShim(join(home, '.bin'));
    const work = join(home, 'empty');
    mkdirSync(work);
    // one shell, so `cd` carries over as it does when pasting; a failing line stops it and names itself
    const script = lines.map((l, i) => `printf '%s\\n' ${JSON.stringify(`::step ${i + 1}`)} >&2\n${l} || { echo "README line ${i + 1} failed (exit $?): ${l.replace(/["`$\\]/g, '\\$&')}" >&2; exit 90; }`).join('\n');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DICTL_QUIET: '' };
    delete (env as Record<string, string | undefined>).DICTL_WORKSPACE;
    const r = spawnSync('bash', ['-c', `set -o pipefail\n${script}\n`], { cwd: work, env, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stderr.split('\n').slice(-15).join('\n')}`);
    const project = join(work, 'my-project');
    expect(existsSync(join(project, 'churn.csv'))).toBe(true);
    const events = readFileSync(join(project, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(5);
    for (const e of events) expect(e).not.toHaveProperty('churn');
    const scored = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(scored).toHaveLength(5);
    for (const s of scored) {
      expect(s.score).toBeGreaterThan(0);
      expect(s.score).toBeLessThan(1);
      expect(['yes', 'no']).toContain(s.label);
    }
  });
});

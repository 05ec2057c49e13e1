/** Parse errors that name what is missing (with the usage line), help and discovery through the oclif plugins. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must } from '../helpers/workspace.js';

const ws = mkdtempSync(join(tmpdir(), 'dictl-usage-'));
must(cli(tmpdir(), ['init', ws]));

describe('missing arguments and flags are named', () => {
  it('train without --name', () => {
    const r = cli(ws, ['train', '--features', 'churn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error (USAGE): missing required flag --name\nUsage: dictl train --features FEATURES --name NAME [flags]\nTry: dictl train --help\n');
  });
  it('dataset register without its argument', () => {
    const r = cli(ws, ['dataset', 'register']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('Error (USAGE): missing required argument NAME (dataset name (letters, digits, ".", "_", "-"))');
    expect(r.stderr.split('\n')[1]).toBe('Usage: dictl dataset register NAME --file FILE --steward STEWARD [flags]');
  });
  it('the --json error document carries the same message and the usage line', () => {
    const r = cli(ws, ['dataset', 'register', 'x', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error).toEqual({
      code: 'USAGE',
      exitCode: 2,
      message: 'missing required flag --file; missing required flag --steward',
      hint: 'dictl dataset register --help',
      usage: 'dictl dataset register NAME --file FILE --steward STEWARD [flags]',
    });
  });
  it('a flag without a value and a bad integer are usage errors, not defects', () => {
    const a = cli(ws, ['model', 'promote', 'm@1', '--to', 'champion', '--gate']);
    expect(a.code).toBe(2);
    expect(a.stderr.split('\n')[0]).toBe('Error (USAGE): Flag --gate expects a value');
    const b = cli(ws, ['holdout', 'create', 'churn@1', '--fraction', '0.2', '--seed', 'x']);
    expect(b.code).toBe(2);
    expect(b.stderr.split('\n')[0]).toBe('Error (USAGE): --seed: Expected an integer but received: x');
  });
});

describe('help and discovery (oclif plugins)', () => {
  it('did-you-mean for an unknown command, with spaces, not colons', () => {
    const r = cli(ws, ['model', 'lst']);
    expect(r.code).toBe(127);
    // the plugin colours its lines where it thinks colour is shown (e.g. CI=1 logs): compare the text
    const text = r.stderr.replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toContain('Did you mean "dictl model list"?');
    expect(text).toContain('model lst is not a dictl command.');
    expect(text).not.toContain('model:lst');
  });
  it('dictl help TOPIC COMMAND, -h, and dictl commands', () => {
    const h = must(cli(ws, ['help', 'model', 'promote']));
    expect(h.stdout).toContain('$ dictl model promote MODEL --gate');
    expect(h.stdout).toContain('EXAMPLES');
    expect(must(cli(ws, ['model', 'promote', '-h'])).stdout).toBe(h.stdout);
    const c = must(cli(ws, ['commands', '--json']));
    const ids = (c.json as { id: string }[]).map((x) => x.id);
    expect(ids).toEqual(expect.arrayContaining(['model:promote', 'dataset:sample', 'feature:build', 'help', 'commands']));
  });
});

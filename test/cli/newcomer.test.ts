/** Surprises a new user met: dry-run gates, evaluate's default mode and per-row scores, policies saved after packaging. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { churnExample, cli, must } from '../helpers/workspace.js';

let dir: string;
beforeAll(() => {
  dir = churnExample('dictl-smaller-');
  must(cli(dir, ['model', 'promote', 'm@1', '--to', 'champion', '--gate', 'auc>=0.7']));
});

describe('model promote --dry-run on the current champion', () => {
  it('evaluates the gate and reports it (exit 1 when it would fail)', () => {
    const r = cli(dir, ['model', 'promote', 'm@1', '--gate', 'auc>=0.99', '--dry-run', '--json']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ candidate: 'm@1', unchanged: true, dryRun: true, passed: false, promoted: false });
    expect(r.json.gate.results[0]).toMatchObject({ condition: 'auc>=0.99', passed: false });
    expect(r.json.candidateMetrics.auc).toBeGreaterThan(0.8);
    const ok = must(cli(dir, ['model', 'promote', 'm@1', '--gate', 'auc>=0.7', '--dry-run']));
    expect(ok.stdout.split('\n')[0]).toBe('Gate passed (dry run): m@1 already is @champion and meets every condition.');
  });
});

describe('evaluate', () => {
  it('defaults to the holdout and writes per-row scores with the class names', () => {
    const r = must(cli(dir, ['evaluate', 'm@1', '--scores', 'scores.csv', '--json']));
    const lines = readFileSync(join(dir, 'scores.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,label,score,prediction');
    expect(lines).toHaveLength(1 + r.json.evaluation.n);
    const rows = lines.slice(1).map((l) => l.split(','));
    for (const [row, label, score, pred] of rows) {
      expect(Number.isInteger(Number(row))).toBe(true);
      expect(['yes', 'no']).toContain(label);
      expect(pred).toBe(Number(score) >= 0.5 ? 'yes' : 'no');
    }
    expect(rows.filter((x) => x[1] === 'yes').length).toBe(r.json.evaluation.positives);
    must(cli(dir, ['evaluate', 'm@1', '--scores', 'scores.parquet']));
    expect(readFileSync(join(dir, 'scores.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    const bad = cli(dir, ['evaluate', 'm@1', '--scores', 'scores.txt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('Error (USAGE): --scores scores.txt: use a .csv or .parquet file');
  });
});

describe('a policy saved after packaging', () => {
  it('saving says a package must be rebuilt; scoring an older package warns', () => {
    must(cli(dir, ['decide', 'policy', 'set', 'm', '--owner', 'ana@example.com', '--act-above', '0.6']));
    must(cli(dir, ['package', 'm@champion', '--out', 'pkg']));
    const set = must(cli(dir, ['decide', 'policy', 'set', 'm', '--owner', 'ana@example.com', '--act-above', '0.7']));
    expect(set.stdout).toContain('Packages built before policy@2 keep the policy they were built with: package m again to apply it (dictl package m@champion --out DIR)');
    const events = must(cli(dir, ['dataset', 'sample', 'churn@1', '--rows', '2', '--drop', 'churn', '--ndjson'])).stdout;
    const s = must(cli(dir, ['score', '--package', 'pkg'], { env: { DICTL_QUIET: '' }, input: events }));
    expect(s.stderr).toContain('Warning: the workspace has m policy@2, but this package carries policy@1: decisions use the older one; package m again to apply it');
    must(cli(dir, ['package', 'm@champion', '--out', 'pkg2']));
    expect(must(cli(dir, ['score', '--package', 'pkg2'], { env: { DICTL_QUIET: '' }, input: events })).stderr).not.toContain('Warning');
  });
});

describe('one naming convention', () => {
  it('MODEL/policy@N names a policy version; MODEL@N still works with a notice', () => {
    const a = must(cli(dir, ['decide', 'policy', 'show', 'm/policy@1', '--json'], { env: { DICTL_QUIET: '' } }));
    expect(a.json).toMatchObject({ model: 'm', version: 1 });
    expect(a.stderr).toBe('');
    const b = must(cli(dir, ['decide', 'policy', 'show', 'm@1', '--json'], { env: { DICTL_QUIET: '' } }));
    expect(b.json.version).toBe(1);
    expect(b.stderr).toBe('Warning: "m@1" names a model version elsewhere; a policy version is written m/policy@1\n');
  });
  it('--out and --html, with the former --output and --report as hidden aliases', () => {
    const events = must(cli(dir, ['dataset', 'sample', 'churn@1', '--rows', '3', '--drop', 'churn', '--ndjson'])).stdout;
    writeFileSync(join(dir, 'ev.ndjson'), events);
    must(cli(dir, ['score', '--package', 'pkg2', '--input', 'ev.ndjson', '--out', 'a.ndjson']));
    must(cli(dir, ['score', '--package', 'pkg2', '--input', 'ev.ndjson', '--output', 'b.ndjson']));
    expect(readFileSync(join(dir, 'a.ndjson'), 'utf8')).toBe(readFileSync(join(dir, 'b.ndjson'), 'utf8'));
    must(cli(dir, ['evaluate', 'm@1', '--html', 'r1.html']));
    must(cli(dir, ['evaluate', 'm@1', '--report', 'r2.html']));
    const help = must(cli(dir, ['score', '--help'])).stdout;
    expect(help).toContain('--out=<value>');
    expect(help).not.toContain('--output');
    expect(help).toContain('--online-store=<value>');
  });
});

describe('review list speaks the data\'s classes', () => {
  it('the model\'s call and the resolution show "yes"/"no" of churn, not generic labels only', () => {
    must(cli(dir, ['decide', 'policy', 'set', 'm', '--owner', 'ana@example.com', '--act-above', '0.9', '--review-between', '0.05,0.9', '--autonomy', 'human-in-the-loop']));
    must(cli(dir, ['package', 'm@champion', '--out', 'pkg3']));
    const events = must(cli(dir, ['dataset', 'sample', 'churn@1', '--rows', '40', '--drop', 'churn', '--ndjson'])).stdout;
    must(cli(dir, ['score', '--package', 'pkg3'], { input: events }));
    const list = must(cli(dir, ['review', 'list', '--model', 'm', '--json']));
    expect(list.json.pending).toBeGreaterThan(0);
    expect(list.json.classes['m@1']).toEqual({ yes: 'yes', no: 'no' });
    const id = list.json.cases[0].id;
    must(cli(dir, ['review', 'resolve', id, '--label', 'no', '--reviewer', 'ana@example.com']));
    const text = must(cli(dir, ['review', 'list', '--model', 'm', '--status', 'resolved'])).stdout;
    expect(text).toContain('no (ana@example.com)');
  });
});


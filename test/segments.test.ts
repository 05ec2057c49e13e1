/**
 * Segments through the CLI: an unsupervised feature set (no label) builds on all rows, or on a named
 * holdout's training rows; a labelled-only command refuses it with one clear line.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMatrix, resolveFeatureBuild } from '../src/features/builds.js';
import { workspaceAt } from '../src/workspace.js';
import { cli, must, ROOT, SHARED } from './registry-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dictl-seg-'));
  must(cli(tmpdir(), ['init', dir]));
  copyFileSync(join(ROOT, 'features/churn-segments.yaml'), join(dir, 'features/churn-segments.yaml'));
  must(cli(dir, ['dataset', 'register', 'churn', '--file', join(SHARED, 'datasets/churn.csv'), '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
});

describe('unsupervised feature sets', () => {
  it('build on every row when no holdout is named, with no label column values', async () => {
    const r = must(cli(dir, ['feature', 'build', 'churn-segments', '--json']));
    expect(r.json.holdout).toBeNull();
    expect(r.json.rows).toEqual({ train: 5000, test: 0, skipped: 0 });
    const ws = workspaceAt(dir);
    const fb = resolveFeatureBuild(ws, 'churn-segments@1');
    expect(fb.build.label).toBeUndefined();
    const m = await loadMatrix(fb.parquetPath, 'train');
    expect(m.n).toBe(5000);
    expect(m.p).toBe(15);
    // standardised on all rows: column means 0
    for (let j = 0; j < 11; j++) {
      let s = 0;
      for (let i = 0; i < m.n; i++) s += m.X[i * m.p + j];
      expect(Math.abs(s / m.n)).toBeLessThan(1e-9);
    }
    const again = must(cli(dir, ['feature', 'build', 'churn-segments', '--json']));
    expect(again.json.unchanged).toBe(true);
    const plan = must(cli(dir, ['feature', 'plan', 'churn-segments', '--json']));
    expect(plan.json.holdout).toBeNull();
    expect(plan.json.trainRows).toBe(5000);
  });

  it('fit on the training rows of a named holdout', () => {
    const h = must(cli(dir, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt'), '--json']));
    const text = readFileSync(join(dir, 'features/churn-segments.yaml'), 'utf8').replace('source: churn@latest', `source: churn@latest\nholdout: ${h.json.holdout.hash}`);
    writeFileSync(join(dir, 'features/churn-held.yaml'), text);
    const r = must(cli(dir, ['feature', 'build', 'churn-held', '--json']));
    expect(r.json.holdout).toBe(h.json.holdout.hash);
    expect(r.json.rows.train + r.json.rows.test).toBe(5000);
    expect(r.json.rows.test).toBe(h.json.holdout.nTest);
  });

  it('a supervised family refuses a set without a label, naming the way on', () => {
    const r = cli(dir, ['train', '--features', 'churn-segments', '--name', 'oops', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no label/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

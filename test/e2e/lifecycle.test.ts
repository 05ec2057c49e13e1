/**
 * The walking skeleton through the real CLI (test/helpers/cli.ts) in a temp workspace: register → holdout (the
 * reference split) → feature build → train (C=1, L2) → evaluate → gate (fail, then pass) → package → score.
 * Checks exit codes and --json results, scikit-learn parity on churn, and that the packaged ONNX scorer's
 * probabilities equal the in-process model's on every holdout row.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMatrix, resolveFeatureBuild } from '../../src/features/builds.js';
import { predict } from '../../src/ml/predict.js';
import { resolveModel } from '../../src/registry/models.js';
import { workspaceAt } from '../../src/workspace.js';
import { SHARED } from '../helpers/paths.js';
import { cli } from '../helpers/cli.js';

const ROOT = resolve(__dirname, '..', '..');
const REF = JSON.parse(readFileSync(join(SHARED, 'reference', 'sklearn_logreg.json'), 'utf8')).results.churn;

function ok(cwd: string, args: string[], input?: string) {
  const r = cli(cwd, [...args, '--json'], { input });
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('the whole lifecycle on churn', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dictl-e2e-'));
    expect(cli(tmpdir(), ['init', ws]).code).toBe(0);
    copyFileSync(join(ROOT, 'datasets', 'churn.csv'), join(ws, 'datasets', 'churn.csv'));
    copyFileSync(join(ROOT, 'features', 'churn.yaml'), join(ws, 'features', 'churn.yaml'));
  });

  it('runs every stage with the right exit codes, results and parity', async () => {
    // 1. register, twice: identical bytes give the same version
    const reg = ok(ws, ['dataset', 'register', 'churn', '--file', 'datasets/churn.csv', '--steward', 'data-team@example.com', '--source', 'MLC++ via modeldata', '--consent', 'opt-in']);
    expect(JSON.stringify(reg)).toContain(REF.sha256);
    const again = ok(ws, ['dataset', 'register', 'churn', '--file', 'datasets/churn.csv', '--steward', 'data-team@example.com', '--consent', 'opt-in']);
    expect(again.existing).toBe(true);
    const listed = ok(ws, ['dataset', 'list']);
    expect(JSON.stringify(listed)).toContain('churn');

    // 2. the reference split, so the result is comparable with scikit-learn's
    const ho = ok(ws, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference', 'splits', 'churn.test_rows.txt')]);
    expect(ho.holdout.nTest).toBe(1000);
    expect(ho.holdout.nTrain).toBe(4000);

    // 3. features, fitted on the 4000 training rows; a rebuild is a no-op
    const fb = ok(ws, ['feature', 'build', 'churn']);
    expect(fb.rows).toEqual({ train: 4000, test: 1000, skipped: 0 });
    expect(fb.outputs).toHaveLength(REF.n_model_features);
    expect(ok(ws, ['feature', 'build', 'churn']).unchanged).toBe(true);

    // 4. train C=1 L2
    const tr = ok(ws, ['train', '--features', 'churn', '--name', 'churn-model', '--c', '1', '--seed', '42']);
    expect(JSON.stringify(tr)).toContain('churn-model@1');

    // 5. evaluate on the persisted holdout: parity with scikit-learn
    const ev = ok(ws, ['evaluate', 'churn-model@1', '--holdout']).evaluation;
    expect(ev.n).toBe(1000);
    expect(Math.abs(ev.metrics.auc - REF.logreg_C1.roc_auc)).toBeLessThan(0.002);
    expect(Math.abs(ev.metrics.logloss - REF.logreg_C1.log_loss)).toBeLessThan(0.005);
    const cm = ev.confusion;
    expect(cm.tp + cm.fp + cm.tn + cm.fn).toBe(1000);
    expect(cm.tp + cm.fn).toBe(141);

    // 6. a gate it cannot pass exits 1 with a reason; a reasonable one promotes
    const bad = cli(ws, ['model', 'promote', 'churn-model@1', '--to', 'champion', '--gate', 'auc>=0.99']);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/auc.*0\.99/);
    const good = ok(ws, ['model', 'promote', 'churn-model@1', '--to', 'champion', '--gate', 'auc>=0.75']);
    expect(good.promoted).toBe(true);
    expect(JSON.stringify(ok(ws, ['model', 'list']))).toContain('champion');

    // 7. package the champion
    const out = join(ws, 'dist', 'churn-scorer');
    ok(ws, ['package', 'churn-model@champion', '--out', out]);
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.inputs.map((i: { name: string }) => i.name)).toContain('international_plan');

    // 8. score every raw holdout row through the pipe, with one malformed event in the middle
    const csv = readFileSync(join(ROOT, 'datasets', 'churn.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    const numeric = new Set(manifest.inputs.filter((i: { type: string }) => i.type === 'number').map((i: { name: string }) => i.name));
    const testRows = readFileSync(join(SHARED, 'reference', 'splits', 'churn.test_rows.txt'), 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
    const events = testRows.map((r) => {
      const cells = csv[r + 1].split(',');
      const e: Record<string, unknown> = {};
      header.forEach((h, i) => {
        if (h !== 'churn') e[h] = numeric.has(h) ? Number(cells[i]) : cells[i];
      });
      return JSON.stringify(e);
    });
    const lines = [...events.slice(0, 500), '{"state": "KS", "account_length": ', ...events.slice(500)];
    const sc = cli(ws, ['score', '--package', out], { input: lines.join('\n') + '\n' });
    expect(sc.code).toBe(0);
    const results = sc.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(results).toHaveLength(1001);
    expect(results[500].error).toBeTruthy();
    const scores = results.filter((_, i) => i !== 500).map((r) => r.score as number);

    // the in-process model on the offline (DuckDB) features of the same rows
    const w = workspaceAt(ws);
    const { model } = resolveModel(w, 'churn-model@1');
    const { parquetPath } = resolveFeatureBuild(w, `${model.lineage.featureSet.name}@${model.lineage.featureSet.version}`);
    const m = await loadMatrix(parquetPath, 'test');
    expect(Array.from(m.rows)).toEqual(testRows);
    const p = predict(model, m.X, m.n, m.p);
    let maxErr = 0;
    for (let i = 0; i < m.n; i++) maxErr = Math.max(maxErr, Math.abs(p[i] - scores[i]));
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('maps errors to exit codes with one line and no stack trace', () => {
    const usage = cli(ws, ['holdout', 'create', 'churn@1', '--fraction', 'abc']);
    expect(usage.code).toBe(2);
    const missing = cli(ws, ['evaluate', 'nope@1', '--holdout', '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stdout).error.exitCode).toBe(4);
    expect(missing.stderr).toMatch(/^Error \(NOT_FOUND\): /);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badData = cli(ws, ['holdout', 'create', 'churn@1', '--rows', join(ws, 'dictl.yaml')]);
    expect(badData.code).toBe(3);
    const name = cli(ws, ['dataset', 'register', '../evil', '--file', 'datasets/churn.csv', '--steward', 'a@b.c']);
    expect(name.code).toBe(2);
    const debug = cli(ws, ['evaluate', 'nope@1', '--holdout', '--debug']);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

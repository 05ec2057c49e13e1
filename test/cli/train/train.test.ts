/**
 * `dictl train` end to end through the real CLI: real workspace, DuckDB feature build on the shared
 * churn data with the reference split, real solver, registry writes.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../../helpers/workspace.js';
import { loadMatrix, resolveFeatureBuild } from '../../../src/features/builds.js';
import { logLoss, rocAuc } from '../../../src/ml/metrics.js';
import { predict } from '../../../src/ml/predict.js';
import { workspaceAt } from '../../../src/workspace.js';
import { REF } from '../../helpers/ml-data.js';
import { SHARED as SHARED_DIR } from '../../helpers/paths.js';

const SHARED = SHARED_DIR;

function must(r: ReturnType<typeof cli>) {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

let base: string; // a prepared workspace (churn dataset, reference holdout, churn features) never trained in
const fresh = () => {
  const d = join(mkdtempSync(join(tmpdir(), 'dictl-train-')), 'ws');
  cpSync(base, d, { recursive: true });
  return d;
};
const modelJson = (ws: string, name: string, v: number) => join(ws, 'registry/models', name, 'versions', String(v), 'model.json');

beforeAll(() => {
  base = join(mkdtempSync(join(tmpdir(), 'dictl-train-base-')), 'ws');
  must(cli(tmpdir(), ['init', base]));
  writeFileSync(join(base, 'features/churn.yaml'), readFileSync(join(ROOT, 'features/churn.yaml')));
  must(cli(base, ['dataset', 'register', 'churn', '--file', join(SHARED, 'datasets/churn.csv'), '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
  must(cli(base, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt'), '--json']));
  must(cli(base, ['feature', 'build', 'churn', '--json']));
});

describe('dictl train', () => {
  it('fits C=1 L2 on the training rows and matches sklearn on the holdout; registers a full record', async () => {
    const ws = fresh();
    const r = must(cli(ws, ['train', '--features', 'churn', '--name', 'churn-model', '--json']));
    expect(r.json.model).toBe('churn-model@1');
    expect(r.json.rows.train).toBe(4000);
    expect(r.json.convergence.converged).toBe(true);
    const m = JSON.parse(readFileSync(modelJson(ws, 'churn-model', 1), 'utf8'));
    expect(m.kind).toBe('model');
    expect(m.coef[0].length).toBe(m.featureNames.length);
    expect(m.featureNames.length).toBe(73);
    expect(m.params).toMatchObject({ C: 1, penalty: 'l2', tuned: false });
    expect(m.lineage).toMatchObject({ dataset: 'churn@1', featureSet: { name: 'churn', version: 1 }, node: process.version });
    expect(m.lineage.holdout).toMatch(/^[0-9a-f]{64}$/);
    expect(m.trainMetrics.auc).toBeGreaterThan(0.8);
    expect(m.seed).toBe(42);
    // holdout figures with the stored coefficients vs scikit-learn's
    const fb = resolveFeatureBuild(workspaceAt(ws), 'churn@1');
    const te = await loadMatrix(fb.parquetPath, 'test');
    expect(te.names).toEqual(m.featureNames);
    const p = predict({ task: 'binary', coef: m.coef, intercept: m.intercept }, te.X, te.n, te.p);
    expect(Math.abs(rocAuc(te.y, p) - REF.churn.logreg_C1.roc_auc)).toBeLessThan(0.002);
    expect(Math.abs(logLoss(te.y, p) - REF.churn.logreg_C1.log_loss)).toBeLessThan(0.005);
    // timings live in run.json, not in the model
    const run = JSON.parse(readFileSync(join(ws, 'registry/models/churn-model/versions/1/run.json'), 'utf8'));
    expect(run.timings.fitMs).toBeGreaterThanOrEqual(0);
    expect(readFileSync(modelJson(ws, 'churn-model', 1), 'utf8')).not.toMatch(/registeredAt|Ms"/);
  });

  it('tunes in worker threads, stores the CV table and fold assignment, and is byte-identical on a rerun', () => {
    const a = fresh();
    const b = fresh();
    const args = (workers: string) => ['train', '--features', 'churn@1', '--name', 'tuned', '--tune', '--grid', 'C=0.1,1;penalty=l2', '--folds', '3', '--workers', workers, '--seed', '9', '--json'];
    const ra = must(cli(a, args('2')));
    must(cli(b, args('1'))); // the same search on one thread
    expect(ra.json.cv.trials.length).toBe(2);
    const m = JSON.parse(readFileSync(modelJson(a, 'tuned', 1), 'utf8'));
    expect(m.cv.foldOf.length).toBe(4000);
    expect(new Set(m.cv.foldOf)).toEqual(new Set([0, 1, 2]));
    expect(m.cv.seed).toBe(9);
    expect(m.cv.metric).toBe('auc');
    const best = m.cv.trials.reduce((x: any, y: any) => (y.mean > x.mean ? y : x));
    expect(m.cv.best).toEqual(best.params);
    expect(m.params.C).toBe(best.params.C);
    for (const t of m.cv.trials) expect(t.foldScores.length).toBe(3);
    // same inputs and seed → identical bytes, whatever the number of workers
    expect(readFileSync(modelJson(b, 'tuned', 1))).toEqual(readFileSync(modelJson(a, 'tuned', 1)));
    // the human rendering prints the trial table
    const h = must(cli(a, ['train', '--features', 'churn', '--name', 'tuned', '--tune', '--grid', 'C=0.1,1', '--folds', '2', '--workers', '1']));
    expect(h.stdout).toMatch(/auc mean ± sd/);
    expect(h.stdout).toMatch(/best/);
    expect(h.stdout).toMatch(/Registered tuned@2/);
  });

  it('L1, elastic net and class weights are accepted and recorded', () => {
    const ws = fresh();
    const r = must(cli(ws, ['train', '--features', 'churn', '--name', 'sparse', '--penalty', 'l1', '--c', '0.05', '--class-weight', 'balanced', '--json']));
    const m = JSON.parse(readFileSync(modelJson(ws, 'sparse', 1), 'utf8'));
    expect(m.params).toMatchObject({ penalty: 'l1', C: 0.05, class_weight: 'balanced' });
    expect(m.coef[0].filter((v: number) => v === 0).length).toBeGreaterThan(10); // L1 zeroes coefficients
    // balanced weights move the 0.5-threshold recall up a lot on this 14 % positive label
    expect(r.json.trainMetrics.recall).toBeGreaterThan(0.6);
    const e = must(cli(ws, ['train', '--features', 'churn', '--name', 'en', '--penalty', 'elasticnet', '--l1-ratio', '0.3', '--class-weight', 'yes=3,no=1', '--json']));
    expect(e.json.params).toMatchObject({ penalty: 'elasticnet', l1_ratio: 0.3, class_weight: 'yes=3,no=1' });
  });

  it('refuses bad input with the right exit code and writes nothing', () => {
    const ws = fresh();
    const cases: [string[], number, RegExp][] = [
      [['--c', '-1'], 2, /--c must be a positive number/],
      [['--grid', 'C=1,2'], 2, /need --tune/],
      [['--tune', '--grid', 'alpha=1'], 2, /not one of/],
      [['--metric', 'rmse'], 2, /does not apply to a binary label/],
      [['--class-weight', 'yes=-1'], 2, /positive number/],
    ];
    for (const [extra, code, msg] of cases) {
      const r = cli(ws, ['train', '--features', 'churn', '--name', 'bad', ...extra, '--json']);
      expect(r.code, extra.join(' ')).toBe(code);
      expect(r.stderr + r.stdout).toMatch(msg);
    }
    const nf = cli(ws, ['train', '--features', 'nope', '--name', 'bad', '--json']);
    expect(nf.code).toBe(4);
    expect(existsSync(join(ws, 'registry/models/bad'))).toBe(false);
    // the audit log holds no model registration
    const auditDir = join(ws, 'registry');
    const audit = readdirSync(auditDir).filter((f) => f.startsWith('audit'));
    for (const f of audit) expect(readFileSync(join(auditDir, f), 'utf8')).not.toMatch(/model\.register/);
  });

  it('a label with one class is a data error naming the label', () => {
    const ws = fresh();
    const yaml = readFileSync(join(ws, 'features/churn.yaml'), 'utf8').replace('positive: "yes"', 'positive: "maybe"');
    writeFileSync(join(ws, 'features/onecls.yaml'), yaml);
    const b = cli(ws, ['feature', 'build', 'onecls', '--json']);
    if (b.code !== 0) {
      // the feature builder itself may refuse a positive class that never occurs: also a clear refusal
      expect(b.code).toBe(3);
      return;
    }
    const r = cli(ws, ['train', '--features', 'onecls', '--name', 'x', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/label churn has one class/);
    expect(existsSync(join(ws, 'registry/models/x'))).toBe(false);
  });
  it('multiclass (softmax) and regression labels, and random search with --trials', () => {
    const ws = fresh();
    const numeric = ['account_length', 'total_day_minutes', 'total_eve_minutes', 'total_night_minutes', 'number_customer_service_calls'];
    const feats = `features:\n  - columns: [${numeric.join(', ')}]\n    transforms:\n      - impute: median\n      - standardize\n`;
    writeFileSync(join(ws, 'features/area.yaml'), `source: churn@1\nlabel:\n  column: area_code\n  classes: [area_code_408, area_code_415, area_code_510]\n${feats}`);
    writeFileSync(join(ws, 'features/charge.yaml'), `source: churn@1\nlabel:\n  column: total_day_charge\n  task: regression\n${feats}`);
    must(cli(ws, ['feature', 'build', 'area', '--json']));
    must(cli(ws, ['feature', 'build', 'charge', '--json']));
    const mc = must(cli(ws, ['train', '--features', 'area', '--name', 'area', '--tune', '--trials', '3', '--folds', '2', '--workers', '1', '--json']));
    expect(mc.json.task).toBe('multiclass');
    expect(mc.json.cv.metric).toBe('logloss');
    expect(mc.json.cv.trials.length).toBe(3);
    const m = JSON.parse(readFileSync(modelJson(ws, 'area', 1), 'utf8'));
    expect(m.coef.length).toBe(3);
    expect(m.intercept.length).toBe(3);
    // area code is unrelated to usage: the model is close to the class priors (log loss ≈ entropy)
    expect(m.trainMetrics.logloss).toBeGreaterThan(0.9);
    expect(m.trainMetrics.logloss).toBeLessThan(1.1);
    const rg = must(cli(ws, ['train', '--features', 'charge', '--name', 'charge', '--penalty', 'none', '--json']));
    expect(rg.json.algorithm).toBe('linear');
    // total_day_charge = 0.17 · total_day_minutes (to rounding): an exact linear fit
    expect(rg.json.trainMetrics.r2).toBeGreaterThan(0.99999);
    expect(rg.json.trainMetrics.rmse).toBeLessThan(0.01);
    const cl = cli(ws, ['train', '--features', 'charge', '--name', 'charge', '--class-weight', 'balanced', '--json']);
    expect(cl.code).toBe(2);
    expect(cl.stderr).toMatch(/classification labels only/);
  });
});

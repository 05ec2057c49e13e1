import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumScreenshot, churnWorkspace, cli, must, SHARED, trainStandIn } from '../../helpers/workspace.js';
import type { Workspace } from '../../../src/workspace.js';
import { evaluateModel, type EvaluateResult } from '../../../src/ops/evaluate.js';
import { listModels } from '../../../src/registry/models.js';

let ws: Workspace;
const out = mkdtempSync(join(tmpdir(), 'dictl-eval-out-'));
beforeAll(async () => {
  ws = churnWorkspace();
  must(cli(ws.root, ['train', '--features', 'churn', '--name', 'churn-model', '--json'])); // @1: the real train path, reference protocol (C=1, L2)
  await trainStandIn(ws, 'churn-model', { drop: 5 }); // @2: deliberately weaker
}, 90_000);

const reference = JSON.parse(readFileSync(join(SHARED, 'reference/sklearn_logreg.json'), 'utf8')).results.churn;

describe('dictl evaluate --holdout', () => {
  it('scores the 1000 persisted holdout rows; AUC and log loss match scikit-learn on the same split', async () => {
    const r = cli(ws.root, ['evaluate', 'churn-model@1', '--holdout', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ev = (r.json as EvaluateResult).evaluation;
    expect(ev.n).toBe(1000);
    expect(ev.positives).toBe(141); // positive_rate_test 0.141
    expect(Math.abs(ev.metrics.auc! - reference.logreg_C1.roc_auc)).toBeLessThan(0.002);
    expect(Math.abs(ev.metrics.logloss! - reference.logreg_C1.log_loss)).toBeLessThan(0.005);
    const c = ev.confusion!;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(1000);
    expect(c.tp + c.fn).toBe(141);
    expect(ev.metrics.accuracy).toBeCloseTo((c.tp + c.tn) / 1000, 12);
    expect(ev.metrics.precision).toBeCloseTo(c.tp / (c.tp + c.fp), 12);
    expect(ev.calibration!.reduce((s, b) => s + b.count, 0)).toBe(1000);
    expect(ev.calibration!.reduce((s, b) => s + b.positives, 0)).toBe(141);
    expect(ev.lift!.map((l) => l.count)).toEqual(Array(10).fill(100));
    expect(ev.lift![9].cumGain).toBe(1);
    expect(ev.lift![0].lift).toBeGreaterThan(2);
    expect(ev.roc![0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(ev.roc![ev.roc!.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    // stored with the version, deterministic bytes (no times): a second run writes the same file
    const stored = readFileSync(r.json.stored, 'utf8');
    expect(JSON.parse(stored)).toEqual(ev);
    await evaluateModel(ws, 'churn-model@1');
    expect(readFileSync(r.json.stored, 'utf8')).toBe(stored);
    // model list shows the holdout AUC now
    expect(listModels(ws)[0].versions[0].metrics!.auc).toBe(ev.metrics.auc);
  });

  it('--by repeats the metrics per raw column value (segment sizes checked against the CSV)', () => {
    const r = cli(ws.root, ['evaluate', 'churn-model@1', '--holdout', '--by', 'international_plan', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const seg = (r.json as EvaluateResult).evaluation.segments!;
    const lines = readFileSync(join(SHARED, 'datasets/churn.csv'), 'utf8').trim().split('\n');
    const col = lines[0].split(',').indexOf('international_plan');
    const test = readFileSync(join(SHARED, 'reference/splits/churn.test_rows.txt'), 'utf8').trim().split('\n').map(Number);
    const counts: Record<string, number> = {};
    for (const row of test) {
      const v = lines[row + 1].split(',')[col];
      counts[v] = (counts[v] ?? 0) + 1;
    }
    expect(seg.column).toBe('international_plan');
    expect(Object.fromEntries(seg.groups.map((g) => [g.value, g.n]))).toEqual(counts);
    expect(seg.groups.every((g) => g.metrics.auc! > 0.5 && g.metrics.auc! < 1)).toBe(true);
  });

  it('--compare puts two models side by side on the same holdout with differences; --report writes a self-contained HTML', () => {
    const report = join(out, 'report.html');
    const r = cli(ws.root, ['evaluate', 'churn-model@1', '--holdout', '--compare', 'churn-model@2', '--report', report, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = r.json as EvaluateResult;
    const auc = res.compare!.diffs.find((d) => d.metric === 'auc')!;
    expect(auc.baseline).toBe(res.compare!.baseline.metrics.auc);
    expect(auc.diff).toBeCloseTo(res.evaluation.metrics.auc! - res.compare!.baseline.metrics.auc!, 15);
    expect(auc.better).toBe(true);
    expect(res.compare!.baseline.holdout).toBe(res.evaluation.holdout);
    const html = readFileSync(report, 'utf8');
    for (const s of ['ROC', 'Precision–recall', 'Calibration (10 bins)', 'Lift by decile', 'Cumulative gain', 'Lineage', 'churn-model@2']) expect(html).toContain(s);
    // five evaluation charts, then the explanation section: the importance bars and four dependence plots
    expect((html.match(/<svg /g) ?? []).length).toBe(10);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
  });

  it('the report renders in headless Chromium', () => {
    const report = join(out, 'report.html');
    if (!existsSync(report)) must(cli(ws.root, ['evaluate', 'churn-model@1', '--holdout', '--report', report]));
    const png = chromiumScreenshot(report, out);
    expect(existsSync(png)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(20_000);
  }, 120_000);

  it('bad input: unknown model, unknown --by column, bad names (no --holdout means the holdout)', async () => {
    let r = cli(ws.root, ['evaluate', 'churn-model@1', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.evaluation.holdout).toBe(r.json.evaluation.holdout.match(/^[0-9a-f]{64}$/)?.[0]);
    r = cli(ws.root, ['evaluate', 'churn-model@9', '--holdout', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('NOT_FOUND');
    await expect(evaluateModel(ws, 'churn-model@1', { by: 'nope' })).rejects.toMatchObject({ kind: 'usage', message: expect.stringMatching(/no column "nope"/) });
    await expect(evaluateModel(ws, '../x@1')).rejects.toMatchObject({ kind: 'usage' });
  });
});

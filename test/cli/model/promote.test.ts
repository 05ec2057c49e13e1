import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { churnWorkspace, cli, must, trainStandIn } from '../../helpers/workspace.js';
import { readAudit } from '../../../src/io/audit.js';
import { readAliases } from '../../../src/registry/models.js';
import { runDoctor } from '../../../src/ops/doctor.js';
import { withDuck } from '../../../src/io/duck.js';
import type { Workspace } from '../../../src/workspace.js';
import type { PromoteResult } from '../../../src/ops/model-promote.js';

let ws: Workspace;
const out = mkdtempSync(join(tmpdir(), 'dictl-gate-out-'));
beforeAll(async () => {
  ws = churnWorkspace();
  must(cli(ws.root, ['train', '--features', 'churn', '--name', 'churn-model', '--json'])); // @1: the real train path, reference protocol (C=1, L2)
  await trainStandIn(ws, 'churn-model', { drop: 5 }); // @2 weaker (AUC ≈ 0.766)
}, 90_000);

const GATE = ['--gate', 'auc>=0.70', '--gate', 'auc>=champion+0.002', '--gate', 'logloss<=champion*1.01'];

describe('dictl model promote', () => {
  it('first model: champion conditions fail with --require-champion, pass with a notice without it', () => {
    const junit = join(out, 'first.xml');
    let r = cli(ws.root, ['model', 'promote', 'churn-model@2', ...GATE, '--require-champion', '--junit', junit, '--json', '--actor', 'ci-bot']);
    expect(r.code).toBe(1);
    const rej = r.json as PromoteResult;
    expect(rej.passed).toBe(false);
    expect(rej.promoted).toBe(false);
    expect(rej.gate.failed.map((f) => f.condition)).toEqual(['auc>=champion+0.002', 'logloss<=champion*1.01']);
    expect(r.stderr).toMatch(/Error \(VERDICT\): churn-model@2 rejected for @champion: 2 of 3/);
    expect(readAliases(ws, 'churn-model')).toEqual({});
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="3" failures="2"');
    expect((xml.match(/<failure /g) ?? []).length).toBe(2);
    const last = readAudit(ws).at(-1)!;
    expect([last.action, last.subject, last.actor]).toEqual(['model.reject', 'churn-model@2', 'ci-bot']);

    r = cli(ws.root, ['model', 'promote', 'churn-model@2', ...GATE, '--reason', 'first model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.promoted).toBe(true);
    expect(r.json.notices).toHaveLength(2);
    expect(r.stderr).toMatch(/no champion yet/);
    expect(readAliases(ws, 'churn-model')).toEqual({ champion: 2 });
  });

  it('--dry-run evaluates without moving the alias or writing the audit log', () => {
    const before = readAudit(ws).length;
    const r = cli(ws.root, ['model', 'promote', 'churn-model@1', ...GATE, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ passed: true, promoted: false, dryRun: true, baseline: 'churn-model@2' });
    expect(readAliases(ws, 'churn-model')).toEqual({ champion: 2 });
    expect(readAudit(ws).length).toBe(before);
  });

  it('a better candidate is promoted; the audit entry carries actor, gate and evidence', () => {
    const r = cli(ws.root, ['model', 'promote', 'churn-model@1', ...GATE, '--reason', 'weekly retrain', '--actor', 'alice', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = r.json as PromoteResult;
    expect(res.promoted).toBe(true);
    expect(res.previous).toBe(2);
    expect(res.gate.results.map((x) => x.passed)).toEqual([true, true, true]);
    // needed values follow from the champion's metrics
    expect(res.gate.results[1].needed).toBeCloseTo(res.baselineMetrics!.auc! + 0.002, 12);
    expect(res.gate.results[2].needed).toBeCloseTo(res.baselineMetrics!.logloss! * 1.01, 12);
    expect(readAliases(ws, 'churn-model')).toEqual({ champion: 1 });
    const e = readAudit(ws).at(-1)!;
    expect([e.action, e.subject, e.actor, e.reason]).toEqual(['model.promote', 'churn-model@1', 'alice', 'weekly retrain']);
    expect(e.details).toMatchObject({ alias: 'champion', previous: 2, gate: ['auc>=0.70', 'auc>=champion+0.002', 'logloss<=champion*1.01'], holdout: res.holdout });
    expect((e.details as any).candidateMetrics.auc).toBe(res.candidateMetrics.auc);
    expect(existsSync(join(ws.registryDir, 'models/churn-model/versions/1/evaluation.json'))).toBe(true);
  });

  it('a worse candidate is rejected with one line per failed condition, a JUnit file and a Markdown table', () => {
    const junit = join(out, 'gate.xml');
    const md = join(out, 'gate.md');
    const r = cli(ws.root, ['model', 'promote', 'churn-model@2', ...GATE, '--junit', junit, '--markdown', md]);
    expect(r.code).toBe(1);
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAILED '));
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatch(/^FAILED auc>=champion\+0\.002: auc candidate 0\.7\d+, champion 0\.81\d+, needed >= 0\.8\d+$/);
    expect(failed[1]).toMatch(/^FAILED logloss<=champion\*1\.01: logloss candidate/);
    expect(readAliases(ws, 'churn-model')).toEqual({ champion: 1 });
    expect(readFileSync(junit, 'utf8')).toContain('failures="2"');
    const mdText = readFileSync(md, 'utf8');
    expect(mdText).toContain('### Model gate: REJECTED');
    expect(mdText).toContain('| `auc>=champion+0.002` | auc |');
    expect(mdText.split('\n').filter((l) => l.startsWith('| `')).length).toBe(3);
  });

  it('bad gate conditions and unknown models fail before anything is written', () => {
    const before = readFileSync(join(ws.registryDir, 'audit.log'), 'utf8');
    let r = cli(ws.root, ['model', 'promote', 'churn-model@2', '--gate', 'logloss>=0.3', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/lower-is-better/);
    r = cli(ws.root, ['model', 'promote', 'nope@1', '--gate', 'auc>=0.5']);
    expect(r.code).toBe(4);
    expect(readFileSync(join(ws.registryDir, 'audit.log'), 'utf8')).toBe(before);
  });

  it('a candidate trained against a different holdout cannot be compared with the champion', async () => {
    must(cli(ws.root, ['holdout', 'create', 'churn@1', '--fraction', '0.25', '--stratify', 'churn', '--seed', '7', '--json']));
    must(cli(ws.root, ['feature', 'build', 'churn', '--json']));
    const m = must(cli(ws.root, ['train', '--features', 'churn@2', '--name', 'churn-model', '--json'])).json as { version: number };
    const r = cli(ws.root, ['model', 'promote', `churn-model@${m.version}`, '--gate', 'auc>=0.5', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/same holdout/);
    expect(readAliases(ws, 'churn-model')).toEqual({ champion: 1 });
    // and evaluate --compare refuses the same way
    const c = cli(ws.root, ['evaluate', `churn-model@${m.version}`, '--holdout', '--compare', 'churn-model@champion', '--json']);
    expect(c.code).toBe(2);
    expect(c.json.error.message).toMatch(/cannot be compared/);
    // doctor agrees the registry is consistent after all of the above
    const d = cli(ws.root, ['doctor', '--json']);
    expect(d.code, d.stdout).toBe(0);
    expect(d.json.consistent).toBe(true);
    expect(d.json.checked).toMatchObject({ datasets: 1, holdouts: 2, featureBuilds: 2, models: 3, aliases: 1 });
    // doctor checks the persisted splits against the holdout: move one holdout row into training
    const fp = join(ws.registryDir, 'features/churn/1/features.parquet');
    await withDuck((dk) =>
      dk.run(
        `COPY (SELECT * REPLACE (CASE WHEN __row = (SELECT min(__row) FROM read_parquet('${fp}') WHERE __split = 'test') THEN 'train' ELSE __split END AS __split) FROM read_parquet('${fp}')) TO '${fp}.new' (FORMAT parquet)`,
      ),
    );
    renameSync(`${fp}.new`, fp);
    const bad = await runDoctor(ws, { repair: true });
    expect(bad.consistent).toBe(false);
    expect(bad.issues.filter((i) => i.severity === 'error').map((i) => i.code).sort()).toEqual(['feature-holdout-leak', 'feature-rows']);
  }, 240_000);
});

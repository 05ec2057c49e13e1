import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { churnWorkspace, cli, must, ROOT } from '../helpers/workspace.js';
import { readAudit } from '../../src/io/audit.js';
import { modelVersions, readAliases } from '../../src/registry/models.js';
import { runDoctor } from '../../src/ops/doctor.js';
import type { ModelVersion } from '../../src/types.js';
import { cliProcess } from '../helpers/cli.js';

function runAsync(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string; stdout: string; pid: number }> {
  return new Promise((res) => {
    const p = cliProcess(cwd, args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr, pid: p.pid! }));
  });
}

describe('16 concurrent dictl train / promote processes on one workspace', () => {
  it('no lost, duplicate or corrupt version; every event in the audit log exactly once', async () => {
    const ws = churnWorkspace();
    must(cli(ws.root, ['train', '--features', 'churn', '--name', 'churn-model', '--json']));
    must(cli(ws.root, ['model', 'promote', 'churn-model@1', '--gate', 'auc>=0.5', '--json']));
    const Cs = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.5, 2, 3, 5, 7, 10];
    const trains = Cs.map((c) => runAsync(ws.root, ['train', '--features', 'churn', '--name', 'churn-model', '--c', String(c), '--wait', '600', '--json']));
    await Promise.race(trains); // promotes start once there is a newer version to consider
    const promotes = [0, 1, 2, 3].map(() => runAsync(ws.root, ['model', 'promote', 'churn-model@latest', '--gate', 'auc>=0.5', '--gate', 'auc>=champion', '--wait', '600', '--json']));
    const tr = await Promise.all(trains);
    const pr = await Promise.all(promotes);
    for (const r of tr) expect(r.code, r.stderr).toBe(0);
    for (const r of pr) expect([0, 1], r.stderr).toContain(r.code);

    // versions 1..13, each a complete, parseable model.json naming its own version
    const versions = modelVersions(ws, 'churn-model');
    expect(versions).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    const seenC: number[] = [];
    for (const v of versions) {
      const m = JSON.parse(readFileSync(join(ws.registryDir, 'models/churn-model/versions', String(v), 'model.json'), 'utf8')) as ModelVersion;
      expect(m.version).toBe(v);
      if (v > 1) seenC.push(Number(m.params.C));
    }
    // each trainer's model is there exactly once (none lost, none duplicated)
    expect(seenC.sort((a, b) => a - b)).toEqual(Cs);
    // the JSON each trainer printed names a distinct version
    const printed = tr.map((r) => JSON.parse(r.stdout).version);
    expect(new Set(printed).size).toBe(12);

    const audit = readAudit(ws);
    const regs = audit.filter((e) => e.action === 'model.register').map((e) => e.subject).sort();
    expect(regs).toEqual(versions.map((v) => `churn-model@${v}`).sort());
    // every promote that decided something (not a no-op because @latest already was champion) wrote
    // exactly one model.promote/model.reject entry, under its own pid
    const decisions = audit.filter((e) => e.action === 'model.promote' || e.action === 'model.reject');
    const deciders = pr.filter((r) => !JSON.parse(r.stdout).unchanged).map((r) => r.pid);
    expect(deciders.length).toBeGreaterThan(0);
    expect(decisions.slice(1).map((e) => e.pid).sort()).toEqual(deciders.sort());
    for (const r of pr) {
      const j = JSON.parse(r.stdout);
      if (!j.unchanged) expect(r.code).toBe(j.passed ? 0 : 1);
    }
    // the champion is the version the last successful promotion named
    const lastPromote = audit.filter((e) => e.action === 'model.promote').at(-1)!;
    expect(`churn-model@${readAliases(ws, 'churn-model').champion}`).toBe(lastPromote.subject);

    const doc = await runDoctor(ws);
    expect(doc.issues.filter((i) => i.severity !== 'info')).toEqual([]);
    expect(doc.consistent).toBe(true);
    expect(existsSync(join(ws.registryDir, '.lock'))).toBe(false);
  }, 600_000);
});

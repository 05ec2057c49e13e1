import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/workspace.js';

describe('SIGKILL at random points of register/train/promote/alias/evaluate, and at the worst points of every store', () => {
  it('doctor finds the registry consistent after every kill (5-trial subset of scripts/killtest.mjs)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/killtest.mjs'), '--trials', '5', '--seed', '20261124', '--json'], { encoding: 'utf8', timeout: 540_000 });
    expect(r.status, r.stderr).toBe(0);
    const { summary, results } = JSON.parse(r.stdout);
    expect(summary.trials).toBe(5);
    expect(summary.failed).toBe(0);
    expect(results).toHaveLength(5);
    for (const t of results) {
      expect(t.consistent, JSON.stringify(t)).toBe(true);
      expect(t.errors).toEqual([]);
      expect(t.afterRepair).toBe(0);
    }
    // the deterministic kills: between commit and audit append of every store, between package's renames
    expect(summary.points.map((p: { point: string }) => p.point)).toEqual(['dataset-commit', 'holdout-commit', 'feature-commit', 'model-commit', 'alias-commit', 'package-swap']);
    for (const p of summary.points) {
      expect(p.killed, JSON.stringify(p)).toBe(true);
      expect(p.consistent, JSON.stringify(p)).toBe(true);
      expect(p.errors).toEqual([]);
      expect(p.afterRepair).toBe(0);
      expect(p.ok, JSON.stringify(p)).toBe(true);
    }
    const gap = Object.fromEntries(summary.points.map((p: { point: string; leftovers: string[] }) => [p.point, p.leftovers]));
    expect(gap['dataset-commit']).toContain('audit-missing-entry');
    expect(gap['holdout-commit']).toContain('audit-missing-entry');
    expect(gap['feature-commit']).toContain('audit-missing-entry');
    expect(gap['model-commit']).toContain('audit-missing-register');
    expect(gap['alias-commit']).toContain('audit-missing-alias');
    expect(summary.duplicateAuditEntries).toEqual([]);
    expect(summary.versionsWithoutAudit).toEqual([]);
  }, 600_000);
});

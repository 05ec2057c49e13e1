import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './registry-helpers.js';

describe('SIGKILL at random points of register/train/promote/alias/evaluate', () => {
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
    expect(summary.duplicateAuditEntries).toEqual([]);
    expect(summary.versionsWithoutAudit).toEqual([]);
  }, 600_000);
});

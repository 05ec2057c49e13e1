/**
 * Test helpers for the decision tests: a temp workspace with the churn dataset, the reference holdout,
 * a feature build and a model trained by `dictl train` — all through the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceAt, type Workspace } from '../../src/workspace.js';
import type { ModelVersion } from '../../src/types.js';
import { SHARED as SHARED_DIR } from './paths.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHURN = join(SHARED_DIR, 'datasets', 'churn.csv');
export const CHURN_TEST_ROWS = join(SHARED_DIR, 'reference', 'splits', 'churn.test_rows.txt');

export function cli(cwd: string, args: string[], opts: { input?: string; json?: boolean } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args, ...(opts.json === false ? [] : ['--json'])], {
    cwd,
    env: { ...process.env, DICTL_QUIET: '1', DICTL_ACTOR: 'tester@example.com' },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

export function newWorkspace(): { dir: string; ws: Workspace } {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-decide-'));
  const r = cli(dir, ['init', dir]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { dir, ws: workspaceAt(dir) };
}

/** A small churn feature set in the features engineer's YAML format (numeric: median → standardize; plans: mode → one-hot). */
const FEATURES = `source: churn@1
description: churn features for the decision tests
label:
  column: churn
  positive: "yes"
features:
  - columns: [total_day_minutes, total_eve_minutes, total_intl_minutes, number_customer_service_calls, number_vmail_messages, total_intl_calls]
    transforms:
      - impute: median
      - standardize
  - columns: [international_plan, voice_mail_plan]
    transforms:
      - impute: mode
      - one_hot: { unknown: zeros }
`;

/** Registers churn and the reference holdout, builds features and trains churn-model@1 with the real CLI. */
export async function churnModel(dir: string, ws: Workspace): Promise<ModelVersion> {
  const run = (args: string[]) => {
    const r = cli(dir, args);
    if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} failed: ${r.stderr}`);
    return r.json;
  };
  run(['dataset', 'register', 'churn', '--file', CHURN, '--steward', 'data@example.com', '--consent', 'not-required']);
  run(['holdout', 'create', 'churn@1', '--rows', CHURN_TEST_ROWS]);
  writeFileSync(join(dir, 'features', 'churn-dec.yaml'), FEATURES);
  run(['feature', 'build', 'churn-dec']);
  run(['train', '--features', 'churn-dec', '--name', 'churn-model']);
  const { resolveModel } = await import('../../src/registry/models.js');
  return resolveModel(ws, 'churn-model@1').model;
}

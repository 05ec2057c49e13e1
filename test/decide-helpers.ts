/**
 * Test helpers for the decision tests: a temp workspace with the churn dataset, the reference holdout
 * and a real logistic model (fitted in process with the ML engineer's Newton solver on a small fitted
 * pipeline, registered with the registry engineer's registerModel), until `dictl train` is available.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceAt, type Workspace } from '../src/workspace.js';
import type { FittedPipeline, ModelVersion } from '../src/types.js';

export const ROOT = join(import.meta.dirname, '..');
export const CHURN = '/work/shared/datasets/churn.csv';
export const CHURN_TEST_ROWS = '/work/shared/reference/splits/churn.test_rows.txt';

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

const NUMERIC = ['total_day_minutes', 'total_eve_minutes', 'total_intl_minutes', 'number_customer_service_calls', 'number_vmail_messages', 'total_intl_calls'];
const CATS: [string, string[]][] = [
  ['international_plan', ['no', 'yes']],
  ['voice_mail_plan', ['no', 'yes']],
];

/** Registers churn, the reference holdout and a fitted model churn-model@1; returns the model. */
export async function churnModel(dir: string, ws: Workspace): Promise<ModelVersion> {
  let r = cli(dir, ['dataset', 'register', 'churn', '--file', CHURN, '--steward', 'data@example.com', '--consent', 'not-required']);
  if (r.code !== 0) throw new Error(`register failed: ${r.stderr}`);
  r = cli(dir, ['holdout', 'create', 'churn@1', '--rows', CHURN_TEST_ROWS]);
  if (r.code !== 0) throw new Error(`holdout failed: ${r.stderr}`);
  const ds = r.json;
  const { resolveDataset } = await import('../src/datasets/store.js');
  const d = resolveDataset(ws, 'churn@1');
  const hash = ds.holdout?.hash ?? ds.hash;
  const draftPipeline: FittedPipeline = {
    inputs: [...NUMERIC.map((n) => ({ name: n, type: 'number' as const, nullable: false })), ...CATS.map(([n]) => ({ name: n, type: 'string' as const, nullable: false }))],
    derived: [],
    features: [],
    outputNames: [],
  };
  const draft = {
    kind: 'model',
    name: 'churn-model',
    version: 0,
    algorithm: 'logistic',
    task: 'binary',
    label: { column: 'churn', task: 'binary', positive: 'yes', classes: ['no', 'yes'] },
    featureNames: [],
    coef: [[]],
    intercept: [0],
    threshold: 0.5,
    params: { C: 1 },
    convergence: { solver: 'newton', iterations: 0, converged: true, gradNorm: 0, warnings: [] },
    trainMetrics: {},
    seed: 42,
    pipeline: draftPipeline,
    lineage: { dataset: 'churn@1', datasetSha256: d.dataSha256, featureSet: { name: 'churn-test', version: 1, hash: 'x' }, holdout: hash, allowUnconsented: false, dictlVersion: '0.1.0', node: process.version },
  } as unknown as ModelVersion;
  const { loadSplitRows } = await import('../src/decide/data.js');
  const train = await loadSplitRows(ws, draft, 'train');
  // fit the pipeline: standardise numerics on the training rows, one-hot the plans
  const features: FittedPipeline['features'] = [];
  const outputNames: string[] = [];
  for (const n of NUMERIC) {
    const xs = train.rows.map((row) => Number(row[n]));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1;
    features.push({ kind: 'numeric', name: n, input: n, steps: [{ op: 'impute', value: mean }, { op: 'affine', sub: mean, div: sd }] });
    outputNames.push(n);
  }
  for (const [n, cats] of CATS) {
    const outputs = cats.map((c) => `${n}=${c}`);
    features.push({ kind: 'onehot', name: n, input: n, categories: cats, folded: [], otherSlot: false, unknown: 'zeros', outputs, impute: 'no' });
    outputNames.push(...outputs);
  }
  const pipeline: FittedPipeline = { ...draftPipeline, features, outputNames };
  const { applyPipeline } = await import('../src/pipeline/apply.js');
  const { newtonLogistic } = await import('../src/ml/logistic.js');
  const { X, n, p } = applyPipeline(pipeline, train.rows);
  const y = Float64Array.from(train.rows, (row) => (row.churn === 'yes' ? 1 : 0));
  const fit = newtonLogistic(X, n, p, y, { C: 1, penalty: 'l2' });
  const { registerModel } = await import('../src/registry/models.js');
  const { version: _v, ...rest } = draft;
  return registerModel(ws, { ...rest, pipeline, featureNames: outputNames, coef: [Array.from(fit.coef[0])], intercept: [fit.intercept[0]] }, { test: true });
}

/**
 * Workspaces for the tests: an empty one (initWorkspace in-process or `dictl init`), the README's churn
 * example, dataset → holdout → feature build through the CLI, a model trained by `dictl train`, and a
 * stand-in trainer (real L2 logistic fit on the training split, registered with registerModel) used where
 * `dictl train` is not needed. Also a snapshot of a folder (nothing written) and Chromium screenshots.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMatrix, resolveFeatureBuild } from '../../src/features/builds.js';
import { fitLogistic } from '../../src/ml/logistic.js';
import { binaryMetrics } from '../../src/ml/metrics.js';
import { predict } from '../../src/ml/predict.js';
import { registerModel } from '../../src/registry/models.js';
import type { ModelVersion } from '../../src/types.js';
import { initWorkspace, workspaceAt, type Workspace } from '../../src/workspace.js';
import { cli, cliJson, must, type CliOptions } from './cli.js';
import { ROOT, SHARED } from './paths.js';

export { cli, cliJson, must, ROOT, SHARED };
export const DATASETS = join(SHARED, 'datasets');
export const CHURN = join(SHARED, 'datasets', 'churn.csv');
export const CHURN_TEST_ROWS = join(SHARED, 'reference', 'splits', 'churn.test_rows.txt');

export function tempDir(prefix = 'dictl-ds-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An empty workspace made by initWorkspace (what `dictl init` calls), without a process start. */
export function newWorkspace(): string {
  const dir = join(tempDir(), 'ws');
  initWorkspace(dir);
  return dir;
}

/** An empty workspace made by `dictl init` in a new temp folder. */
export function cliWorkspace(): { dir: string; ws: Workspace } {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-decide-'));
  const r = decideCli(dir, ['init', dir]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { dir, ws: workspaceAt(dir) };
}

/** Every file under dir with its sha256: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        out[p + '/'] = 'dir';
        walk(p);
      } else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Headless Chromium's screenshot of an HTML file (PNG path); fails when chromium is not installed (a missing peer is never a reason to skip). */
export function chromiumScreenshot(html: string, outDir: string, size = '1200,2400'): string {
  const bin = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((b) => existsSync(b));
  if (!bin) throw new Error('chromium is not installed: apt-get install -y chromium (scripts/test.js installs the test peers when run as root)');
  const png = join(outDir, `shot-${Date.now()}.png`);
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(outDir, 'chrome')}`];
  spawnSync(bin, [...common, `--screenshot=${png}`, `--window-size=${size}`, `file://${html}`], { timeout: 60_000 });
  return png;
}

/**
 * The README's way in: init --example churn in a new temp folder, register (opt-in), a stratified holdout
 * (seed 42), the churn feature build and, unless train is false, model NAME@1 (C=1). Returns the folder.
 */
export function churnExample(prefix: string, o: { model?: string; train?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  must(cli(tmpdir(), ['init', dir, '--example', 'churn']));
  must(cli(dir, ['dataset', 'register', 'churn', '--file', 'churn.csv', '--steward', 'ml@example.com', '--consent', 'opt-in']));
  must(cli(dir, ['holdout', 'create', 'churn@1', '--fraction', '0.2', '--stratify', 'churn', '--seed', '42']));
  must(cli(dir, ['feature', 'build', 'churn']));
  if (o.train !== false) must(cli(dir, ['train', '--features', 'churn', '--name', o.model ?? 'm', '--c', '1']));
  return dir;
}

/** init + churn dataset + reference holdout + churn feature build. */
export function churnWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-eval-'));
  must(cli(tmpdir(), ['init', dir]));
  copyFileSync(join(ROOT, 'features/churn.yaml'), join(dir, 'features/churn.yaml'));
  must(cli(dir, ['dataset', 'register', 'churn', '--file', join(SHARED, 'datasets/churn.csv'), '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
  must(cli(dir, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt'), '--json']));
  must(cli(dir, ['feature', 'build', 'churn', '--json']));
  return workspaceAt(dir);
}

/** A real L2 logistic fit on the training split of a feature build, registered as NAME. */
export async function trainStandIn(ws: Workspace, name: string, opts: { C?: number; features?: string; drop?: number } = {}): Promise<ModelVersion> {
  const fb = resolveFeatureBuild(ws, opts.features ?? 'churn@latest');
  const m = await loadMatrix(fb.parquetPath, 'train');
  const X = m.X;
  // optionally zero out the first `drop` features to make a deliberately weaker model
  if (opts.drop) for (let i = 0; i < m.n; i++) for (let j = 0; j < opts.drop; j++) X[i * m.p + j] = 0;
  const fit = fitLogistic(X, m.n, m.p, m.y, 2, { penalty: 'l2', C: opts.C ?? 1, tol: 1e-6, maxIter: 500 });
  const coef = [Array.from(fit.coef[0])];
  if (opts.drop) for (let j = 0; j < opts.drop; j++) coef[0][j] = 0;
  const draft: Omit<ModelVersion, 'version'> = {
    kind: 'model',
    name,
    algorithm: 'logistic',
    task: 'binary',
    label: fb.build.label,
    featureNames: m.names,
    coef,
    intercept: Array.from(fit.intercept),
    threshold: 0.5,
    params: { C: opts.C ?? 1, penalty: 'l2', drop: opts.drop ?? 0 },
    convergence: { solver: 'lbfgs', iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm, warnings: [] },
    trainMetrics: binaryMetrics(m.y, predict({ task: 'binary', coef, intercept: Array.from(fit.intercept) }, m.X, m.n, m.p)),
    seed: 42,
    pipeline: fb.build.pipeline,
    lineage: {
      dataset: fb.build.dataset,
      datasetSha256: '',
      featureSet: { name: fb.build.name, version: fb.build.version, hash: fb.build.hash },
      holdout: fb.build.holdout,
      allowUnconsented: false,
      dictlVersion: '0.1.0',
      node: process.version,
    },
  };
  const { resolveDataset } = await import('../../src/datasets/store.js');
  draft.lineage.datasetSha256 = resolveDataset(ws, fb.build.dataset).dataSha256;
  return registerModel(ws, draft, { standIn: true }, { wait: 30 });
}

/** The CLI as the decision tests run it: --json, DICTL_ACTOR tester@example.com (the person the audit trail and decisions name). */
export function decideCli(cwd: string, args: string[], opts: CliOptions & { encoding?: 'utf8' } = {}) {
  return cliJson(cwd, args, { ...opts, env: { DICTL_ACTOR: 'tester@example.com', ...(opts.env ?? {}) } });
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
    const r = decideCli(dir, args);
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

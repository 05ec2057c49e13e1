/**
 * Test helpers for the registry/eval/gate tests: a real workspace (dataset → holdout → feature build
 * through the CLI) and a stand-in trainer (real L2 logistic fit on the training split, registered with
 * registerModel) used where `dictl train` is not needed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadMatrix, resolveFeatureBuild } from '../../src/features/builds.js';
import { fitLogistic } from '../../src/ml/logistic.js';
import { binaryMetrics } from '../../src/ml/metrics.js';
import { predict } from '../../src/ml/predict.js';
import { registerModel } from '../../src/registry/models.js';
import type { ModelVersion } from '../../src/types.js';
import { workspaceAt, type Workspace } from '../../src/workspace.js';
import { SHARED as SHARED_DIR } from './paths.js';

export const ROOT = resolve(__dirname, '..', '..');
export const SHARED = SHARED_DIR;

export function cli(cwd: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd, env: { ...process.env, DICTL_QUIET: '1', ...env }, encoding: 'utf8', input, maxBuffer: 1 << 26 });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Headless Chromium's screenshot of an HTML file (PNG path), or null when chromium is not installed. */
export function chromiumScreenshot(html: string, outDir: string, size = '1200,2400'): string | null {
  const bin = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((b) => existsSync(b));
  if (!bin) {
    console.warn('chromium is not installed: skipping the rendering check (apt-get install -y chromium)');
    return null;
  }
  const png = join(outDir, `shot-${Date.now()}.png`);
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(outDir, 'chrome')}`];
  spawnSync(bin, [...common, `--screenshot=${png}`, `--window-size=${size}`, `file://${html}`], { timeout: 60_000 });
  return png;
}

export function must(r: ReturnType<typeof cli>) {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
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

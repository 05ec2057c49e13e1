/**
 * The real lifecycle on the four shared data sets: register → reference holdout → feature build →
 * logistic fit (Newton, C=1) → registered model → package → ONNX scores on the RAW holdout rows.
 * They must equal the in-process model (features.parquet test split × predict) to 1e-6 on every row.
 * The credit and pima feature sets add expressions (division, nullif, ln, sqrt, greatest, coalesce),
 * log1p, clip, quantile buckets, string index, other-slot one-hot and an interaction on real data.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { workspaceAt, type Workspace } from '../../src/workspace.js';
import { registerDataset } from '../../src/ops/dataset-register.js';
import { createHoldout } from '../../src/ops/holdout-create.js';
import { loadMatrix, resolveFeatureBuild } from '../../src/features/builds.js';
import { buildFeatureSet } from '../../src/ops/feature-build.js';
import { newtonLogistic } from '../../src/ml/logistic.js';
import { predict } from '../../src/ml/predict.js';
import { registerModel } from '../../src/registry/models.js';
import { datasetDataPath } from '../../src/datasets/store.js';
import { withDuck, sqlString } from '../../src/io/duck.js';
import { buildPackageFiles, writePackage } from '../../src/scorer/package.js';
import { loadScorer } from '../../src/scorer/scorer.js';
import type { ModelVersion } from '../../src/types.js';
import { SHARED as SHARED_DIR } from '../helpers/paths.js';
import { cli } from '../helpers/cli.js';

const ROOT = resolve(__dirname, '..', '..');
const SHARED = SHARED_DIR;

const SPECS: Record<string, { positive: string; yaml: string }> = {
  churn: { positive: 'yes', yaml: readFileSync(join(ROOT, 'features/churn.yaml'), 'utf8') },
  credit: {
    positive: 'bad',
    yaml: `source: credit@latest
label: {column: Status, positive: "bad"}
features:
  - columns: [Seniority, Time, Age, Expenses, Income, Assets, Debt, Amount, Price]
    transforms: [{impute: median}, standardize]
  - name: debt_ratio
    expr: Debt / nullif(Income, 0)
    transforms: [{impute: median}, robust, {clip: {min: -3, max: 3}}]
  - name: loan_to_price
    expr: Amount / Price
    transforms: [{impute: median}, {bucketize: {quantiles: 4}}]
  - name: assets_log
    column: Assets
    transforms: [{impute: {strategy: constant, value: 0}}, log1p, min_max]
  - columns: [Home, Marital, Records]
    transforms: [{impute: mode}, {one_hot: {unknown: zeros}}]
  - name: Job
    column: Job
    transforms: [{one_hot: {min_frequency: 200, unknown: other}}]
  - name: home_idx
    column: Home
    transforms: [{string_index: {order: frequency, handle_invalid: keep}}]
  - name: age_x_fixed
    interaction: [Age, Job=fixed]
`,
  },
  breast_cancer: {
    positive: 'malignant',
    yaml: `source: breast_cancer@latest
label: {column: target, positive: "malignant"}
features:
  - columns: [${'mean radius,mean texture,mean perimeter,mean area,mean smoothness,mean compactness,mean concavity,mean concave points,mean symmetry,mean fractal dimension,radius error,texture error,perimeter error,area error,smoothness error,compactness error,concavity error,concave points error,symmetry error,fractal dimension error,worst radius,worst texture,worst perimeter,worst area,worst smoothness,worst compactness,worst concavity,worst concave points,worst symmetry,worst fractal dimension'
      .split(',')
      .map((c) => JSON.stringify(c))
      .join(', ')}]
    transforms: [{impute: median}, standardize]
`,
  },
  pima: {
    positive: 'pos',
    yaml: `source: pima@latest
label: {column: diabetes, positive: "pos"}
features:
  - columns: [pregnant, glucose, pressure, triceps, insulin, mass, pedigree, age]
    transforms: [{impute: median}, standardize]
  - name: ln_insulin
    expr: ln(insulin)
    transforms: [{impute: median}, standardize]
  - name: sqrt_triceps
    expr: sqrt(triceps - 20)
    transforms: [{impute: {strategy: constant, value: 0}}]
  - name: worst
    expr: coalesce(greatest(glucose / 100, mass / 30), least(age / 50, pedigree), 1)
    transforms: [{clip: {min: 0.5, max: 2}}]
`,
  },
};

let ws: Workspace;

beforeAll(() => {
  const dir = join(mkdtempSync(join(tmpdir(), 'dictl-onnx-life-')), 'ws');
  const r = cli(process.cwd(), ['init', dir], { quiet: false });
  expect(r.code, r.stderr).toBe(0);
  ws = workspaceAt(dir);
});

async function lifecycle(name: string): Promise<{ max: number; n: number; rejected: number }> {
  const spec = SPECS[name];
  await registerDataset(ws, { name, file: join(SHARED, 'datasets', `${name}.csv`), steward: 'test@example.com', consent: 'opt-in' });
  await createHoldout(ws, `${name}@1`, { rowsFile: join(SHARED, 'reference/splits', `${name}.test_rows.txt`) });
  writeFileSync(join(ws.featuresDir, `${name}.yaml`), spec.yaml);
  await buildFeatureSet(ws, name);
  const fb = resolveFeatureBuild(ws, name);
  const train = await loadMatrix(fb.parquetPath, 'train');
  const fit = newtonLogistic(train.X, train.n, train.p, train.y, { C: 1, penalty: 'l2' });
  const draft: Omit<ModelVersion, 'version'> = {
    kind: 'model',
    name: `${name}-model`,
    algorithm: 'logistic',
    task: 'binary',
    label: fb.build.label,
    featureNames: fb.build.pipeline.outputNames,
    coef: fit.coef.map((r) => Array.from(r)),
    intercept: Array.from(fit.intercept),
    threshold: 0.5,
    params: { C: 1, penalty: 'l2' },
    convergence: { solver: 'newton', iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm, warnings: [] },
    trainMetrics: {},
    seed: 42,
    pipeline: fb.build.pipeline,
    lineage: {
      dataset: fb.build.dataset,
      datasetSha256: '',
      featureSet: { name, version: fb.build.version, hash: fb.build.hash },
      holdout: fb.build.holdout,
      allowUnconsented: false,
      dictlVersion: '0.1.0',
      node: process.version,
    },
  };
  const model = await registerModel(ws, draft, {});
  const pkgDir = join(ws.root, 'packages', name);
  writePackage(buildPackageFiles(model), pkgDir, false);
  const scorer = await loadScorer(pkgDir);
  try {
    const test = await loadMatrix(fb.parquetPath, 'test');
    const ref = predict(model, test.X, test.n, test.p);
    // the raw rows of the holdout, straight from the registered data, in __row order
    const want = new Set(Array.from(test.rows));
    const raw = await withDuck((d) => d.all<Record<string, unknown>>(`SELECT * FROM read_parquet(${sqlString(datasetDataPath(ws, name, 1))}, file_row_number = true) ORDER BY file_row_number`));
    const rows = raw.filter((r) => want.has(Number(r.file_row_number)));
    expect(rows.map((r) => Number(r.file_row_number))).toEqual(Array.from(test.rows));
    const valid: Record<string, unknown>[] = [];
    let rejected = 0;
    for (const r of rows) {
      const v = scorer.validate(r);
      if (v.ok) valid.push(v.row);
      else rejected++;
    }
    expect(rejected).toBe(0);
    // both the in-process graph (string inputs as codes) and the portable model.onnx (string tensors)
    const scored = await scorer.scoreRows(valid);
    const plain = await loadScorer(pkgDir, { coded: false });
    const scoredPlain = await plain.scoreRows(valid);
    plain.close();
    let max = 0;
    for (let i = 0; i < test.n; i++) max = Math.max(max, Math.abs(scored[i].score - ref[i]), Math.abs(scoredPlain[i].score - ref[i]));
    expect(Number.isFinite(max)).toBe(true);
    return { max, n: test.n, rejected };
  } finally {
    scorer.close();
  }
}

describe('ONNX = in-process model on every holdout row of the shared data sets', () => {
  for (const name of Object.keys(SPECS)) {
    it(name, async () => {
      const r = await lifecycle(name);
      expect(r.n).toBeGreaterThan(100);
      expect(r.max).toBeLessThan(1e-6);
    }, 120_000);
  }
});

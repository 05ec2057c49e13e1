/**
 * Feature builds end to end through the real CLI: a temp workspace, the shared churn data, the
 * reference split. Checks parity with scikit-learn's ColumnTransformer on every row, offline/online
 * agreement (applyPipeline vs features.parquet), the no-op rebuild, fit-on-training-rows-only, and
 * bad input that must write nothing.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitAndWrite, loadMatrix, prepareBuild, resolveFeatureBuild } from '../../../src/features/builds.js';
import { listFeatureSets } from '../../../src/ops/feature-list.js';
import { planFeatureSet } from '../../../src/ops/feature-plan.js';
import { showFeatureSet } from '../../../src/ops/feature-show.js';
import { stableStringify } from '../../../src/util/json.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { withDuck } from '../../../src/io/duck.js';
import { workspaceAt } from '../../../src/workspace.js';
import type { FeatureBuild } from '../../../src/types.js';
import { SHARED as SHARED_DIR } from '../../helpers/paths.js';
import { cliJson } from '../../helpers/cli.js';
import { python } from '../../helpers/python.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const SHARED = SHARED_DIR;
const CHURN = join(SHARED, 'datasets/churn.csv');
const SPLIT = join(SHARED, 'reference/splits/churn.test_rows.txt');

/** the commands here run as actor `test`, DICTL_QUIET left as the environment has it (with cliJson: --json) */
const AS_TEST = { env: { DICTL_ACTOR: 'test' }, quiet: false };

function newWorkspace(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dictl-feat-')), 'ws');
  const r = cliJson(ROOT, ['init', dir], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

/** A listing of every file under registry/ (to prove nothing was written). */
function registryFiles(ws: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p.slice(ws.length) + ':' + readFileSync(p).length);
    }
  };
  walk(join(ws, 'registry'));
  return out.sort();
}

let ws: string;
let build: FeatureBuild;
let parquet: string;

beforeAll(() => {
  ws = newWorkspace();
  cpSync(join(ROOT, 'features/churn.yaml'), join(ws, 'features/churn.yaml'));
  let r = cliJson(ws, ['dataset', 'register', 'churn', '--file', CHURN, '--steward', 'data@example.com', '--consent', 'opt-in'], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  r = cliJson(ws, ['holdout', 'create', 'churn@1', '--rows', SPLIT], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  r = cliJson(ws, ['feature', 'build', 'churn'], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.unchanged).toBe(false);
  expect(r.json.version).toBe(1);
  const res = resolveFeatureBuild(workspaceAt(ws), 'churn');
  build = res.build;
  parquet = res.parquetPath;
});

describe('feature build (churn, reference protocol)', () => {
  it('writes the documented columns, 73 outputs, 4000/1000 rows, ordered by __row', async () => {
    expect(build.pipeline.outputNames.length).toBe(73);
    expect(build.rows).toEqual({ train: 4000, test: 1000, skipped: 0 });
    const cols = await withDuck((d) => d.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${parquet}')`));
    expect(cols.slice(0, 3)).toEqual([
      expect.objectContaining({ column_name: '__row', column_type: 'BIGINT' }),
      expect.objectContaining({ column_name: '__split', column_type: 'VARCHAR' }),
      expect.objectContaining({ column_name: '__label', column_type: 'DOUBLE' }),
    ]);
    expect(cols.slice(3).map((c) => c.column_name)).toEqual(build.pipeline.outputNames);
    // one-hot indicators are stored as BOOLEAN, every other output as DOUBLE
    const indicators = new Set(build.pipeline.features.flatMap((f) => (f.kind === 'onehot' ? f.outputs : [])));
    expect(indicators.size).toBeGreaterThan(0);
    for (const c of cols.slice(3)) expect(c.column_type, c.column_name).toBe(indicators.has(c.column_name) ? 'BOOLEAN' : 'DOUBLE');
    const m = await loadMatrix(parquet, 'all');
    expect(m.n).toBe(5000);
    for (let i = 0; i < m.n; i++) expect(m.rows[i]).toBe(i);
    const testRows = new Set(readFileSync(SPLIT, 'utf8').split(/\s+/).filter(Boolean).map(Number));
    const te = await loadMatrix(parquet, 'test');
    expect([...te.rows]).toEqual([...testRows].sort((a, b) => a - b));
    expect(te.y.reduce((a, b) => a + b, 0)).toBe(141); // positive_rate_test 0.141
    const tr = await loadMatrix(parquet, 'train');
    expect(tr.n).toBe(4000);
    expect(tr.y.reduce((a, b) => a + b, 0)).toBe(566); // 0.1415 × 4000
  });

  it('matches scikit-learn ColumnTransformer (median→StandardScaler, most_frequent→OneHotEncoder) on every row', async () => {
    const ref = JSON.parse(readFileSync(join(SHARED, 'reference/sklearn_logreg.json'), 'utf8')).results.churn;
    const script = join(mkdtempSync(join(tmpdir(), 'dictl-sk-')), 'sk.py');
    writeFileSync(
      script,
      `import sys, json, numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, OneHotEncoder
csv, rows, numc, catc = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
df = pd.read_csv(csv, keep_default_na=False, na_values=[''])
test = set(int(x) for x in open(rows).read().split())
tr = np.array([i not in test for i in range(len(df))])
ct = ColumnTransformer([('num', Pipeline([('imp', SimpleImputer(strategy='median')), ('sc', StandardScaler())]), numc),
  ('cat', Pipeline([('imp', SimpleImputer(strategy='most_frequent')), ('oh', OneHotEncoder(handle_unknown='ignore'))]), catc)], sparse_threshold=0)
ct.fit(df[tr])
json.dump({'names': [n.split('__', 1)[1] for n in ct.get_feature_names_out()], 'X': ct.transform(df).tolist()}, sys.stdout)
`,
    );
    const r = python([script, CHURN, SPLIT, ref.numeric_columns.join(','), ref.categorical_columns.join(',')]);
    expect(r.status, r.stderr).toBe(0);
    const sk = JSON.parse(r.stdout) as { names: string[]; X: number[][] };
    // sklearn names one-hot outputs COL_VALUE; ours COL=VALUE
    expect(sk.names.length).toBe(73);
    expect(build.pipeline.outputNames.map((n) => n.replace('=', '_'))).toEqual(sk.names);
    const m = await loadMatrix(parquet, 'all');
    let maxErr = 0;
    for (let i = 0; i < m.n; i++) for (let j = 0; j < m.p; j++) maxErr = Math.max(maxErr, Math.abs(m.X[i * m.p + j] - sk.X[i][j]));
    expect(maxErr).toBeLessThan(1e-9);
  });

  it('applyPipeline on the raw rows gives exactly the values of features.parquet (offline = online)', async () => {
    const raw = await withDuck((d) => d.all<Record<string, unknown>>(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${join(ws, 'datasets/churn/1/data.parquet')}', file_row_number = true) ORDER BY file_row_number`));
    expect(raw.length).toBe(5000);
    const online = applyPipeline(build.pipeline, raw);
    const m = await loadMatrix(parquet, 'all');
    expect(online.p).toBe(m.p);
    let diff = 0;
    for (let k = 0; k < m.X.length; k++) if (!Object.is(online.X[k], m.X[k])) diff++;
    expect(diff).toBe(0);
    // and rows arriving as strings (a Redis hash) give the same values
    const asStrings = raw.slice(0, 50).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));
    const s = applyPipeline(build.pipeline, asStrings);
    expect([...s.X]).toEqual([...online.X.slice(0, 50 * m.p)]);
  });

  it('fits on the training rows only (means of the standardized columns are ~0 over train, not over all rows)', async () => {
    const f = build.pipeline.features.find((x) => x.name === 'total_day_minutes');
    expect(f?.kind).toBe('numeric');
    const steps = (f as any).steps;
    expect(steps[0].op).toBe('impute');
    expect(steps[1].op).toBe('affine');
    const trainStats = await withDuck((d) =>
      d.all<{ mean: number; sd: number; allMean: number }>(
        `WITH s AS (SELECT file_row_number AS r, total_day_minutes AS x FROM read_parquet('${join(ws, 'datasets/churn/1/data.parquet')}', file_row_number = true)),
              t AS (SELECT unnest([${readFileSync(SPLIT, 'utf8').split(/\s+/).filter(Boolean).join(',')}]::BIGINT[]) AS r)
         SELECT avg(x) FILTER (WHERE r NOT IN (SELECT r FROM t)) AS mean, stddev_pop(x) FILTER (WHERE r NOT IN (SELECT r FROM t)) AS sd, avg(x) AS allMean FROM s`,
      ),
    );
    expect(steps[1].sub).toBeCloseTo(trainStats[0].mean, 10);
    expect(steps[1].div).toBeCloseTo(trainStats[0].sd, 10);
    expect(Math.abs(steps[1].sub - trainStats[0].allMean)).toBeGreaterThan(1e-6);
  });

  it('rebuilding an unchanged set is a no-op that says so', () => {
    const before = registryFiles(ws);
    const r = cliJson(ws, ['feature', 'build', 'churn'], AS_TEST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ unchanged: true, version: 1, ref: 'churn@1' });
    const human = cliJson(ws, ['feature', 'build', 'churn'], { json: false, quiet: false });
    expect(human.stdout).toMatch(/Unchanged: churn@1/);
    expect(registryFiles(ws)).toEqual(before);
  });

  it('fitting the same inputs again gives byte-identical fitted state', async () => {
    const inp = await prepareBuild(workspaceAt(ws), 'churn');
    expect(inp.hash).toBe(build.hash);
    const out = join(mkdtempSync(join(tmpdir(), 'dictl-refit-')), 'features.parquet');
    const r = await withDuck((d) => fitAndWrite(d, { spec: inp.spec, plan: inp.plan, dataPath: join(ws, 'datasets/churn/1/data.parquet'), testRows: inp.holdout.testRows }, out));
    expect(stableStringify(r.pipeline)).toBe(stableStringify(build.pipeline));
    const a = await loadMatrix(out, 'all');
    const b = await loadMatrix(parquet, 'all');
    expect(Buffer.from(a.X.buffer).equals(Buffer.from(b.X.buffer))).toBe(true);
  });

  it('feature list / show / show --sql / plan', async () => {
    const W = workspaceAt(ws);
    expect(listFeatureSets(W)).toEqual([expect.objectContaining({ name: 'churn', valid: true, builds: 1, source: 'churn@latest', latest: expect.objectContaining({ version: 1, outputs: 73 }) })]);
    const show = showFeatureSet(W, 'churn');
    expect(show.features.length).toBe(19);
    expect(show.features[0]).toMatchObject({ name: 'account_length', kind: 'numeric', line: 12 });
    expect(show.build?.hash).toBe(build.hash);
    // the compiled SQL, run by hand, reproduces features.parquet
    const sql = cliJson(ws, ['feature', 'show', 'churn', '--sql'], AS_TEST);
    expect(sql.code, sql.stderr).toBe(0);
    const text: string = sql.json.sql;
    expect(text).toMatch(/^SELECT/);
    const rows = await withDuck((d) => d.all<Record<string, number>>(text.replace("'datasets/churn/1/data.parquet'", `'${join(ws, 'datasets/churn/1/data.parquet')}'`)));
    const m = await loadMatrix(parquet, 'all');
    expect(rows.length).toBe(5000);
    for (let i = 0; i < 5000; i += 97) for (let j = 0; j < m.p; j++) expect(rows[i][m.names[j]]).toBe(m.X[i * m.p + j]);
    // plan: unchanged, then a definition change is reported and nothing is written
    expect(await planFeatureSet(W, 'churn')).toMatchObject({ action: 'unchanged', nextVersion: 1 });
    const yaml = readFileSync(join(ws, 'features/churn.yaml'), 'utf8');
    writeFileSync(join(ws, 'features/churn.yaml'), yaml + '  - name: charge_per_call\n    expr: total_day_charge / nullif(total_day_calls, 0)\n    transforms: [{impute: median}, standardize]\n');
    const before = registryFiles(ws);
    const plan = cliJson(ws, ['feature', 'plan', 'churn'], AS_TEST);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json).toMatchObject({ action: 'create', nextVersion: 2, changes: { definition: true, data: false, holdout: false }, derived: ['charge_per_call'] });
    expect(registryFiles(ws)).toEqual(before);
    writeFileSync(join(ws, 'features/churn.yaml'), yaml);
  });
});

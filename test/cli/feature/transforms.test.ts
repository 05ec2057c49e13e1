/**
 * Every transform fitted on a small generated dataset (values checked against independent
 * computations on the training rows), offline = online for that pipeline, and bad input: each case a
 * clear error naming the feature (or file:line:field), exit 3, and nothing written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMatrix, lockDown, resolveFeatureBuild } from '../../../src/features/builds.js';
import { buildFeatureSet } from '../../../src/ops/feature-build.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { withDuck } from '../../../src/io/duck.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { DictlError } from '../../../src/errors.js';
import type { NumericFeature, OneHotFeature, IndexFeature } from '../../../src/types.js';
import { cliJson } from '../../helpers/cli.js';

const ROOT = resolve(__dirname, '..', '..', '..');

/** the commands here run as actor `test`, DICTL_QUIET left as the environment has it (with cliJson: --json) */
const AS_TEST = { env: { DICTL_ACTOR: 'test' }, quiet: false };

function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${p.slice(dir.length)}:${statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

// ─── a deterministic small dataset
const N = 240;
interface Row {
  id: number;
  amount: number | null;
  visits: number;
  city: string | null;
  tier: number;
  secret: string;
  label: string;
}
const data: Row[] = [];
for (let i = 0; i < N; i++) {
  const cities = ['oslo', 'oslo', 'oslo', 'bergen', 'bergen', 'tromso', 'alta', 'oslo', 'bergen', 'kirkenes'];
  data.push({
    id: i,
    amount: i % 13 === 5 ? null : ((i * 37) % 101) - 10 + (i % 7) / 4,
    visits: (i * 11) % 17,
    city: i % 19 === 3 ? null : i === 7 ? 'vardo' : cities[(i * 3) % 10],
    tier: 1 + (i % 3),
    secret: `s${i}`,
    label: (i * 7) % 5 === 0 || i % 11 === 0 ? 'yes' : 'no',
  });
}
// test rows: every 5th row, plus the only 'vardo' row (unseen in training)
const testRows = data.filter((r) => r.id % 5 === 0 || r.id === 7).map((r) => r.id);
const trainData = data.filter((r) => !testRows.includes(r.id));

let wsDir: string;
let ws: Workspace;
let origHoldout: string;

beforeAll(() => {
  wsDir = join(mkdtempSync(join(tmpdir(), 'dictl-featmore-')), 'ws');
  expect(cliJson(ROOT, ['init', wsDir], AS_TEST).code).toBe(0);
  const csv = ['id,amount,visits,city,tier,secret,label', ...data.map((r) => [r.id, r.amount ?? '', r.visits, r.city ?? '', r.tier, r.secret, r.label].join(','))].join('\n') + '\n';
  writeFileSync(join(wsDir, 'shop.csv'), csv);
  writeFileSync(join(wsDir, 'test_rows.txt'), testRows.join('\n') + '\n');
  let r = cliJson(wsDir, ['dataset', 'register', 'shop', '--file', join(wsDir, 'shop.csv'), '--steward', 'a@example.com', '--consent', 'opt-in', '--pii', 'secret'], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  r = cliJson(wsDir, ['holdout', 'create', 'shop@1', '--rows', join(wsDir, 'test_rows.txt')], AS_TEST);
  expect(r.code, r.stderr).toBe(0);
  origHoldout = r.json.holdout.hash;
  ws = workspaceAt(wsDir);
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
};

describe('every transform', () => {
  it('fits on training rows with the documented statistics, and offline = online', async () => {
    writeFileSync(
      join(wsDir, 'features/all.yaml'),
      `source: shop@1
label: {column: label, positive: "yes"}
features:
  - name: amount_mean
    column: amount
    transforms: [{impute: mean}, {standardize: {with_std: false}}]
  - name: amount_mm
    column: amount
    transforms: [{impute: {strategy: constant, value: 0}}, min_max]
  - name: amount_robust
    column: amount
    transforms: [{impute: median}, robust, {clip: {min: -1, max: 1}}]
  - name: amount_q
    column: amount
    transforms: [{impute: median}, {bucketize: {quantiles: 4}}]
  - name: visits_log
    column: visits
    transforms: [log1p, {bucketize: {splits: [1, 2]}}]
  - name: visits_mode
    column: visits
    transforms: [{impute: mode}]
  - name: per_visit
    expr: amount / nullif(visits, 0)
    transforms: [{impute: median}, standardize]
  - name: double_per_visit
    expr: per_visit * 2 + ln(visits)
  - name: city
    column: city
    transforms: [{impute: mode}, {one_hot: {min_frequency: 30, unknown: other}}]
  - name: city_top
    column: city
    transforms: [{one_hot: {max_categories: 3}}]
  - name: city_drop
    column: city
    transforms: [{impute: {strategy: constant, value: none}}, {one_hot: {drop_last: true}}]
  - name: city_idx
    column: city
    transforms: [{string_index: {order: frequency, handle_invalid: keep}}]
  - name: tier_idx
    column: tier
    transforms: [{string_index: {order: alphabet}}]
  - name: amount_x_oslo
    interaction: [amount_mean, city=oslo]
`,
    );
    const r = await buildFeatureSet(ws, 'all');
    expect(r.unchanged).toBe(false);
    expect(r.rows).toEqual({ train: trainData.length, test: testRows.length, skipped: 0 });
    const { build, parquetPath } = resolveFeatureBuild(ws, 'all');
    const byName = (n: string) => build.pipeline.features.find((f) => f.name === n)!;
    const amounts = trainData.map((d) => d.amount).filter((x): x is number => x !== null);
    const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
    // impute mean → standardize without std
    const am = byName('amount_mean') as NumericFeature;
    expect(am.steps[0]).toEqual({ op: 'impute', value: expect.closeTo(mean, 10) });
    expect(am.steps[1]).toEqual({ op: 'affine', sub: expect.closeTo(mean, 10), div: 1 });
    // constant 0 → min-max over imputed training values
    const filled = trainData.map((d) => d.amount ?? 0);
    const mm = byName('amount_mm') as NumericFeature;
    expect(mm.steps[1]).toEqual({ op: 'affine', sub: Math.min(...filled), div: Math.max(...filled) - Math.min(...filled) });
    // median → robust (median, IQR of imputed values) → clip
    const med = median(amounts);
    const withMed = trainData.map((d) => d.amount ?? med);
    const rb = byName('amount_robust') as NumericFeature;
    expect(rb.steps[0]).toEqual({ op: 'impute', value: med });
    expect(rb.steps[1]).toEqual({ op: 'affine', sub: expect.closeTo(median(withMed), 12), div: expect.closeTo(quantile(withMed, 0.75) - quantile(withMed, 0.25), 12) });
    expect(rb.steps[2]).toEqual({ op: 'clip', min: -1, max: 1 });
    const q = byName('amount_q') as NumericFeature;
    expect(q.steps[1]).toEqual({ op: 'bucketize', splits: [0.25, 0.5, 0.75].map((p) => expect.closeTo(quantile(withMed, p), 12)) });
    expect((byName('visits_log') as NumericFeature).steps).toEqual([{ op: 'log1p' }, { op: 'bucketize', splits: [1, 2] }]);
    // mode: most frequent visits value among training rows, ties → smallest
    const vc = new Map<number, number>();
    for (const d of trainData) vc.set(d.visits, (vc.get(d.visits) ?? 0) + 1);
    const mode = [...vc.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    expect((byName('visits_mode') as NumericFeature).steps).toEqual([{ op: 'impute', value: mode }]);
    // categorical: counts on training rows (after mode imputation)
    const cc = new Map<string, number>();
    for (const d of trainData) if (d.city !== null) cc.set(d.city, (cc.get(d.city) ?? 0) + 1);
    const cityMode = [...cc.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    const city = byName('city') as OneHotFeature;
    expect(city.impute).toBe(cityMode);
    const imputed = new Map(cc);
    imputed.set(cityMode, imputed.get(cityMode)! + trainData.filter((d) => d.city === null).length);
    const frequent = [...imputed.entries()].filter((e) => e[1] >= 30).map((e) => e[0]).sort();
    const rare = [...imputed.entries()].filter((e) => e[1] < 30).map((e) => e[0]).sort();
    expect(rare.length).toBeGreaterThan(0);
    expect(city).toMatchObject({ categories: frequent, folded: rare, otherSlot: true, unknown: 'other', outputs: [...frequent.map((c) => `city=${c}`), 'city=__other__'] });
    expect(imputed.has('vardo')).toBe(false); // only in the holdout: must not be learnt
    const top = byName('city_top') as OneHotFeature;
    const top2 = [...cc.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 2).map((e) => e[0]).sort();
    expect(top.categories).toEqual(top2);
    expect(top.outputs.length).toBe(3);
    const drop = byName('city_drop') as OneHotFeature;
    const allCities = [...cc.keys(), 'none'].sort();
    expect(drop.categories).toEqual(allCities.slice(0, -1));
    expect(drop.folded).toEqual([allCities[allCities.length - 1]]);
    expect(drop.otherSlot).toBe(false);
    const idx = byName('city_idx') as IndexFeature;
    expect(idx.vocabulary).toEqual([...cc.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map((e) => e[0]));
    expect((byName('tier_idx') as IndexFeature).vocabulary).toEqual(['1', '2', '3']);
    expect(build.pipeline.derived.map((d) => d.name)).toEqual(['per_visit', 'double_per_visit']);

    // offline (DuckDB) = online (TS executor) on every row
    const raw = await withDuck((d) => d.all<Record<string, unknown>>(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${join(wsDir, 'datasets/shop/1/data.parquet')}', file_row_number = true) ORDER BY file_row_number`));
    const on = applyPipeline(build.pipeline, raw);
    const off = await loadMatrix(parquetPath, 'all');
    expect(off.names).toEqual(build.pipeline.outputNames);
    const lnCol = off.names.indexOf('double_per_visit');
    let exact = 0;
    for (let i = 0; i < off.n; i++)
      for (let j = 0; j < off.p; j++) {
        const a = on.X[i * off.p + j];
        const b = off.X[i * off.p + j];
        if (Number.isNaN(a) || Number.isNaN(b)) expect([i, j, Number.isNaN(a)]).toEqual([i, j, Number.isNaN(b)]);
        else if (j === lnCol) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
        else {
          expect([i, j, a]).toEqual([i, j, b]);
          exact++;
        }
      }
    expect(exact).toBeGreaterThan(N * 15);
    // the holdout-only city: unknown → zeros in city_top/city_drop, other slot in city, keep index in city_idx
    const row7 = off.X.slice(7 * off.p, 8 * off.p);
    expect(row7[off.names.indexOf('city=__other__')]).toBe(1);
    expect(row7[off.names.indexOf('city_idx')]).toBe(idx.vocabulary.length);
    expect(top.outputs.map((o) => row7[off.names.indexOf(o)])).toEqual([0, 0, 0]);
  });
});

describe('bad input: clear error naming the feature, nothing written', () => {
  const cases: { name: string; yaml: string; err: RegExp; kind?: string }[] = [
    { name: 'unknown column', yaml: 'features:\n  - name: f\n    column: nope\n', err: /features\/bad\.yaml:\d+: feature "f": unknown column "nope"/ },
    { name: 'standardize on a string', yaml: 'features:\n  - column: city\n    transforms: [standardize]\n', err: /feature "city": type mismatch: standardize needs a number, but "city" is VARCHAR/ },
    { name: 'option out of range', yaml: 'features:\n  - column: amount\n    transforms:\n      - bucketize: {quantiles: 1}\n', err: /features\/bad\.yaml:7: features\[0\]\.transforms\[0\]\.bucketize\.quantiles: must be a whole number from 2 to 1000/ },
    { name: 'clip min > max', yaml: 'features:\n  - column: amount\n    transforms: [{clip: {min: 5, max: 1}}]\n', err: /features\[0\]\.transforms\[0\]\.clip\.min: must not exceed max/ },
    { name: 'negative min_frequency', yaml: 'features:\n  - column: city\n    transforms: [{one_hot: {min_frequency: -2}}]\n', err: /one_hot\.min_frequency: must be a count/ },
    { name: 'expression cycle', yaml: 'features:\n  - name: a\n    expr: b + 1\n  - name: b\n    expr: a * 2\n', err: /feature "[ab]": expressions form a cycle: [ab] → [ab] → [ab]/ },
    { name: 'unknown reference in an expression', yaml: 'features:\n  - name: r\n    expr: amount / zzz\n', err: /feature "r": expression refers to unknown column "zzz"/ },
    { name: 'SQL reading a file', yaml: "features:\n  - name: leak\n    expr: read_csv('/etc/passwd')\n", err: /features\/bad\.yaml:6: features\[0\]\.expr: feature "leak": string literals are not allowed/ },
    { name: 'attach attempt', yaml: 'features:\n  - name: att\n    expr: ATTACH\n', err: /feature "att": "ATTACH" is not allowed/ },
    { name: 'unknown field', yaml: 'features:\n  - colum: amount\n', err: /features\/bad\.yaml:5: features\[0\]\.colum: unknown field/ },
    { name: 'unknown transform', yaml: 'features:\n  - column: amount\n    transforms: [pca]\n', err: /features\[0\]\.transforms\[0\]: unknown transform "pca"/ },
    { name: 'label used as a feature', yaml: 'features:\n  - column: label\n    transforms: [one_hot]\n', err: /feature "label": uses the label column/ },
    { name: 'PII column', yaml: 'features:\n  - column: secret\n    transforms: [one_hot]\n', err: /column "secret" of shop@1 is marked PII/ },
    { name: 'interaction with an unknown output', yaml: 'features:\n  - column: amount\n  - name: ax\n    interaction: [amount, nope]\n', err: /feature "ax": interaction refers to "nope", which is not an earlier output/ },
    { name: 'positive class absent', yaml: 'features:\n  - column: visits\n', err: /label\.positive "YES" never occurs/, kind: 'label' },
    { name: 'one-hot unknown: error meets an unseen holdout value', yaml: 'features:\n  - column: city\n    transforms: [{impute: mode}, {one_hot: {unknown: error}}]\n', err: /feature "city": unknown or missing category \(one-hot unknown: error\): (vardo|tromso)/ },
    { name: 'YAML syntax', yaml: 'features:\n  - column: [amount\n', err: /features\/bad\.yaml:\d+: YAML:/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const head = c.kind === 'label' ? 'source: shop@1\nlabel: {column: label, positive: "YES"}\n' : 'source: shop@1\nlabel: {column: label, positive: "yes"}\n';
      writeFileSync(join(wsDir, 'features/bad.yaml'), head + '\n' + c.yaml);
      const before = snapshot(join(wsDir, 'registry'));
      const err = await buildFeatureSet(ws, 'bad').then(
        () => undefined,
        (e) => e,
      );
      expect(err).toBeInstanceOf(DictlError);
      expect((err as DictlError).kind).toBe('data');
      expect((err as Error).message).toMatch(c.err);
      expect(snapshot(join(wsDir, 'registry'))).toEqual(before);
    });
  }

  it('through the CLI: exit 3, one-line error, JSON error document, nothing written', () => {
    writeFileSync(join(wsDir, 'features/bad.yaml'), 'source: shop@1\nlabel: {column: label, positive: "yes"}\nfeatures:\n  - column: city\n    transforms: [standardize]\n');
    const before = snapshot(join(wsDir, 'registry'));
    const r = cliJson(wsDir, ['feature', 'build', 'bad'], AS_TEST);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^Error \(DATA\): features\/bad\.yaml:4: feature "city": type mismatch/m);
    expect(r.json.error).toMatchObject({ code: 'DATA', exitCode: 3 });
    expect(snapshot(join(wsDir, 'registry'))).toEqual(before);
  });

  it('no holdout: not found, telling to run holdout create', async () => {
    const csv = join(wsDir, 'other.csv');
    writeFileSync(csv, 'x,y\n1,a\n2,b\n3,a\n');
    expect(cliJson(wsDir, ['dataset', 'register', 'other', '--file', csv, '--steward', 'a@example.com', '--consent', 'opt-in'], AS_TEST).code).toBe(0);
    writeFileSync(join(wsDir, 'features/other.yaml'), 'source: other@latest\nlabel: {column: y, positive: a}\nfeatures: [x]\n');
    const r = cliJson(wsDir, ['feature', 'build', 'other'], AS_TEST);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no holdout for other@1/);
    expect(r.stderr).toMatch(/Try: run: dictl holdout create other@1 --fraction 0.2 --stratify y --seed 42/);
  });

  it('consent unknown needs --allow-unconsented, which is recorded', async () => {
    const csv = join(wsDir, 'unc.csv');
    writeFileSync(csv, 'x,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? 'a' : 'b'}`).join('\n') + '\n');
    expect(cliJson(wsDir, ['dataset', 'register', 'unc', '--file', csv, '--steward', 'a@example.com'], AS_TEST).code).toBe(0);
    expect(cliJson(wsDir, ['holdout', 'create', 'unc@1', '--fraction', '0.2', '--seed', '1'], AS_TEST).code).toBe(0);
    writeFileSync(join(wsDir, 'features/unc.yaml'), 'source: unc@1\nlabel: {column: y, positive: a}\nfeatures: [x]\n');
    const before = snapshot(join(wsDir, 'registry'));
    let r = cliJson(wsDir, ['feature', 'build', 'unc'], AS_TEST);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/consent "unknown"/);
    expect(snapshot(join(wsDir, 'registry'))).toEqual(before);
    r = cliJson(wsDir, ['feature', 'build', 'unc', '--allow-unconsented'], AS_TEST);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(wsDir, 'registry/features/unc/1/state.json'), 'utf8')).allowUnconsented).toBe(true);
  });
});

describe('labels, pinned holdouts, lock, sandbox', () => {
  it('regression and multiclass labels', async () => {
    writeFileSync(join(wsDir, 'features/reg.yaml'), 'source: shop@1\nlabel: {column: visits, task: regression}\nfeatures: [tier]\n');
    const r = await buildFeatureSet(ws, 'reg');
    const m = await loadMatrix(resolveFeatureBuild(ws, 'reg').parquetPath, 'all');
    expect([...m.y]).toEqual(data.map((d) => d.visits));
    writeFileSync(join(wsDir, 'features/multi.yaml'), 'source: shop@1\nlabel: {column: tier, classes: ["3", "1", "2"]}\nfeatures: [visits]\n');
    await buildFeatureSet(ws, 'multi');
    const mm = await loadMatrix(resolveFeatureBuild(ws, 'multi').parquetPath, 'all');
    expect([...mm.y]).toEqual(data.map((d) => ({ 3: 0, 1: 1, 2: 2 })[d.tier as 1 | 2 | 3]));
    expect(r.outputs).toEqual(['tier']);
  });

  it('string_index handle_invalid: skip drops the rows with unseen values offline, keeping row order', async () => {
    writeFileSync(join(wsDir, 'features/skip.yaml'), 'source: shop@1\nlabel: {column: label, positive: "yes"}\nfeatures:\n  - column: city\n    transforms: [{impute: mode}, {string_index: {handle_invalid: skip}}]\n  - visits\n');
    const r = await buildFeatureSet(ws, 'skip');
    const seen = new Set(trainData.map((d) => d.city).filter((c) => c !== null));
    const dropped = data.filter((d) => d.city !== null && !seen.has(d.city)).map((d) => d.id);
    expect(dropped.length).toBeGreaterThan(0);
    expect(r.rows.skipped).toBe(dropped.length);
    const m = await loadMatrix(resolveFeatureBuild(ws, 'skip').parquetPath, 'all');
    expect([...m.rows]).toEqual(data.map((d) => d.id).filter((id) => !dropped.includes(id)));
    expect(() => applyPipeline(resolveFeatureBuild(ws, 'skip').build.pipeline, [{ city: 'vardo', visits: 1 }])).toThrow(/handle_invalid: skip/);
  });

  it('a pinned holdout (hash prefix) is used instead of the latest one', async () => {
    writeFileSync(join(wsDir, 'rows2.txt'), '0\n1\n2\n');
    const h2 = cliJson(wsDir, ['holdout', 'create', 'shop@1', '--rows', join(wsDir, 'rows2.txt')], AS_TEST);
    expect(h2.code, h2.stderr).toBe(0);
    writeFileSync(join(wsDir, 'features/latest.yaml'), 'source: shop@1\nlabel: {column: label, positive: "yes"}\nfeatures: [visits]\n');
    const latest = await buildFeatureSet(ws, 'latest');
    expect(latest.holdout).toBe(h2.json.holdout.hash);
    expect(latest.rows.test).toBe(3);
    const original = origHoldout;
    expect(original).not.toBe(h2.json.holdout.hash);
    writeFileSync(join(wsDir, 'features/pinned.yaml'), `source: shop@1\nholdout: ${original.slice(0, 12)}\nlabel: {column: label, positive: "yes"}\nfeatures: [visits]\n`);
    const p = await buildFeatureSet(ws, 'pinned');
    expect(p.holdout).toBe(original);
    expect(p.rows.test).toBe(testRows.length);
  });

  it('a held workspace lock makes build exit 5 and write nothing', () => {
    writeFileSync(join(wsDir, 'features/locked.yaml'), 'source: shop@1\nlabel: {column: label, positive: "yes"}\nfeatures: [visits, tier]\n');
    const before = snapshot(join(wsDir, 'registry'));
    writeFileSync(join(wsDir, 'registry/.lock'), JSON.stringify({ pid: process.pid, host: hostname(), command: 'test', since: new Date().toISOString() }));
    try {
      const r = cliJson(wsDir, ['feature', 'build', 'locked'], AS_TEST);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/locked by pid/);
    } finally {
      rmSync(join(wsDir, 'registry/.lock'));
    }
    expect(snapshot(join(wsDir, 'registry'))).toEqual(before);
  });

  it('user SQL runs with external access disabled: only the allowed folders are readable', async () => {
    await withDuck(async (d) => {
      await lockDown(d, [join(wsDir, 'datasets/shop/1')]);
      const ok = await d.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM read_parquet('${join(wsDir, 'datasets/shop/1/data.parquet')}')`);
      expect(Number(ok[0].n)).toBe(N);
      await expect(d.all(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toThrow(/disabled|Permission/);
      await expect(d.run(`ATTACH '${join(wsDir, 'x.duckdb')}'`)).rejects.toThrow(/disabled|Permission/);
      await expect(d.run(`SET enable_external_access = true`)).rejects.toThrow();
    });
  });
});

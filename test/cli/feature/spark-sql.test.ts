/**
 * `feature show --sql --dialect spark`: the generated Spark SQL is parsed with sqlglot's Spark dialect
 * (/usr/bin/python3, Debian python3-sqlglot), transpiled by sqlglot to DuckDB, run on the build's
 * dataset in DuckDB, and compared with the build's features.parquet (≤ 1e-9) — for every transform
 * kind, with hostile column names and category values, and for entity aggregates.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDuck } from '../../../src/io/duck.js';
import { sqlIdent, sqlString } from '../../../src/util/sql-quote.js';
import { cliJson as cli, ROOT } from '../../helpers/workspace.js';
import { requireSqlglot, transpileSpark as transpile } from '../../helpers/sqlglot.js';

requireSqlglot();

/** Runs the transpiled query with `source` (and events tables) as views over the given Parquet files. */
async function runOnDuck(sql: string, tables: Record<string, string>): Promise<Record<string, unknown>[]> {
  return withDuck(async (duck) => {
    for (const [name, path] of Object.entries(tables)) await duck.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet(${sqlString(path)})`);
    // Spark's raise_error is DuckDB's error
    await duck.run(`CREATE MACRO raise_error(m) AS error(m)`);
    return duck.all(sql);
  }, { threads: 1 });
}

async function readFeatures(path: string, cols: string[]): Promise<Record<string, unknown>[]> {
  return withDuck((duck) => duck.all(`SELECT ${cols.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE) AS ${sqlIdent(c)}`).join(', ')} FROM read_parquet(${sqlString(path)}) ORDER BY __row`));
}

function compareRows(got: Record<string, unknown>[], want: Record<string, unknown>[], cols: string[]): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    for (const c of cols) {
      const a = got[i][c] as number | null;
      const b = want[i][c] as number | null;
      if (b === null || a === null) {
        expect(a, `row ${i} column ${c}`).toBe(b);
        continue;
      }
      expect(Number.isFinite(a), `row ${i} column ${c}: ${a}`).toBe(true);
      worst = Math.max(worst, Math.abs(a - b));
      if (Math.abs(a - b) > 1e-9) throw new Error(`row ${i} column ${c}: Spark SQL gives ${a}, features.parquet ${b}`);
    }
  expect(worst).toBeLessThanOrEqual(1e-9);
}

const sortRows = (rows: Record<string, unknown>[], cols: string[]) =>
  [...rows].sort((x, y) => {
    for (const c of cols) {
      const a = (x[c] as number | null) ?? -Infinity;
      const b = (y[c] as number | null) ?? -Infinity;
      if (a !== b) return a - b;
    }
    return 0;
  });

// hostile names (sqlglot 10.6 cannot read a doubled backtick inside an identifier nor write a double
// quote inside one, so those two characters are checked separately below)
const TENURE = "it's tenure";
const DOTTED = 'x.y';
const UNI = 'ünï-cödé';
const KW = 'select';
const DOLLAR = '$col{1}';
const PLAN = 'plan -- /* not a comment */';
const LABEL = 'churned?';
const CITY = 'city';
// category values: quotes, backslashes, ${}, comment markers, unicode, a tab (one-hot outputs are named after them)
const PLANS = ["it's", 'a\\b', '${x}', '--dash', '/*c*/', 'über', 'tab\there'];
// string-index values never become names: anything goes
const CITIES = ['new\nline', 'back`tick', 'dq"x"', "o'hare", '\\', 'plain'];

let wsDir: string;
let dataPath: string;

beforeAll(async () => {
  wsDir = join(mkdtempSync(join(tmpdir(), 'dictl-spark-')), 'ws');
  expect(cli(ROOT, ['init', wsDir]).code).toBe(0);
  const n = 400;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const h = (k: number) => (((i + 1) * 2654435761 * (k + 1)) % 1000003) / 1000003;
    rows.push([
      i % 11 === 0 ? null : 50 + 40 * h(1) + (i % 7),
      i % 13 === 0 ? null : Math.floor(h(2) * 72),
      h(3) * 10 - 3,
      i % 17 === 0 ? null : h(4) * 20 - 1.5,
      h(5) * 100,
      i % 19 === 0 ? null : h(6) * 5,
      i % 23 === 0 ? null : PLANS[i % PLANS.length],
      i % 29 === 0 ? null : i === 397 ? 'seen-only-in-test' : CITIES[(i * 7) % CITIES.length],
      h(7) < 0.3 + (i % PLANS.length) * 0.05 ? "y'es" : 'no',
    ]);
  }
  const cols = ['amount', TENURE, DOTTED, UNI, KW, DOLLAR, PLAN, CITY, LABEL];
  const types = ['DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'VARCHAR', 'VARCHAR', 'VARCHAR'];
  const lit = (v: unknown, t: string) => (v === null ? `NULL::${t}` : typeof v === 'number' ? `'${v}'::DOUBLE` : sqlString(String(v)));
  dataPath = join(wsDir, 'hostile.parquet');
  await withDuck(async (duck) => {
    const values = rows.map((r) => `(${r.map((v, k) => lit(v, types[k])).join(', ')})`).join(',\n');
    await duck.run(`COPY (SELECT * FROM (VALUES ${values}) AS t(${cols.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ')})) TO ${sqlString(dataPath)} (FORMAT parquet)`);
  });
  let r = cli(wsDir, ['dataset', 'register', 'hostile', '--file', dataPath, '--steward', 'a@example.com', '--consent', 'opt-in']);
  expect(r.code, r.stderr).toBe(0);
  // the only row with "seen-only-in-test" is a test row: string_index skip drops it
  const test = Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 === 2 || i === 397);
  writeFileSync(join(wsDir, 'test_rows.txt'), test.join('\n') + '\n');
  r = cli(wsDir, ['holdout', 'create', 'hostile@1', '--rows', join(wsDir, 'test_rows.txt')]);
  expect(r.code, r.stderr).toBe(0);
  const q = (s: string) => JSON.stringify(s);
  const e = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(
    join(wsDir, 'features/hostile.yaml'),
    `source: hostile@1
label: {column: ${q(LABEL)}, positive: "y'es"}
features:
  - column: amount
    name: amount_std
    transforms: [{impute: mean}, standardize]
  - column: amount
    name: amount_noctr
    transforms: [{impute: mean}, {standardize: {with_mean: false}}]
  - column: ${q(TENURE)}
    transforms: [{impute: median}, min_max]
  - column: ${q(DOTTED)}
    transforms: [robust, {clip: {min: -1, max: 1.5}}]
  - column: ${q(UNI)}
    transforms: [log1p, {impute: {strategy: constant, value: -0.25}}, {clip: {min: 0}}]
  - column: ${q(KW)}
    transforms: [{bucketize: {quantiles: 4}}]
  - column: ${q(KW)}
    name: kw_splits
    transforms: [{bucketize: {splits: [10, 33.3, 90]}}]
  - column: ${q(DOLLAR)}
    transforms: [{impute: mode}, {clip: {max: 4}}]
  - column: ${q(PLAN)}
    name: plan
    transforms: [{impute: mode}, one_hot]
  - column: ${q(PLAN)}
    name: plan_dl
    transforms: [{impute: {strategy: constant, value: "it's none"}}, {one_hot: {drop_last: true}}]
  - column: ${q(PLAN)}
    name: plan_mf
    transforms: [{one_hot: {min_frequency: 56, unknown: other}}]
  - column: ${q(PLAN)}
    name: plan_err
    transforms: [{impute: mode}, {one_hot: {unknown: error}}]
  - column: ${q(PLAN)}
    name: plan_max
    transforms: [{one_hot: {max_categories: 3}}]
  - column: ${q(CITY)}
    name: city_keep
    transforms: [{string_index: {order: frequency, handle_invalid: keep}}]
  - column: ${q(CITY)}
    name: city_skip
    transforms: [{impute: {strategy: constant, value: "back\`tick"}}, {string_index: {order: alphabet, handle_invalid: skip}}]
  - name: ratio
    expr: ${q(`${e(TENURE)} / nullif(amount, 0) - -2.5e-3 * ${e(DOLLAR)}`)}
    transforms: [{impute: median}, standardize]
  - name: fns
    expr: ${q(`greatest(ln(${e(KW)}), sqrt(abs(${e(DOTTED)})), -1) + least(exp(${e(DOTTED)} / 10), coalesce(${e(UNI)}, 0.1)) + log1p(${e(DOTTED)})`)}
  - name: nulled
    expr: ${q(`nullif(${e(TENURE)}, 12) * 1`)}
  - name: tenure_x_plan
    interaction: [${q(TENURE)}, ${q(`plan=${PLANS[0]}`)}]
`,
  );
  r = cli(wsDir, ['feature', 'build', 'hostile']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.rows.skipped).toBeGreaterThan(0);
}, 120_000);

describe('feature show --sql --dialect spark', () => {
  it('is Spark SQL that sqlglot parses and that, run in DuckDB, reproduces features.parquet for every transform', async () => {
    const r = cli(wsDir, ['feature', 'show', 'hostile@1', '--sql', '--dialect', 'spark']);
    expect(r.code, r.stderr).toBe(0);
    const sql: string = r.json.sql;
    expect(sql).toMatch(/^SELECT /);
    expect(sql).toMatch(/FROM source AS __src/);
    // no DuckDB casts, and no backslash escapes in literals (a backslash in a `name` is literal in Spark)
    expect(sql.replace(/`(?:[^`]|``)*`/g, '``')).not.toMatch(/::|\\/);
    const t = transpile(sql);
    // every hostile column name is read as one quoted identifier, and every category value as a whole
    for (const c of [TENURE, DOTTED, UNI, KW, DOLLAR, PLAN, LABEL]) expect(t.identifiers).toContain(c);
    for (const p of PLANS) expect(t.identifiers).toContain(`plan=${p}`);
    const outputs: string[] = r.json.build.pipeline.outputNames;
    const got = await runOnDuck(t.duckdb, { source: join(wsDir, 'datasets/hostile/1/data.parquet') });
    const want = await readFeatures(join(wsDir, 'registry/features/hostile/1/features.parquet'), ['__label', ...outputs]);
    expect(Object.keys(got[0])).toEqual(['__label', ...outputs]);
    compareRows(got, want, ['__label', ...outputs]);
    // kinds present: all numeric steps, one-hot variants, both string-index modes, expressions, interaction
    const kinds = new Set(r.json.build.pipeline.features.flatMap((f: any) => (f.kind === 'numeric' ? f.steps.map((s: any) => s.op) : [f.kind])));
    expect([...kinds].sort()).toEqual(['affine', 'bucketize', 'clip', 'impute', 'index', 'interaction', 'log1p', 'onehot']);
  }, 60_000);

  it('fails the query, as the build does, on a category one-hot unknown: error has not seen', async () => {
    const r = cli(wsDir, ['feature', 'show', 'hostile@1', '--sql', '--dialect', 'spark']);
    const t = transpile(r.json.sql);
    const bad = join(wsDir, 'bad.parquet');
    await withDuck((duck) => duck.run(`COPY (SELECT * REPLACE ('never seen' AS ${sqlIdent(PLAN)}) FROM read_parquet(${sqlString(join(wsDir, 'datasets/hostile/1/data.parquet'))}) LIMIT 3) TO ${sqlString(bad)} (FORMAT parquet)`));
    await expect(runOnDuck(t.duckdb, { source: bad })).rejects.toThrow(/feature "plan_err": unknown or missing category \(one-hot unknown: error\): never seen/);
  }, 60_000);

  it('--dialect needs --sql, and names no engine but duckdb or spark', () => {
    expect(cli(wsDir, ['feature', 'show', 'hostile', '--dialect', 'spark']).code).not.toBe(0);
    const r = cli(wsDir, ['feature', 'show', 'hostile', '--sql', '--dialect', 'oracle']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/duckdb, spark/);
  });
});

describe('entity aggregates in Spark SQL', () => {
  it('computes every aggregate as of the row time, matching the build', async () => {
    const DAY = 86_400_000;
    const T0 = Date.UTC(2024, 0, 1);
    const fmt = (t: number) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');
    const labels: string[] = [];
    const pays: string[] = [];
    for (let c = 0; c < 10; c++) {
      for (const [k, d] of [10, 20, 40].entries()) labels.push(`c${c},${fmt(T0 + d * DAY + c * 3600_000)},${['basic', 'pro'][(c + k) % 2]},${(c + k) % 3 === 0 ? 'yes' : 'no'}`);
      for (let k = 0; k < 8; k++) pays.push(`c${c},${fmt(T0 + ((c * 3 + k * 5) % 45) * DAY + k * 7200_000 + c)},${10 + ((c * 17 + k * 29) % 50) + k / 4}`);
    }
    labels.push(`,${fmt(T0 + 5 * DAY)},basic,no`); // a row without a key
    const dir = join(mkdtempSync(join(tmpdir(), 'dictl-spark-agg-')), 'ws');
    expect(cli(ROOT, ['init', dir]).code).toBe(0);
    writeFileSync(join(dir, 'labels.csv'), 'customer_id,ts,plan,churned\n' + labels.join('\n') + '\n');
    writeFileSync(join(dir, 'payments.csv'), 'customer_id,ts,amount\n' + pays.join('\n') + '\n');
    for (const n of ['labels', 'payments']) {
      const r = cli(dir, ['dataset', 'register', n, '--file', join(dir, `${n}.csv`), '--steward', 'a@example.com', '--consent', 'opt-in', '--type', 'ts=timestamp']);
      expect(r.code, r.stderr).toBe(0);
    }
    writeFileSync(join(dir, 'test_rows.txt'), '2\n5\n8\n');
    expect(cli(dir, ['holdout', 'create', 'labels@1', '--rows', join(dir, 'test_rows.txt')]).code).toBe(0);
    // every aggregate kind over two windows, each used as a feature (two with transforms)
    const aggs: [string, string, string | undefined][] = [['sum', '7d', 'amount'], ['count', '30d', undefined], ['last', '30d', 'amount'], ['max', '7d', 'amount'], ['min', '30d', 'amount'], ['avg', '30d', 'amount']];
    const aggName = ([agg, w]: (typeof aggs)[number]) => `${agg}_${w}`;
    const transforms: Record<string, string> = { sum_7d: '[{impute: {strategy: constant, value: 0}}]', avg_30d: '[{impute: mean}, standardize]' };
    writeFileSync(
      join(dir, 'features/pay.yaml'),
      [
        'source: labels@1',
        'label: {column: churned, positive: "yes"}',
        'entity: {key: customer_id, time: ts}',
        'aggregates:',
        ...aggs.map((a) => `  - {name: ${aggName(a)}, events: payments@1, agg: ${a[0]}, window: ${a[1]}${a[2] ? `, column: ${a[2]}` : ''}}`),
        'features:',
        ...aggs.map((a) => (transforms[aggName(a)] ? `  - {column: ${aggName(a)}, transforms: ${transforms[aggName(a)]}}` : `  - ${aggName(a)}`)),
        '  - {column: plan, transforms: [one_hot]}',
        '',
      ].join('\n'),
    );
    let r = cli(dir, ['feature', 'build', 'pay']);
    expect(r.code, r.stderr).toBe(0);
    r = cli(dir, ['feature', 'show', 'pay@1', '--sql', '--dialect', 'spark']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.sql).toMatch(/FROM `payments`/);
    const t = transpile(r.json.sql);
    const outputs: string[] = r.json.build.pipeline.outputNames;
    const cols = ['__label', ...outputs];
    const got = await runOnDuck(t.duckdb, { source: join(dir, 'datasets/labels/1/data.parquet'), payments: join(dir, 'datasets/payments/1/data.parquet') });
    const want = await readFeatures(join(dir, 'registry/features/pay/1/features.parquet'), cols);
    // the joins do not keep row order: compare the rows as sorted multisets
    compareRows(sortRows(got, cols), sortRows(want, cols), cols);
    expect(want.some((w) => w.count_30d === 0)).toBe(true);
    // a definition that dropped an aggregate the build reads cannot describe that build
    const yaml = readFileSync(join(dir, 'features/pay.yaml'), 'utf8');
    writeFileSync(join(dir, 'features/pay.yaml'), yaml.replace(/^ {2}- \{name: min_30d.*\n/m, '').replace(/^ {2}- min_30d\n/m, ''));
    const stale = cli(dir, ['feature', 'show', 'pay@1', '--sql', '--dialect', 'spark']);
    expect(stale.code).toBe(3);
    expect(stale.json.error.message).toMatch(/no longer defines "min_30d", which pay@1 reads/);
    expect(want.some((w) => w.last_30d === null)).toBe(true);
  }, 120_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DictlError } from '../../../src/errors.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import type { DatasetVersion } from '../../../src/types.js';
import type { RegisterOptions } from '../../../src/datasets/register.js';
import { registerDataset } from '../../../src/ops/dataset-register.js';
import { workspaceAt } from '../../../src/workspace.js';
import { cliJson as cli, newWorkspace, DATASETS as SHARED, snapshot, tempDir } from '../../helpers/workspace.js';
import { cliProcess } from '../../helpers/cli.js';

const STEWARD = ['--steward', 'data-team@example.com'];
/** in-process registration: the same function the command calls, without a process start (keeps the suite fast) */
const regIn = (dir: string, name: string, file: string, extra: Partial<RegisterOptions> = {}) =>
  registerDataset(workspaceAt(dir), { name, file, steward: 'data-team@example.com', ...extra });

// ───────────── the four shared data sets, as DATASETS.md states them ─────────────
const EXPECTED: Record<string, { sha256: string; rows: number; cols: number; missing: Record<string, number> }> = {
  churn: { sha256: '08f73db85ce8ffa84a7a8202bc91240e77c12fb9bc6f16f330d94f6bf7b99382', rows: 5000, cols: 20, missing: {} },
  credit: {
    sha256: '43c83a4630f1995f00b456becc4a84219616a2f2bae445e86c706264cc9050a4',
    rows: 4454,
    cols: 14,
    missing: { Income: 381, Assets: 47, Debt: 18, Home: 6, Job: 2, Marital: 1 },
  },
  breast_cancer: { sha256: '62dce411778129f3cd79e514e076cf8baac37c12249b61b6907134c9b1b8b5b6', rows: 569, cols: 31, missing: {} },
  pima: {
    sha256: 'faaf583f3fe15dc4028f6698775f52b749083093bd0387535ea19e368887d66a',
    rows: 768,
    cols: 9,
    missing: { insulin: 374, triceps: 227, pressure: 35, mass: 11, glucose: 5 },
  },
};

describe('the four shared data sets', () => {
  let ws: string;
  const reg: Record<string, DatasetVersion & { existing: boolean; path: string }> = {};
  beforeAll(async () => {
    ws = newWorkspace();
    for (const name of Object.keys(EXPECTED)) {
      reg[name] = await regIn(ws, name, join(SHARED, `${name}.csv`), { consent: 'opt-in' });
    }
  }, 60_000);

  it.each(Object.keys(EXPECTED))('%s: sha256, rows, columns and missing counts match DATASETS.md', (name) => {
    const e = EXPECTED[name];
    const m = reg[name];
    expect(m.ref).toBe(`${name}@1`);
    expect(m.existing).toBe(false);
    expect(m.source.sha256).toBe(e.sha256);
    expect(m.rows).toBe(e.rows);
    expect(m.columns).toHaveLength(e.cols);
    const missing = Object.fromEntries(m.profile.filter((p) => p.nulls > 0).map((p) => [p.name, p.nulls]));
    expect(missing).toEqual(e.missing);
    // nullable exactly where values are missing
    expect(m.columns.filter((c) => c.nullable).map((c) => c.name).sort()).toEqual(Object.keys(e.missing).sort());
  });

  it('keeps the class labels as text and the target counts', () => {
    const top = (name: string, col: string) => reg[name].profile.find((p) => p.name === col)!.top;
    expect(top('churn', 'churn')).toEqual([
      { value: 'no', count: 4293 },
      { value: 'yes', count: 707 },
    ]);
    expect(top('credit', 'Status')).toEqual([
      { value: 'good', count: 3200 },
      { value: 'bad', count: 1254 },
    ]);
    expect(top('pima', 'diabetes')).toEqual([
      { value: 'neg', count: 500 },
      { value: 'pos', count: 268 },
    ]);
    expect(top('breast_cancer', 'target')).toEqual([
      { value: 'benign', count: 357 },
      { value: 'malignant', count: 212 },
    ]);
    const churnTypes = Object.fromEntries(reg.churn.columns.map((c) => [c.name, c.type]));
    expect(churnTypes.state).toBe('string');
    expect(churnTypes.international_plan).toBe('string');
    expect(churnTypes.account_length).toBe('integer');
    expect(churnTypes.total_day_minutes).toBe('number');
    expect(reg.breast_cancer.columns[0].name).toBe('mean radius');
  });

  it('stores the rows in source order, values intact (row numbers are file row numbers)', async () => {
    const csvLines = readFileSync(join(SHARED, 'pima.csv'), 'utf8').trim().split('\n').slice(1);
    const rows = await withDuck((d) =>
      d.all<{ r: number; glucose: number | null; mass: number | null; diabetes: string }>(
        `SELECT file_row_number AS r, glucose, mass, diabetes FROM read_parquet(${sqlString(reg.pima.path)}, file_row_number = true) ORDER BY r`,
      ),
    );
    expect(rows).toHaveLength(768);
    for (let i = 0; i < rows.length; i++) {
      const f = csvLines[i].split(',');
      expect(rows[i].r).toBe(i);
      expect(rows[i].glucose).toBe(f[1] === '' ? null : Number(f[1]));
      expect(rows[i].mass).toBe(f[5] === '' ? null : Number(f[5]));
      expect(rows[i].diabetes).toBe(f[8]);
    }
  });

  it('profiles numbers with exact min/max/mean', () => {
    const p = reg.pima.profile.find((x) => x.name === 'pregnant')!;
    const vals = readFileSync(join(SHARED, 'pima.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
    expect(p.min).toBe(Math.min(...vals));
    expect(p.max).toBe(Math.max(...vals));
    expect(p.mean).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 10);
    expect(p.distinct).toBe(new Set(vals).size);
  });

  it('identical bytes return the existing version; list and show read it back', () => {
    const before = snapshot(join(ws, 'datasets'));
    const again = cli(ws, ['dataset', 'register', 'churn', '--file', join(SHARED, 'churn.csv'), ...STEWARD]);
    expect(again.code).toBe(0);
    expect(again.json.existing).toBe(true);
    expect(again.json.ref).toBe('churn@1');
    expect(snapshot(join(ws, 'datasets'))).toEqual(before);

    const list = cli(ws, ['dataset', 'list']);
    expect(list.code).toBe(0);
    expect(list.json.datasets.map((d: { latest: string }) => d.latest)).toEqual(['breast_cancer@1', 'churn@1', 'credit@1', 'pima@1']);
    const human = cli(ws, ['dataset', 'list'], { json: false });
    expect(human.stdout).toContain('credit@1');
    expect(human.stdout).not.toContain('\x1b[');

    const show = cli(ws, ['dataset', 'show', 'credit']);
    expect(show.code).toBe(0);
    expect(show.json.ref).toBe('credit@1');
    expect(show.json.dataSha256).toBe(reg.credit.dataSha256);
    const missing = cli(ws, ['dataset', 'show', 'credit@7']);
    expect(missing.code).toBe(4);
    expect(missing.json.error.code).toBe('NOT_FOUND');
    const audit = readFileSync(join(ws, 'registry', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((a) => a.action === 'dataset.register').map((a) => a.subject).sort()).toEqual(['breast_cancer@1', 'churn@1', 'credit@1', 'pima@1']);
  });
});

describe('dataset register', () => {
  it('changed bytes make a new version; metadata is recorded; stored data is reproducible', async () => {
    const ws = newWorkspace();
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    writeFileSync(a, 'id,city,amount,when\n3,Oslo,1.5,2024-01-02\n1,,2.5,2024-02-03\n2,Rome,,2024-03-04\n');
    const r1 = cli(ws, ['dataset', 'register', 'sales', '--file', a, ...STEWARD, '--consent', 'opt-out', '--pii', 'city', '--tag', 'domain=retail', '--tag', 'tier=gold', '--license', 'CC-BY', '--source', 'till export', '--description', 'test']);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.json).toMatchObject({ ref: 'sales@1', rows: 3, consent: 'opt-out', pii: ['city'], tags: { domain: 'retail', tier: 'gold' }, license: 'CC-BY', sourceDescription: 'till export', description: 'test', steward: 'data-team@example.com' });
    expect(r1.json.columns.map((c: { type: string }) => c.type)).toEqual(['integer', 'string', 'number', 'date']);
    expect(r1.json.profile.find((p: { name: string }) => p.name === 'when')).toMatchObject({ min: '2024-01-02', max: '2024-03-04' });

    // the same bytes in another workspace give a byte-identical data.parquet
    const ws2 = newWorkspace();
    const r1b = { json: await regIn(ws2, 'sales', a) };
    expect(r1b.json.dataSha256).toBe(r1.json.dataSha256);

    writeFileSync(a, 'id,city,amount,when\n3,Oslo,1.5,2024-01-02\n1,Bergen,2.5,2024-02-03\n');
    const r2 = { json: await regIn(ws, 'sales', a) };
    expect(r2.json.ref).toBe('sales@2');
    expect(r2.json.consent).toBe('unknown');
    expect(r2.json.source.sha256).not.toBe(r1.json.source.sha256);
  });

  it('reads Parquet input and other CSV dialects', async () => {
    const ws = newWorkspace();
    const dir = tempDir();
    const pq = join(dir, 'in.parquet');
    await withDuck((d) => d.run(`COPY (SELECT i AS id, (i * 0.5)::FLOAT AS x, CASE WHEN i % 3 = 0 THEN NULL ELSE 'k' || (i % 4) END AS cat FROM range(10) t(i) ORDER BY i DESC) TO ${sqlString(pq)} (FORMAT parquet)`));
    const r = { json: await regIn(ws, 'pq', pq) };
    expect(r.json.source.format).toBe('parquet');
    expect(r.json.rows).toBe(10);
    expect(r.json.columns.map((c: { name: string; type: string; duckType: string }) => `${c.name}:${c.type}:${c.duckType}`)).toEqual(['id:integer:BIGINT', 'x:number:DOUBLE', 'cat:string:VARCHAR']);
    const ids = await withDuck((d) => d.all<{ id: number }>(`SELECT id FROM read_parquet(${sqlString(r.json.path)})`));
    expect(ids.map((x) => x.id)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

    const semi = join(dir, 'semi.csv');
    writeFileSync(semi, 'a;b;c\n1;NA;"x;y"\n2;3.5;z\n');
    const s = { json: await regIn(ws, 'semi', semi, { na: ['NA'] }) };
    expect(s.json.columns.map((c: { type: string }) => c.type)).toEqual(['integer', 'number', 'string']);
    expect(s.json.profile[1].nulls).toBe(1);
    expect(s.json.profile[2].top).toEqual([
      { value: 'x;y', count: 1 },
      { value: 'z', count: 1 },
    ]);
  });

  // ───────────── bad input: one-line error, right exit code, workspace unchanged ─────────────
  const bad: [string, string | Buffer, number, RegExp, string[]?][] = [
    ['empty file', '', 3, /is empty \(0 bytes\)/],
    ['header only', 'a,b,c\n', 3, /header but no data rows/],
    ['ragged rows (too many)', 'a,b\n1,2\n3,4,5\n6,7\n', 3, /line 3 has 3 fields but the header has 2/],
    ['ragged rows (too few)', 'a,b\n1,2\n3\n6,7\n', 3, /line 3 has 1 field but the header has 2/],
    ['unterminated quote', 'a,b\n1,"open\n2,3\n', 3, /line 2 opens a quoted field that is never closed/],
    ['non-UTF-8 bytes', Buffer.from('a,b\n1,caf\xe9\n', 'latin1'), 3, /line 2 is not valid UTF-8/],
    ['mixed types', 'a,b\n1,x\n2,y\nthree,z\n4,w\n', 3, /column "a" has mixed types: 3 of 4 values are numbers but line 4 has "three"/],
    ['NaN strings', 'a,b\n1,2.5\n2,NaN\n', 3, /column "b" has 1 NaN\/Infinity value\(s\), first at line 3/],
    ['Infinity strings', 'a,b\n1,Infinity\n2,-inf\n', 3, /column "b" has 2 NaN\/Infinity/],
    ['two columns with one name', 'id,ID,b\n1,2,3\n', 3, /the header names two columns "id" and "ID"/],
    ['a column without a name', 'a,,b\n1,2,3\n', 3, /column 2 has no name in the header/],
    ['a 0-byte Parquet file', '', 3, /is empty \(0 bytes\)/, ['--format', 'parquet']],
    ['a file that is not Parquet', 'a,b\n1,2\n', 3, /is not a Parquet file/, ['--format', 'parquet']],
  ];
  // in-process (the same function the command calls) to keep the suite fast; the CLI cases below check exit codes and the one-line form
  it.each(bad)('%s', async (_label, content, code, msg, extra) => {
    const ws = newWorkspace();
    const f = join(tempDir(), extra?.includes('parquet') ? 'x.parquet' : 'x.csv');
    writeFileSync(f, content);
    const before = snapshot(ws);
    const err = await registerDataset(workspaceAt(ws), { name: 'bad', file: f, steward: 'dt@example.com', format: extra?.includes('parquet') ? 'parquet' : undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DictlError);
    expect((err as DictlError).exitCode).toBe(code);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain('\n');
    expect((err as DictlError).hint).toBeTruthy();
    expect(snapshot(ws)).toEqual(before);
  });

  it.each([
    ['a path that does not exist', { file: '/nonexistent/nope.csv' }, 4, /does not exist/],
    ['a name with /', { name: 'a/b' }, 2, /path separator/],
    ['a name with ..', { name: '..' }, 2, /"\.\."/],
    ['a name with spaces', { name: 'my data' }, 2, /not allowed/],
    ['a bad steward', { steward: 'not an email' }, 2, /steward/],
    ['a PII column that does not exist', { pii: ['ssn'] }, 2, /--pii column "ssn"/],
  ])('%s', async (_label, over, code, msg) => {
    const ws = newWorkspace();
    const before = snapshot(ws);
    const err = await registerDataset(workspaceAt(ws), { name: 'p', file: `${SHARED}/pima.csv`, steward: 'dt@example.com', ...over }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DictlError);
    expect((err as DictlError).exitCode).toBe(code);
    expect((err as Error).message).toMatch(msg);
    expect(snapshot(ws)).toEqual(before);
  });

  it.each([
    ['ragged rows', ['bad', '--file', 'RAGGED'], 3, /^Error \(DATA\): .*line 3 has 3 fields but the header has 2$/],
    ['a path that does not exist', ['x', '--file', '/nonexistent/nope.csv'], 4, /^Error \(NOT_FOUND\): file \/nonexistent\/nope.csv does not exist$/],
    ['a name with spaces', ['my data', '--file', `${SHARED}/pima.csv`], 2, /^Error \(USAGE\): dataset name "my data" is not allowed$/],
    ['a bad tag', ['p', '--file', `${SHARED}/pima.csv`, '--tag', 'novalue'], 2, /^Error \(USAGE\): --tag "novalue" is not KEY=VALUE$/],
  ])('CLI: %s → one-line error and exit code', (_label, args, code, msg) => {
    const ws = newWorkspace();
    const ragged = join(tempDir(), 'r.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3,4,5\n');
    const before = snapshot(ws);
    const r = cli(ws, ['dataset', 'register', ...args.map((a) => (a === 'RAGGED' ? ragged : a)), ...STEWARD]);
    expect(r.code).toBe(code);
    // (oclif may add a "(node:PID) Warning" when another command file is being rebuilt meanwhile)
    const lines = r.stderr.trim().split('\n').filter((l) => /^(Error|Try)\b/.test(l));
    expect(lines[0]).toMatch(msg);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.json.error.exitCode).toBe(code);
    expect(snapshot(ws)).toEqual(before);
  });

  it('--na and --type resolve the problems they are suggested for', async () => {
    const ws = newWorkspace();
    const f = join(tempDir(), 'x.csv');
    writeFileSync(f, 'a,b\n1,x\n2,y\nthree,z\n4,NaN\n');
    const t = { json: await regIn(ws, 't', f, { types: { a: 'string' }, na: ['NaN'] }) };
    expect(t.json.columns[0].type).toBe('string');
    const n = { json: await regIn(ws, 'n', f, { na: ['three'] }) };
    expect(n.json.columns[0].type).toBe('integer');
    expect(n.json.profile[0].nulls).toBe(1);
  });
});

// ───────────── pure parts ─────────────
describe('concurrent registrations', () => {
  it('two processes registering to one name get versions 1 and 2, nothing lost or overwritten', async () => {
    const { spawn } = await import('node:child_process');
    const { ROOT } = await import('../../helpers/paths.js');
    const ws = newWorkspace();
    const d = tempDir();
    const files = [join(d, 'a.csv'), join(d, 'b.csv')];
    writeFileSync(files[0], 'x,y\n1,a\n2,b\n');
    writeFileSync(files[1], 'x,y\n3,c\n4,d\n5,e\n');
    const run = (f: string) =>
      new Promise<{ code: number; out: string }>((res) => {
        const p = cliProcess(ws, ['dataset', 'register', 'shared', '--file', f, ...STEWARD, '--wait', '60', '--json']);
        let out = '';
        p.stdout.on('data', (b) => (out += b));
        p.on('close', (code) => res({ code: code ?? -1, out }));
      });
    const [a, b] = await Promise.all(files.map(run));
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect([ja.version, jb.version].sort()).toEqual([1, 2]);
    expect(ja.rows).toBe(2);
    expect(jb.rows).toBe(3);
    const list = cli(ws, ['dataset', 'show', `shared@${ja.version}`]);
    expect(list.json.source.sha256).toBe(ja.source.sha256);
    expect(readFileSync(join(ws, 'registry', 'audit.log'), 'utf8').trim().split('\n')).toHaveLength(2);
  }, 60_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { avroName, avroSchemaFor, jsonSchemaFor } from '../../../src/datasets/avro.js';
import { failSql, parseRule } from '../../../src/datasets/expect.js';
import { registerDataset } from '../../../src/datasets/register.js';
import { validateFile } from '../../../src/datasets/validate.js';
import { exportSchema } from '../../../src/datasets/schema-export.js';
import { datasetDataPath, resolveDataset } from '../../../src/datasets/store.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import { DictlError } from '../../../src/errors.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { cliJson as cli, newWorkspace, DATASETS as SHARED, snapshot, tempDir } from '../../helpers/workspace.js';

describe('expect rules (pure)', () => {
  it('parses every rule form', () => {
    expect(parseRule('Income not null')).toEqual({ kind: 'not-null', column: 'Income', text: 'Income not null' });
    expect(parseRule('id unique')).toMatchObject({ kind: 'unique', column: 'id' });
    expect(parseRule('Age between 18 and 100')).toMatchObject({ kind: 'range', column: 'Age', min: 18, max: 100 });
    expect(parseRule('age>=18')).toMatchObject({ kind: 'range', column: 'age', min: 18 });
    expect(parseRule('x > 0')).toMatchObject({ kind: 'range', min: 0, minExclusive: true });
    expect(parseRule('x < 1.5')).toMatchObject({ kind: 'range', max: 1.5, maxExclusive: true });
    expect(parseRule('"mean radius" <= 30')).toMatchObject({ kind: 'range', column: 'mean radius', max: 30 });
    expect(parseRule("Home in (owner, rent, 'other place')")).toMatchObject({ kind: 'in', column: 'Home', values: ['owner', 'rent', 'other place'] });
  });
  it.each(['x between 5 and 1', 'x >= abc', 'x is pretty', 'x in ()', '"x not null'])('refuses %j', (t) => {
    expect(() => parseRule(t)).toThrow(DictlError);
  });
  it('builds the failing-row predicate', () => {
    expect(failSql(parseRule('a between 1 and 2'))).toBe('"a" IS NOT NULL AND (TRY_CAST("a" AS DOUBLE) IS NULL OR TRY_CAST("a" AS DOUBLE) < 1 OR TRY_CAST("a" AS DOUBLE) > 2)');
    expect(failSql(parseRule("b in (x, 'y''z')"))).toBe(`"b" IS NOT NULL AND "b" NOT IN ('x', 'y''z')`);
    expect(failSql(parseRule('c not null'))).toBe('"c" IS NULL');
  });
});

describe('avro schema (pure)', () => {
  const cols = [
    { name: 'id', type: 'integer' as const, nullable: false },
    { name: 'mean radius', type: 'number' as const, nullable: true },
    { name: 'mean-radius', type: 'number' as const, nullable: false },
    { name: 'plan', type: 'string' as const, nullable: true },
    { name: 'ok', type: 'boolean' as const, nullable: false },
    { name: 'day', type: 'date' as const, nullable: false },
    { name: 'at', type: 'timestamp' as const, nullable: true },
    { name: '2x', type: 'number' as const, nullable: false },
  ];
  it('maps types, nullable → union with null, and keeps invalid names recoverable', () => {
    const s = avroSchemaFor('churn-v2', cols);
    expect(s.name).toBe('churn_v2');
    expect(s.fields).toEqual([
      { name: 'id', type: 'long' },
      { name: 'mean_radius', type: ['null', 'double'], default: null, 'dictl.column': 'mean radius' },
      { name: 'mean_radius_2', type: 'double', 'dictl.column': 'mean-radius' },
      { name: 'plan', type: ['null', 'string'], default: null },
      { name: 'ok', type: 'boolean' },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }], default: null },
      { name: '_2x', type: 'double', 'dictl.column': '2x' },
    ]);
    expect(avroName('a.b c')).toBe('a_b_c');
  });
  it('is a schema avsc accepts, and it enforces null only where allowed', () => {
    const t = avro.Type.forSchema(avroSchemaFor('t', cols) as never);
    const good = { id: 1, mean_radius: null, mean_radius_2: 2.5, plan: 'a', ok: true, day: 19000, at: null, _2x: 1 };
    expect(t.isValid(good)).toBe(true);
    expect(t.isValid({ ...good, id: null })).toBe(false);
    expect(t.isValid({ ...good, plan: 3 })).toBe(false);
    expect(t.fromBuffer(t.toBuffer(good))).toEqual(good);
  });
  it('JSON Schema form', () => {
    const j = jsonSchemaFor('x@1', cols.slice(0, 2)) as { properties: Record<string, unknown>; required: string[] };
    expect(j.properties).toEqual({ id: { type: 'integer' }, 'mean radius': { type: ['number', 'null'] } });
    expect(j.required).toEqual(['id', 'mean radius']);
  });
});

describe('dataset validate and schema', () => {
  let ws: Workspace;
  let dir: string;
  beforeAll(async () => {
    dir = newWorkspace();
    ws = workspaceAt(dir);
    await registerDataset(ws, { name: 'pima', file: join(SHARED, 'pima.csv'), steward: 'dt@example.com', consent: 'opt-in' });
  }, 30_000);

  it('the source file itself passes', async () => {
    const r = await validateFile(ws, { ref: 'pima', file: join(SHARED, 'pima.csv'), expect: ['diabetes in (neg, pos)', 'age between 21 and 81'] });
    expect(r.ok).toBe(true);
    expect(r.rows).toBe(768);
    expect(r.failingRows).toBe(0);
    expect(r.failures).toEqual([]);
  });

  it('reports every failing row and rule, and quarantines the bad rows', async () => {
    const f = join(tempDir(), 'new.csv');
    const header = 'pregnant,glucose,pressure,triceps,insulin,mass,pedigree,age,diabetes';
    writeFileSync(f, [header, '1,85,66,29,,26.6,0.351,31,neg', 'x,,66,29,,26.6,0.5,,maybe', '2,0,66,29,,1e400,0.2,5,pos', '3,90,70,30,,25,0.2,40,neg', ''].join('\n'));
    const q = join(tempDir(), 'bad.csv');
    const r = await validateFile(ws, { ref: 'pima@1', file: f, expect: ['glucose > 0', 'diabetes in (neg, pos)', 'age between 18 and 120', 'pedigree unique'], quarantine: q });
    expect(r.ok).toBe(false);
    expect(r.rows).toBe(4);
    expect(r.failingRows).toBe(3);
    const byRule = Object.fromEntries(r.rules.filter((x) => x.failures).map((x) => [x.rule, x.failures]));
    expect(byRule).toEqual({
      'pregnant is integer': 1,
      'mass is number': 1,
      'age not null (schema)': 1,
      'glucose > 0': 1,
      'diabetes in (neg, pos)': 1,
      'age between 18 and 120': 1,
      'pedigree unique': 2,
    });
    expect(r.failures.map((x) => `${x.line}:${x.column}:${x.value}:${x.rule}`)).toEqual([
      '3:pregnant:x:pregnant is integer',
      '3:age:null:age not null (schema)',
      '3:diabetes:maybe:diabetes in (neg, pos)',
      '4:mass:1e400:mass is number',
      '4:glucose:0:glucose > 0',
      '4:age:5:age between 18 and 120',
      '4:pedigree:0.2:pedigree unique',
      '5:pedigree:0.2:pedigree unique',
    ]);
    expect(readFileSync(q, 'utf8').trim().split('\n')).toEqual([header, 'x,,66,29,,26.6,0.5,,maybe', '2,0,66,29,,1e400,0.2,5,pos', '3,90,70,30,,25,0.2,40,neg']);
  });

  it('validates a Parquet file too (rows named by row number)', async () => {
    const stored = resolveDataset(ws, 'pima@1');
    const pq = join(tempDir(), 'p.parquet');
    await withDuck((d) =>
      d.run(`COPY (SELECT * EXCLUDE (file_row_number) REPLACE (CASE WHEN file_row_number = 3 THEN -1 ELSE glucose END AS glucose) FROM read_parquet(${sqlString(datasetDataPath(ws, stored.name, stored.version))}, file_row_number = true) ORDER BY file_row_number) TO ${sqlString(pq)} (FORMAT parquet)`),
    );
    const r = await validateFile(ws, { ref: 'pima', file: pq, expect: ['glucose > 0'] });
    expect(r.rows).toBe(768);
    expect(r.failures).toEqual([{ row: 3, line: undefined, rule: 'glucose > 0', column: 'glucose', value: '-1' }]);
  });

  it('schema problems: missing and unexpected columns', async () => {
    const f = join(tempDir(), 'cols.csv');
    writeFileSync(f, 'pregnant,glucose,extra\n1,2,3\n');
    const r = await validateFile(ws, { ref: 'pima', file: f });
    expect(r.ok).toBe(false);
    expect(r.schemaErrors).toContain('missing column "diabetes" (string)');
    expect(r.schemaErrors).toContain('unexpected column "extra" (not in pima@1)');
  });

  it('CLI: exit 1 on failure with one JSON document, 0 on success; unknown column in a rule is a usage error', () => {
    const f = join(tempDir(), 'one.csv');
    writeFileSync(f, 'pregnant,glucose,pressure,triceps,insulin,mass,pedigree,age,diabetes\n1,85,66,29,,26.6,0.351,31,maybe\n');
    const before = snapshot(dir);
    const bad = cli(dir, ['dataset', 'validate', 'pima', '--file', f, '--expect', 'diabetes in (neg, pos)']);
    expect(bad.code).toBe(1);
    expect(bad.json.ok).toBe(false);
    expect(bad.json.failures).toHaveLength(1);
    expect(bad.stderr).toMatch(/Error \(VERDICT\): .* 1 failing row\(s\) of 1/);
    const good = cli(dir, ['dataset', 'validate', 'pima', '--file', f], { json: false });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^PASS/);
    const usage = cli(dir, ['dataset', 'validate', 'pima', '--file', f, '--expect', 'nope not null']);
    expect(usage.code).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });

  it('schema export matches the stored columns', () => {
    const s = exportSchema(ws, 'pima@1', 'avro').schema as { fields: { name: string; type: unknown }[] };
    expect(s.fields.map((x) => x.name)).toEqual(['pregnant', 'glucose', 'pressure', 'triceps', 'insulin', 'mass', 'pedigree', 'age', 'diabetes']);
    expect(s.fields[0].type).toBe('long');
    expect(s.fields[1].type).toEqual(['null', 'long']);
    expect(s.fields[5].type).toEqual(['null', 'double']);
    expect(s.fields[8].type).toBe('string');
    const out = join(tempDir(), 'pima.avsc');
    const r = cli(dir, ['dataset', 'schema', 'pima@1', '--format', 'avro', '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(r.json.schema);
    expect(existsSync(out)).toBe(true);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { registerDataset } from '../../../src/ops/dataset-register.js';
import { validateFile } from '../../../src/datasets/validate.js';
import { exportSchema } from '../../../src/datasets/schema-export.js';
import { datasetDataPath, resolveDataset } from '../../../src/datasets/store.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { cliJson as cli, newWorkspace, DATASETS as SHARED, snapshot, tempDir } from '../../helpers/workspace.js';

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

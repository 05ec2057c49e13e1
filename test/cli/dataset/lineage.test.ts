import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveDataset, inheritedConsent, tableNames } from '../../../src/ops/dataset-derive.js';
import { diffVersions, totalVariation } from '../../../src/datasets/diff.js';
import { lineageOf, toDot, toMermaid, toText } from '../../../src/datasets/lineage.js';
import { registerDataset } from '../../../src/ops/dataset-register.js';
import { resolveDataset } from '../../../src/datasets/store.js';
import { DictlError } from '../../../src/errors.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { cliJson as cli, newWorkspace, DATASETS as SHARED, snapshot, tempDir } from '../../helpers/workspace.js';

const fails = async (p: Promise<unknown>): Promise<DictlError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DictlError);
  return e as DictlError;
};

describe('derive, diff and lineage', () => {
  let dir: string;
  let ws: Workspace;
  beforeAll(async () => {
    dir = newWorkspace();
    ws = workspaceAt(dir);
    await registerDataset(ws, { name: 'credit', file: join(SHARED, 'credit.csv'), steward: 'risk@example.com', consent: 'opt-in', pii: ['Age'], license: 'MIT' });
    await registerDataset(ws, { name: 'pima', file: join(SHARED, 'pima.csv'), steward: 'dt@example.com', consent: 'unknown' });
  }, 30_000);

  it('derives a dataset from SQL, with parents, SQL, inherited consent and PII', async () => {
    const r = await deriveDataset(ws, { name: 'credit-known', from: ['credit@1'], sql: 'SELECT * FROM credit WHERE Income IS NOT NULL;' });
    expect(r.ref).toBe('credit-known@1');
    expect(r.rows).toBe(4454 - 381);
    expect(r.parents).toEqual(['credit@1']);
    expect(r.sql).toBe('SELECT * FROM credit WHERE Income IS NOT NULL');
    expect(r.source.format).toBe('derived');
    expect(r.consent).toBe('opt-in');
    expect(r.pii).toEqual(['Age']);
    expect(r.steward).toBe('risk@example.com');
    expect(r.license).toBe('MIT');
    expect(r.profile.find((p) => p.name === 'Income')!.nulls).toBe(0);
    // same parents and SQL → the same version
    const again = await deriveDataset(ws, { name: 'credit-known', from: ['credit@1'], sql: 'SELECT * FROM credit WHERE Income IS NOT NULL' });
    expect(again.existing).toBe(true);
    expect(again.ref).toBe('credit-known@1');
  });

  it('joins two parents; consent is the most restrictive', async () => {
    const r = await deriveDataset(ws, {
      name: 'mix',
      from: ['credit@1', 'pima@1'],
      sql: 'SELECT c.Age, p.glucose FROM (SELECT Age, row_number() OVER () AS k FROM credit) c JOIN (SELECT glucose, row_number() OVER () AS k FROM pima) p USING (k) ORDER BY k',
    });
    expect(r.rows).toBe(768);
    expect(r.consent).toBe('unknown');
    expect(r.pii).toEqual(['Age']);
    expect(inheritedConsent([{ consent: 'opt-in' }, { consent: 'opt-out' }, { consent: 'unknown' }])).toBe('opt-out');
    expect(inheritedConsent([{ consent: 'not-required' }, { consent: 'opt-in' }])).toBe('opt-in');
    expect(tableNames([{ name: 'a-b', version: 2 }])).toEqual([['a-b', 'a-b_v2', 'a_b', 'a_b_v2']]);
    expect(tableNames([{ name: 'a', version: 1 }, { name: 'a', version: 2 }])).toEqual([['a_v1'], ['a_v2']]);
  });

  it('the SQL cannot read files or run more than one statement; nothing is written', async () => {
    const before = snapshot(dir);
    const e1 = await fails(deriveDataset(ws, { name: 'evil', from: ['credit@1'], sql: `SELECT * FROM read_csv(${sqlString(join(SHARED, 'pima.csv'))})` }));
    expect(e1.message).toMatch(/may read only its parents .* not files/);
    const e2 = await fails(deriveDataset(ws, { name: 'evil', from: ['credit@1'], sql: `SELECT 1); COPY credit TO '/tmp/x.csv'; SELECT (1` }));
    expect(e2.message).toMatch(/one SELECT query/);
    const e3 = await fails(deriveDataset(ws, { name: 'evil', from: ['credit@1'], sql: `SELECT nope FROM credit` }));
    expect(e3.exitCode).toBe(2);
    const e4 = await fails(deriveDataset(ws, { name: 'evil', from: ['nothere@1'], sql: 'SELECT 1' }));
    expect(e4.exitCode).toBe(4);
    expect(snapshot(dir)).toEqual(before);
  });

  it('diff shows schema changes and profile shifts', async () => {
    await deriveDataset(ws, { name: 'credit-x', from: ['credit@1'], sql: "SELECT * EXCLUDE (Price, Home), Amount * 2 AS Amount2, CASE WHEN Home = 'owner' THEN 'own' ELSE Home END AS Home FROM credit" });
    const d = diffVersions(resolveDataset(ws, 'credit@1'), resolveDataset(ws, 'credit-x@1'));
    expect(d.schema.added).toEqual([{ name: 'Amount2', type: 'integer' }]);
    expect(d.schema.typeChanged).toEqual([]);
    expect(d.schema.removed).toEqual([{ name: 'Price', type: 'integer' }]);
    const home = d.columns.find((c) => c.name === 'Home')!;
    expect(home.newCategories).toEqual(['own']);
    expect(home.goneCategories).toEqual(['owner']);
    expect(home.flagged).toBe(true);
    expect(d.columns.find((c) => c.name === 'Amount')!).toMatchObject({ smd: 0, flagged: false });
    expect(d.flagged).toEqual(['Home']);
    expect(d.metadata).toEqual([{ field: 'sourceDescription', from: null, to: 'derived from credit@1' }]);
    const same = diffVersions(resolveDataset(ws, 'credit@1'), resolveDataset(ws, 'credit@1'));
    expect(same.sameData).toBe(true);
    expect(same.flagged).toEqual([]);
    expect(totalVariation(new Map([['a', 0.5], ['b', 0.5]]), new Map([['a', 1]]))).toBe(0.5);
    const c = cli(dir, ['dataset', 'diff', 'credit@1', 'credit-x@1']);
    expect(c.code).toBe(0);
    expect(c.json.flagged).toEqual(['Home']);
  });

  it('lineage follows parents, derived data, holdouts, feature builds, models and packages', async () => {
    const reg = ws.registryDir;
    const w = (p: string, v: unknown) => {
      mkdirSync(join(reg, p, '..'), { recursive: true });
      writeFileSync(join(reg, p), JSON.stringify(v));
    };
    w('holdouts/abc123.json', { kind: 'holdout', hash: 'abc123', dataset: 'credit-known@1', nTest: 800, method: 'stratified' });
    w('holdouts/zzz.json', { kind: 'holdout', hash: 'zzz', dataset: 'pima@1' });
    w('holdouts/broken.json', '{not json');
    w('features/credit-fs/1/state.json', { kind: 'feature-build', name: 'credit-fs', version: 1, dataset: 'credit-known@1', holdout: 'abc123', hash: 'h1' });
    w('models/credit-model/versions/2/model.json', { kind: 'model', name: 'credit-model', version: 2, lineage: { dataset: 'credit-known@1', featureSet: { name: 'credit-fs', version: 1, hash: 'h1' }, holdout: 'abc123', allowUnconsented: false } });
    w('models/other/versions/1/model.json', { kind: 'model', name: 'other', version: 1, lineage: { dataset: 'pima@1', featureSet: { name: 'p', version: 1 }, holdout: 'zzz' } });
    w('packages/deadbeef.json', { model: 'credit-model@2', out: '/tmp/pkg', sha256: 'deadbeef' });

    const g = lineageOf(ws, 'credit-known@1');
    expect(g.root).toBe('dataset:credit-known@1');
    expect(g.nodes.map((n) => `${n.side}:${n.id}`).sort()).toEqual(
      [
        'root:dataset:credit-known@1',
        'upstream:dataset:credit@1',
        'downstream:holdout:abc123',
        'downstream:features:credit-fs@1',
        'downstream:model:credit-model@2',
        'downstream:package:deadbeef',
      ].sort(),
    );
    expect(g.edges.map((e) => `${e.from} -${e.relation}-> ${e.to}`).sort()).toEqual(
      [
        'dataset:credit@1 -derived-> dataset:credit-known@1',
        'dataset:credit-known@1 -split-> holdout:abc123',
        'dataset:credit-known@1 -built-> features:credit-fs@1',
        'holdout:abc123 -split-> features:credit-fs@1',
        'features:credit-fs@1 -trained-> model:credit-model@2',
        'holdout:abc123 -tested-> model:credit-model@2',
        'model:credit-model@2 -packaged-> package:deadbeef',
      ].sort(),
    );
    // from the top: everything downstream of credit@1, including the other derived sets
    const top = lineageOf(ws, 'credit@1');
    expect(top.nodes.filter((n) => n.kind === 'dataset').map((n) => n.label).sort()).toEqual(['credit-known@1', 'credit-x@1', 'credit@1', 'mix@1']);
    expect(top.nodes.some((n) => n.id === 'package:deadbeef')).toBe(true);
    expect(top.nodes.some((n) => n.id === 'model:other@1')).toBe(false);

    const mm = toMermaid(g);
    expect(mm.split('\n')[0]).toBe('graph LR');
    expect(mm).toContain('-->|packaged|');
    expect((mm.match(/-->/g) ?? []).length).toBe(7);
    const dot = toDot(g);
    expect(dot).toContain('"model:credit-model@2" -> "package:deadbeef" [label="packaged"];');
    expect(toText(g)).toContain('↑ derived → credit@1');

    const c = cli(dir, ['dataset', 'lineage', 'credit-known@1', '--format', 'mermaid'], { json: false });
    expect(c.code).toBe(0);
    expect(c.stdout).toBe(mm);
  });
});

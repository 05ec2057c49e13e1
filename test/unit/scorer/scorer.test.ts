import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildPackageFiles, writePackage } from '../../../src/scorer/package.js';
import { loadScorer, type Scorer } from '../../../src/scorer/scorer.js';
import { scoreCommand, type ScoreFlags } from '../../../src/score/score.js';
import { makeProgress } from '../../../src/ui/progress.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { predict } from '../../../src/ml/predict.js';
import { sha256 } from '../../../src/util/hash.js';
import { makeTar } from '../../../src/scorer/tar.js';
import { fixtureModel, fixtureRows, strictFixturePipeline } from '../../helpers/onnx-fixtures.js';


const rows = fixtureRows.map((r, i) => ({ ...r, tier: ['gold', 'silver', 'bronze', 'silver'][i % 4], 'mean radius': 8 + i }));

describe('scorer package + loadScorer', () => {
  let dir: string;
  let scorer: Scorer;
  const model = fixtureModel('binary', strictFixturePipeline());
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'dictl-pkg-')), 'pkg');
    writePackage(buildPackageFiles(model), dir, true);
    scorer = await loadScorer(dir, { batchSize: 3 });
  });
  afterAll(() => scorer?.close());

  it('writes every file with the hashes the manifest records', () => {
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'dictl_scoring.py', 'input.avsc', 'manifest.json', 'model.onnx', 'requirements.txt', 'spark_job.py']);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    for (const [name, f] of Object.entries(m.files as Record<string, { sha256: string; bytes: number }>)) {
      const b = readFileSync(join(dir, name));
      expect(sha256(b)).toBe(f.sha256);
      expect(b.length).toBe(f.bytes);
    }
    expect(m.model.classes).toEqual(['no', 'yes']);
    expect(m.featureOrder).toEqual(model.featureNames);
    expect(m.unknownPolicy).toEqual({ color: 'other', city: 'zeros', city_idx: 'keep', tier: 'error', tier_i: 'error' });
    expect(m.decisionPolicy).toBeNull();
    const avsc = JSON.parse(readFileSync(join(dir, 'input.avsc'), 'utf8'));
    expect(avsc.fields.map((f: { name: string }) => f.name)).toEqual(['a', 'b', 'color', 'city', 'tier', 'mean_radius']);
    expect(avsc.fields[5]).toEqual({ name: 'mean_radius', type: 'double', 'dictl.column': 'mean radius' });
    expect(avsc.fields[0].type).toEqual(['null', 'double']);
  });

  it('rebuilds byte-identically (folder and tar)', () => {
    const again = join(mkdtempSync(join(tmpdir(), 'dictl-pkg-')), 'pkg');
    const w = writePackage(buildPackageFiles(model), again, true);
    for (const f of readdirSync(dir)) expect(sha256(readFileSync(join(again, f)))).toBe(sha256(readFileSync(join(dir, f))));
    expect(sha256(readFileSync(`${dir}.tar`))).toBe(w.tar!.sha256);
    const list = spawnSync('tar', ['-tf', `${dir}.tar`], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(['pkg/', 'pkg/model.onnx', 'pkg/input.avsc', 'pkg/README.md', 'pkg/spark_job.py', 'pkg/dictl_scoring.py', 'pkg/requirements.txt', 'pkg/manifest.json']);
  });

  it('scores rows exactly like applyPipeline + predict, in batches', async () => {
    const valid = rows.map((r) => scorer.validate(r));
    expect(valid.every((v) => v.ok)).toBe(true);
    const scored = await scorer.scoreRows(valid.map((v) => (v as { row: Record<string, unknown> }).row));
    const { X, n, p } = applyPipeline(model.pipeline, rows);
    const ref = predict(model, X, n, p);
    expect(scored).toHaveLength(n);
    scored.forEach((s, i) => {
      expect(Math.abs(s.score - ref[i])).toBeLessThan(1e-12);
      expect(s.probabilities![1]).toBe(s.score);
      expect(s.label).toBe(ref[i] >= model.threshold ? 'yes' : 'no');
    });
  });

  it('scores a CSV column-wise with the same values and dead letters as row validation', async () => {
    const { scoreFile } = await import('../../../src/score/file.js');
    const { writeFileSync } = await import('node:fs');
    // no column "a" (nullable: missing), a bad number, an unknown tier (error policy), a missing non-nullable number
    const csv = [
      'b,color,city,tier,mean radius',
      '2,red,paris,gold,9',
      '0,teal,oslo,bronze,12.5',
      'x1,red,rome,gold,9',
      '1,blue,rome,platinum,9',
      '1,blue,rome,silver,',
      ',,,,7',
    ].join('\n');
    const base = mkdtempSync(join(tmpdir(), 'dictl-csv-'));
    writeFileSync(join(base, 'in.csv'), csv + '\n');
    const sum = await scoreFile(scorer, join(base, 'in.csv'), join(base, 'out.ndjson'), { batchSize: 2, deadLetter: join(base, 'dead.ndjson'), metricsEvery: 0, progress: makeProgress({ quiet: true }) });
    expect(sum).toMatchObject({ eventsIn: 6, eventsOut: 2, deadLettered: 4, batches: 3 });
    const dead = readFileSync(join(base, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => [d.row, d.reason])).toEqual([
      [2, 'field "b": expected number or null, got string "x1"'],
      [3, 'field "tier": unknown category "platinum" for feature "tier" (unknown: error)'],
      [4, 'missing field "mean radius"'],
      [5, 'field "tier": missing value and feature "tier" has no imputation (unknown: error)'],
    ]);
    expect(JSON.parse(dead[1].payload)).toEqual({ a: null, b: 1, color: 'blue', city: 'rome', tier: 'platinum', 'mean radius': 9 });
    const out = readFileSync(join(base, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.row)).toEqual([0, 1]);
    // CSV: '' is missing; a missing non-nullable string (city) is '' — an unknown category
    const rows = [
      { a: null, b: 2, color: 'red', city: 'paris', tier: 'gold', 'mean radius': 9 },
      { a: null, b: 0, color: 'teal', city: 'oslo', tier: 'bronze', 'mean radius': 12.5 },
      { a: null, b: null, color: null, city: '', tier: null, 'mean radius': 7 },
    ];
    expect(scorer.validate(rows[2])).toEqual({ ok: false, reason: dead[3].reason }); // same rule as the row path
    const ref = await scorer.scoreRows(rows.slice(0, 2));
    expect(out.slice(0, 2).map((o) => o.score)).toEqual(ref.map((r) => r.score));
  });

  it('validates events against input.avsc and the unknown-category policy', () => {
    const ok = { a: 1, b: 2, color: 'red', city: 'paris', tier: 'gold', 'mean radius': 9 };
    expect(scorer.validate(JSON.stringify(ok))).toEqual({ ok: true, row: ok });
    expect(scorer.validate({ ...ok, extra: 'ignored' })).toEqual({ ok: true, row: ok });
    const { a: _a, ...noNullable } = ok;
    expect(scorer.validate(noNullable)).toEqual({ ok: true, row: { ...noNullable, a: null } });
    const reason = (e: unknown) => {
      const v = scorer.validate(e);
      return v.ok ? 'ok' : v.reason;
    };
    expect(reason('{"a": 1,')).toMatch(/^bad JSON/);
    expect(reason('[1,2]')).toMatch(/not a JSON object/);
    const { city: _c, ...noCity } = ok;
    expect(reason(noCity)).toBe('missing field "city"');
    expect(reason({ ...ok, city: null })).toBe('field "city" is null but not nullable');
    expect(reason({ ...ok, a: 'abc' })).toBe('field "a": expected number or null, got string "abc"');
    expect(reason({ ...ok, 'mean radius': true })).toBe('field "mean radius": expected number, got boolean true');
    expect(reason({ ...ok, tier: 'platinum' })).toBe('field "tier": unknown category "platinum" for feature "tier" (unknown: error)');
    expect(reason({ ...ok, tier: 'bronze' })).toBe('ok'); // folded is known
    expect(reason({ ...ok, tier: null })).toMatch(/missing value and feature "tier" has no imputation/);
  });
});

describe('scoreCommand flag checks (before anything is loaded)', () => {
  const base: ScoreFlags = { package: '/nowhere', group: 'g', 'batch-size': 10, 'metrics-every': 0, 'block-ms': 10, 'claim-idle-ms': 10 };
  const run = (f: Partial<ScoreFlags>) => scoreCommand({ ...base, ...f }, makeProgress({ quiet: true }));
  it('rejects mixed or incomplete modes with usage errors', async () => {
    await expect(run({ input: 'a.csv' })).rejects.toMatchObject({ kind: 'usage', message: '--input needs --out FILE (.ndjson or .csv)' });
    await expect(run({ output: 'a.csv' })).rejects.toMatchObject({ kind: 'usage' });
    await expect(run({ redis: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ kind: 'usage', message: '--redis needs --stream KEY' });
    await expect(run({ redis: 'redis://127.0.0.1:1', stream: 's' })).rejects.toMatchObject({ kind: 'usage', message: '--redis needs --out-stream KEY or --out-hash PREFIX' });
    await expect(run({ kafka: 'b:9092', topic: 't' })).rejects.toMatchObject({ kind: 'usage', message: '--kafka needs --out-topic T2' });
    await expect(run({ redis: 'r', kafka: 'k' })).rejects.toMatchObject({ kind: 'usage' });
    await expect(run({ redis: 'r', stream: 's', 'out-stream': 'o', input: 'x.csv', output: 'y.csv' })).rejects.toMatchObject({ kind: 'usage' });
    await expect(run({ lookup: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ kind: 'usage' });
    await expect(run({ input: 'a.csv', output: 'b.csv' })).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('coded string inputs (in-process graph rewrite)', () => {
  it('scores exactly like the portable string graph, unknown and missing values included', async () => {
    for (const task of ['binary', 'multiclass'] as const) {
      const m = fixtureModel(task);
      const dir = join(mkdtempSync(join(tmpdir(), 'dictl-codes-')), 'pkg');
      writePackage(buildPackageFiles(m), dir, false);
      const coded = await loadScorer(dir);
      const plain = await loadScorer(dir, { coded: false });
      const rows = [...fixtureRows, { a: 1, b: 1, color: 'never-seen', city: 'nowhere' }, { a: 1, b: 1, color: undefined, city: '' }];
      const a = await coded.scoreRows(rows);
      const b = await plain.scoreRows(rows);
      expect(a).toEqual(b);
      const { X, n, p } = applyPipeline(m.pipeline, rows);
      const ref = predict(m, X, n, p);
      const K = task === 'binary' ? 1 : 3;
      for (let i = 0; i < n; i++) {
        const got = task === 'binary' ? [a[i].probabilities![1]] : a[i].probabilities!;
        for (let k = 0; k < K; k++) expect(Math.abs(got[k] - ref[i * K + k])).toBeLessThan(1e-12);
      }
      coded.close();
      plain.close();
    }
  });
});

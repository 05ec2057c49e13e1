/**
 * Segments through the CLI: an unsupervised feature set (no label) builds on all rows, or on a named
 * holdout's training rows; a labelled-only command refuses it with one clear line. train --model kmeans,
 * --tune by silhouette, model show, package and score (segment on every row equal to the in-CLI model).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetDataPath } from '../../../src/datasets/store.js';
import { checkPolicyTarget } from '../../../src/decide/policy.js';
import { loadMatrix, resolveFeatureBuild } from '../../../src/features/builds.js';
import { withDuck } from '../../../src/io/duck.js';
import { predictModel } from '../../../src/ml/families/index.js';
import { nearestCentres } from '../../../src/ml/kmeans/kernels.js';
import { readModelVersion } from '../../../src/registry/models.js';
import type { SegmentModelVersion } from '../../../src/types.js';
import { workspaceAt } from '../../../src/workspace.js';
import { chromiumScreenshot, cli, must, ROOT, SHARED } from '../../helpers/workspace.js';
import { startRedis } from '../../helpers/redis.js';
import { python } from '../../helpers/python.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dictl-seg-'));
  must(cli(tmpdir(), ['init', dir]));
  copyFileSync(join(ROOT, 'features/churn-segments.yaml'), join(dir, 'features/churn-segments.yaml'));
  must(cli(dir, ['dataset', 'register', 'churn', '--file', join(SHARED, 'datasets/churn.csv'), '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
});

describe('unsupervised feature sets', () => {
  it('build on every row when no holdout is named, with no label column values', async () => {
    const r = must(cli(dir, ['feature', 'build', 'churn-segments', '--json']));
    expect(r.json.holdout).toBeNull();
    expect(r.json.rows).toEqual({ train: 5000, test: 0, skipped: 0 });
    const ws = workspaceAt(dir);
    const fb = resolveFeatureBuild(ws, 'churn-segments@1');
    expect(fb.build.label).toBeUndefined();
    const m = await loadMatrix(fb.parquetPath, 'train');
    expect(m.n).toBe(5000);
    expect(m.p).toBe(15);
    // standardised on all rows: column means 0
    for (let j = 0; j < 11; j++) {
      let s = 0;
      for (let i = 0; i < m.n; i++) s += m.X[i * m.p + j];
      expect(Math.abs(s / m.n)).toBeLessThan(1e-9);
    }
    const again = must(cli(dir, ['feature', 'build', 'churn-segments', '--json']));
    expect(again.json.unchanged).toBe(true);
    const plan = must(cli(dir, ['feature', 'plan', 'churn-segments', '--json']));
    expect(plan.json.holdout).toBeNull();
    expect(plan.json.trainRows).toBe(5000);
  });

  it('fit on the training rows of a named holdout', () => {
    const h = must(cli(dir, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt'), '--json']));
    const text = readFileSync(join(dir, 'features/churn-segments.yaml'), 'utf8').replace('source: churn@latest', `source: churn@latest\nholdout: ${h.json.holdout.hash}`);
    writeFileSync(join(dir, 'features/churn-held.yaml'), text);
    const r = must(cli(dir, ['feature', 'build', 'churn-held', '--json']));
    expect(r.json.holdout).toBe(h.json.holdout.hash);
    expect(r.json.rows.train + r.json.rows.test).toBe(5000);
    expect(r.json.rows.test).toBe(h.json.holdout.nTest);
  });

  it('a supervised family refuses a set without a label, naming the way on', () => {
    const r = cli(dir, ['train', '--features', 'churn-segments', '--name', 'oops', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no label/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('train --model kmeans', () => {
  it('registers segments; the same inputs and seed give the same model.json bytes', () => {
    const r = must(cli(dir, ['train', '--features', 'churn-segments@1', '--name', 'segments', '--model', 'kmeans', '--k', '6', '--json']));
    expect(r.json.task).toBe('segmentation');
    expect(r.json.algorithm).toBe('kmeans');
    expect(r.json.params.k).toBe(6);
    expect(r.json.rows).toEqual({ train: 5000, features: 15 });
    expect(r.json.trainMetrics.silhouette).toBeGreaterThan(0);
    const again = must(cli(dir, ['train', '--features', 'churn-segments@1', '--name', 'segments', '--model', 'kmeans', '--k', '6', '--json']));
    // byte-identical but for the version number
    const strip = (p: string) => readFileSync(p, 'utf8').replace(/^  "version": \d+$/m, '  "version": 0');
    expect(strip(again.json.path)).toBe(strip(r.json.path));
    const ws = workspaceAt(dir);
    const m = readModelVersion(ws, 'segments', 1) as SegmentModelVersion;
    expect(m.kmeans.sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(m.lineage.holdout).toBeNull();
  });

  it('--tune --grid "kmeans.k=…" reports inertia and silhouette per k and keeps the best silhouette', () => {
    const r = must(cli(dir, ['train', '--features', 'churn-segments@1', '--name', 'tuned', '--model', 'kmeans', '--tune', '--grid', 'kmeans.k=2,3,4', '--param', 'n_init=3', '--json']));
    const t = r.json.segments.trials as { params: { k: number }; inertia: number; silhouette: number }[];
    expect(t.map((x) => x.params.k)).toEqual([2, 3, 4]);
    // inertia falls as k grows; the chosen k has the highest silhouette
    expect(t[0].inertia).toBeGreaterThan(t[1].inertia);
    expect(t[1].inertia).toBeGreaterThan(t[2].inertia);
    const best = t.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    expect(r.json.params.k).toBe(best.params.k);
    expect(r.json.segments.best.k).toBe(best.params.k);
    expect(r.json.trainMetrics.silhouette).toBe(best.silhouette);
  });

  it('model show gives sizes, shares and distinctive columns in original units', () => {
    const r = must(cli(dir, ['model', 'show', 'segments@1', '--json']));
    const segs = r.json.family.segments as { size: number; share: number; distinctive: { feature: string; original?: { input: string; value: number } }[] }[];
    expect(segs).toHaveLength(6);
    expect(segs.reduce((a, s) => a + s.size, 0)).toBe(5000);
    expect(segs.every((s) => s.distinctive.length === 3)).toBe(true);
    const human = must(cli(dir, ['model', 'show', 'segments@1']));
    expect(human.stdout).toMatch(/most distinctive/);
    expect(human.stdout).toMatch(/no holdout \(all rows\)/);
  });

  it('segment centres read back in original units: the mean of each segment\'s raw values (standardize and min-max)', async () => {
    writeFileSync(
      join(dir, 'features/churn-mm.yaml'),
      'source: churn@latest\nfeatures:\n  - columns: [total_day_minutes, total_eve_minutes, number_customer_service_calls]\n    transforms:\n      - min_max\n',
    );
    must(cli(dir, ['feature', 'build', 'churn-mm', '--json']));
    must(cli(dir, ['train', '--features', 'churn-mm@1', '--name', 'mm', '--model', 'kmeans', '--k', '3', '--json']));
    const raw = await withDuck((d) => d.all<Record<string, number>>(`SELECT * FROM read_csv('${join(SHARED, 'datasets/churn.csv')}', header = true)`));
    const ws = workspaceAt(dir);
    for (const [model, features] of [
      ['segments', 'churn-segments'],
      ['mm', 'churn-mm'],
    ]) {
      const m = readModelVersion(ws, model, 1) as SegmentModelVersion;
      const mat = await loadMatrix(resolveFeatureBuild(ws, `${features}@1`).parquetPath, 'train');
      const labels = predictModel(m, mat.X, mat.n, mat.p);
      for (const cmd of [['model', 'show', `${model}@1`], ['evaluate', `${model}@1`]]) {
        const r = must(cli(dir, [...cmd, '--json']));
        const segs = (cmd[0] === 'model' ? r.json.family.segments : r.json.segments) as { segment: number; size: number; centre: { feature: string; original?: { input: string; value: number; overall: number } }[]; distinctive: unknown[] }[];
        expect(segs.map((x) => x.size)).toEqual(m.kmeans.sizes);
        let checked = 0;
        for (const sg of segs) {
          expect(sg.distinctive.length).toBeGreaterThan(0);
          for (const c of sg.centre) {
            if (!c.original) continue;
            const col = raw.map((row) => Number(row[c.original!.input]));
            const mean = col.reduce((a, v) => a + v, 0) / col.length;
            const sd = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / col.length);
            const inSeg = col.filter((_, i) => labels[i] === sg.segment);
            const segMean = inSeg.reduce((a, v) => a + v, 0) / inSeg.length;
            expect(Math.abs(c.original.value - segMean)).toBeLessThan(0.02 * sd);
            // overall: the size-weighted mean of the centres (the centres are the last update's, the sizes the final assignment's)
            expect(Math.abs(c.original.overall - mean)).toBeLessThan(0.005 * sd);
            checked++;
          }
        }
        // every usage column is standardized or min-max scaled: all read back in original units
        expect(checked).toBe(segs.length * (model === 'mm' ? 3 : 11));
      }
    }
  });

  it('evaluate describes the segments and --report charts sizes and the centre profile', () => {
    const html = join(dir, 'seg.html');
    const r = must(cli(dir, ['evaluate', 'segments@1', '--report', html, '--json']));
    expect(r.json.kind).toBe('segmentation');
    expect(r.json.segments).toHaveLength(6);
    expect(r.json.report).toBe(html);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/Segment sizes/);
    expect(page).toMatch(/Centre profile/);
    // one heat-map cell per segment and feature, one size bar per segment
    expect(page.match(/<rect x="\d+" y="\d+" width="63" height="23"/g)).toHaveLength(6 * 15);
    expect(page.match(/<title>rows \d: \d+<\/title>/g)).toHaveLength(6);
    const png = chromiumScreenshot(html, dir);
    expect(statSync(png).size).toBeGreaterThan(20_000);
    const holdout = must(cli(dir, ['evaluate', 'segments@1', '--holdout', '--json']));
    expect(holdout.json.kind).toBe('segmentation');
    const by = cli(dir, ['evaluate', 'segments@1', '--holdout', '--by', 'state', '--json']);
    expect(by.code).toBe(2);
    expect(by.stderr).toMatch(/is a segmentation/);
  });

  it('the package assigns every row to the segment the in-CLI model assigns (score CSV and NDJSON)', async () => {
    const pkg = join(dir, 'pkg');
    must(cli(dir, ['package', 'segments@1', '-o', pkg, '--json']));
    const man = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
    expect(man.outputs.map((o: { name: string }) => o.name)).toEqual(['segment', 'distance']);
    const chk = python(['-c', 'import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', join(pkg, 'model.onnx')]);
    expect(chk.stdout.trim()).toBe('ok');
    const csv = join(dir, 'scored.csv');
    must(cli(dir, ['score', '-p', pkg, '-i', join(SHARED, 'datasets/churn.csv'), '-o', csv, '--json']));
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,score,segment');
    const ws = workspaceAt(dir);
    const m = readModelVersion(ws, 'segments', 1) as SegmentModelVersion;
    const fb = resolveFeatureBuild(ws, 'churn-segments@1');
    const mat = await loadMatrix(fb.parquetPath, 'train');
    const ours = predictModel(m, mat.X, mat.n, mat.p);
    const near = nearestCentres(mat.X, mat.n, mat.p, Float64Array.from(m.kmeans.centers.flat()), 6);
    expect(lines.length - 1).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      const [row, score, segment] = lines[i + 1].split(',').map(Number);
      expect(row).toBe(i);
      expect(segment).toBe(ours[i]);
      expect(segment).toBe(near.segment[i]);
      expect(Math.abs(score - near.distance[i])).toBeLessThan(1e-9);
    }
    const nd = join(dir, 'scored.ndjson');
    must(cli(dir, ['score', '-p', pkg, '-i', join(SHARED, 'datasets/churn.csv'), '-o', nd, '--json']));
    const first = JSON.parse(readFileSync(nd, 'utf8').split('\n')[0]);
    expect(first.segment).toBe(ours[0]);
  });

  it('score emits the segment in every output mode: a Parquet file, the NDJSON pipe and a Redis stream (real redis-server)', async () => {
    const pkg = join(dir, 'pkg');
    const ws = workspaceAt(dir);
    const m = readModelVersion(ws, 'segments', 1) as SegmentModelVersion;
    const mat = await loadMatrix(resolveFeatureBuild(ws, 'churn-segments@1').parquetPath, 'train');
    const ours = predictModel(m, mat.X, mat.n, mat.p);
    // yes/no stay text as in the registered data (DuckDB's CSV sniffer would make them booleans)
    const churnTyped = `read_csv('${join(SHARED, 'datasets/churn.csv')}', header = true, types = {'international_plan': 'VARCHAR', 'voice_mail_plan': 'VARCHAR', 'churn': 'VARCHAR'})`;
    // a Parquet input file, every row
    const pq = join(dir, 'churn.parquet');
    await withDuck((d) => d.run(`COPY (SELECT * FROM ${churnTyped}) TO '${pq}' (FORMAT parquet)`));
    const out = join(dir, 'scored-pq.ndjson');
    must(cli(dir, ['score', '-p', pkg, '-i', pq, '-o', out, '--json']));
    const fromPq = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).segment);
    expect(fromPq).toEqual(Array.from(ours));
    // the pipe: NDJSON rows on stdin, one result per line on stdout
    const rows = (await withDuck((d) => d.all<Record<string, unknown>>(`SELECT * FROM ${churnTyped} LIMIT 300`))).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
    const piped = must(cli(dir, ['score', '-p', pkg], { input: rows.map((r) => JSON.stringify(r)).join('\n') + '\n' }));
    expect(piped.stdout.trim().split('\n').map((l) => JSON.parse(l).segment)).toEqual(Array.from(ours.subarray(0, 300)));
    // a Redis stream in, a Redis stream and hashes out
    const redis = await startRedis();
    const r = new Redis(redis.url, { protocol: 2 });
    try {
      const ids: string[] = [];
      for (const row of rows) ids.push((await r.xadd('ev', '*', 'data', JSON.stringify(row)))!);
      const res = cli(dir, ['score', '-p', pkg, '--redis', redis.url, '--stream', 'ev', '--group', 'g', '--consumer', 'c1', '--out-stream', 'scored', '--batch-size', '64', '--block-ms', '100', '--idle-exit-ms', '600', '--json']);
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ mode: 'stream', eventsIn: 300, eventsOut: 300 });
      const fields = (f: string[]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]]));
      const got = new Map(((await r.xrange('scored', '-', '+')) as [string, string[]][]).map(([, f]) => [fields(f).event_id, JSON.parse(fields(f).data)]));
      expect(got.size).toBe(300);
      ids.forEach((id, i) => {
        expect(got.get(id).segment).toBe(ours[i]);
        expect(Math.abs(got.get(id).score - Math.sqrt(m.kmeans.centers[ours[i]].reduce((a, c, j) => a + (mat.X[i * mat.p + j] - c) ** 2, 0)))).toBeLessThan(1e-6);
      });
      const hashed = cli(dir, ['score', '-p', pkg, '--redis', redis.url, '--stream', 'ev', '--group', 'h', '--consumer', 'c1', '--out-hash', 'seg:', '--batch-size', '64', '--block-ms', '100', '--idle-exit-ms', '600', '--json']);
      expect(hashed.code, hashed.stderr).toBe(0);
      for (const i of [0, 1, 150, 299]) expect(Number(await r.hget(`seg:${ids[i]}`, 'segment'))).toBe(ours[i]);
    } finally {
      r.disconnect();
      await redis.stop();
    }
  });

  it('dataset derive --segments adds the segment of every row (as score assigns it), with the model in the lineage; explore tells the story per segment', async () => {
    const r = must(cli(dir, ['dataset', 'derive', 'churn-segmented', '--from', 'churn@1', '--segments', 'segments@1', '--json']));
    expect(r.json.rows).toBe(5000);
    expect(r.json.models).toEqual(['segments@1']);
    expect(r.json.parents).toEqual(['churn@1']);
    expect(r.json.columns.map((c: { name: string }) => c.name).at(-1)).toBe('segment');
    const again = must(cli(dir, ['dataset', 'derive', 'churn-segmented', '--from', 'churn@1', '--segments', 'segments@1', '--json']));
    expect(again.json.existing).toBe(true);
    // the same segment as the packaged scorer gave each row of churn.csv
    const scored = readFileSync(join(dir, 'scored.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
    const stored = await withDuck((d) => d.all<{ segment: number }>(`SELECT segment FROM read_parquet('${datasetDataPath(workspaceAt(dir), 'churn-segmented', 1)}')`));
    expect(stored.map((x) => Number(x.segment))).toEqual(scored);
    const ex = must(cli(dir, ['explore', 'churn-segmented@1', '--by', 'segment', '--target', 'churn', '--json']));
    const story = ex.json.columns.find((c: { column: string }) => c.column === 'segment');
    expect(story.kind).toBe('category');
    const counts = new Map<string, number>();
    for (const v of scored) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    for (const sgm of story.segments) expect(sgm.n).toBe(counts.get(sgm.label));
    expect(story.segments.reduce((a: number, x: { positives: number }) => a + x.positives, 0)).toBe(707);
    const lin = must(cli(dir, ['dataset', 'lineage', 'churn-segmented@1', '--json']));
    expect(lin.json.edges).toContainEqual({ from: 'model:segments@1', to: 'dataset:churn-segmented@1', relation: 'segmented' });
    const notSeg = cli(dir, ['dataset', 'derive', 'x', '--from', 'churn@1', '--segments', 'churn-segmented', '--json']);
    expect(notSeg.code).not.toBe(0);
    const twice = cli(dir, ['dataset', 'derive', 'x', '--from', 'churn-segmented@1', '--segments', 'segments@1', '--json']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already has a "segment" column/);
  });

  it('a decision policy keyed on a segment: score acts on that segment only, in NDJSON and CSV', () => {
    const set = must(cli(dir, ['decide', 'policy', 'set', 'segments', '--owner', 'ana@example.com', '--segment-action', '3=outreach', '--action-low', 'none', '--autonomy', 'autonomous', '--json']));
    expect(set.json.segmentActions).toEqual({ '3': 'outreach' });
    const pkg = join(dir, 'pkg-policy');
    must(cli(dir, ['package', 'segments@1', '-o', pkg, '--json']));
    const nd = join(dir, 'decided.ndjson');
    must(cli(dir, ['score', '-p', pkg, '-i', join(SHARED, 'datasets/churn.csv'), '-o', nd, '--json']));
    const lines = readFileSync(nd, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5000);
    for (const l of lines) {
      expect(l.action).toBe(l.segment === 3 ? 'outreach' : 'none');
      expect(l.band).toBe(l.segment === 3 ? 'high' : 'low');
      expect(l.policyVersion).toBe(1);
    }
    const m = readModelVersion(workspaceAt(dir), 'segments', 1) as SegmentModelVersion;
    expect(lines.filter((l) => l.action === 'outreach')).toHaveLength(m.kmeans.sizes[3]);
    const csv = join(dir, 'decided.csv');
    must(cli(dir, ['score', '-p', pkg, '-i', join(SHARED, 'datasets/churn.csv'), '-o', csv, '--json']));
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0].startsWith('row,score,segment,action,band')).toBe(true);
    rows.slice(1).forEach((r, i) => expect(r.split(',')[3]).toBe(lines[i].action));
    for (const bad of [['--segment-action', 'x=outreach'], ['--segment-action', '3=two words']]) {
      const r = cli(dir, ['decide', 'policy', 'set', 'segments', '--owner', 'ana@example.com', ...bad, '--json']);
      expect(r.code).toBe(2);
    }
  });

  it('a segment policy from a YAML or JSON file; unknown segments, bands on a segmentation and malformed files are refused, nothing written', () => {
    const yml = join(dir, 'seg-policy.yaml');
    writeFileSync(yml, 'owner: ana@example.com\nautonomy: autonomous\nsegments:\n  3: outreach\n  5: retain\nactions:\n  low: none\n');
    const set = must(cli(dir, ['decide', 'policy', 'set', 'segments', '--file', yml, '--json']));
    expect(set.json).toMatchObject({ version: 2, source: 'file', segmentActions: { '3': 'outreach', '5': 'retain' }, actions: { low: 'none' } });
    const js = join(dir, 'seg-policy.json');
    writeFileSync(js, JSON.stringify({ owner: 'ana@example.com', autonomy: 'autonomous', segments: { '1': 'winback' }, actions: { low: 'none' } }));
    expect(must(cli(dir, ['decide', 'policy', 'set', 'segments', '--file', js, '--json'])).json.segmentActions).toEqual({ '1': 'winback' });
    const pkg = join(dir, 'pkg-policy-file');
    must(cli(dir, ['package', 'segments@1', '-o', pkg, '--json']));
    const nd = join(dir, 'decided-file.ndjson');
    must(cli(dir, ['score', '-p', pkg, '-i', join(SHARED, 'datasets/churn.csv'), '-o', nd, '--json']));
    for (const l of readFileSync(nd, 'utf8').trim().split('\n').map((x) => JSON.parse(x))) {
      expect(l.action).toBe(l.segment === 1 ? 'winback' : 'none');
      expect(l.policyVersion).toBe(3);
    }
    const bad: [string, RegExp][] = [
      ['segments:\n  6: outreach\n', /segment 6 does not exist: segments@\d+ has 6 segments \(0 … 5\)/],
      ['segments:\n  two: outreach\n', /segment "two" must be a segment id/],
      ['segments:\n  3: two words\n', /action for segment 3 must be a short word/],
      ['segments: [outreach]\n', /segments must be a mapping SEGMENT: ACTION/],
      ['segments: {}\n', /segment actions are empty/],
      ['act-above: 0.5\nsegments:\n  3: outreach\n', /has no score bands/],
      ['act-above: 0.5\n', /segments@\d+ is a segmentation: its score is a distance/],
    ];
    for (const [body, msg] of bad) {
      writeFileSync(yml, `owner: ana@example.com\n${body}`);
      const r = cli(dir, ['decide', 'policy', 'set', 'segments', '--file', yml, '--json']);
      expect(r.code, body).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const flag = cli(dir, ['decide', 'policy', 'set', 'segments', '--owner', 'ana@example.com', '--segment-action', '9=outreach', '--json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/segment 9 does not exist/);
    expect(existsSync(join(dir, 'registry/policies/segments/4.json'))).toBe(false);
    expect(() => checkPolicyTarget({ segmentActions: { '0': 'outreach' } }, { ref: 'churn@1', task: 'binary' })).toThrow(/churn@1 is a binary model with no segments/);
    expect(() => checkPolicyTarget({}, { ref: 'churn@1', task: 'binary' })).not.toThrow();
  });

  it('bad data through the CLI: all-identical rows, a missing value, no numeric feature: one clear line, nothing registered', () => {
    const files: [string, string, string][] = [
      ['ident', 'a,b\n1,2\n1,2\n1,2\n1,2\n', 'columns: [a, b]'],
      ['gaps', 'a,b\n1,2\n3,\n5,6\n7,8\n', 'columns: [a, b]'],
      ['words', 'a,s\n1,x\n2,y\n3,x\n', 'columns: [s]'],
    ];
    for (const [name, csv] of files) {
      writeFileSync(join(dir, `${name}.csv`), csv);
      must(cli(dir, ['dataset', 'register', name, '--file', join(dir, `${name}.csv`), '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
    }
    for (const [name, , cols] of files) writeFileSync(join(dir, `features/${name}.yaml`), `source: ${name}@latest\nfeatures:\n  - ${cols}\n`);
    const train = (name: string) => cli(dir, ['train', '--features', name, '--name', `bad-${name}`, '--model', 'kmeans', '--k', '2', '--json']);
    for (const [name, msg] of [
      ['ident', /all 4 rows are identical: there is nothing to segment/],
      ['gaps', /row 1, feature "b" is NaN \(missing\): k-means needs finite numbers/],
    ] as [string, RegExp][]) {
      must(cli(dir, ['feature', 'build', name, '--json']));
      const r = train(name);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, `registry/models/bad-${name}`))).toBe(false);
    }
    const words = cli(dir, ['feature', 'build', 'words', '--json']);
    expect(words.code).toBe(3);
    expect(words.stderr).toMatch(/a numeric feature needs a number, but "s" is VARCHAR/);
    expect(train('words').code).not.toBe(0);
    expect(existsSync(join(dir, 'registry/models/bad-words'))).toBe(false);
  });

  it('bad k: exit 2, one line, nothing registered', () => {
    for (const k of ['1', '0']) {
      const r = cli(dir, ['train', '--features', 'churn-segments@1', '--name', 'badk', '--model', 'kmeans', '--k', k, '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/k must be an integer ≥ 2/);
    }
    const big = cli(dir, ['train', '--features', 'churn-segments@1', '--name', 'badk', '--model', 'kmeans', '--k', '6000', '--json']);
    expect(big.code).toBe(3);
    expect(big.stderr).toMatch(/k = 6000 needs at least 6000 rows; the data has 5000/);
    expect(existsSync(join(dir, 'registry/models/badk/versions/1'))).toBe(false);
  });
});

/**
 * The native tree scorer of a gbdt package (src/scorer/trees.ts): a package built from a fitted
 * model (numeric inputs, one with missing values, a string category as codes) scores through
 * loadScorer with its tree walk split between the calling thread and a walker thread, and through model.onnx alone; both
 * equal the CLI's own predictions to 1e-6 on every row, rows sitting exactly on the thresholds
 * included; a package of numeric inputs passed through raw (the trees read the input columns, no
 * pipeline pass) likewise, and natively on one thread in other batches to the same bytes. A package whose explain.json trees disagree with model.onnx fails loudly. Through the
 * CLI: a missing value (null, an empty CSV field, a Parquet NULL) is missing for the trees, a NaN or
 * ±Infinity value (NaN/inf in a CSV, 1e400 in JSON, NaN in a Parquet double) is refused with its
 * field named and goes to the dead letters.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { explainSpec } from '../../../src/explain/spec.js';
import { gbdtFamily } from '../../../src/ml/families/gbdt.js';
import { predictModel } from '../../../src/ml/families/index.js';
import { fitGbdt, gbdtToJSON, validateGbdtParams, type GbdtModel } from '../../../src/ml/gbdt/index.js';
import { makeRng } from '../../../src/ml/splits.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { buildPackageFiles, writePackage } from '../../../src/scorer/package.js';
import { loadScorer } from '../../../src/scorer/scorer.js';
import type { FittedPipeline, ModelVersion } from '../../../src/types.js';
import { sha256 } from '../../../src/util/hash.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import { decideCli as cli } from '../../helpers/workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'dictl-score-trees-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLORS = ['blue', 'green', 'red', 'white', 'black', 'grey'];
const pipeline: FittedPipeline = {
  inputs: [
    { name: 'a', type: 'number', nullable: false },
    { name: 'color', type: 'string', nullable: true },
    { name: 'c', type: 'number', nullable: true },
    { name: 'd', type: 'number', nullable: false },
  ],
  derived: [],
  features: [
    { kind: 'numeric', name: 'a', input: 'a', steps: [] },
    { kind: 'index', name: 'color', input: 'color', vocabulary: COLORS, unknown: 'keep' },
    { kind: 'numeric', name: 'c', input: 'c', steps: [] },
    { kind: 'numeric', name: 'd', input: 'd', steps: [] },
  ],
  outputNames: ['a', 'color', 'c', 'd'],
};

/** numbers only, passed through raw: the scorer's trees read the input columns themselves (no pipeline pass), walked as WebAssembly */
const rawPipeline: FittedPipeline = {
  inputs: pipeline.inputs.filter((i) => i.type === 'number'),
  derived: [],
  features: pipeline.features.filter((f) => f.kind === 'numeric'),
  outputNames: ['a', 'c', 'd'],
};

function events(n: number, seed: number) {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => ({
    a: rng.next() * 4 - 2,
    color: rng.next() < 0.05 ? null : COLORS[rng.int(6)],
    c: rng.next() < 0.2 ? null : rng.next(),
    d: Math.round(rng.next() * 20) / 4,
  }));
}

function label(e: ReturnType<typeof events>[number], K: number, u: number): number {
  const z = Math.sin(2 * e.a) + (e.color === null ? 0.4 : ['green', 'white', 'black'].includes(e.color) ? 1 : -1) + (e.c === null ? 0.8 : e.c) + (e.d > 2 ? 0.5 : 0);
  return K === 1 ? z + u : K === 2 ? (u < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0) : Math.min(K - 1, Math.max(0, Math.floor(z + 1.5 + u)));
}

async function packaged(name: string, K: number, pl: FittedPipeline = pipeline): Promise<{ model: ModelVersion; dir: string }> {
  const train = events(3000, 3);
  const rng = makeRng(4);
  const y = Float64Array.from(train, (e) => label(e, K, rng.next()));
  const { X, n, p } = applyPipeline(pl, train);
  const categorical = Uint8Array.from(pl.outputNames, (o) => (o === 'color' ? 1 : 0));
  const g: GbdtModel = await fitGbdt({ X, y, n, p, K, categorical }, validateGbdtParams({ loss: K === 1 ? 'squared_error' : 'log_loss', max_iter: pl === pipeline ? 120 : 40, min_samples_leaf: 5 }), { seed: 1 });
  for (const t of g.trees) for (let i = 0; i < t.value.length; i++) t.value[i] = Math.fround(t.value[i]);
  const task = K === 1 ? 'regression' : K === 2 ? 'binary' : 'multiclass';
  const classes = K === 2 ? ['no', 'yes'] : Array.from({ length: K }, (_, k) => `k${k}`);
  const model = {
    kind: 'model', name, version: 1, algorithm: 'gbdt', task,
    label: task === 'regression' ? { column: 'y', task } : task === 'binary' ? { column: 'y', task, positive: 'yes', classes } : { column: 'y', task, classes },
    featureNames: pl.outputNames, threshold: 0.5, params: {}, convergence: { solver: 'gbdt-hist', iterations: g.nIter, converged: true, gradNorm: 0, warnings: [] }, trainMetrics: {}, seed: 1,
    pipeline: pl, trees: { categorical: pl.outputNames.filter((o) => o === 'color'), model: gbdtToJSON(g) as Record<string, unknown> },
    lineage: { dataset: 'trees@1', datasetSha256: '', featureSet: { name: 'trees', version: 1, hash: '' }, holdout: '', allowUnconsented: false, dictlVersion: '0', node: process.version },
  } as unknown as ModelVersion;
  const out = join(dir, name);
  writePackage(buildPackageFiles(model, { explain: explainSpec(model, await gbdtFamily.explainPart!(model, async () => new Float64Array(0))) }), out, false);
  return { model, dir: out };
}

/** fresh events, then copies with a numeric input sitting exactly on a threshold of the model */
function probe(model: ModelVersion, n: number, pl: FittedPipeline = pipeline) {
  const ev: Record<string, unknown>[] = events(n, 99);
  const trees = (model as { trees: { model: { trees: { feature: number[]; threshold: number[]; categories?: (number[] | null)[] }[] } } }).trees.model.trees;
  let k = 0;
  for (const t of trees)
    t.feature.forEach((f, i) => {
      if (f < 0 || t.categories?.[i] || pl.outputNames[f] === 'color') return;
      ev.push({ ...ev[k++ % n], [pl.outputNames[f]]: t.threshold[i] });
    });
  return { ev, onThreshold: ev.length - n };
}

function columns(ev: Record<string, unknown>[], pl: FittedPipeline = pipeline) {
  const cols: Record<string, Float64Array | string[]> = {};
  for (const inp of pl.inputs) cols[inp.name] = inp.type === 'number' ? Float64Array.from(ev, (e) => (e[inp.name] === null ? NaN : (e[inp.name] as number))) : ev.map((e) => (e[inp.name] as string | null) ?? '');
  return cols;
}

describe('native tree scorer = the CLI = model.onnx', () => {
  for (const [K, pl] of [[2, pipeline], [3, pipeline], [1, pipeline], [2, rawPipeline], [3, rawPipeline], [1, rawPipeline]] as const) {
    test(`${K === 1 ? 'regression' : K === 2 ? 'binary' : 'multiclass'}${pl === rawPipeline ? ', raw numeric inputs' : ''}: the walk split between two threads, and the graph alone, within 1e-6 of the CLI on every row`, async () => {
      const { model, dir: pkg } = await packaged(`m${K}${pl === rawPipeline ? 'raw' : ''}`, K, pl);
      const { ev, onThreshold } = probe(model, 6000, pl);
      expect(onThreshold).toBeGreaterThan(200);
      const { X, n, p } = applyPipeline(pl, ev);
      const cli = predictModel(model, X, n, p);
      const cols = columns(ev, pl);
      let first: Float64Array | null = null;
      const W = K === 1 ? 1 : K;
      for (const native of [true, false]) {
        // batches of 5000: the first one is split between the two threads, the second (a short tail) walks on one
        const s = await loadScorer(pkg, { native, threads: 2, batchSize: 5000 });
        try {
          const r = await s.scoreColumns(cols, n);
          let worst = 0;
          for (let i = 0; i < n; i++) {
            if (K === 2) worst = Math.max(worst, Math.abs(r.score[i] - cli[i]), Math.abs(r.probabilities![2 * i] - (1 - cli[i])));
            else if (K === 1) worst = Math.max(worst, Math.abs(r.prediction![i] - cli[i]) / (1 + Math.abs(cli[i])));
            else for (let k = 0; k < W; k++) worst = Math.max(worst, Math.abs(r.probabilities![i * W + k] - cli[i * W + k]));
          }
          expect(worst).toBeLessThanOrEqual(1e-6);
          // the rows API gives the same numbers
          const rows = await s.scoreRows(ev.slice(0, 3000) as Record<string, unknown>[]);
          rows.forEach((o, i) => expect(o.score).toBe(r.score[i]));
          if (native) first = r.score;
        } finally {
          s.close();
        }
      }
      // natively on one thread, in other batches: the same bytes
      const one = await loadScorer(pkg, { threads: 1, batchSize: 777 });
      try {
        expect(Buffer.from((await one.scoreColumns(cols, n)).score.buffer).equals(Buffer.from(first!.buffer))).toBe(true);
      } finally {
        one.close();
      }
    }, 60_000);
  }

  test('trees in explain.json that disagree with model.onnx stop the scorer; the graph alone still scores', async () => {
    const { dir: pkg } = await packaged('tampered', 2);
    const ex = JSON.parse(readFileSync(join(pkg, 'explain.json'), 'utf8'));
    const t0 = ex.trees.trees[0];
    for (let i = 0; i < t0.value.length; i++) if (t0.feature[i] < 0) t0.value[i] += 0.05;
    const bytes = JSON.stringify(ex);
    writeFileSync(join(pkg, 'explain.json'), bytes);
    const man = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
    man.files['explain.json'] = { sha256: sha256(Buffer.from(bytes)), bytes: bytes.length };
    writeFileSync(join(pkg, 'manifest.json'), JSON.stringify(man));
    const ev = events(3000, 5);
    const s = await loadScorer(pkg, { threads: 2 });
    await expect(s.scoreColumns(columns(ev), ev.length)).rejects.toThrow(/do not reproduce model\.onnx/);
    s.close();
    const g = await loadScorer(pkg, { native: false });
    expect((await g.scoreColumns(columns(ev), ev.length)).n).toBe(3000);
    g.close();
  }, 60_000);
});

describe('dictl score on a tree package: missing values are scored, NaN/±Infinity values are refused naming the field', () => {
  test('CSV, NDJSON and Parquet files', async () => {
    const { model, dir: pkg } = await packaged('bad-input', 2);
    const good = [
      { a: 0.5, color: 'red', c: null, d: 1.25 },
      { a: -1.5, color: null, c: 0.25, d: 3 },
    ];
    const { X } = applyPipeline(pipeline, good);
    const want = predictModel(model, X, 2, 4);
    const work = mkdtempSync(join(dir, 'cli-'));
    const check = (r: ReturnType<typeof cli>, out: string, dl: string, bad: { at: number; field: string; v: string }[]) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.deadLettered).toBe(bad.length);
      const scored = readFileSync(join(work, out), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(scored).toHaveLength(2);
      scored.forEach((o, i) => expect(Math.abs(o.score - want[i])).toBeLessThanOrEqual(1e-6));
      const dead = readFileSync(join(work, dl), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(dead.map((o) => [o.row, o.reason])).toEqual(bad.map((b) => [b.at, `field "${b.field}": ${b.v} is not a number value (a missing value is null or absent)`]));
    };
    // CSV: empty fields are missing; NaN / inf / -Infinity texts are refused
    writeFileSync(join(work, 'in.csv'), 'a,color,c,d\n0.5,red,,1.25\nNaN,red,0.5,1\n-1.5,,0.25,3\n1,blue,inf,1\n1,blue,0.5,-Infinity\n');
    check(cli(work, ['score', '--package', pkg, '--input', 'in.csv', '--output', 'csv.ndjson', '--dead-letter', 'csv.dl']), 'csv.ndjson', 'csv.dl', [
      { at: 1, field: 'a', v: 'NaN' },
      { at: 3, field: 'c', v: 'Infinity' },
      { at: 4, field: 'd', v: '-Infinity' },
    ]);
    // NDJSON: null is missing; 1e400 is Infinity once parsed
    const lines = [JSON.stringify(good[0]), '{"a":1e400,"color":"red","c":0.5,"d":1}', JSON.stringify(good[1]), '{"a":1,"color":"red","c":-1e999,"d":1}'];
    writeFileSync(join(work, 'in.ndjson'), lines.join('\n') + '\n');
    check(cli(work, ['score', '--package', pkg, '--input', 'in.ndjson', '--output', 'nd.ndjson', '--dead-letter', 'nd.dl']), 'nd.ndjson', 'nd.dl', [
      { at: 1, field: 'a', v: 'Infinity' },
      { at: 3, field: 'c', v: '-Infinity' },
    ]);
    // Parquet: NULL is missing, a NaN double is refused
    await withDuck(async (duck) => {
      await duck.run(`COPY (SELECT * FROM (VALUES (1, 0.5, 'red', NULL::DOUBLE, 1.25), (2, 1.0, 'red', 'NaN'::DOUBLE, 1.0), (3, -1.5, NULL, 0.25, 3.0)) t(i, a, color, c, d) ORDER BY i) TO ${sqlString(join(work, 'in.parquet'))} (FORMAT parquet)`);
    });
    check(cli(work, ['score', '--package', pkg, '--input', 'in.parquet', '--output', 'pq.ndjson', '--dead-letter', 'pq.dl']), 'pq.ndjson', 'pq.dl', [{ at: 1, field: 'c', v: 'NaN' }]);
  }, 120_000);
});

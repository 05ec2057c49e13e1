#!/usr/bin/env node
// Benchmark P8: out of core on one machine, through the real CLI (peak RSS of each command measured
// with /usr/bin/time).
//   build: `feature build` of a generated 50,000,000-row dataset (10 numeric + 2 categorical → 30
//          outputs) under --memory-limit 1GB; goal: completes, peak RSS ≤ 1.5 GB; time ratio against
//          the in-memory build (no limit) of the same set in the same run, and the two builds must be
//          byte-identical.
//   train: `train` logistic on that 50M × 30 build (40M training rows: the matrix alone is ~10 GB)
//          under --memory-limit 4GB; goal: completes, test AUC equal to an in-memory fit on a 5M-row
//          subsample of the training rows ± 0.002; peak RSS printed.
// BENCH_OOC_DIR=DIR (a folder kept by BENCH_KEEP=1) skips generating and building and runs the train half on
// the workspace in it.
// BENCH_SCALE=0.1 shrinks rows and both budgets by the same factor (the RSS goal applies at scale 1).
// Run: npm run build && BENCH=ooc npm run bench     (the full size needs ~15 GB of free disk)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDuck, readDoubleVector } from '../dist/src/io/duck.js';
import { fitSpec } from '../dist/src/ml/fit.js';
import { rocAuc } from '../dist/src/ml/metrics.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const N = Math.max(20_000, Math.round(50_000_000 * SCALE));
const SUB = Math.max(2_000, Math.round(5_000_000 * SCALE));
const mb = (x) => `${Math.max(64, Math.round(x))}MB`;
const BUILD_LIMIT = mb(1000 * SCALE);
const TRAIN_LIMIT = mb(4000 * SCALE);
const resume = process.env.BENCH_OOC_DIR;
const dir = resume ? resolve(resume) : mkdtempSync(join(tmpdir(), 'dictl-bench-ooc-'));
const ws = join(dir, 'ws');
const sec = (ms) => (ms / 1000).toFixed(1) + ' s';
const gb = (kb) => (kb / 1024 / 1024).toFixed(2) + ' GB';
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`ooc bench: ${N.toLocaleString('en')} rows, 10 numeric + 2 categorical (BENCH_SCALE=${SCALE}); build under --memory-limit ${BUILD_LIMIT}, train under ${TRAIN_LIMIT}; load ${load()}`);

/** Runs the CLI under /usr/bin/time: { ms, rssKb, json }. */
function dictl(args, { cwd = ws, json = true } = {}) {
  const t = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', '__RSS_KB=%M', process.execPath, join(ROOT, 'bin/run.js'), ...args, ...(json ? ['--json'] : [])], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, DICTL_QUIET: '1' },
  });
  const ms = Date.now() - t;
  const rss = Number(/__RSS_KB=(\d+)/.exec(r.stderr)?.[1]);
  if (r.status !== 0) {
    console.error(`dictl ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
    process.exit(1);
  }
  return { ms, rssKb: rss, json: json ? JSON.parse(r.stdout) : undefined };
}

const sha256File = (p) =>
  new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(p).on('data', (b) => h.update(b)).on('end', () => res(h.digest('hex'))).on('error', rej);
  });

const buildDir = join(ws, 'registry/features/bench/1');
let t = Date.now();
let same = true;
let rssOk = true;
if (!resume) {
// ── generate (deterministic): a logistic label of the numerics and both categoricals
const C0 = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const C1 = Array.from({ length: 12 }, (_, k) => `s${String(k).padStart(2, '0')}`);
const dataPath = join(dir, 'data.parquet');
t = Date.now();
await withDuck(async (d) => {
  await d.run(`SET memory_limit = '2GB'`);
  await d.run(`SET preserve_insertion_order = true`);
  const u = (k) => `((hash(i * 37 + ${k}) % 1000003)::DOUBLE / 1000003)`;
  const nums = Array.from({ length: 10 }, (_, k) => `CASE WHEN (i * ${k + 3}) % ${101 + k} = 0 THEN NULL ELSE (${u(k)} - 0.5) * ${k + 1} END AS x${k}`);
  const w = [0.9, -0.6, 0.45, 0.3, -0.25, 0.15, 0.1, -0.08, 0.05, 0.02];
  const z = `${w.map((x, k) => `${x} * coalesce(x${k}, 0) / ${k + 1}`).join(' + ')} + CASE c0 WHEN 'a' THEN 0.6 WHEN 'b' THEN -0.4 WHEN 'c' THEN 0.2 ELSE 0 END + (CASE WHEN c1 < 's06' THEN 0.3 ELSE -0.3 END)`;
  await d.run(
    `COPY (SELECT * EXCLUDE (i), CASE WHEN ${u(29)} < 1 / (1 + exp(-(${z}))) THEN 'yes' ELSE 'no' END AS label FROM (
       SELECT i, ${nums.join(', ')}, ['${C0.join("','")}'][1 + (hash(i * 7) % 8)::INTEGER] AS c0,
              CASE WHEN i % 97 = 0 THEN NULL ELSE ['${C1.join("','")}'][1 + (hash(i * 13) % 12)::INTEGER] END AS c1
       FROM range(${N}) r(i))) TO '${dataPath}' (FORMAT parquet, COMPRESSION zstd)`,
  );
});
console.log(`generated ${(statSync(dataPath).size / 1e9).toFixed(2)} GB of Parquet in ${sec(Date.now() - t)}`);

// ── workspace, dataset, holdout, feature set
dictl(['init', ws], { cwd: dir });
const reg = dictl(['dataset', 'register', 'bench', '--file', dataPath, '--steward', 'data-team@example.com', '--consent', 'opt-in', '--memory-limit', BUILD_LIMIT]);
console.log(`dataset register under --memory-limit ${BUILD_LIMIT}: ${sec(reg.ms)}, peak RSS ${gb(reg.rssKb)}`);
rmSync(dataPath);
const ho = dictl(['holdout', 'create', 'bench@1', '--fraction', '0.2', '--seed', '1']);
console.log(`holdout create: ${sec(ho.ms)}, peak RSS ${gb(ho.rssKb)}`);
writeFileSync(
  join(ws, 'features/bench.yaml'),
  `source: bench@1
label: {column: label, positive: "yes"}
features:
  - columns: [${Array.from({ length: 10 }, (_, k) => `x${k}`).join(', ')}]
    transforms: [{impute: median}, standardize]
  - columns: [c0, c1]
    transforms: [{impute: mode}, one_hot]
`,
);

// ── build: in memory, then under the limit (same definition, data and holdout → must be the same bytes)
const mem = dictl(['feature', 'build', 'bench']);
const memDir = join(dir, 'in-memory-build');
renameSync(buildDir, memDir);
const lim = dictl(['feature', 'build', 'bench', '--memory-limit', BUILD_LIMIT]);
const outputs = lim.json.outputs.length;
console.log(`feature build in memory:                ${sec(mem.ms)}, peak RSS ${gb(mem.rssKb)}`);
console.log(`feature build under --memory-limit ${BUILD_LIMIT}: ${sec(lim.ms)}, peak RSS ${gb(lim.rssKb)} (${outputs} outputs, ${lim.json.rows.train} train / ${lim.json.rows.test} test rows)`);
same =
  JSON.stringify(JSON.parse(readFileSync(join(memDir, 'state.json'), 'utf8')).pipeline) === JSON.stringify(JSON.parse(readFileSync(join(buildDir, 'state.json'), 'utf8')).pipeline) &&
  (await sha256File(join(memDir, 'features.parquet'))) === (await sha256File(join(buildDir, 'features.parquet')));
rmSync(memDir, { recursive: true, force: true });
console.log(`  ratio limited / in memory: ${(lim.ms / mem.ms).toFixed(2)}×; identical fitted state and features.parquet: ${same ? 'yes' : 'NO'}`);
rssOk = lim.rssKb <= 1.5 * 1024 * 1024;
if (SCALE === 1) console.log(`  goal peak RSS ≤ 1.5 GB: ${rssOk ? 'met' : 'NOT met'}`);

}

// ── train out of core under the budget
console.log(`load before training: ${load()}`);
const tr = dictl(['train', '--features', 'bench', '--name', 'ooc', '--memory-limit', TRAIN_LIMIT]);
const model = JSON.parse(readFileSync(tr.json.path, 'utf8'));
const run = JSON.parse(readFileSync(join(dirname(tr.json.path), 'run.json'), 'utf8'));
console.log(
  `train under --memory-limit ${TRAIN_LIMIT}: ${sec(tr.ms)}, peak RSS ${gb(tr.rssKb)}; solver ${tr.json.convergence.solver}, ${tr.json.convergence.iterations} iterations, ${run.outOfCore?.passes ?? '?'} passes over ${tr.json.rows.train.toLocaleString('en')} × ${tr.json.rows.features}`,
);

// ── reference: in-memory fit on a SUB-row subsample of the training rows; both scored on the test rows
const parquet = join(buildDir, 'features.parquet');
const names = model.featureNames;
const q = (c) => `"${c.replace(/"/g, '""')}"::DOUBLE`;
t = Date.now();
const { sub, test } = await withDuck(async (d) => {
  const src = `read_parquet('${parquet}')`;
  const readRows = async (where, n) => {
    const X = new Float64Array(n * names.length);
    const y = new Float64Array(n);
    const res = await d.conn.stream(`SELECT __label::DOUBLE, ${names.map(q).join(', ')} FROM ${src} WHERE ${where} LIMIT ${n}`);
    let off = 0;
    for (;;) {
      const ch = await res.fetchChunk();
      if (!ch || ch.rowCount === 0) break;
      readDoubleVector(ch.getColumnVector(0), ch.rowCount, y, off, 1);
      for (let j = 0; j < names.length; j++) readDoubleVector(ch.getColumnVector(j + 1), ch.rowCount, X, off * names.length + j, names.length);
      off += ch.rowCount;
    }
    return { X: X.subarray(0, off * names.length), y: y.subarray(0, off), n: off };
  };
  const nTrain = tr.json.rows.train;
  const step = Math.max(1, Math.floor(nTrain / SUB));
  const sub = await readRows(`__split = 'train' AND hash(__row) % ${step} = 0`, Math.ceil((nTrain / step) * 1.2) + 1000);
  // test rows: label and the two linear scores only
  const ref = fitSpec(sub.X, sub.n, names.length, sub.y, { task: 'binary', K: 2, classWeight: null, threshold: 0.5, tol: 1e-4, maxIter: 1000, C: 1, penalty: 'l2', l1Ratio: 0.5 });
  const zOf = (coef, b) => `${b} + ${coef.map((w, j) => `${w} * ${q(names[j])}`).join(' + ')}`;
  const rows = await d.all(`SELECT count(*)::BIGINT AS n FROM ${src} WHERE __split = 'test'`);
  const nt = Number(rows[0].n);
  const y = new Float64Array(nt);
  const zA = new Float64Array(nt);
  const zB = new Float64Array(nt);
  const res = await d.conn.stream(`SELECT __label::DOUBLE, ${zOf(model.coef[0], model.intercept[0])}, ${zOf(Array.from(ref.coef[0]), ref.intercept[0])} FROM ${src} WHERE __split = 'test'`);
  let off = 0;
  for (;;) {
    const ch = await res.fetchChunk();
    if (!ch || ch.rowCount === 0) break;
    readDoubleVector(ch.getColumnVector(0), ch.rowCount, y, off, 1);
    readDoubleVector(ch.getColumnVector(1), ch.rowCount, zA, off, 1);
    readDoubleVector(ch.getColumnVector(2), ch.rowCount, zB, off, 1);
    off += ch.rowCount;
  }
  return { sub: { n: sub.n }, test: { n: nt, aucOoc: rocAuc(y, zA), aucRef: rocAuc(y, zB) } };
});
const diff = Math.abs(test.aucOoc - test.aucRef);
console.log(`reference: in-memory fit on ${sub.n.toLocaleString('en')} sampled training rows (${sec(Date.now() - t)} with scoring)`);
console.log(`test AUC on ${test.n.toLocaleString('en')} rows: out of core ${test.aucOoc.toFixed(5)}, in-memory subsample ${test.aucRef.toFixed(5)}, |Δ| ${diff.toFixed(5)} (goal ≤ 0.002: ${diff <= 0.002 ? 'met' : 'NOT met'})`);
console.log(`load at the end: ${load()}`);
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
if (!same || diff > 0.002 || (SCALE === 1 && !rssOk)) process.exit(1);

#!/usr/bin/env node
// Benchmark of the packaged scorer. Run after `npm run build`: node bench/score.mjs
// BENCH_SCALE=0.1 shrinks the sizes (default 1,000,000 rows / events).
//
// 1. Batch scoring incl. preprocessing: a churn-shaped pipeline (15 numeric inputs: median impute +
//    standardize; 4 string inputs with 51/3/2/2 categories: mode impute + one-hot) and a logistic model,
//    compiled to one ONNX graph, scoring N in-memory rows (columnar and row objects) — vs the same
//    pipeline in scikit-learn (ColumnTransformer + LogisticRegression) predict_proba on an in-memory
//    pandas DataFrame of N rows (/usr/bin/python3, measured in the same run). Goal ≥ 2× faster.
// 2. NDJSON pipe: N events through dictl's pipe path (parse, validate against input.avsc, score, write
//    one line per event) vs a bare JSON.parse → JSON.stringify loop over the same lines (the floor).
//    Goal ≥ 50% of the floor and ≥ 200,000 events/s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { buildPackageFiles, writePackage } = await import(join(root, 'dist/src/scorer/package.js'));
const { loadScorer } = await import(join(root, 'dist/src/scorer/scorer.js'));
const { scorePipe } = await import(join(root, 'dist/src/score/pipe.js'));
const { scoreFile } = await import(join(root, 'dist/src/score/file.js'));
const { makeProgress } = await import(join(root, 'dist/src/ui/progress.js'));

const scale = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.max(1000, Math.round(1_000_000 * scale));
const fmt = (x) => Math.round(x).toLocaleString('en-US');

const { rng, NUM, CATS, model } = await import('./lib/churn-model.mjs');

function columns(n) {
  const r = rng(11);
  const cols = {};
  for (const c of NUM) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = r() < 0.01 ? NaN : 50 + 20 * (r() - 0.5);
    cols[c] = a;
  }
  for (const [c, cats] of CATS) {
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = cats[Math.floor(r() * cats.length)];
    cols[c] = a;
  }
  return cols;
}

const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-score-'));
try {
  writePackage(buildPackageFiles(model()), join(dir, 'pkg'), false);
  const scorer = await loadScorer(join(dir, 'pkg'), { batchSize: 16384 });
  console.log(`bench/score: N = ${fmt(N)} (BENCH_SCALE=${scale}), onnxruntime-node ${scorer.manifest.versions.onnxruntime}, ${scorer.manifest.featureOrder.length} model inputs`);

  // ── 1. batch scoring
  const cols = columns(N);
  await scorer.scoreColumns(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.slice(0, 1000)])), 1000); // warm-up
  let t = performance.now();
  let cpu0 = process.cpuUsage();
  const res = await scorer.scoreColumns(cols, N);
  const colMs = performance.now() - t;
  const cpuD = process.cpuUsage(cpu0);
  const colCpuMs = (cpuD.user + cpuD.system) / 1000;
  let mean = 0;
  for (let i = 0; i < N; i++) mean += res.score[i];
  console.log(`dictl batch (columnar, ONNX incl. preprocessing): ${fmt(colMs)} ms wall (${fmt(colCpuMs)} ms CPU), ${fmt(N / (colMs / 1000))} rows/s (mean score ${(mean / N).toFixed(4)})`);

  // the same rows as a CSV file through `dictl score --input in.csv --output out.ndjson` (DuckDB chunks → validate → score → write)
  {
    const lines = [[...NUM, ...CATS.map(([c]) => c)].join(',')];
    for (let i = 0; i < N; i++) lines.push([...NUM.map((c) => (Number.isNaN(cols[c][i]) ? '' : cols[c][i].toFixed(4))), ...CATS.map(([c]) => cols[c][i])].join(','));
    writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
  }
  t = performance.now();
  const fileSum = await scoreFile(scorer, join(dir, 'in.csv'), join(dir, 'out.ndjson'), { batchSize: 16384, metricsEvery: 0, progress: makeProgress({ quiet: true }) });
  const fileMs = performance.now() - t;
  console.log(`dictl score --input CSV --output NDJSON (file I/O incl.): ${fmt(fileMs)} ms, ${fmt(N / (fileMs / 1000))} rows/s (${fileSum.eventsOut} scored)`);

  const py = `
import time, numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, OneHotEncoder
from sklearn.linear_model import LogisticRegression
N = ${N}
rs = np.random.RandomState(11)
num = ${JSON.stringify(NUM)}
cats = ${JSON.stringify(CATS)}
d = {}
for c in num:
    x = 50 + 20 * (rs.rand(N) - 0.5)
    x[rs.rand(N) < 0.01] = np.nan
    d[c] = x
for c, vals in cats:
    d[c] = np.array(vals, dtype=object)[rs.randint(0, len(vals), N)]
df = pd.DataFrame(d)
y = (rs.rand(5000) < 0.3).astype(int)
pre = ColumnTransformer([
    ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
    ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), [c for c, _ in cats]),
])
pipe = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=200))]).fit(df.iloc[:5000], y)
pipe.predict_proba(df.iloc[:1000])
t = time.perf_counter()
c = time.process_time()
p = pipe.predict_proba(df)
ms = (time.perf_counter() - t) * 1000
cms = (time.process_time() - c) * 1000
print(ms, cms)
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const pr = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (pr.status === 0) {
    const [skMs, skCpuMs] = pr.stdout.trim().split('\n').pop().split(' ').map(Number);
    console.log(`scikit-learn pipeline predict_proba:              ${fmt(skMs)} ms wall (${fmt(skCpuMs)} ms CPU), ${fmt(N / (skMs / 1000))} rows/s`);
    console.log(`ratio batch: dictl columnar is ${(skMs / colMs).toFixed(2)}× faster than scikit-learn by wall time (goal ≥ 2×), ${(skCpuMs / colCpuMs).toFixed(2)}× by CPU time; CSV file → NDJSON file ${(skMs / fileMs).toFixed(2)}× (sklearn without I/O)`);
  } else {
    console.log(`scikit-learn peer unavailable: ${pr.stderr.trim().split('\n').pop()}`);
  }

  // ── 2. NDJSON pipe vs the JSON.parse → JSON.stringify floor
  const r = rng(3);
  const lines = new Array(N);
  for (let i = 0; i < N; i++) {
    const o = { id: i };
    for (const c of NUM) o[c] = Math.round((50 + 20 * (r() - 0.5)) * 100) / 100;
    for (const [c, cats] of CATS) o[c] = cats[Math.floor(r() * cats.length)];
    lines[i] = JSON.stringify(o);
  }
  const CH = 1 << 16;
  const chunks = [];
  let buf = '';
  for (const l of lines) {
    buf += l + '\n';
    if (buf.length >= CH) {
      chunks.push(buf);
      buf = '';
    }
  }
  if (buf) chunks.push(buf);

  // floor: split lines, parse, stringify, write (same chunking, same sink)
  let sinkBytes = 0;
  t = performance.now();
  {
    let pending = '';
    for (const chunk of chunks) {
      const text = pending + chunk;
      const cut = text.lastIndexOf('\n');
      pending = text.slice(cut + 1);
      const ls = text.slice(0, cut).split('\n');
      const out = new Array(ls.length);
      for (let i = 0; i < ls.length; i++) out[i] = JSON.stringify(JSON.parse(ls[i]));
      sinkBytes += (out.join('\n') + '\n').length;
    }
  }
  const floorMs = performance.now() - t;

  let outBytes = 0;
  const sink = new Writable({
    write(c, _e, cb) {
      outBytes += c.length;
      cb();
    },
  });
  t = performance.now();
  const summary = await scorePipe(scorer, Readable.from(chunks, { objectMode: false }), sink, { batchSize: 8192, metricsEvery: 0, progress: makeProgress({ quiet: true }) });
  const pipeMs = performance.now() - t;
  const floorRate = N / (floorMs / 1000);
  const pipeRate = N / (pipeMs / 1000);
  console.log(`floor (JSON.parse → JSON.stringify): ${fmt(floorMs)} ms, ${fmt(floorRate)} events/s (${fmt(sinkBytes)} bytes)`);
  console.log(`dictl NDJSON pipe (validate + score + write): ${fmt(pipeMs)} ms, ${fmt(pipeRate)} events/s, ${summary.eventsOut} scored, ${summary.deadLettered} dead-lettered, batch p50 ${summary.latencyMs.p50} ms p99 ${summary.latencyMs.p99} ms (${fmt(outBytes)} bytes)`);
  console.log(`ratio pipe: dictl is ${((100 * pipeRate) / floorRate).toFixed(1)}% of the floor (goal ≥ 50%), ${fmt(pipeRate)} events/s (goal ≥ 200,000)`);
  scorer.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

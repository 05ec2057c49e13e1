// Benchmark: dictl's histogram gradient boosting against xgboost (tree_method=hist, nthread=2) and
// scikit-learn HistGradientBoosting, in the same run on the same bytes.
//   node bench/gbdt.mjs                    (800,000 training rows × 30 features, 100 rounds, depth 6, lr 0.1)
//   BENCH_SCALE=0.1 node bench/gbdt.mjs    (a tenth of the rows, for a quick check)
// Data: seeded Gaussian features, a nonlinear signal (interactions, thresholds, a sine, |x|) on 12
// of them, labels drawn from the logistic of it. Holdout 200,000 rows. Batch scoring: the 1,000,000
// rows (training + holdout) through a scorer package of the model (its scorer: native trees, and
// model.onnx in onnxruntime) and in process (the engine's predict) against xgboost predict_proba. Also: loading a 300-tree model.json, and the fit's peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitGbdt, gbdtFromJSON, gbdtPredict, gbdtToJSON, validateGbdtParams } from '../dist/src/ml/gbdt/index.js';
import { rocAuc } from '../dist/src/ml/metrics.js';
import { makeRng } from '../dist/src/ml/rng.js';
import { gbdtFamily } from '../dist/src/ml/families/gbdt.js';
import { explainSpec } from '../dist/src/explain/spec.js';
import { buildPackageFiles, writePackage } from '../dist/src/scorer/package.js';
import { loadScorer } from '../dist/src/scorer/scorer.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const P = 30;
const N_TRAIN = Math.round(800_000 * SCALE);
const N_TEST = Math.round(200_000 * SCALE);
const ROUNDS = 100;
const DEPTH = 6;
const LR = 0.1;
const PY = '/usr/bin/python3';

function generate(n, seed) {
  const rng = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  const X = new Float64Array(n * P);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * P;
    for (let j = 0; j < P; j++) X[o + j] = gauss();
    const x = (j) => X[o + j];
    const z = 1.2 * Math.sin(1.5 * x(0)) + 0.8 * x(1) * x(2) + (x(3) > 0.5 ? 1 : -0.3) + 0.6 * Math.abs(x(4)) - 0.5 * x(5) * x(5) + 0.4 * x(6) + (x(7) > 0 && x(8) > 0 ? 0.9 : 0) + 0.3 * x(9) * x(10) - 0.4 * (x(11) < -1 ? 1 : 0);
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y };
}

function python(script, args) {
  const r = spawnSync(PY, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-gbdt-'));
const f2 = (x) => x.toFixed(2);
try {
  console.log(`bench/gbdt: scale ${SCALE}, ${N_TRAIN} training rows × ${P}, ${ROUNDS} rounds, depth ${DEPTH}, lr ${LR}; ${availableParallelism()} cores, load ${loadavg().map(f2).join(' ')}, node ${process.version}`);
  const tr = generate(N_TRAIN, 1);
  writeFileSync(join(dir, 'Xtr.bin'), Buffer.from(tr.X.buffer));
  writeFileSync(join(dir, 'ytr.bin'), Buffer.from(tr.y.buffer));

  // ── dictl fit
  const params = validateGbdtParams({ max_iter: ROUNDS, max_depth: DEPTH, max_leaf_nodes: null, learning_rate: LR, early_stopping: 'off' });
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  const model = await fitGbdt({ X: tr.X, y: tr.y, n: N_TRAIN, p: P, K: 2 }, params, { seed: 0, threads: 2 });
  const ourFit = (performance.now() - t) / 1000;
  const cpuD = process.cpuUsage(cpu0); // every thread of the process (the histogram worker included)
  const fitCpu = (cpuD.user + cpuD.system) / 1e6;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const matrixMb = tr.X.byteLength / 1048576;

  const te = generate(N_TEST, 2);
  writeFileSync(join(dir, 'Xte.bin'), Buffer.from(te.X.buffer));
  writeFileSync(join(dir, 'yte.bin'), Buffer.from(te.y.buffer));
  const ourAuc = rocAuc(te.y, gbdtPredict(model, te.X, N_TEST, P));
  const cpuFit = fitCpu;

  // ── peers (after our fit: they do not compete for the cores)
  const py = python(
    `import sys,time,json,numpy as np
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
P=${P}
Xtr=np.fromfile(sys.argv[1]).reshape(-1,P); ytr=np.fromfile(sys.argv[2]); Xte=np.fromfile(sys.argv[3]).reshape(-1,P); yte=np.fromfile(sys.argv[4])
c=time.process_time(); t=time.perf_counter(); m=xgb.XGBClassifier(tree_method='hist',n_estimators=${ROUNDS},max_depth=${DEPTH},learning_rate=${LR},nthread=2,random_state=0).fit(Xtr,ytr); xf=time.perf_counter()-t; xc=time.process_time()-c
xa=roc_auc_score(yte,m.predict_proba(Xte)[:,1])
Xall=np.vstack([Xtr,Xte]).astype(np.float32)
m.predict_proba(Xall[:1000])
c=time.process_time(); t=time.perf_counter(); m.predict_proba(Xall); xs=time.perf_counter()-t; xsc=time.process_time()-c
c=time.process_time(); t=time.perf_counter(); h=HistGradientBoostingClassifier(max_iter=${ROUNDS},max_depth=${DEPTH},max_leaf_nodes=None,learning_rate=${LR},early_stopping=False,random_state=0).fit(Xtr,ytr); hf=time.perf_counter()-t; hc=time.process_time()-c
ha=roc_auc_score(yte,h.predict_proba(Xte)[:,1])
print(json.dumps({"xgb_fit":xf,"xgb_fit_cpu":xc,"xgb_score_cpu":xsc,"hgb_fit_cpu":hc,"xgb_auc":xa,"xgb_score":xs,"hgb_fit":hf,"hgb_auc":ha,"rows":int(Xall.shape[0])}))`,
    [join(dir, 'Xtr.bin'), join(dir, 'ytr.bin'), join(dir, 'Xte.bin'), join(dir, 'yte.bin')],
  );
  console.log(`fit: dictl ${ourFit.toFixed(2)} s (CPU ${cpuFit.toFixed(2)} s, AUC ${ourAuc.toFixed(4)}), xgboost hist nthread=2 ${py.xgb_fit.toFixed(2)} s (CPU ${py.xgb_fit_cpu.toFixed(2)} s, AUC ${py.xgb_auc.toFixed(4)}), sklearn HGB ${py.hgb_fit.toFixed(2)} s (CPU ${py.hgb_fit_cpu.toFixed(2)} s, AUC ${py.hgb_auc.toFixed(4)})`);
  console.log(`fit AUC dictl − xgboost = ${(ourAuc - py.xgb_auc).toFixed(4)} (goal ≥ −0.002)`);
  console.log(`fit peak RSS ${peakMb.toFixed(0)} MB (RSS before the fit ${(rssBefore / 1048576).toFixed(0)} MB, of which the training matrix ${matrixMb.toFixed(0)} MB; the fit added ${(peakMb - rssBefore / 1048576).toFixed(0)} MB; goal: peak < 2 × matrix = ${(2 * matrixMb).toFixed(0)} MB)`);
  console.log(`ratio fit dictl/xgboost: wall ${f2(ourFit / py.xgb_fit)}x (goal ≤ 1.0), CPU ${f2(cpuFit / py.xgb_fit_cpu)}x; dictl/sklearn HGB: wall ${f2(ourFit / py.hgb_fit)}x, CPU ${f2(cpuFit / py.hgb_fit_cpu)}x`);

  // ── batch scoring of every row through a scorer package built from the model (30 numeric inputs
  // passed raw, explain.json, model.onnx): the package's own scorer (loadScorer → scoreColumns, as
  // `dictl score` runs it, batches of the CLI's default 4096 rows) on its own per-column inputs,
  // natively (the trees walked over 2 worker threads) and through model.onnx alone (onnxruntime, 2
  // intra-op threads); and the engine's one-thread walker on the [N, P] matrix
  const names = Array.from({ length: P }, (_, j) => `x${j}`);
  for (const t of model.trees) for (let i = 0; i < t.value.length; i++) t.value[i] = Math.fround(t.value[i]); // as the family stores them
  const record = {
    kind: 'model', name: 'bench', version: 1, algorithm: 'gbdt', task: 'binary',
    label: { column: 'y', task: 'binary', positive: '1', classes: ['0', '1'] }, featureNames: names, threshold: 0.5,
    params: {}, convergence: { solver: 'gbdt-hist', iterations: model.nIter, converged: true, gradNorm: 0, warnings: [] }, trainMetrics: {}, seed: 0,
    pipeline: { inputs: names.map((name) => ({ name, type: 'number', nullable: true })), derived: [], features: names.map((name) => ({ kind: 'numeric', name, input: name, steps: [] })), outputNames: names },
    trees: { categorical: [], model: gbdtToJSON(model) },
    lineage: { dataset: 'bench@1', datasetSha256: '', featureSet: { name: 'bench', version: 1, hash: '' }, holdout: '', allowUnconsented: false, dictlVersion: '0', node: process.version },
  };
  const pkgDir = join(dir, 'pkg');
  writePackage(buildPackageFiles(record, { explain: explainSpec(record, await gbdtFamily.explainPart(record, async () => new Float64Array(0))) }), pkgDir, false);
  const nAll = N_TRAIN + N_TEST;
  const cols = {};
  names.forEach((name, j) => {
    const c = new Float64Array(nAll);
    for (let i = 0; i < N_TRAIN; i++) c[i] = tr.X[i * P + j];
    for (let i = 0; i < N_TEST; i++) c[N_TRAIN + i] = te.X[i * P + j];
    cols[name] = c;
  });
  const BATCH = 4096;
  const timeScorer = async (native) => {
    const s = await loadScorer(pkgDir, { native, threads: 2, batchSize: BATCH });
    try {
      const warm = {};
      for (const k of names) warm[k] = cols[k].subarray(0, 4096);
      await s.scoreColumns(warm, 4096); // the first batch (and the native scorer's check against model.onnx) before the clock
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await s.scoreColumns(cols, nAll);
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      return { wall, cpu: (c.user + c.system) / 1e6, score: r.score };
    } finally {
      s.close();
    }
  };
  const nat = await timeScorer(true);
  const onnx = await timeScorer(false);
  let sc0 = process.cpuUsage();
  const inproc0 = performance.now();
  const Xall = new Float64Array(nAll * P);
  Xall.set(tr.X);
  Xall.set(te.X, N_TRAIN * P);
  const jsP = gbdtPredict(model, Xall, nAll, P);
  const inproc = (performance.now() - inproc0) / 1000;
  const scD = process.cpuUsage(sc0);
  const inprocCpu = (scD.user + scD.system) / 1e6;
  let dNat = 0;
  let dOnnx = 0;
  for (let i = 0; i < nAll; i++) {
    dNat = Math.max(dNat, Math.abs(nat.score[i] - jsP[i]));
    dOnnx = Math.max(dOnnx, Math.abs(onnx.score[i] - jsP[i]));
  }
  console.log(`score ${nAll} rows through the package (batches of ${BATCH}): native trees, 2 threads ${nat.wall.toFixed(2)} s (CPU ${nat.cpu.toFixed(2)} s), model.onnx in onnxruntime ${onnx.wall.toFixed(2)} s (CPU ${onnx.cpu.toFixed(2)} s); in process, one thread, on the matrix ${inproc.toFixed(2)} s (CPU ${inprocCpu.toFixed(2)} s); xgboost predict_proba nthread=2 ${py.xgb_score.toFixed(2)} s (CPU ${py.xgb_score_cpu.toFixed(2)} s); max |Δp| vs in process: native ${dNat.toExponential(1)}, onnxruntime ${dOnnx.toExponential(1)}`);
  console.log(`ratio score package(native)/xgboost: wall ${f2(nat.wall / py.xgb_score)}x (goal < 1.0), CPU ${f2(nat.cpu / py.xgb_score_cpu)}x; package(onnxruntime)/xgboost: wall ${f2(onnx.wall / py.xgb_score)}x, CPU ${f2(onnx.cpu / py.xgb_score_cpu)}x; in process/xgboost: wall ${f2(inproc / py.xgb_score)}x, CPU ${f2(inprocCpu / py.xgb_score_cpu)}x`);

  // ── loading a 300-tree model.json
  const n3 = Math.min(N_TRAIN, 100_000);
  const m300 = await fitGbdt({ X: tr.X.subarray(0, n3 * P), y: tr.y.subarray(0, n3), n: n3, p: P, K: 2 }, validateGbdtParams({ max_iter: 300, early_stopping: 'off' }), { seed: 0 });
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(gbdtToJSON(m300)));
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    t = performance.now();
    gbdtFromJSON(JSON.parse(readFileSync(path, 'utf8')));
    best = Math.min(best, performance.now() - t);
  }
  console.log(`load a ${m300.trees.length}-tree model.json (${(readFileSync(path).length / 1048576).toFixed(1)} MB): ${best.toFixed(0)} ms, best of 5 (goal < 100 ms)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

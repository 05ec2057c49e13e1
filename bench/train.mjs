// Benchmark: dictl's logistic regression fit and CV search vs scikit-learn in the same run.
//   node bench/train.mjs            (1,000,000 × 30 fit; 200,000 × 30, 5 folds × 6 C values search)
//   BENCH_SCALE=0.1 node bench/train.mjs   (a tenth of the rows, for a quick check)
// Data: seeded Gaussian features, known coefficients, labels drawn from the logistic model, in shared
// memory as dictl loads training matrices. Both sides get identical bytes (a Float64 file). Peer: /usr/bin/python3 sklearn LogisticRegression(lbfgs) and
// GridSearchCV(n_jobs=2, StratifiedKFold(5)); same C, tol 1e-4, max_iter 1000 on both sides.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitLogistic } from '../dist/src/ml/logistic.js';
import { rocAuc } from '../dist/src/ml/metrics.js';
import { predict } from '../dist/src/ml/predict.js';
import { makeRng } from '../dist/src/ml/splits.js';
import { crossValidate } from '../dist/src/ml/tune.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const P = 30;
const N_FIT = Math.round(1_000_000 * SCALE);
const N_TUNE = Math.round(200_000 * SCALE);
const CS = [0.001, 0.01, 0.1, 1, 10, 100];
const PY = '/usr/bin/python3';

function generate(n, p, seed) {
  const rng = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  const w = Array.from({ length: p }, (_, j) => (j % 5 === 0 ? 0 : ((j % 7) - 3) * 0.15));
  // shared memory, as dictl's own loader (loadMatrix) allocates training matrices: the solver threads
  // read it in place
  const X = new Float64Array(new SharedArrayBuffer(8 * n * p));
  const y = new Float64Array(new SharedArrayBuffer(8 * n));
  for (let i = 0; i < n; i++) {
    let z = -0.8;
    for (let j = 0; j < p; j++) {
      const v = gauss();
      X[i * p + j] = v;
      z += v * w[j];
    }
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, n, p, w };
}

function python(script, args) {
  const r = spawnSync(PY, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-train-'));
const ratio = (a, b) => (a / b).toFixed(2);
try {
  console.log(`bench/train: scale ${SCALE}, ${availableParallelism()} cores, node ${process.version}`);

  // ── 1. single fit, N_FIT × 30 ──
  const d = generate(N_FIT, P, 1);
  writeFileSync(join(dir, 'X.bin'), Buffer.from(d.X.buffer));
  writeFileSync(join(dir, 'y.bin'), Buffer.from(d.y.buffer));
  const rssBefore = process.memoryUsage().rss;
  let cpu0 = process.cpuUsage();
  let t = performance.now();
  const fit = fitLogistic(d.X, d.n, d.p, d.y, 2, { penalty: 'l2', C: 1, tol: 1e-4, maxIter: 1000 });
  const ourFit = (performance.now() - t) / 1000;
  const cpuSeconds = (c) => (c.user + c.system) / 1e6;
  const ourFitCpu = cpuSeconds(process.cpuUsage(cpu0));
  const ourAuc = rocAuc(d.y, predict({ task: 'binary', coef: fit.coef, intercept: fit.intercept }, d.X, d.n, d.p));
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const sk = python(
    `import sys,time,json,numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
X=np.fromfile(sys.argv[1]).reshape(-1,${P}); y=np.fromfile(sys.argv[2])
c=time.process_time(); t=time.perf_counter(); m=LogisticRegression(C=1.0,tol=1e-4,max_iter=1000,solver='lbfgs').fit(X,y); s=time.perf_counter()-t; c=time.process_time()-c
print(json.dumps({"fit":s,"cpu":c,"auc":roc_auc_score(y,m.predict_proba(X)[:,1]),"iter":int(m.n_iter_[0])}))`,
    [join(dir, 'X.bin'), join(dir, 'y.bin')],
  );
  console.log(`fit ${N_FIT}×${P}: dictl ${ourFit.toFixed(3)} s (${fit.solver}, ${fit.iterations} it, AUC ${ourAuc.toFixed(6)}), sklearn lbfgs ${sk.fit.toFixed(3)} s (${sk.iter} it, AUC ${sk.auc.toFixed(6)})`);
  console.log(`fit |ΔAUC| = ${Math.abs(ourAuc - sk.auc).toExponential(2)} (goal ≤ 0.001)`);
  console.log(`fit peak RSS: ${maxRssMb.toFixed(0)} MB (data ${((d.X.byteLength + d.y.byteLength) / 1048576).toFixed(0)} MB; rss before fit ${(rssBefore / 1048576).toFixed(0)} MB; goal < 1024 MB)`);
  console.log(`fit CPU seconds (all threads): dictl ${ourFitCpu.toFixed(3)}, sklearn ${sk.cpu.toFixed(3)}`);
  console.log(`ratio fit dictl/sklearn: ${ratio(ourFit, sk.fit)}x (goal ≤ 1.0)`);

  // ── 2. 5-fold × 6 C search + refit, N_TUNE × 30 ──
  const e = { X: d.X.subarray(0, N_TUNE * P), y: d.y.subarray(0, N_TUNE), n: N_TUNE, p: P };
  writeFileSync(join(dir, 'Xt.bin'), Buffer.from(e.X.buffer, e.X.byteOffset, e.X.byteLength));
  writeFileSync(join(dir, 'yt.bin'), Buffer.from(e.y.buffer, e.y.byteOffset, e.y.byteLength));
  const base = { task: 'binary', K: 2, classWeight: null, threshold: 0.5, tol: 1e-4, maxIter: 1000 };
  cpu0 = process.cpuUsage();
  t = performance.now();
  const cv = await crossValidate(e.X, e.y, e.n, e.p, base, CS.map((C) => ({ C, penalty: 'l2' })), { folds: 5, seed: 42, metric: 'auc', workers: 2, onTick: (k, tot) => process.env.BENCH_DEBUG && console.error(`cv fit ${k}/${tot}`) });
  const best = cv.cv.best;
  fitLogistic(e.X, e.n, e.p, e.y, 2, { penalty: 'l2', C: best.C, tol: 1e-4, maxIter: 1000 });
  const ourTune = (performance.now() - t) / 1000;
  const ourTuneCpu = cpuSeconds(process.cpuUsage(cpu0));
  const skt = python(
    `import sys,time,json,numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
X=np.fromfile(sys.argv[1]).reshape(-1,${P}); y=np.fromfile(sys.argv[2])
c=time.process_time(); t=time.perf_counter()
g=GridSearchCV(LogisticRegression(tol=1e-4,max_iter=1000),{"C":${JSON.stringify(CS)}},cv=StratifiedKFold(5,shuffle=True,random_state=42),scoring="roc_auc",n_jobs=2).fit(X,y)
s=time.perf_counter()-t; c=time.process_time()-c
print(json.dumps({"tune":s,"cpu":c,"best":g.best_params_["C"],"score":g.best_score_}))`,
    [join(dir, 'Xt.bin'), join(dir, 'yt.bin')],
  );
  console.log(`tune ${N_TUNE}×${P}, 5 folds × ${CS.length} C + refit: dictl ${ourTune.toFixed(3)} s (2 workers; best C=${best.C}, CV AUC ${cv.cv.trials[cv.bestIndex].mean.toFixed(6)}), sklearn GridSearchCV(n_jobs=2) ${skt.tune.toFixed(3)} s (best C=${skt.best}, CV AUC ${skt.score.toFixed(6)})`);
  console.log(`tune CPU seconds: dictl ${ourTuneCpu.toFixed(2)} (all threads); sklearn's parent process ${skt.cpu.toFixed(2)} (its n_jobs workers are other processes, not counted)`);
  console.log(`ratio tune dictl/sklearn: ${ratio(ourTune, skt.tune)}x (goal ≤ 1.0)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

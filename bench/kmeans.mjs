// Benchmark: dictl's k-means fit vs scikit-learn KMeans(algorithm='lloyd') in the same run.
//   node bench/kmeans.mjs                 (1,000,000 × 30, k = 8, n_init = 3)
//   BENCH_SCALE=0.1 node bench/kmeans.mjs (a tenth of the rows, for a quick check)
// Data: a seeded mixture of 8 Gaussian clusters in 30 dimensions (centres ~ N(0, 1), noise N(0, 1):
// the clusters overlap, so Lloyd needs tens of iterations). Both sides read identical bytes (a
// Float64 file) and use k-means++, n_init = 3, tol 1e-4, max_iter 300; both may use every core.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitKMeans } from '../dist/src/ml/kmeans/fit.js';
import { makeRng } from '../dist/src/ml/rng.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.round(1_000_000 * SCALE);
const P = 30;
const K = 8;
const N_INIT = 3;
const PY = '/usr/bin/python3';

function generate(n, p, k, seed) {
  const rng = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  const C = Array.from({ length: k * p }, gauss);
  const X = new Float64Array(new SharedArrayBuffer(n * p * 8));
  for (let i = 0; i < n; i++) {
    const c = rng.int(k);
    for (let j = 0; j < p; j++) X[i * p + j] = C[c * p + j] + gauss();
  }
  return X;
}

const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-kmeans-'));
try {
  console.log(`bench/kmeans: ${N}×${P}, k=${K}, n_init=${N_INIT}, ${availableParallelism()} cores, node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const X = generate(N, P, K, 1);
  writeFileSync(join(dir, 'X.bin'), Buffer.from(X.buffer));
  let t = performance.now();
  const cpu0 = process.cpuUsage();
  const fit = await fitKMeans(X, N, P, { k: K, nInit: N_INIT, seed: 0, tol: 1e-4, maxIter: 300 });
  const ours = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const oursCpu = (cpu.user + cpu.system) / 1e6;
  const sk = spawnSync(
    PY,
    [
      '-c',
      `import sys, time, json, numpy as np
from sklearn.cluster import KMeans
X = np.fromfile(sys.argv[1]).reshape(-1, ${P})
t = time.perf_counter(); c = time.process_time(); m = KMeans(${K}, n_init=${N_INIT}, init='k-means++', algorithm='lloyd', tol=1e-4, max_iter=300, random_state=0).fit(X); s = time.perf_counter() - t; c = time.process_time() - c
print(json.dumps({"fit": s, "cpu": c, "inertia": m.inertia_, "iter": int(m.n_iter_)}))`,
      join(dir, 'X.bin'),
    ],
    { encoding: 'utf8' },
  );
  if (sk.status !== 0) throw new Error(`python failed: ${sk.stderr}`);
  const r = JSON.parse(sk.stdout.trim().split('\n').pop());
  console.log(`dictl ${ours.toFixed(3)} s, ${oursCpu.toFixed(2)} CPU-s (${fit.threads} threads; iterations per restart ${fit.runs.map((x) => x.iterations).join(', ')}; inertia ${fit.inertia.toFixed(1)})`);
  console.log(`sklearn lloyd ${r.fit.toFixed(3)} s, ${r.cpu.toFixed(2)} CPU-s (best restart ${r.iter} iterations; inertia ${r.inertia.toFixed(1)})`);
  console.log(`inertia dictl/sklearn: ${(fit.inertia / r.inertia).toFixed(5)} (goal ≤ 1.01)`);
  console.log(`ratio fit dictl/sklearn: ${(ours / r.fit).toFixed(2)}x wall, ${(oursCpu / r.cpu).toFixed(2)}x CPU (goal ≤ 1.0); load after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

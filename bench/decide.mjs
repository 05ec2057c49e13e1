// Decision benchmarks: cost-optimal threshold search, policy application and drift statistics on
// N synthetic scores (default 1,000,000; BENCH_SCALE=0.1 for a quick look), each against a numpy/scipy
// peer measured in the same run on the same data (/usr/bin/python3), with equal results checked.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optimizeThresholds } from '../dist/src/decide/optimize.js';
import { makeDecider } from '../dist/src/decide/runtime.js';
import { seededRng } from '../dist/src/util/random.js';
import { numericProfile, compareColumn, DEFAULT_LIMITS } from '../dist/src/monitor/drift.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.max(1000, Math.round(1_000_000 * scale));
const rng = seededRng(20261124);
const scores = new Float64Array(N);
const labels = new Uint8Array(N);
for (let i = 0; i < N; i++) {
  // skewed scores with 4-decimal ties, like a calibrated churn model
  const s = Math.round(Math.pow(rng(), 2.5) * 10000) / 10000;
  scores[i] = s;
  labels[i] = rng() < s ? 1 : 0;
}
const costs = { fp: 1, fn: 5, review: 0.3 };
const time = (fn) => {
  const t = process.hrtime.bigint();
  const r = fn();
  return { r, ms: Number(process.hrtime.bigint() - t) / 1e6 };
};

console.log(`N = ${N} scores (${new Set(scores).size} distinct), costs fp=1 fn=5 review=0.3`);

// 1. optimize (exhaustive over cut pairs); capacity 1 is comparable with the vectorised numpy peer
const o1 = time(() => optimizeThresholds(scores, labels, costs, 1));
const o2 = time(() => optimizeThresholds(scores, labels, costs, 0.1));
console.log(`optimize (capacity 1):   ${o1.ms.toFixed(1)} ms, cost ${o1.r.best.cost.toFixed(6)}, review share ${(o1.r.best.reviewShare * 100).toFixed(1)}%`);
console.log(`optimize (capacity 0.1): ${o2.ms.toFixed(1)} ms, cost ${o2.r.best.cost.toFixed(6)}`);

// 2. policy application: decisions per second (no queue I/O)
const policy = { kind: 'decision-policy', model: 'b', version: 1, owner: 'a@b.io', autonomy: 'human-in-the-loop', actAbove: 0.8, review: [0.4, 0.8], actions: { high: 'block', review: 'review', low: 'allow' }, sampleRate: 0.02, source: 'set' };
const rows = new Array(N).fill(null).map(() => ({}));
const d = makeDecider(policy, { modelName: 'b', modelVersion: 1, threshold: 0.5, source: 'bench', now: () => 't' });
const p1 = time(() => d.decide(rows, scores));
console.log(`apply policy (review band 0.4-0.8 + 2% audit; builds a hashed review case for each): ${p1.ms.toFixed(1)} ms, ${Math.round(N / (p1.ms / 1000))} decisions/s, ${d.stats().review} to review`);
const dAuto = makeDecider({ ...policy, autonomy: 'autonomous', sampleRate: 0 }, { modelName: 'b', modelVersion: 1, threshold: 0.5, source: 'bench', now: () => 't' });
const p0 = time(() => dAuto.decide(rows, scores));
console.log(`apply policy (autonomous, no review cases): ${p0.ms.toFixed(1)} ms, ${Math.round(N / (p0.ms / 1000))} decisions/s`);

// 3. drift: profile of N training values vs N/2 live values (PSI + KS)
const train = Array.from(scores);
const live = Array.from(scores.subarray(0, N >> 1), (x) => x * 1.05);
const prof = time(() => numericProfile('s', train));
const cmp = time(() => compareColumn(prof.r, live, DEFAULT_LIMITS));
console.log(`drift: profile ${prof.ms.toFixed(1)} ms, compare ${cmp.ms.toFixed(1)} ms (PSI ${cmp.r.psi}, KS ${cmp.r.ks})`);

// peers
const tmp = mkdtempSync(join(tmpdir(), 'dictl-bench-decide-'));
writeFileSync(join(tmp, 's.f64'), Buffer.from(scores.buffer));
writeFileSync(join(tmp, 'y.u8'), Buffer.from(labels.buffer));
const py = `
import numpy as np, time, json, sys
from scipy import stats
d=sys.argv[1]
s=np.fromfile(d+'/s.f64',dtype=np.float64); y=np.fromfile(d+'/y.u8',dtype=np.uint8).astype(np.float64)
fp,fn,rv=1.0,5.0,0.3
t=time.perf_counter()
o=np.argsort(s,kind='stable'); ss=s[o]; yy=y[o]
u,start=np.unique(ss,return_index=True)
P=np.concatenate([[0],np.cumsum(yy)])[np.append(start,len(ss))]
C=np.append(start,len(ss)).astype(np.float64)
N_=C-P; NT=N_[-1]
f=fn*P-rv*C
fmin=np.minimum.accumulate(f)
tot=fmin+rv*C+fp*(NT-N_)
best=tot.min()/len(s)
t_opt=(time.perf_counter()-t)*1000
t=time.perf_counter()
band=np.where(s>=0.8,2,np.where(s>=0.4,1,0)); samp=np.random.default_rng(0).random(len(s))<0.02
rev=int(((band==1)|((band!=1)&samp)).sum())
t_pol=(time.perf_counter()-t)*1000
train=s; live=s[:len(s)//2]*1.05
t=time.perf_counter()
edges=np.unique(np.quantile(train,np.arange(1,10)/10)); edges=edges[edges>train.min()]
e=np.bincount(np.searchsorted(edges,train,side='right'),minlength=len(edges)+1)/len(train)
a=np.bincount(np.searchsorted(edges,live,side='right'),minlength=len(edges)+1)/len(live)
e=np.maximum(e,1e-4); a=np.maximum(a,1e-4); psi=float(((a-e)*np.log(a/e)).sum())
ks=stats.ks_2samp(train,live).statistic
t_drift=(time.perf_counter()-t)*1000
print(json.dumps(dict(t_opt=t_opt,best=best,t_pol=t_pol,rev=rev,t_drift=t_drift,psi=psi,ks=ks)))
`;
const r = spawnSync('/usr/bin/python3', ['-c', py, tmp], { encoding: 'utf8' });
rmSync(tmp, { recursive: true, force: true });
if (r.status !== 0) {
  console.log(`peer (numpy/scipy) failed: ${r.stderr.trim().split('\n').pop()}`);
  process.exit(0);
}
const peer = JSON.parse(r.stdout);
console.log(`peer numpy optimize (capacity 1, vectorised prefix-min): ${peer.t_opt.toFixed(1)} ms, cost ${peer.best.toFixed(6)} (dictl ${Math.abs(peer.best - o1.r.best.cost) < 1e-9 ? 'equal' : 'DIFFERENT'})`);
console.log(`peer numpy policy bands: ${peer.t_pol.toFixed(1)} ms, ${Math.round(N / (peer.t_pol / 1000))} decisions/s`);
console.log(`peer numpy/scipy drift (PSI + ks_2samp on all values): ${peer.t_drift.toFixed(1)} ms (PSI ${peer.psi.toFixed(6)}, KS ${peer.ks.toFixed(6)})`);
console.log(`ratio optimize dictl/numpy: ${(o1.ms / peer.t_opt).toFixed(2)}x`);
console.log(`ratio apply-policy dictl/numpy: ${(p1.ms / peer.t_pol).toFixed(2)}x (autonomous, no review cases: ${(p0.ms / peer.t_pol).toFixed(2)}x)`);
console.log(`ratio drift dictl (profile+compare)/scipy: ${((prof.ms + cmp.ms) / peer.t_drift).toFixed(2)}x`);

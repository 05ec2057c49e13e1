// Evaluation benchmark: the full binary evaluation table (AUC, AP, log loss, Brier, accuracy/P/R/F1,
// confusion, 10-bin calibration, lift by decile, ROC and PR points) on N synthetic holdout scores
// (default 1,000,000; BENCH_SCALE=0.1 for a quick look), against scikit-learn computing the same
// metrics (roc_auc_score, average_precision_score, log_loss, brier_score_loss, accuracy/precision/
// recall/f1, confusion_matrix, calibration_curve, roc_curve, precision_recall_curve) on the same data
// in the same run (/usr/bin/python3). The results are checked equal before the ratio is printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreTables } from '../dist/src/eval/score.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.max(1000, Math.round(1_000_000 * scale));

// mulberry32: reproducible synthetic scores, 4-decimal ties like a real model's output
let seed = 20261124;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const p = new Float64Array(N);
const y = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const s = Math.round(Math.min(0.9999, Math.max(0.0001, Math.pow(rand(), 2))) * 10000) / 10000;
  p[i] = s;
  y[i] = rand() < s ? 1 : 0;
}

const runs = [];
let tables;
for (let r = 0; r < 3; r++) {
  const t0 = process.hrtime.bigint();
  tables = scoreTables('binary', y, p, { threshold: 0.5 });
  runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const ms = Math.min(...runs);
console.log(`N = ${N} holdout rows (${new Set(p).size} distinct scores, ${tables.positives} positive)`);
console.log(`dictl scoreTables (metrics + confusion + calibration + lift + ROC/PR points): ${ms.toFixed(1)} ms (best of 3), ${Math.round(N / (ms / 1000))} rows/s`);
console.log(`  auc ${tables.metrics.auc.toFixed(6)}  ap ${tables.metrics.pr_auc.toFixed(6)}  logloss ${tables.metrics.logloss.toFixed(6)}  brier ${tables.metrics.brier.toFixed(6)}  f1 ${tables.metrics.f1.toFixed(6)}`);

const tmp = mkdtempSync(join(tmpdir(), 'dictl-bench-eval-'));
writeFileSync(join(tmp, 'p.f64'), Buffer.from(p.buffer));
writeFileSync(join(tmp, 'y.f64'), Buffer.from(y.buffer));
const py = `
import json, sys, time, numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, log_loss, brier_score_loss, accuracy_score, precision_score, recall_score, f1_score, confusion_matrix, roc_curve, precision_recall_curve
from sklearn.calibration import calibration_curve
d = sys.argv[1]
p = np.fromfile(d + '/p.f64'); y = np.fromfile(d + '/y.f64')
best = None
for _ in range(3):
    t = time.perf_counter()
    yhat = (p >= 0.5).astype(int)
    out = dict(auc=roc_auc_score(y, p), ap=average_precision_score(y, p), logloss=log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)), brier=brier_score_loss(y, p),
               accuracy=accuracy_score(y, yhat), precision=precision_score(y, yhat), recall=recall_score(y, yhat), f1=f1_score(y, yhat))
    tn, fp, fn, tp = confusion_matrix(y, yhat).ravel()
    out.update(tp=int(tp), fp=int(fp), tn=int(tn), fn=int(fn))
    calibration_curve(y, p, n_bins=10, strategy='uniform')
    order = np.argsort(-p, kind='mergesort'); cum = np.cumsum(y[order])
    bounds = [int(np.floor(k * len(p) / 10)) for k in range(11)]
    out['cumgain'] = [float(cum[b - 1] / cum[-1]) for b in bounds[1:]]
    roc_curve(y, p); precision_recall_curve(y, p)
    el = (time.perf_counter() - t) * 1000
    best = el if best is None else min(best, el)
out['ms'] = best
print(json.dumps(out))
`;
const r = spawnSync('/usr/bin/python3', ['-c', py, tmp], { encoding: 'utf8', maxBuffer: 1 << 26 });
rmSync(tmp, { recursive: true, force: true });
if (r.status !== 0) {
  console.log(`scikit-learn peer unavailable: ${r.stderr.split('\n').slice(-2).join(' ')}`);
  process.exit(0);
}
const sk = JSON.parse(r.stdout);
const close = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const m = tables.metrics;
const c = tables.confusion;
const same =
  close(m.auc, sk.auc) && close(m.pr_auc, sk.ap) && close(m.logloss, sk.logloss) && close(m.brier, sk.brier) && close(m.accuracy, sk.accuracy) &&
  close(m.precision, sk.precision) && close(m.recall, sk.recall) && close(m.f1, sk.f1) &&
  c.tp === sk.tp && c.fp === sk.fp && c.tn === sk.tn && c.fn === sk.fn &&
  tables.lift.every((row, k) => close(row.cumGain, sk.cumgain[k]));
console.log(`scikit-learn 1.2 (same metrics, confusion, calibration_curve, gains, roc_curve, precision_recall_curve): ${sk.ms.toFixed(1)} ms (best of 3)`);
console.log(`results equal (1e-9): ${same ? 'yes' : 'NO'}`);
console.log(`ratio: dictl / scikit-learn = ${(ms / sk.ms).toFixed(2)} (lower is faster)`);
process.exit(same ? 0 : 1);

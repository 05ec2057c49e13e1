/**
 * Parity of the boosting engine with its defaults against the peers: holdout AUC on the four shared
 * sets (reference split, figures from ../shared/reference/gbdt_reference.json) within 0.005 of the
 * better of scikit-learn HGB and xgboost; accuracy on wine and digits within 0.005 and RMSE on
 * diabetes within 2% of scikit-learn HGB fitted live on the same split.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fitGbdt, gbdtPredict, validateGbdtParams } from '../../../src/ml/gbdt/index.js';
import { rocAuc } from '../../../src/ml/metrics.js';
import { loadRefSet, REFERENCE } from '../../helpers/gbdt-data.js';
import { pythonJson } from '../../helpers/python.js';

describe('gbdt defaults reach the reference AUC on the shared sets', () => {
  for (const name of ['churn', 'credit', 'breast_cancer', 'pima']) {
    test(name, async () => {
      const s = loadRefSet(name);
      const m = await fitGbdt({ X: s.Xtr, y: s.ytr, n: s.ntr, p: s.p, K: 2, categorical: s.categorical }, validateGbdtParams({}), { seed: 0 });
      const auc = rocAuc(s.yte, gbdtPredict(m, s.Xte, s.nte, s.p));
      const r = REFERENCE.results[name];
      const best = Math.max(r.sklearn_hgb.auc, r.xgboost_hist.auc);
      console.log(`${name}: AUC ${auc.toFixed(4)} (sklearn HGB ${r.sklearn_hgb.auc.toFixed(4)}, xgboost ${r.xgboost_hist.auc.toFixed(4)}; ${m.nIter} rounds)`);
      expect(auc).toBeGreaterThanOrEqual(best - 0.005);
    });
  }
});

function sk(name: string) {
  const o = pythonJson([join(__dirname, 'gbdt-sk.py'), name], { threads: 1 }) as { p: number; K: number; Xtr: number[]; ytr: number[]; Xte: number[]; yte: number[]; hgb: number };
  return { ...o, Xtr: Float64Array.from(o.Xtr), ytr: Float64Array.from(o.ytr), Xte: Float64Array.from(o.Xte), yte: Float64Array.from(o.yte), ntr: o.ytr.length, nte: o.yte.length };
}

describe('gbdt defaults against scikit-learn HGB fitted live', () => {
  for (const name of ['wine', 'digits']) {
    test(`${name}: accuracy within 0.005`, async () => {
      const d = sk(name);
      const m = await fitGbdt({ X: d.Xtr, y: d.ytr, n: d.ntr, p: d.p, K: d.K }, validateGbdtParams({}), { seed: 0 });
      const P = gbdtPredict(m, d.Xte, d.nte, d.p);
      let hit = 0;
      for (let i = 0; i < d.nte; i++) {
        let best = 0;
        for (let k = 1; k < d.K; k++) if (P[i * d.K + k] > P[i * d.K + best]) best = k;
        if (best === d.yte[i]) hit++;
      }
      const acc = hit / d.nte;
      console.log(`${name}: accuracy ${acc.toFixed(4)}, sklearn HGB ${d.hgb.toFixed(4)} (${d.nte} test rows)`);
      expect(acc).toBeGreaterThanOrEqual(d.hgb - 0.005);
    });
  }
  test('diabetes: RMSE within 2%', async () => {
    const d = sk('diabetes');
    const m = await fitGbdt({ X: d.Xtr, y: d.ytr, n: d.ntr, p: d.p, K: 1 }, validateGbdtParams({ loss: 'squared_error' }), { seed: 0 });
    const pr = gbdtPredict(m, d.Xte, d.nte, d.p);
    let s = 0;
    for (let i = 0; i < d.nte; i++) s += (pr[i] - d.yte[i]) ** 2;
    const rmse = Math.sqrt(s / d.nte);
    console.log(`diabetes: RMSE ${rmse.toFixed(3)}, sklearn HGB ${d.hgb.toFixed(3)}`);
    expect(rmse).toBeLessThanOrEqual(d.hgb * 1.02);
  });
});

/**
 * Parity with scikit-learn on the four shared data sets, using the reference split
 * (/work/shared/reference/splits) and the reference preprocessing (median impute + standardise
 * numbers, most-frequent impute + one-hot strings), done here in a few lines of test code.
 */
import { describe, expect, it } from 'vitest';
import { fitLogistic, newtonLogistic } from '../../../src/ml/logistic.js';
import { logLoss, rocAuc } from '../../../src/ml/metrics.js';
import { predict } from '../../../src/ml/predict.js';

import { prepare, REF } from '../../helpers/ml-data.js';

describe('C=1 L2 holdout figures match sklearn_logreg.json', () => {
  for (const name of ['churn', 'credit', 'breast_cancer', 'pima']) {
    it(name, () => {
      const d = prepare(name);
      expect(d.ntr).toBe(REF[name].n_train);
      expect(d.p).toBe(REF[name].n_model_features);
      const fit = fitLogistic(d.Xtr, d.ntr, d.p, d.ytr, 2, { penalty: 'l2', C: 1, tol: 1e-4, maxIter: 1000 });
      expect(fit.converged).toBe(true);
      const pr = predict({ task: 'binary', coef: fit.coef, intercept: fit.intercept }, d.Xte, d.nte, d.p);
      const ref = REF[name].logreg_C1;
      expect(Math.abs(rocAuc(d.yte, pr) - ref.roc_auc)).toBeLessThan(0.002);
      expect(Math.abs(logLoss(d.yte, pr) - ref.log_loss)).toBeLessThan(0.005);
    });
  }
});

describe('coefficients', () => {
  it('L-BFGS is within 1e-3 of a high-precision Newton solution (credit)', () => {
    const d = prepare('credit');
    const ref = newtonLogistic(d.Xtr, d.ntr, d.p, d.ytr, { penalty: 'l2', C: 1, tol: 1e-11 });
    expect(ref.converged).toBe(true);
    const fit = fitLogistic(d.Xtr, d.ntr, d.p, d.ytr, 2, { penalty: 'l2', C: 1, tol: 1e-4, maxIter: 1000, solver: 'lbfgs' });
    for (let j = 0; j < d.p; j++) expect(Math.abs(fit.coef[0][j] - ref.coef[0][j])).toBeLessThan(1e-3);
    expect(Math.abs(fit.intercept[0] - ref.intercept[0])).toBeLessThan(1e-3);
    // the default (hybrid) solver lands on the same optimum
    const auto = fitLogistic(d.Xtr, d.ntr, d.p, d.ytr, 2, { penalty: 'l2', C: 1, tol: 1e-4, maxIter: 1000 });
    for (let j = 0; j < d.p; j++) expect(Math.abs(auto.coef[0][j] - ref.coef[0][j])).toBeLessThan(1e-3);
    // the Newton optimum is a stationary point of C·Σ logloss + ½‖w‖²: check the gradient directly
    const pr = predict({ task: 'binary', coef: ref.coef, intercept: ref.intercept }, d.Xtr, d.ntr, d.p);
    for (let j = 0; j < d.p; j++) {
      let g = ref.coef[0][j];
      for (let i = 0; i < d.ntr; i++) g += (pr[i] - d.ytr[i]) * d.Xtr[i * d.p + j];
      expect(Math.abs(g)).toBeLessThan(1e-8);
    }
  });

  it('agrees with ml-logistic-regression (plain gradient ascent, no penalty) on pima', async () => {
    const { default: LR } = (await import('ml-logistic-regression')) as any;
    const { Matrix } = (await import('ml-matrix')) as any;
    const d = prepare('pima');
    const q = d.p + 1;
    const rows: number[][] = [];
    for (let i = 0; i < d.ntr; i++) rows.push([...d.Xtr.subarray(i * d.p, (i + 1) * d.p), 1]);
    const lr = new LR({ numSteps: 4000, learningRate: 2e-3 });
    lr.train(new Matrix(rows), Matrix.columnVector(Array.from(d.ytr)));
    // classifier 0 separates class 0 (→0) from the rest (→1): it models P(y = 1)
    const theirs: number[] = lr.classifiers[0].weights.to1DArray();
    const ours = fitLogistic(d.Xtr, d.ntr, d.p, d.ytr, 2, { penalty: 'none', C: 1, tol: 1e-8, maxIter: 1000 });
    for (let j = 0; j < d.p; j++) expect(Math.abs(ours.coef[0][j] - theirs[j])).toBeLessThan(2e-3);
    expect(Math.abs(ours.intercept[0] - theirs[q - 1])).toBeLessThan(2e-3);
  });
});

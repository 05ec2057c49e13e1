/**
 * Solvers against scikit-learn run on the same generated data (/usr/bin/python3, sklearn 1.2), and
 * the bad-input checks of training. Data are generated here with the seeded RNG and handed to Python
 * as JSON, so both sides see identical numbers.
 */
import { describe, expect, it } from 'vitest';
import { fitLinear } from '../../../src/ml/linear.js';
import { fitLogistic, newtonLogistic } from '../../../src/ml/logistic.js';
import { makeRng } from '../../../src/ml/splits.js';
import { checkTrainingData, isSeparated, parseClassWeight } from '../../../src/ml/families/training.js';
import { linearScores } from '../../../src/ml/predict.js';
import { pythonJson } from '../../helpers/python.js';

function gen(n: number, p: number, seed: number, kind: 'binary' | 'multi' | 'reg') {
  const rng = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = [0.3, -0.2, 0.1];
    for (let j = 0; j < p; j++) {
      const v = gauss();
      X[i * p + j] = v;
      z[0] += v * (j % 2 ? 0.8 : -0.5);
      z[1] += v * (j % 3 ? 0.4 : 0.9);
      z[2] += v * (j === 0 ? 1 : 0);
    }
    if (kind === 'binary') y[i] = rng.next() < 1 / (1 + Math.exp(-z[0])) ? 1 : 0;
    else if (kind === 'reg') y[i] = z[0] + gauss() * 0.5;
    else {
      const e = z.map(Math.exp);
      const s = e[0] + e[1] + e[2];
      const u = rng.next();
      y[i] = u < e[0] / s ? 0 : u < (e[0] + e[1]) / s ? 1 : 2;
    }
  }
  return { X, y, n, p };
}

function sklearn(code: string, data: unknown): any {
  return pythonJson(['-c', `import json,sys,warnings\nwarnings.filterwarnings("ignore")\nimport numpy as np\nd=json.load(sys.stdin)\nX=np.array(d["X"]).reshape(d["n"],d["p"]);y=np.array(d["y"])\n${code}`], { input: JSON.stringify(data) });
}
const payload = (d: { X: Float64Array; y: Float64Array; n: number; p: number }) => ({ X: Array.from(d.X), y: Array.from(d.y), n: d.n, p: d.p });
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('logistic regression vs sklearn', () => {
  it('multinomial L2 (lbfgs) coefficients', () => {
    const d = gen(600, 5, 3, 'multi');
    const ours = fitLogistic(d.X, d.n, d.p, d.y, 3, { penalty: 'l2', C: 0.5, tol: 1e-8, maxIter: 2000 });
    const ref = sklearn(`from sklearn.linear_model import LogisticRegression\nm=LogisticRegression(C=0.5,tol=1e-10,max_iter=5000,multi_class="multinomial").fit(X,y)\nprint(json.dumps({"coef":m.coef_.tolist(),"b":m.intercept_.tolist()}))`, payload(d));
    expect(ours.converged).toBe(true);
    for (let k = 0; k < 3; k++) expect(maxDiff(ours.coef[k], ref.coef[k])).toBeLessThan(1e-4);
    expect(maxDiff(ours.intercept, ref.b)).toBeLessThan(1e-4);
  });

  it('L1 and elastic net (saga, tight tol) coefficients, including exact zeros', () => {
    const d = gen(500, 8, 5, 'binary');
    const ref = sklearn(
      `from sklearn.linear_model import LogisticRegression\nout={}\nfor pen,r in [("l1",None),("elasticnet",0.4)]:\n  m=LogisticRegression(C=0.05,penalty=pen,l1_ratio=r,solver="saga",tol=1e-10,max_iter=100000).fit(X,y)\n  out[pen]={"coef":m.coef_[0].tolist(),"b":float(m.intercept_[0])}\nprint(json.dumps(out))`,
      payload(d),
    );
    for (const pen of ['l1', 'elasticnet'] as const) {
      const ours = fitLogistic(d.X, d.n, d.p, d.y, 2, { penalty: pen, C: 0.05, l1Ratio: 0.4, tol: 1e-8, maxIter: 2000 });
      expect(ours.converged).toBe(true);
      expect(maxDiff(ours.coef[0], ref[pen].coef)).toBeLessThan(1e-4);
      expect(Math.abs(ours.intercept[0] - ref[pen].b)).toBeLessThan(1e-4);
      // zeros where sklearn has zeros
      ref[pen].coef.forEach((c: number, j: number) => {
        if (Math.abs(c) < 1e-8) expect(Math.abs(ours.coef[0][j])).toBeLessThan(1e-6);
      });
    }
    // the pure quasi-Newton path (OWL-QN) reaches the same L1 optimum
    const owl = fitLogistic(d.X, d.n, d.p, d.y, 2, { penalty: 'l1', C: 0.05, tol: 1e-6, maxIter: 5000, solver: 'lbfgs' });
    expect(maxDiff(owl.coef[0], ref.l1.coef)).toBeLessThan(1e-3);
  });

  it('class weights equal duplicated rows (sklearn semantics)', () => {
    const d = gen(300, 4, 8, 'binary');
    const w = new Float64Array(d.n).map((_, i) => (d.y[i] > 0.5 ? 2 : 1));
    const weighted = newtonLogistic(d.X, d.n, d.p, d.y, { penalty: 'l2', C: 1, sampleWeight: w });
    const rows: number[] = [];
    for (let i = 0; i < d.n; i++) rows.push(i, ...(d.y[i] > 0.5 ? [i] : []));
    const X2 = new Float64Array(rows.length * d.p);
    const y2 = new Float64Array(rows.length);
    rows.forEach((r, k) => {
      X2.set(d.X.subarray(r * d.p, (r + 1) * d.p), k * d.p);
      y2[k] = d.y[r];
    });
    const dup = newtonLogistic(X2, rows.length, d.p, y2, { penalty: 'l2', C: 1 });
    expect(maxDiff(weighted.coef[0], dup.coef[0])).toBeLessThan(1e-8);
    const ref = sklearn(`from sklearn.linear_model import LogisticRegression\nm=LogisticRegression(C=1,tol=1e-10,max_iter=5000,class_weight={0:1,1:2}).fit(X,y)\nprint(json.dumps(m.coef_[0].tolist()))`, payload(d));
    expect(maxDiff(weighted.coef[0], ref)).toBeLessThan(1e-5);
  });

  it('balanced class weights are n / (K · n_k)', () => {
    const y = Float64Array.from([1, 0, 0, 0]);
    const w = parseClassWeight('balanced', { column: 'c', task: 'binary', positive: 'yes' }, y, 4, 2)!;
    expect(w).toEqual([4 / (2 * 3), 4 / (2 * 1)]);
    expect(parseClassWeight('yes=2,no=1', { column: 'c', task: 'binary', positive: 'yes' }, y, 4, 2)).toEqual([1, 2]);
    expect(() => parseClassWeight('red=2', { column: 'c', task: 'multiclass', classes: ['a', 'b'] }, y, 4, 2)).toThrow(/does not have/);
  });
});

describe('linear regression vs sklearn', () => {
  it('ridge (alpha = 1/C), lasso (alpha = 1/(C·n)) and OLS', () => {
    const d = gen(400, 6, 11, 'reg');
    const ref = sklearn(
      `from sklearn.linear_model import Ridge, Lasso, LinearRegression\nr=Ridge(alpha=1/0.2).fit(X,y)\nl=Lasso(alpha=1/(0.004*len(y)),tol=1e-12,max_iter=100000).fit(X,y)\no=LinearRegression().fit(X,y)\nprint(json.dumps({"r":r.coef_.tolist()+[r.intercept_],"l":l.coef_.tolist()+[l.intercept_],"o":o.coef_.tolist()+[o.intercept_]}))`,
      payload(d),
    );
    const ridge = fitLinear(d.X, d.n, d.p, d.y, { penalty: 'l2', C: 0.2, tol: 1e-10, maxIter: 1000 });
    const lasso = fitLinear(d.X, d.n, d.p, d.y, { penalty: 'l1', C: 0.004, tol: 1e-12, maxIter: 100000 });
    const ols = fitLinear(d.X, d.n, d.p, d.y, { penalty: 'none', C: 1, tol: 1e-10, maxIter: 1000 });
    expect(maxDiff(ridge.theta, ref.r)).toBeLessThan(1e-9);
    expect(maxDiff(lasso.theta, ref.l)).toBeLessThan(1e-6);
    expect(maxDiff(ols.theta, ref.o)).toBeLessThan(1e-9);
    expect(lasso.coef[0].some((v) => v === 0)).toBe(true);
  });
});

describe('bad training data', () => {
  const label = { column: 'churn', task: 'binary' as const, positive: 'yes' };
  it('NaN and all-null features are errors naming the feature', () => {
    const X = Float64Array.from([1, NaN, 2, 3, 3, 4, 4, 5]);
    const y = Float64Array.from([0, 1, 0, 1]);
    expect(() => checkTrainingData(X, y, 4, 2, ['a', 'b'], label, 2, 'l2')).toThrow(/feature b \(1 missing/);
    const X2 = Float64Array.from([1, NaN, 2, NaN, 3, NaN, 4, NaN]);
    expect(() => checkTrainingData(X2, y, 4, 2, ['a', 'b'], label, 2, 'l2')).toThrow(/feature b \(all 4 values missing\)/);
  });
  it('one class, missing labels, constant features, p ≥ n', () => {
    const X = Float64Array.from([1, 7, 2, 7, 3, 7, 4, 7]);
    expect(() => checkTrainingData(X, Float64Array.from([0, 0, 0, 0]), 4, 2, ['a', 'b'], label, 2, 'l2')).toThrow(/one class/);
    expect(() => checkTrainingData(X, Float64Array.from([0, NaN, 1, 0]), 4, 2, ['a', 'b'], label, 2, 'l2')).toThrow(/label churn is missing/);
    const w = checkTrainingData(X, Float64Array.from([0, 1, 1, 0]), 4, 2, ['a', 'b'], label, 2, 'l2');
    expect(w.join(' ')).toMatch(/constant feature.*: b/);
    const wide = new Float64Array(2 * 3).map((_, i) => i * 1.5 + (i % 2));
    expect(checkTrainingData(wide, Float64Array.from([0, 1]), 2, 3, ['a', 'b', 'c'], label, 2, 'l2').join(' ')).toMatch(/more features \(3\) than training rows \(2\)/);
    expect(() => checkTrainingData(wide, Float64Array.from([0, 1]), 2, 3, ['a', 'b', 'c'], label, 2, 'none')).toThrow(/not identifiable/);
  });
  it('perfectly separable data converge with a penalty and are detected', () => {
    const n = 200;
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    const rng = makeRng(1);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      X[i * 2] = (y[i] ? 1 : -1) * (0.5 + rng.next());
      X[i * 2 + 1] = rng.next() - 0.5;
    }
    const fit = fitLogistic(X, n, 2, y, 2, { penalty: 'l2', C: 1, tol: 1e-6, maxIter: 1000 });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.coef[0][0])).toBe(true);
    expect(isSeparated(linearScores({ task: 'binary', coef: fit.coef, intercept: fit.intercept }, X, n, 2), y, n)).toBe(true);
    // an unpenalised fit does not converge to finite coefficients within the cap
    const none = fitLogistic(X, n, 2, y, 2, { penalty: 'none', C: 1, tol: 1e-8, maxIter: 200 });
    expect(Math.abs(none.coef[0][0])).toBeGreaterThan(5 * Math.abs(fit.coef[0][0]));
  });
});

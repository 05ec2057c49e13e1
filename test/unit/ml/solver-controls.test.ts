/**
 * Solver controls: --max-iter caps every solver path exactly; fits are bit-identical whatever the
 * number of solver threads; a rank-deficient matrix is named (rank r of p, the collinear columns).
 */
import { describe, expect, it } from 'vitest';
import { fitLinear } from '../../../src/ml/linear.js';
import { fitLogistic, gramRank } from '../../../src/ml/logistic.js';
import { checkRank } from '../../../src/ml/diagnose.js';
import { setSolverThreads } from '../../../src/ml/parallel.js';
import { makeRng } from '../../../src/ml/splits.js';

function data(n: number, p: number, seed: number, K = 2) {
  const rng = makeRng(seed);
  const X = new Float64Array(n * p).map(() => rng.next() * 2 - 1);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = 3 * X[i * p] - 2 * X[i * p + 1] + X[i * p + 2];
    y[i] = K === 2 ? (rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0) : K === 1 ? z + rng.next() : Math.min(K - 1, Math.floor(((Math.tanh(z) + 1) / 2) * K));
  }
  return { X, y, n, p };
}

describe('--max-iter stops at exactly that many iterations on each solver path', () => {
  const d = data(2000, 6, 3);
  const m = data(2000, 6, 4, 3);
  const r = data(2000, 6, 5, 1);
  const tight = { tol: 1e-300, maxIter: 5, ftol: 0, C: 1e4 };
  const cases: [string, () => { iterations: number; converged: boolean; solver?: string }][] = [
    ['binary l2 (newton-cholesky)', () => fitLogistic(d.X, d.n, d.p, d.y, 2, { ...tight, penalty: 'l2' })],
    ['binary l1 (newton-cd)', () => fitLogistic(d.X, d.n, d.p, d.y, 2, { ...tight, penalty: 'l1' })],
    ['binary elasticnet (newton-cd)', () => fitLogistic(d.X, d.n, d.p, d.y, 2, { ...tight, penalty: 'elasticnet', l1Ratio: 0.5 })],
    ['binary l2 (lbfgs)', () => fitLogistic(d.X, d.n, d.p, d.y, 2, { ...tight, penalty: 'l2', solver: 'lbfgs' })],
    ['binary l1 (owlqn)', () => fitLogistic(d.X, d.n, d.p, d.y, 2, { ...tight, penalty: 'l1', solver: 'lbfgs' })],
    ['multinomial l2 (lbfgs)', () => fitLogistic(m.X, m.n, m.p, m.y, 3, { ...tight, penalty: 'l2' })],
    ['multinomial elasticnet (owlqn)', () => fitLogistic(m.X, m.n, m.p, m.y, 3, { ...tight, penalty: 'elasticnet', l1Ratio: 0.5 })],
    ['lasso (coordinate descent)', () => fitLinear(r.X, r.n, r.p, r.y, { penalty: 'l1', C: 1e4, tol: 1e-300, maxIter: 5 })],
  ];
  for (const [name, run] of cases) {
    it(name, () => {
      const fit = run();
      expect(fit.iterations).toBe(5);
      expect(fit.converged).toBe(false);
    });
  }
});

describe('solver threads', () => {
  it('fits are bit-identical with 1 and 2 threads (row blocks summed in a fixed order)', () => {
    const d = data(40_000, 24, 9);
    const out: Float64Array[] = [];
    for (const t of [1, 2]) {
      setSolverThreads(t);
      for (const solver of ['auto', 'lbfgs'] as const) out.push(fitLogistic(d.X, d.n, d.p, d.y, 2, { penalty: 'l2', C: 1, tol: 1e-6, maxIter: 100, solver }).theta);
    }
    setSolverThreads(undefined);
    expect(Array.from(out[2])).toEqual(Array.from(out[0]));
    expect(Array.from(out[3])).toEqual(Array.from(out[1]));
  });
});

describe('rank deficiency', () => {
  // a numeric column, a 3-level one-hot (all levels kept) and a copy of the numeric column doubled
  const n = 300;
  const rng = makeRng(2);
  const names = ['x', 'c=a', 'c=b', 'c=c', 'x2'];
  const X = new Float64Array(n * 5);
  for (let i = 0; i < n; i++) {
    const x = rng.next();
    X.set([x, i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0, 2 * x], i * 5);
  }
  const pipeline = { inputs: [], derived: [], outputNames: names, features: [{ kind: 'onehot', name: 'c', input: 'c', categories: ['a', 'b', 'c'], folded: [], otherSlot: false, unknown: 'zeros', outputs: ['c=a', 'c=b', 'c=c'] }] } as never;
  it('finds rank 4 of 6 and the columns involved', () => {
    const r = gramRank(X, n, 5);
    expect(r.rank).toBe(4);
    expect(r.q).toBe(6);
  });
  it('without a penalty: an error with rank r of p naming the collinear columns and the fix', () => {
    expect(() => checkRank(X, n, 5, names, 'none', pipeline)).toThrow(/rank 4 of 6 \(5 features \+ intercept\): the intercept, x, c=a, c=b, c=c, x2 are collinear/);
    try {
      checkRank(X, n, 5, names, 'none', pipeline);
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/one-hot columns of c each sum to 1 like the intercept: add drop_last: true to its one_hot/);
    }
  });
  it('least squares without a penalty: a warning (every solution predicts the same), not an error', () => {
    expect(checkRank(X, n, 5, names, 'none', pipeline, 'regression')).toMatch(/rank 4 of 6 .*least-squares coefficients are not unique/);
  });
  it('with a penalty: a warning when more than the one-hot groups is collinear, nothing for one-hot groups alone', () => {
    expect(checkRank(X, n, 5, names, 'l2', pipeline)).toMatch(/rank 4 of 6 .*the l2 penalty keeps the fit unique/);
    const X4 = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) X4.set(X.subarray(i * 5, i * 5 + 4), i * 4);
    expect(checkRank(X4, n, 4, names.slice(0, 4), 'l2', pipeline)).toBeUndefined();
    expect(() => checkRank(X4, n, 4, names.slice(0, 4), 'none', pipeline)).toThrow(/rank 4 of 5/);
  });
});

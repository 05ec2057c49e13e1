import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chainTrials, parseGrid, sampleTrials } from '../../../src/ml/cv.js';
import { crossValidate, type SearchProgress } from '../../../src/ml/tune.js';
import { makeRng } from '../../../src/ml/splits.js';
import { prepare } from '../../helpers/ml-data.js';
import { SHARED as SHARED_DIR } from '../../helpers/paths.js';
import { join } from 'node:path';

const REF = JSON.parse(fs.readFileSync(join(SHARED_DIR, 'reference', 'sklearn_logreg.json'), 'utf8')).results as Record<string, any>;
const base = { task: 'binary' as const, K: 2, classWeight: null, threshold: 0.5, tol: 1e-4, maxIter: 1000 };

describe('grid and trials', () => {
  it('parses a grid into the cartesian product, last key fastest', () => {
    const g = parseGrid('C=0.1,1;penalty=l1,l2', { C: 1, penalty: 'l2' });
    expect(g).toEqual([
      { C: 0.1, penalty: 'l1' }, { C: 0.1, penalty: 'l2' }, { C: 1, penalty: 'l1' }, { C: 1, penalty: 'l2' },
    ]);
    expect(parseGrid('l1_ratio=0.2,0.8', { C: 2, penalty: 'elasticnet' })).toEqual([
      { C: 2, penalty: 'elasticnet', l1_ratio: 0.2 }, { C: 2, penalty: 'elasticnet', l1_ratio: 0.8 },
    ]);
  });
  it('rejects bad grids with the reason', () => {
    expect(() => parseGrid('C=0,1', { C: 1, penalty: 'l2' })).toThrow(/> 0/);
    expect(() => parseGrid('C=a', { C: 1, penalty: 'l2' })).toThrow(/not a number/);
    expect(() => parseGrid('gamma=1', { C: 1, penalty: 'l2' })).toThrow(/not one of/);
    expect(() => parseGrid('penalty=l3', { C: 1, penalty: 'l2' })).toThrow(/l3/);
    expect(() => parseGrid('C', { C: 1, penalty: 'l2' })).toThrow(/KEY=/);
  });
  it('random trials are seeded and within range', () => {
    const a = sampleTrials(8, 42, { C: 1, penalty: 'l2' });
    expect(sampleTrials(8, 42, { C: 1, penalty: 'l2' })).toEqual(a);
    expect(sampleTrials(8, 43, { C: 1, penalty: 'l2' })).not.toEqual(a);
    for (const t of a) expect(t.C >= 1e-4 && t.C <= 1e4).toBe(true);
    const g = parseGrid('C=1,2,3,4,5', { C: 1, penalty: 'l2' });
    expect(sampleTrials(3, 1, { C: 1, penalty: 'l2' }, g).length).toBe(3);
  });
  it('chains group by penalty, ascending C', () => {
    const g = parseGrid('C=10,0.1,1;penalty=l1,l2', { C: 1, penalty: 'l2' });
    const ch = chainTrials(g);
    expect(ch.length).toBe(2);
    expect(ch[0].map((i) => g[i].C)).toEqual([0.1, 1, 10]);
    expect(ch[0].every((i) => g[i].penalty === 'l1')).toBe(true);
  });
});

describe('CV grid over C picks what sklearn picks (or a C within 0.002 of its best CV AUC)', () => {
  const grid = parseGrid('C=0.01,0.1,1,10,100', { C: 1, penalty: 'l2' });
  for (const name of ['churn', 'credit', 'breast_cancer', 'pima']) {
    it(name, async () => {
      const d = prepare(name);
      const r = await crossValidate(d.Xtr, d.ytr, d.ntr, d.p, base, grid, { folds: 5, seed: 42, metric: 'auc', workers: 1 });
      const ours = r.cv.best.C as number;
      const ref = REF[name].cv_grid;
      const refAucForOurs = ref.cv_auc_mean_by_C[String(ours)];
      expect(ours === ref.best_C || Math.abs(refAucForOurs - ref.best_cv_auc_mean) <= 0.002).toBe(true);
      expect(r.cv.foldOf.length).toBe(d.ntr);
      expect(r.cv.trials.length).toBe(5);
      for (const t of r.cv.trials) expect(t.foldScores.length).toBe(5);
      // our own CV estimate of the best C is in the neighbourhood of sklearn's (different folds)
      expect(Math.abs(r.cv.trials[r.bestIndex].mean - ref.best_cv_auc_mean)).toBeLessThan(0.03);
    });
  }
});

describe('search on the solver threads', () => {
  it('gives the same CvResult with 1 and 2 threads, and reports every fit', async () => {
    // large enough (30 000 × 20) for the fits to run on row blocks in worker threads
    const n = 30_000;
    const p = 20;
    const rng = makeRng(5);
    const X = new Float64Array(n * p).map(() => rng.next() * 2 - 1);
    const y = new Float64Array(n).map((_, i) => (rng.next() < 1 / (1 + Math.exp(-(X[i * p] - 0.5 * X[i * p + 1]))) ? 1 : 0));
    const grid = parseGrid('C=0.01,0.1,1;penalty=l1,l2', { C: 1, penalty: 'l2' });
    const events: SearchProgress[] = [];
    const ticks: number[] = [];
    const one = await crossValidate(X, y, n, p, base, grid, { folds: 4, seed: 7, metric: 'logloss', workers: 1 });
    const two = await crossValidate(X, y, n, p, base, grid, { folds: 4, seed: 7, metric: 'logloss', workers: 2, onEvent: (e) => events.push(e), onTick: (d) => ticks.push(d) });
    expect(two.cv).toEqual(one.cv);
    const fits = events.filter((e) => e.step === 'fit');
    expect(fits.length).toBe(24); // 4 folds × 6 configurations
    expect(fits.map((e) => e.done)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(fits.every((e) => e.total === 24 && e.params !== undefined)).toBe(true);
    expect(ticks).toEqual(fits.map((e) => e.done));
    expect(events.filter((e) => e.step === 'fold').map((e) => e.fold)).toEqual([0, 1, 2, 3]);
    expect(one.cv.metric).toBe('logloss');
    expect(one.cv.preprocessing).toBe('shared');
    // logloss: lower is better, so the best trial has the minimum mean
    const means = one.cv.trials.map((t) => t.mean);
    expect(one.cv.trials[one.bestIndex].mean).toBe(Math.min(...means));
  });
});

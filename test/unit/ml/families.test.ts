/**
 * The model-family seam, pure parts: the registry, grids and random trials across families, and the
 * linear families' predictions equal the linear scorer's.
 */
import { describe, expect, it } from 'vitest';
import { parseGrid, sampleTrials } from '../../../src/ml/cv.js';
import { parseFamilyGrid, sampleFamilyTrials, type SearchSpec } from '../../../src/ml/families/grid.js';
import { FAMILIES, familyOf, getFamily, predictModel } from '../../../src/ml/families/index.js';
import { predict } from '../../../src/ml/predict.js';
import { makeRng } from '../../../src/ml/splits.js';
import type { ModelVersion } from '../../../src/types.js';

const spec = (families = ['logistic']): SearchSpec => ({
  task: 'binary',
  families,
  base: { logistic: getFamily('logistic').defaults('binary'), gbdt: { ...getFamily('gbdt').defaults('binary'), early_stopping: 'on' } },
});

describe('the family registry', () => {
  it('names logistic, linear, gbdt and kmeans; an unknown family is a usage error listing them', () => {
    expect(FAMILIES.map((f) => f.name)).toEqual(['logistic', 'linear', 'gbdt', 'kmeans']);
    expect(() => getFamily('forest')).toThrow(/unknown model family "forest" \(families: logistic, linear, gbdt, kmeans\)/);
    expect(() => familyOf({ algorithm: 'svm', name: 'm', version: 3 })).toThrow(/m@3 has algorithm "svm"/);
  });

  it('gbdt validates its hyper-parameters by key, with the loss of the task', () => {
    const g = getFamily('gbdt');
    expect(g.validateParams({}, 'regression').loss).toBe('squared_error');
    expect(g.validateParams({}, 'binary').loss).toBe('log_loss');
    expect(() => g.validateParams({ learning_rate: 0 }, 'binary')).toThrow(/learning_rate must be within/);
    expect(() => g.validateParams({ loss: 'huber' }, 'binary')).toThrow(/loss huber does not apply to a binary label/);
    expect(() => g.validateParams({ loss: 'log_loss' }, 'regression')).toThrow(/does not apply to a regression label/);
  });

  it('linear predictions through the seam equal predict() bit for bit', () => {
    const rng = makeRng(3);
    const n = 50;
    const p = 4;
    const X = Float64Array.from({ length: n * p }, () => rng.next() * 4 - 2);
    const coef = [[0.5, -1, 0.25, 2]];
    const m = { algorithm: 'logistic', task: 'binary', name: 'm', version: 1, featureNames: ['a', 'b', 'c', 'd'], label: { column: 'y', task: 'binary', positive: '1' }, coef, intercept: [0.1] } as unknown as ModelVersion;
    expect(Array.from(predictModel(m, X, n, p))).toEqual(Array.from(predict({ task: 'binary', coef, intercept: [0.1] }, X, n, p)));
    const coefK = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, -1]];
    const mk = { ...m, task: 'multiclass', label: { column: 'y', task: 'multiclass', classes: ['a', 'b', 'c'] }, coef: coefK, intercept: [0, 0.5, -0.5] } as unknown as ModelVersion;
    expect(Array.from(predictModel(mk, X, n, p))).toEqual(Array.from(predict({ task: 'multiclass', coef: coefK, intercept: [0, 0.5, -0.5] }, X, n, p)));
  });
});

describe('grids across families', () => {
  it('the issue\'s grid: model axis, family-prefixed keys, families in the order given', () => {
    const g = parseFamilyGrid('model=logistic,gbdt;logistic.C=0.1,1,10;gbdt.learning_rate=0.05,0.1;gbdt.max_leaf_nodes=15,31', spec());
    expect(g.multi).toBe(true);
    expect(g.trials.map((t) => t.record)).toEqual([
      { model: 'logistic', C: 0.1, penalty: 'l2' },
      { model: 'logistic', C: 1, penalty: 'l2' },
      { model: 'logistic', C: 10, penalty: 'l2' },
      { model: 'gbdt', learning_rate: 0.05, max_leaf_nodes: 15 },
      { model: 'gbdt', learning_rate: 0.05, max_leaf_nodes: 31 },
      { model: 'gbdt', learning_rate: 0.1, max_leaf_nodes: 15 },
      { model: 'gbdt', learning_rate: 0.1, max_leaf_nodes: 31 },
    ]);
    // every trial carries its family's complete parameters (the base for what the grid does not set)
    expect(g.trials[4].params).toMatchObject({ loss: 'log_loss', learning_rate: 0.05, max_leaf_nodes: 31, early_stopping: 'on', max_bins: 255 });
    expect(g.trials[0].params).toMatchObject({ C: 0.1, penalty: 'l2', l1_ratio: null, max_iter: 1000, tol: 1e-4 });
  });

  it('an unprefixed key applies to every family that has it; a key no family has is an error', () => {
    const g = parseFamilyGrid('model=logistic,gbdt;C=0.1,1;learning_rate=0.05,0.1;tol=0.001', spec());
    expect(g.trials.filter((t) => t.family === 'logistic').map((t) => t.params.C)).toEqual([0.1, 1]);
    expect(g.trials.filter((t) => t.family === 'gbdt').map((t) => t.params.learning_rate)).toEqual([0.05, 0.1]);
    expect(g.trials.filter((t) => t.family === 'gbdt').every((t) => t.params.tol === 0.001)).toBe(true);
    expect(() => parseFamilyGrid('model=logistic,gbdt;alpha=1', spec())).toThrow(/"alpha" is not a parameter of logistic or gbdt/);
  });

  it('errors: unknown family (listing them), a family outside model=, a key the family lacks, an out-of-range value naming the key', () => {
    expect(() => parseFamilyGrid('model=logistic,forest', spec())).toThrow(/families: logistic, linear, gbdt/);
    expect(() => parseFamilyGrid('model=logistic;gbdt.learning_rate=0.1', spec())).toThrow(/gbdt is not among the searched families \(logistic\)/);
    expect(() => parseFamilyGrid('model=gbdt;gbdt.C=1', spec())).toThrow(/gbdt has no parameter C/);
    expect(() => parseFamilyGrid('model=gbdt;gbdt.max_bins=2,300', spec())).toThrow(/gbdt\.max_bins must be an integer in \[2, 255\], got 300/);
    expect(() => parseFamilyGrid('model=logistic,linear', spec())).toThrow(/model family linear does not fit a binary label/);
    expect(() => parseFamilyGrid('model=gbdt,gbdt', spec())).toThrow(/twice/);
  });

  it('a grid over one linear family is exactly cv.ts\'s grid (same trials, same records)', () => {
    for (const text of ['C=0.01,0.1,1,10,100', 'C=0.1,1;penalty=l1,l2', 'penalty=elasticnet,l2;l1_ratio=0.2,0.8']) {
      const ours = parseFamilyGrid(text, spec()).trials.map((t) => t.record);
      expect(ours).toEqual(parseGrid(text, { C: 1, penalty: 'l2' }));
    }
    expect(() => parseFamilyGrid('alpha=1', spec())).toThrow(/not one of C, penalty, l1_ratio/);
  });

  it('--trials: seeded draws of grid points, or of each family\'s search space; one linear family keeps cv.ts\'s sampler', () => {
    const g = parseFamilyGrid('model=logistic,gbdt;logistic.C=0.1,1,10;gbdt.learning_rate=0.05,0.1', spec());
    const a = sampleFamilyTrials(3, 7, spec(), g);
    expect(a).toHaveLength(3);
    expect(sampleFamilyTrials(3, 7, spec(), g)).toEqual(a);
    for (const t of a) expect(g.trials).toContainEqual(t);
    const r = sampleFamilyTrials(12, 5, spec(['logistic', 'gbdt']));
    expect(new Set(r.map((t) => t.family))).toEqual(new Set(['logistic', 'gbdt']));
    for (const t of r.filter((x) => x.family === 'gbdt')) {
      expect(t.params.learning_rate as number).toBeGreaterThanOrEqual(0.01);
      expect(t.params.learning_rate as number).toBeLessThanOrEqual(0.3);
      expect(Number.isInteger(t.params.max_iter)).toBe(true);
    }
    expect(sampleFamilyTrials(4, 9, spec()).map((t) => t.record)).toEqual(sampleTrials(4, 9, { C: 1, penalty: 'l2' }));
  });
});

import { describe, expect, it } from 'vitest';
import { scoreTables, segmentLabels, subset } from '../../../src/eval/score.js';

describe('scoreTables', () => {
  it('binary: metrics at the model threshold, confusion and tables', () => {
    const y = Float64Array.from([0, 0, 1, 1]);
    const p = Float64Array.from([0.1, 0.4, 0.35, 0.8]);
    const t = scoreTables('binary', y, p, { threshold: 0.5 });
    expect(t.n).toBe(4);
    expect(t.positives).toBe(2);
    expect(t.metrics.auc).toBe(0.75);
    expect(t.metrics.pr_auc).toBeCloseTo(0.8333333333333333, 12); // sklearn average_precision_score
    expect(t.confusion).toEqual({ tp: 1, fp: 0, tn: 2, fn: 1 });
    expect(t.metrics.accuracy).toBe(0.75);
    expect(t.metrics.precision).toBe(1);
    expect(t.metrics.recall).toBe(0.5);
    expect(t.metrics.f1).toBeCloseTo(2 / 3, 12);
    expect(t.metrics.brier).toBeCloseTo((0.01 + 0.16 + 0.4225 + 0.04) / 4, 12);
    expect(t.calibration).toHaveLength(10);
    expect(t.lift).toHaveLength(4); // 4 rows → groups of one; empty deciles are left out
    expect(scoreTables('binary', y, p, { threshold: 0.3 }).confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
  });
  it('a one-class segment has AUC null (not NaN) and no curves when asked', () => {
    const t = scoreTables('binary', Float64Array.from([1, 1]), Float64Array.from([0.6, 0.7]), { curves: false });
    expect(t.metrics.auc).toBeNull();
    expect(t.roc).toBeUndefined();
    expect(JSON.parse(JSON.stringify(t)).metrics.auc).toBeNull();
  });
  it('regression: RMSE, MAE, R²', () => {
    const t = scoreTables('regression', Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 2, 3, 5]));
    expect(t.metrics.rmse).toBeCloseTo(0.5, 12);
    expect(t.metrics.mae).toBeCloseTo(0.25, 12);
    expect(t.metrics.r2).toBeCloseTo(1 - 1 / 5, 12);
  });
  it('multiclass: log loss and accuracy over class probabilities', () => {
    const y = Float64Array.from([0, 2]);
    const P = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.5, 0.4]);
    const t = scoreTables('multiclass', y, P, { classes: 3 });
    expect(t.metrics.accuracy).toBe(0.5);
    expect(t.metrics.logloss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.4)) / 2, 12);
  });
});

describe('segments', () => {
  it('strings and few numbers are their own segment; missing is "(missing)"', () => {
    expect(segmentLabels(['a', null, 'b', 'a'])).toEqual(['a', '(missing)', 'b', 'a']);
    expect(segmentLabels([1, 2, 1])).toEqual(['1', '2', '1']);
  });
  it('many distinct numbers are cut into quintiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i);
    const l = segmentLabels(v);
    const counts: Record<string, number> = {};
    for (const s of l) counts[s] = (counts[s] ?? 0) + 1;
    expect(counts).toEqual({ '1: [0, 20)': 20, '2: [20, 40)': 20, '3: [40, 60)': 20, '4: [60, 80)': 20, '5: [80, 99]': 20 });
  });
  it('subset picks rows (and K values per row)', () => {
    const s = subset(Float64Array.from([0, 1, 2]), Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 0], 2);
    expect(Array.from(s.y)).toEqual([2, 0]);
    expect(Array.from(s.pred)).toEqual([5, 6, 1, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { calibrationTable, compareMetrics, expectedCalibrationError, liftTable, prCurve, rocCurve } from '../../../src/eval/curves.js';

const y = [0, 0, 1, 1];
const p = [0.1, 0.4, 0.35, 0.8];

describe('curves', () => {
  it('ROC points equal sklearn roc_curve(drop_intermediate=False)', () => {
    const r = rocCurve(y, p);
    expect(r.map((x) => x.threshold)).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(r.map((x) => x.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(r.map((x) => x.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
  });
  it('PR points at each distinct threshold', () => {
    const r = prCurve(y, p);
    expect(r.map((x) => [x.threshold, x.recall, x.precision])).toEqual([
      [0.8, 0.5, 1],
      [0.4, 0.5, 0.5],
      [0.35, 1, 2 / 3],
      [0.1, 1, 0.5],
    ]);
  });
  it('ties make one point', () => {
    const r = rocCurve([1, 0, 1], [0.5, 0.5, 0.2]);
    expect(r.map((x) => [x.fpr, x.tpr])).toEqual([
      [0, 0],
      [1, 0.5],
      [1, 1],
    ]);
  });
  it('thins long curves but keeps both ends', () => {
    const n = 1000;
    const yy = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const pp = Array.from({ length: n }, (_, i) => i / n);
    const r = rocCurve(yy, pp, 51);
    expect(r.length).toBe(51);
    expect(r[0]).toEqual({ fpr: 0, tpr: 0, threshold: Infinity });
    expect(r[50]).toMatchObject({ fpr: 1, tpr: 1 });
  });
});

describe('calibration', () => {
  it('10 equal-width bins with counts, mean prediction and observed rate', () => {
    const t = calibrationTable([0, 1, 1, 0, 1], [0.05, 0.15, 0.19, 0.95, 1.0]);
    expect(t).toHaveLength(10);
    expect(t[0]).toEqual({ bin: 1, lo: 0, hi: 0.1, count: 1, positives: 0, meanPredicted: 0.05, observedRate: 0 });
    expect(t[1].count).toBe(2);
    expect(t[1].meanPredicted).toBeCloseTo(0.17, 12);
    expect(t[1].observedRate).toBe(1);
    expect(t[5]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
    expect(t[9]).toMatchObject({ count: 2, positives: 1, observedRate: 0.5 });
    expect(t[9].meanPredicted).toBeCloseTo(0.975, 12);
    // ECE = 1/5·0.05 + 2/5·0.83 + 2/5·0.475
    expect(expectedCalibrationError(t)).toBeCloseTo(0.01 + 0.332 + 0.19, 12);
  });
});

describe('lift and gain', () => {
  it('deciles of 10 rows', () => {
    const yy = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0];
    const pp = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
    const t = liftTable(yy, pp);
    expect(t).toHaveLength(10);
    expect(t[0]).toMatchObject({ decile: 1, count: 1, positives: 1, rate: 1, lift: 2.5, cumGain: 0.25, cumLift: 2.5, minScore: 0.9, maxScore: 0.9 });
    expect(t[3]).toMatchObject({ decile: 4, positives: 0, lift: 0, cumPositives: 3, cumGain: 0.75, cumLift: 1.875 });
    expect(t[9]).toMatchObject({ cumGain: 1, cumLift: 1, cumCount: 10 });
  });
  it('uneven sizes: 25 rows into 10 groups of 2 or 3, order independent of input order', () => {
    const yy = Array.from({ length: 25 }, (_, i) => (i < 5 ? 1 : 0));
    const pp = Array.from({ length: 25 }, (_, i) => 1 - i / 25);
    const t = liftTable(yy, pp);
    expect(t.map((r) => r.count)).toEqual([2, 3, 2, 3, 2, 3, 2, 3, 2, 3]);
    expect(t[0].lift).toBeCloseTo(5, 12);
    expect(t[1].positives).toBe(3);
    const perm = [...Array(25).keys()].reverse();
    expect(liftTable(perm.map((i) => yy[i]), perm.map((i) => pp[i]))).toEqual(t);
  });
});

describe('compareMetrics', () => {
  it('differences with direction', () => {
    const d = compareMetrics({ auc: 0.82, logloss: 0.45 }, { auc: 0.8, logloss: 0.4, brier: 0.1 }, { auc: true, logloss: false, brier: false });
    expect(d.map((x) => [x.metric, x.better])).toEqual([
      ['auc', true],
      ['brier', null],
      ['logloss', false],
    ]);
    expect(d[0].diff).toBeCloseTo(0.02, 12);
  });
});

/** Explore statistics: Wilson interval, departure z, χ² tails, association, bins, the positive class. */
import { describe, expect, it } from 'vitest';
import { association, binEdges, binOf, departureZ, wilson } from '../../../src/explore/stats.js';
import { chiSquareP, gammaQ, lnGamma } from '../../../src/stats/tests.js';
import { choosePositive } from '../../../src/explore/explore.js';
import { DictlError } from '../../../src/errors.js';

describe('explore statistics (pure)', () => {
  it('Wilson interval', () => {
    const [lo, hi] = wilson(5, 10);
    expect(lo).toBeCloseTo(0.236593, 6);
    expect(hi).toBeCloseTo(0.763407, 6);
    expect(wilson(0, 10)[0]).toBe(0);
    expect(wilson(0, 10)[1]).toBeCloseTo(0.277533, 6);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });
  it('departure z', () => {
    expect(departureZ(30, 100, 0.2)).toBeCloseTo(2.5, 12);
    expect(departureZ(10, 100, 0.2)).toBeCloseTo(-2.5, 12);
    expect(departureZ(1, 0, 0.2)).toBe(0);
  });
  it('gamma and chi-square tail probabilities', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(chiSquareP(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareP(5.991464547107979, 2)).toBeCloseTo(0.05, 10);
    expect(chiSquareP(10, 2)).toBeCloseTo(Math.exp(-5), 12);
    expect(chiSquareP(0.5, 4)).toBeCloseTo(Math.exp(-0.25) * 1.25, 12);
    expect(gammaQ(3, 0)).toBe(1);
  });
  it('association of a 2×2 table', () => {
    // 100 rows: A 50 rows 40 positive, B 50 rows 10 positive → chi2 = 36
    const a = association([
      { n: 50, k: 40 },
      { n: 50, k: 10 },
    ]);
    expect(a.chi2).toBeCloseTo(36, 10);
    expect(a.df).toBe(1);
    expect(a.cramersV).toBeCloseTo(0.6, 10);
    expect(a.p).toBeLessThan(1e-8);
    expect(association([{ n: 10, k: 3 }])).toMatchObject({ chi2: 0, p: 1 });
  });
  it('bins', () => {
    expect(binEdges([3, 1, 1, NaN, 2])).toEqual([1, 2, 3]);
    expect([0, 1, 1.5, 2, 3, 9].map((x) => binOf(x, [1, 2, 3]))).toEqual([0, 1, 1, 2, 3, 3]);
  });
  it('chooses the positive class', () => {
    expect(choosePositive([{ v: 'no', c: 9 }, { v: 'yes', c: 1 }])).toBe('yes');
    expect(choosePositive([{ v: 'good', c: 9 }, { v: 'bad', c: 3 }])).toBe('bad');
    expect(choosePositive([{ v: 'good', c: 9 }, { v: 'bad', c: 3 }], 'good')).toBe('good');
    expect(() => choosePositive([{ v: 'a', c: 1 }, { v: 'b', c: 1 }, { v: 'c', c: 1 }])).toThrow(DictlError);
    expect(() => choosePositive([{ v: 'a', c: 1 }, { v: 'b', c: 1 }], 'z')).toThrow(/never occurs/);
  });
});

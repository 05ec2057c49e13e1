import { describe, expect, it } from 'vitest';
import {
  binIndex,
  buildProfile,
  categoricalProfile,
  chiSquare,
  compareProfile,
  jsDivergence,
  numericProfile,
  psi,
} from '../../../src/monitor/drift.js';
import { chiSquareP, ksPValue, ksStatistic } from '../../../src/stats/tests.js';
import { quantileSorted } from '../../../src/stats/quantile.js';
import { seededRng } from '../../../src/util/random.js';

describe('drift statistics (exact values, checked against scipy)', () => {
  it('PSI', () => {
    // scipy/numpy: sum((a-e)*ln(a/e)) for e=[.25,.25,.5], a=[.2,.3,.5]
    expect(psi([25, 25, 50], [20, 30, 50])).toBeCloseTo(0.02027325540540821, 12);
    expect(psi([10, 10], [10, 10])).toBe(0);
    expect(() => psi([1], [1, 2])).toThrow();
  });
  it('KS statistic and p-value', () => {
    // scipy.stats.ks_2samp([1..5],[3..8]).statistic == 0.5
    expect(ksStatistic([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8])).toBe(0.5);
    expect(ksStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(ksStatistic([1, 2], [3, 4])).toBe(1);
    // Kolmogorov survival at lambda = 1: scipy.stats.kstwobign.sf(1.0) = 0.26999967167735456
    // with n1 = n2 large, lambda ≈ sqrt(ne)·d; choose d so that lambda is 1 exactly
    const ne = 1e12;
    const d = 1 / (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne));
    expect(ksPValue(d, 2 * ne, 2 * ne)).toBeCloseTo(0.26999967167735456, 9);
    expect(ksPValue(0, 10, 10)).toBe(1);
  });
  it('chi-square p-values', () => {
    expect(chiSquareP(7.5, 3)).toBeCloseTo(0.0575584519726364, 10);
    expect(chiSquareP(30.2, 10)).toBeCloseTo(0.0007944259173103919, 10);
    const c = chiSquare({ a: 49.5, b: 49.5 }, { a: 30, b: 70 });
    // smoothed expected 50/50 → (20² + 20²)/50 = 16, df 1
    expect(c.stat).toBeCloseTo(16, 12);
    expect(c.df).toBe(1);
    expect(c.p).toBeCloseTo(6.334248366623996e-05, 12);
  });
  it('Jensen–Shannon divergence (base 2)', () => {
    // scipy jensenshannon([.5,.5,0],[.25,.25,.5], base=2)**2 = 0.3112781244591328
    expect(jsDivergence({ a: 2, b: 2 }, { a: 1, b: 1, c: 2 })).toBeCloseTo(0.3112781244591328, 12);
    expect(jsDivergence({ a: 1 }, { a: 5 })).toBe(0);
    expect(jsDivergence({ a: 1 }, { b: 1 })).toBeCloseTo(1, 12);
  });
  it('profiles: decile bins, quantiles, categories with missing', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    const p = numericProfile('x', [...Array.from({ length: 100 }, (_, i) => i), null, '']);
    expect(p.nulls).toBe(2);
    expect(p.edges).toEqual([9.9, 19.8, 29.7, 39.6, 49.5, 59.4, 69.3, 79.2, 89.1].map((v) => expect.closeTo(v, 9)) as unknown as number[]);
    expect(p.counts).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(binIndex(p.edges, -5)).toBe(0);
    expect(binIndex(p.edges, 1000)).toBe(9);
    const c = categoricalProfile('c', ['b', 'a', 'b', null]);
    expect(c.counts).toEqual({ __null__: 1, a: 1, b: 2 });
    expect(Object.keys(c.counts)).toEqual(['__null__', 'a', 'b']);
  });
  it('flags a shifted numeric and a changed categorical column, passes a same-distribution sample', () => {
    const rng = seededRng(1);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const train = Array.from({ length: 5000 }, () => ({ x: gauss(), c: rng() < 0.7 ? 'a' : 'b' }));
    const profile = buildProfile(train, [
      { name: 'x', type: 'number' },
      { name: 'c', type: 'string' },
    ]);
    expect(profile.rows).toBe(5000);
    const same = Array.from({ length: 2000 }, () => ({ x: gauss(), c: rng() < 0.7 ? 'a' : 'b' }));
    const ok = compareProfile(profile, same);
    expect(ok.ok).toBe(true);
    expect(ok.columns[0].psi!).toBeLessThan(0.05);
    const shifted = Array.from({ length: 2000 }, () => ({ x: gauss() + 1, c: rng() < 0.3 ? 'a' : rng() < 0.5 ? 'b' : 'z' }));
    const bad = compareProfile(profile, shifted);
    expect(bad.ok).toBe(false);
    expect(bad.drifted).toEqual(['x', 'c']);
    expect(bad.columns[0].psi!).toBeGreaterThan(0.2);
    expect(bad.columns[0].ks!).toBeGreaterThan(0.3);
    expect(bad.columns[1].unseen).toEqual(['z']);
    expect(bad.columns[1].js!).toBeGreaterThan(0.1);
  });
});

describe('drift on a Redis window', () => {
  it('an unreachable Redis is a one-line not-found error, not a hang or an unhandled ioredis event', async () => {
    const { readRedisWindow } = await import('../../../src/ops/monitor-drift.js');
    const { freePort } = await import('../../helpers/redis.js');
    const port = await freePort(); // nothing listens there
    await expect(readRedisWindow(`redis://127.0.0.1:${port}`, 'events', 100)).rejects.toMatchObject({ kind: 'not-found', message: expect.stringMatching(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: /) });
  });
});

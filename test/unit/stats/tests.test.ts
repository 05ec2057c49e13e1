/** Benjamini–Hochberg adjustment and the two-sided normal p-value. */
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, twoSidedP } from '../../../src/stats/tests.js';

describe('Benjamini–Hochberg (pure)', () => {
  it("matches R's p.adjust(method = 'BH')", () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") → 0.02 0.04 0.04 0.02
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005]).map((q) => Number(q.toPrecision(12)))).toEqual([0.02, 0.04, 0.04, 0.02]);
    // p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205), "BH")
    expect(benjaminiHochberg([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]).map((q) => Number(q.toFixed(6)))).toEqual([0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.084571, 0.205]);
    expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 12);
  });
});

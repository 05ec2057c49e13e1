/** Round chart ticks. */
import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../../src/ui/ticks.js';

describe('round ticks (pure)', () => {
  it('steps of 1, 2, 2.5, 5 × 10^k', () => {
    expect(niceTicks(4.24, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(0.37, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(1.1, 4)).toEqual([0, 0.5, 1, 1.5]);
  });
});

/** Class names from the data: the negative class is the label column’s other value, or named, or an explained group. */
import { describe, expect, it } from 'vitest';
import { classNames, describeLabel, resolveBinaryLabel } from '../../src/labels.js';

describe('resolveBinaryLabel (pure)', () => {
  const label = { column: 'churn', task: 'binary' as const, positive: 'yes' };
  it('takes the other value of a two-valued column as the negative class', () => {
    const l = resolveBinaryLabel(label, [{ value: 'no', rows: 4000 }, { value: 'yes', rows: 700 }]);
    expect(l.negative).toBe('no');
    expect(classNames({ task: 'binary', label: l })).toEqual(['no', 'yes']);
    expect(describeLabel(l)).toBe('churn: positive "yes", negative "no"');
  });
  it('groups more than two values and says which', () => {
    const l = resolveBinaryLabel({ column: 'risk', task: 'binary', positive: 'bad' }, [{ value: 'good', rows: 5 }, { value: 'ok', rows: 3 }, { value: 'bad', rows: 2 }]);
    expect(l).toMatchObject({ negative: 'not_bad', negativeGroups: ['good', 'ok'] });
    expect(describeLabel(l)).toBe('risk: positive "bad", negative "not_bad" (groups "good", "ok")');
  });
  it('refuses values outside a declared positive/negative pair', () => {
    expect(() => resolveBinaryLabel({ ...label, negative: 'no' }, [{ value: 'no', rows: 1 }, { value: 'maybe', rows: 2 }, { value: 'yes', rows: 1 }])).toThrow(
      'label column "churn" has values other than positive "yes" and negative "no": "maybe" (2 rows)',
    );
  });
});

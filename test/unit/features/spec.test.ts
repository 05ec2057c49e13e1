/** Column selectors of a feature set expanded against the source columns. */
import { describe, expect, it } from 'vitest';
import { expandSelectors, globRegex, parseFeatureSet } from '../../../src/features/spec.js';
import type { ColumnSchema } from '../../../src/types.js';

describe('selectors (pure)', () => {
  const cols: ColumnSchema[] = ['id', 'total_day', 'total_eve', 'state', 'churn'].map((n, i) => ({ name: n, type: i === 3 || i === 4 ? 'string' : 'integer', duckType: 'BIGINT', nullable: true }));
  it('type and globs, never the label or a column named elsewhere', () => {
    const spec = parseFeatureSet('source: d@1\nlabel: {column: churn, positive: "yes"}\nfeatures:\n  - total_eve\n  - columns: {type: numeric, exclude: [id]}\n  - columns: ["*"]\n    transforms: [{impute: mode}, one_hot]\n', 'f.yaml', 'f');
    const x = expandSelectors(spec, cols);
    expect(x.features.map((f) => [f.name, f.kind])).toEqual([
      ['total_eve', 'numeric'],
      ['total_day', 'numeric'],
      ['id', 'categorical'],
      ['state', 'categorical'],
    ]);
    expect(globRegex('total_[de]*').test('total_day')).toBe(true);
    expect(globRegex('a.b').test('axb')).toBe(false);
  });
});

/** Expectation rules: parsing every form and the SQL predicate of a failing row. */
import { describe, expect, it } from 'vitest';
import { failSql, parseRule } from '../../../src/datasets/expect.js';
import { DictlError } from '../../../src/errors.js';

describe('expect rules (pure)', () => {
  it('parses every rule form', () => {
    expect(parseRule('Income not null')).toEqual({ kind: 'not-null', column: 'Income', text: 'Income not null' });
    expect(parseRule('id unique')).toMatchObject({ kind: 'unique', column: 'id' });
    expect(parseRule('Age between 18 and 100')).toMatchObject({ kind: 'range', column: 'Age', min: 18, max: 100 });
    expect(parseRule('age>=18')).toMatchObject({ kind: 'range', column: 'age', min: 18 });
    expect(parseRule('x > 0')).toMatchObject({ kind: 'range', min: 0, minExclusive: true });
    expect(parseRule('x < 1.5')).toMatchObject({ kind: 'range', max: 1.5, maxExclusive: true });
    expect(parseRule('"mean radius" <= 30')).toMatchObject({ kind: 'range', column: 'mean radius', max: 30 });
    expect(parseRule("Home in (owner, rent, 'other place')")).toMatchObject({ kind: 'in', column: 'Home', values: ['owner', 'rent', 'other place'] });
  });
  it.each(['x between 5 and 1', 'x >= abc', 'x is pretty', 'x in ()', '"x not null'])('refuses %j', (t) => {
    expect(() => parseRule(t)).toThrow(DictlError);
  });
  it('builds the failing-row predicate', () => {
    expect(failSql(parseRule('a between 1 and 2'))).toBe('"a" IS NOT NULL AND (TRY_CAST("a" AS DOUBLE) IS NULL OR TRY_CAST("a" AS DOUBLE) < 1 OR TRY_CAST("a" AS DOUBLE) > 2)');
    expect(failSql(parseRule("b in (x, 'y''z')"))).toBe(`"b" IS NOT NULL AND "b" NOT IN ('x', 'y''z')`);
    expect(failSql(parseRule('c not null'))).toBe('"c" IS NULL');
  });
});

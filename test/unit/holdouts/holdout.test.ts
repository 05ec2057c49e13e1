import { describe, expect, it } from 'vitest';
import { holdoutHash, parseRowList } from '../../../src/holdouts/create.js';
import { DictlError } from '../../../src/errors.js';

describe('parseRowList', () => {
  it('parses, sorts and ignores blank lines', () => {
    expect(parseRowList('5\n1\n\n3\n', 10)).toEqual([1, 3, 5]);
  });
  it.each([
    ['x\n', 'not a row number'],
    ['1\n1\n', 'listed twice'],
    ['10\n', 'out of range'],
    ['\n\n', 'lists no rows'],
    ['-1\n', 'not a row number'],
  ])('rejects %j', (text, msg) => {
    try {
      parseRowList(text, 10);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DictlError);
      expect((e as DictlError).kind).toBe('data');
      expect((e as Error).message).toContain(msg);
    }
  });
  it('refuses a list holding every row', () => {
    expect(() => parseRowList('0\n1\n', 2)).toThrow(/every row/);
  });
});

describe('holdoutHash', () => {
  it('depends on the data and the rows, not on their order of listing', () => {
    const a = holdoutHash('abc', [1, 2, 3]);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(holdoutHash('abc', [1, 2, 3])).toBe(a);
    expect(holdoutHash('abd', [1, 2, 3])).not.toBe(a);
    expect(holdoutHash('abc', [1, 2, 4])).not.toBe(a);
  });
});

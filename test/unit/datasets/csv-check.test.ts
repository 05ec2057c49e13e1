/** CSV checks before registration (delimiter, header, DuckDB errors) and the DuckDB → column type map. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, diagnoseCsv, condenseDuckError, headerProblem, parseHeader } from '../../../src/datasets/csv-check.js';
import { columnTypeOf } from '../../../src/datasets/schema.js';
import { tempDir } from '../../helpers/workspace.js';

describe('csv checks', () => {
  it('detects the delimiter from the header', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('"a;x",b,c')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
  });
  it('reads the header names', () => {
    expect(parseHeader('\ufeffa,"b,c","d""e"\r\n1,2,3', ',')).toEqual(['a', 'b,c', 'd"e']);
    expect(parseHeader('a;b\n', ';')).toEqual(['a', 'b']);
    expect(parseHeader('a,b', ',')).toBeUndefined();
    expect(headerProblem(['a', 'b'])).toBeUndefined();
  });
  it('finds nothing wrong in a good file, including quoted newlines and doubled quotes', async () => {
    const f = join(tempDir(), 'ok.csv');
    writeFileSync(f, 'a,b\n1,"x\ny"\n2,"say ""hi"""\n\n');
    expect(await diagnoseCsv(f, ',')).toBeUndefined();
  });
  it('condenses DuckDB errors to the line and reason', () => {
    expect(condenseDuckError('Invalid Input Error: CSV Error on Line: 7\nOriginal Line: 1,2\nExpected Number of Columns: 3 Found: 2\nPossible fixes: x')).toBe('line 7: Expected Number of Columns: 3 Found: 2');
    expect(condenseDuckError('IO Error: No files found that match the pattern "x"\nmore')).toBe('No files found that match the pattern "x"');
  });
  it('maps DuckDB types', () => {
    expect(['BIGINT', 'INTEGER', 'DOUBLE', 'DECIMAL(10,2)', 'VARCHAR', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'TIME'].map(columnTypeOf)).toEqual([
      'integer',
      'integer',
      'number',
      'number',
      'string',
      'boolean',
      'date',
      'timestamp',
      'string',
    ]);
  });
});

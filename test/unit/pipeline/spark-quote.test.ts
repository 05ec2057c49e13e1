/**
 * The Spark SQL dialect's quoting (src/pipeline/dialect.ts): strings spelled with chr() for quotes,
 * backslashes, $ and control characters, backticks doubled in names, doubles as exact casts; sqlglot
 * (the peer) reads a chr() spelling back as the same characters.
 */
import { expect, it } from 'vitest';
import { spark } from '../../../src/pipeline/dialect.js';
import { requireSqlglot, transpileSpark } from '../../helpers/sqlglot.js';

requireSqlglot();

it('spells quotes, backslashes, $ and control characters with chr() and doubles backticks in names', () => {
  expect(spark.str('plain ü')).toBe(`'plain ü'`);
  expect(spark.str("it's \\ ${x}\n")).toBe(`('it' || chr(39) || 's ' || chr(92) || ' ' || chr(36) || '{x}' || chr(10))`);
  expect(spark.id('a`b')).toBe('`a``b`');
  expect(spark.dbl(0.1)).toBe(`CAST('0.1' AS DOUBLE)`);
  expect(spark.dbl(-Infinity)).toBe(`CAST('-Infinity' AS DOUBLE)`);
  const t = transpileSpark(`SELECT ${spark.str("it's \\ ${x}\n")} AS v FROM source`);
  expect(t.duckdb).toContain('CHR(39)');
});

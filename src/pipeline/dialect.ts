/**
 * The two SQL dialects the fitted pipeline compiles to: DuckDB (the engine dictl runs) and Spark SQL
 * (text for a team to materialise the same features on a cluster). Only the spellings differ — quoting,
 * literals, casts, the error function; the expression trees are the same. Pure.
 *
 * Spark literals never use backslash escapes or doubled quotes: Spark reads '' as two adjacent literals
 * (concatenated, so the quote disappears) and the meaning of \ depends on
 * spark.sql.parser.escapedStringLiterals. A value holding ', \, $ (spark-sql substitutes ${...}) or a
 * control character is therefore spelled as a concatenation with chr(n), which reads the same in
 * every Spark configuration.
 */
import { sqlIdent, sqlString } from '../util/sql-quote.js';

export type DialectName = 'duckdb' | 'spark';
export const DIALECTS: readonly DialectName[] = ['duckdb', 'spark'];

export interface SqlDialect {
  name: DialectName;
  /** a quoted identifier */
  id(s: string): string;
  /** a string literal */
  str(s: string): string;
  /** a DOUBLE literal that reads back to exactly the same IEEE value */
  dbl(v: number): string;
  /** a small whole number as a DOUBLE literal (category indexes, bucket numbers) */
  int(n: number): string;
  /** CAST(x AS type) */
  cast(x: string, type: 'DOUBLE' | 'VARCHAR' | 'BIGINT'): string;
  /** an expression that fails the query with the message `msgSql` (a string expression) */
  error(msgSql: string): string;
}

/** The text of a double that parses back to the same value, spelled for a string cast. */
function doubleText(v: number, inf: string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return inf;
  if (v === -Infinity) return `-${inf}`;
  if (Object.is(v, -0)) return '-0.0';
  return String(v);
}

export const duckdb: SqlDialect = {
  name: 'duckdb',
  id: sqlIdent,
  str: sqlString,
  // a bare 0.1 would be DECIMAL in DuckDB
  dbl: (v) => `'${doubleText(v, 'inf')}'::DOUBLE`,
  int: (n) => `${n}.0::DOUBLE`,
  cast: (x, t) => `CAST(${x} AS ${t})`,
  error: (m) => `error(${m})`,
};

const SPARK_UNSAFE = /['\\$\x00-\x1f\x7f]/;

function sparkStr(s: string): string {
  if (!SPARK_UNSAFE.test(s)) return `'${s}'`;
  const parts: string[] = [];
  let run = '';
  for (const ch of s) {
    if (SPARK_UNSAFE.test(ch)) {
      if (run) parts.push(`'${run}'`);
      run = '';
      parts.push(`chr(${ch.charCodeAt(0)})`);
    } else run += ch;
  }
  if (run) parts.push(`'${run}'`);
  return `(${parts.join(' || ')})`;
}

export const spark: SqlDialect = {
  name: 'spark',
  id: (s) => `\`${s.replace(/`/g, '``')}\``,
  str: sparkStr,
  dbl: (v) => `CAST('${doubleText(v, 'Infinity')}' AS DOUBLE)`,
  int: (n) => `CAST(${n} AS DOUBLE)`,
  cast: (x, t) => `CAST(${x} AS ${t === 'VARCHAR' ? 'STRING' : t})`,
  error: (m) => `raise_error(${m})`,
};

export const dialectOf = (name: DialectName = 'duckdb'): SqlDialect => (name === 'spark' ? spark : duckdb);

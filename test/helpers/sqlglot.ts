/**
 * sqlglot (/usr/bin/python3, Debian python3-sqlglot) as the peer that reads dictl's Spark SQL: a parse
 * error fails the caller's test; the DuckDB transpilation and the identifiers and string literals read
 * come back.
 */
import { python, requirePython } from './python.js';

/** Fails the calling suite, naming the package, when sqlglot is missing. */
export const requireSqlglot = (): void => requirePython({ sqlglot: 'python3-sqlglot' });

/** Parses Spark SQL with sqlglot (raising on any parse error) and returns the DuckDB transpilation and the identifiers read. */
export function transpileSpark(sql: string): { duckdb: string; identifiers: string[]; strings: string[] } {
  const code = `import sys, json, sqlglot
from sqlglot import exp
sql = sys.stdin.read()
tree = sqlglot.parse_one(sql, read="spark")
ids = sorted({i.name for i in tree.find_all(exp.Identifier)})
strs = sorted({s.name for s in tree.find_all(exp.Literal) if s.is_string})
print(json.dumps({"duckdb": tree.sql(dialect="duckdb"), "identifiers": ids, "strings": strs}))`;
  const r = python(['-c', code], { input: sql });
  if (r.status !== 0) throw new Error(`sqlglot could not parse the Spark SQL: ${r.stderr}\n${sql}`);
  return JSON.parse(r.stdout);
}

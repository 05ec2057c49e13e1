/**
 * Mapping between DuckDB's types and dictl's ColumnType, and the normalisation applied before a
 * dataset is stored: integers → BIGINT, other numbers → DOUBLE, text → VARCHAR, so every reader of a
 * data.parquet sees the same small set of physical types. Pure functions, no I/O.
 */
import type { ColumnType } from '../types.js';

const INTEGER = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const NUMBER = new Set(['FLOAT', 'DOUBLE', 'REAL', 'HUGEINT', 'UHUGEINT', 'UBIGINT']);

/** The dictl type of a DuckDB type name (DECIMAL(p,s) → number, TIMESTAMP* → timestamp, else string). */
export function columnTypeOf(duckType: string): ColumnType {
  const t = duckType.toUpperCase();
  if (INTEGER.has(t)) return 'integer';
  if (NUMBER.has(t) || t.startsWith('DECIMAL') || t.startsWith('NUMERIC')) return 'number';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return 'string';
}

/** The DuckDB type a column of this dictl type is stored as. */
export function storedDuckType(t: ColumnType): string {
  switch (t) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}

/** Names accepted by `--type COL=TYPE` → the DuckDB type given to read_csv. */
export function duckTypeForFlag(t: string): string | undefined {
  const m: Record<string, string> = {
    string: 'VARCHAR',
    text: 'VARCHAR',
    varchar: 'VARCHAR',
    number: 'DOUBLE',
    double: 'DOUBLE',
    float: 'DOUBLE',
    integer: 'BIGINT',
    int: 'BIGINT',
    bigint: 'BIGINT',
    boolean: 'BOOLEAN',
    bool: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
  };
  return m[t.toLowerCase()];
}

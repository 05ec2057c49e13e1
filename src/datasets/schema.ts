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

/**
 * The widest dataset dictl registers. Profiling runs in column batches with bounded memory (about
 * 0.9 GB RSS and a minute and a half for 10,000 columns on a loaded 2-core machine); above this limit
 * a file is refused from its header before any of it is read.
 */
export const MAX_COLUMNS = 20_000;

export function columnLimitProblem(n: number): string | undefined {
  return n > MAX_COLUMNS ? `the file has ${n} columns; dictl registers at most ${MAX_COLUMNS}` : undefined;
}

/** Column names dictl uses for itself inside builds and scans (__row, __split, __label, …, and DuckDB's file_row_number). */
export const RESERVED_PREFIX = '__';
const RESERVED_NAMES = ['file_row_number'];

/**
 * The first column name that would collide with dictl's internal columns (compared ignoring case, as
 * DuckDB does), as a message; undefined when there is none. Such a column would silently shadow the
 * build's own label, split or row number.
 */
export function reservedColumnProblem(names: string[]): string | undefined {
  for (const n of names) {
    if (n.startsWith(RESERVED_PREFIX)) return `column "${n}" starts with the reserved prefix "${RESERVED_PREFIX}" (dictl's own columns such as __label, __split and __row use it)`;
    if (RESERVED_NAMES.includes(n.toLowerCase())) return `column "${n}" uses a name reserved for dictl's own use (${RESERVED_NAMES.join(', ')})`;
  }
  return undefined;
}

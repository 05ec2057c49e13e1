/** Quoting for DuckDB SQL, done here only: a string literal and an identifier, each with its quote doubled. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

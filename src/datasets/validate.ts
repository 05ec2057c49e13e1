/**
 * `dataset validate NAME --file PATH`: checks a new file against a version's schema (every column
 * present, no unknown columns, each value of the column's type, no missing values where the schema is
 * not nullable) and the user's --expect rules, and reports every failing row and rule, not only the
 * first. Read-only for the workspace; --quarantine writes the failing rows (as read) to a CSV file.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DictlError, dataError, notFound, usageError } from '../errors.js';
import { checkInputFile } from '../io/outputs.js';
import { tempPathFor } from '../io/atomic.js';
import { openDuck, sqlIdent, sqlString } from '../io/duck.js';
import type { ColumnSchema, DatasetVersion } from '../types.js';
import { csvRelation, HINTS, readHead } from './register.js';
import { condenseDuckError, detectDelimiter, diagnoseCsv } from './csv-check.js';
import { failSql, parseRule, type Rule } from './expect.js';
import { resolveDataset } from './store.js';
import type { Workspace } from '../workspace.js';

export interface ValidateOptions {
  ref: string;
  file: string;
  expect?: string[];
  quarantine?: string;
  delimiter?: string;
  na?: string[];
  /** most failures listed (all are counted); default: all */
  maxFailures?: number;
}

export interface RuleResult {
  rule: string;
  kind: 'schema' | 'type' | 'not-null' | 'unique' | 'range' | 'in';
  column?: string;
  failures: number;
}

export interface RowFailure {
  /** 0-based data-row number */
  row: number;
  /** 1-based line in a CSV file (header = line 1); undefined for Parquet */
  line?: number;
  rule: string;
  column: string;
  value: string | null;
}

export interface ValidateResult {
  dataset: string;
  file: string;
  rows: number;
  ok: boolean;
  /** problems with the file as a whole (missing or unexpected columns) */
  schemaErrors: string[];
  rules: RuleResult[];
  failingRows: number;
  failures: RowFailure[];
  truncated: boolean;
  quarantine?: { file: string; rows: number };
}

const CAST: Record<ColumnSchema['type'], string> = { integer: 'BIGINT', number: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' };

interface Check {
  rule: string;
  kind: RuleResult['kind'];
  column: string;
  sql: string;
}

export function schemaChecks(ds: DatasetVersion, present: Set<string>): Check[] {
  const out: Check[] = [];
  for (const c of ds.columns) {
    if (!present.has(c.name)) continue;
    const q = sqlIdent(c.name);
    if (c.type !== 'string') {
      const cast = c.type === 'integer' ? `TRY_CAST(TRY_CAST(${q} AS DOUBLE) AS BIGINT) IS NULL OR TRY_CAST(${q} AS DOUBLE) <> TRY_CAST(TRY_CAST(${q} AS DOUBLE) AS BIGINT)` : `TRY_CAST(${q} AS ${CAST[c.type]}) IS NULL`;
      const finite = c.type === 'number' ? ` OR NOT isfinite(TRY_CAST(${q} AS DOUBLE))` : '';
      out.push({ rule: `${c.name} is ${c.type}`, kind: 'type', column: c.name, sql: `${q} IS NOT NULL AND (${cast}${finite})` });
    }
    if (!c.nullable) out.push({ rule: `${c.name} not null (schema)`, kind: 'not-null', column: c.name, sql: `${q} IS NULL` });
  }
  return out;
}

export async function validateFile(ws: Workspace, o: ValidateOptions): Promise<ValidateResult> {
  const ds = resolveDataset(ws, o.ref);
  const rules: Rule[] = (o.expect ?? []).map(parseRule);
  for (const r of rules)
    if (!ds.columns.some((c) => c.name === r.column)) throw usageError(`--expect "${r.text}": ${ds.ref} has no column "${r.column}"`, `columns: ${ds.columns.map((c) => c.name).join(', ')}`);
  const path = resolve(o.file);
  if (!existsSync(path)) throw notFound(`file ${o.file} does not exist`);
  checkInputFile(path, o.file);
  if (statSync(path).size === 0) throw dataError(`${o.file} is empty (0 bytes)`);
  if (o.quarantine && resolve(o.quarantine) === path) throw usageError('--quarantine must not be the file being validated');
  const head = readHead(path, 4096);
  const isParquet = head.subarray(0, 4).toString('latin1') === 'PAR1';
  const delimiter = o.delimiter ?? detectDelimiter(head.toString('utf8').split('\n')[0]);
  const duck = await openDuck();
  try {
    const rel = isParquet ? `read_parquet(${sqlString(path)})` : csvRelation(path, { delimiter, quote: '"', na: o.na ?? [], types: {}, allVarchar: true });
    try {
      if (isParquet) {
        const desc = await duck.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${rel}`);
        await duck.run(`CREATE TABLE __v AS SELECT ${desc.map((d) => `${sqlIdent(d.column_name)}::VARCHAR AS ${sqlIdent(d.column_name)}`).join(', ')} FROM ${rel}`);
      } else await duck.run(`CREATE TABLE __v AS SELECT * FROM ${rel}`);
    } catch (e) {
      if (!isParquet) {
        const p = await diagnoseCsv(path, delimiter);
        if (p) throw dataError(`${o.file}: ${p.message}`, HINTS[p.kind]);
      }
      throw dataError(`${o.file}: cannot read: ${condenseDuckError((e as Error).message)}`);
    }
    const cols = (await duck.all<{ column_name: string }>(`DESCRIBE __v`)).map((d) => d.column_name);
    const present = new Set(cols);
    const schemaErrors: string[] = [];
    for (const c of ds.columns) if (!present.has(c.name)) schemaErrors.push(`missing column "${c.name}" (${c.type})`);
    const known = new Set(ds.columns.map((c) => c.name));
    for (const c of cols) if (!known.has(c)) schemaErrors.push(`unexpected column "${c}" (not in ${ds.ref})`);

    const checks = schemaChecks(ds, present);
    const uniqCols: string[] = [];
    for (const r of rules) {
      if (!present.has(r.column)) continue;
      let u: string | undefined;
      if (r.kind === 'unique') {
        u = `__n${uniqCols.length}`;
        uniqCols.push(r.column);
      }
      checks.push({ rule: r.text, kind: r.kind, column: r.column, sql: failSql(r, u) });
    }
    const [{ n }] = await duck.all<{ n: number }>(`SELECT count(*) AS n FROM __v`);
    const windows = uniqCols.map((c, i) => `count(*) OVER (PARTITION BY ${sqlIdent(c)}) AS __n${i}`);
    const base = `(SELECT rowid AS __row, *${windows.length ? ', ' + windows.join(', ') : ''} FROM __v)`;
    const results: RuleResult[] = [];
    const failures: RowFailure[] = [];
    const max = o.maxFailures ?? Number.POSITIVE_INFINITY;
    let truncated = false;
    let failingRows = 0;
    if (checks.length) {
      const sel = checks.map((c, i) => `coalesce(${c.sql}, false) AS __f${i}`).join(', ');
      await duck.run(`CREATE TABLE __fails AS SELECT __row, ${sel} FROM ${base}`);
      const counts = (await duck.all<Record<string, number>>(`SELECT ${checks.map((_, i) => `count(*) FILTER (WHERE __f${i}) AS c${i}`).join(', ')} FROM __fails`))[0];
      checks.forEach((c, i) => results.push({ rule: c.rule, kind: c.kind, column: c.column, failures: Number(counts[`c${i}`]) }));
      const union = checks
        .map((c, i) => `SELECT f.__row AS r, ${i} AS k, v.${sqlIdent(c.column)} AS val FROM __fails f JOIN (SELECT rowid AS __row, * FROM __v) v USING (__row) WHERE f.__f${i}`)
        .join(' UNION ALL ');
      const limit = Number.isFinite(max) ? ` LIMIT ${Math.floor(max) + 1}` : '';
      const rows = await duck.all<{ r: number; k: number; val: string | null }>(`SELECT * FROM (${union}) ORDER BY r, k${limit}`);
      for (const row of rows) {
        if (failures.length >= max) {
          truncated = true;
          break;
        }
        const c = checks[row.k];
        failures.push({ row: row.r, line: isParquet ? undefined : row.r + 2, rule: c.rule, column: c.column, value: row.val });
      }
      const fr = await duck.all<{ c: number }>(`SELECT count(*) AS c FROM __fails WHERE ${checks.map((_, i) => `__f${i}`).join(' OR ')}`);
      failingRows = Number(fr[0].c);
    }
    const ok = schemaErrors.length === 0 && failingRows === 0;
    const result: ValidateResult = { dataset: ds.ref, file: path, rows: n, ok, schemaErrors, rules: results, failingRows, failures, truncated };
    if (o.quarantine) {
      const target = resolve(o.quarantine);
      const tmp = tempPathFor(target);
      const where = checks.length ? `rowid IN (SELECT __row FROM __fails WHERE ${checks.map((_, i) => `__f${i}`).join(' OR ')})` : 'false';
      try {
        await duck.run(`COPY (SELECT * FROM __v WHERE ${where} ORDER BY rowid) TO ${sqlString(tmp)} (FORMAT csv, HEADER true)`);
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { force: true });
        if (e instanceof DictlError) throw e;
        throw usageError(`cannot write --quarantine ${o.quarantine}: ${condenseDuckError((e as Error).message)}`);
      }
      result.quarantine = { file: target, rows: failingRows };
    }
    return result;
  } finally {
    duck.close();
  }
}

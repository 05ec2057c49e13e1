/**
 * Dataset versions from a file or a relation (datasets/NAME/VERSION/{data.parquet, meta.json}): the
 * pieces of `dataset register` (ops/dataset-register.ts), `dataset derive` and `review export
 * --as-dataset`. The data is read, stored and profiled in a staging folder outside the version folders
 * (stageRelation, withStaging), and only a clean result is renamed into place by commitStagedUnlocked,
 * which the use cases call under the workspace lock.
 */
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { dataError, usageError } from '../errors.js';
import { commitDir, dropStaging, stagingDirFor, writeJsonAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import { sqlIdent, sqlString, type Duck, withDuck } from '../io/duck.js';
import { appendAudit, defaultActor } from '../io/audit.js';
import type { ColumnSchema, Consent, DatasetVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import { sha256File } from '../util/hash.js';
import type { Workspace } from '../workspace.js';
import { profileRelation } from './profile.js';
import { columnLimitProblem, columnTypeOf, reservedColumnProblem, storedDuckType } from './schema.js';
import { datasetDataPath, datasetDir, datasetVersionDir, datasetVersions, readDatasetVersion } from './store.js';

export const CONSENTS: Consent[] = ['opt-in', 'opt-out', 'not-required', 'unknown'];

export interface Metadata {
  steward: string;
  source?: string;
  license?: string;
  consent?: Consent;
  pii?: string[];
  description?: string;
  tags?: Record<string, string>;
}

export interface RegisterOptions extends Metadata {
  name: string;
  file: string;
  format?: 'csv' | 'parquet';
  /** CSV dialect: delimiter (default: detected from the header), quote (default "), extra NA strings */
  delimiter?: string;
  quote?: string;
  na?: string[];
  /** forced column types, COL → string|number|integer|boolean|date|timestamp */
  types?: Record<string, string>;
  wait?: number;
}

export type RegisterResult = DatasetVersion & { existing: boolean; path: string };

const STEWARD_RE = /^([^\s@]+@[^\s@]+\.[^\s@]+|[A-Za-z0-9][A-Za-z0-9._-]*)$/;

export function validateMetadata(m: Metadata): void {
  if (!m.steward || !STEWARD_RE.test(m.steward))
    throw usageError(`--steward "${m.steward ?? ''}" is not an e-mail address or a team id`, 'e.g. --steward data-team@example.com or --steward risk-analytics');
  if (m.consent !== undefined && !CONSENTS.includes(m.consent)) throw usageError(`--consent must be one of ${CONSENTS.join(', ')}, got "${m.consent}"`);
  for (const k of Object.keys(m.tags ?? {})) if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(k)) throw usageError(`tag key "${k}" is not allowed`, 'use letters, digits, ".", "_" and "-"');
}

/** "k=v" strings → a record; usage error on anything without "=". */
export function parseTags(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) {
    const i = t.indexOf('=');
    if (i <= 0) throw usageError(`--tag "${t}" is not KEY=VALUE`, 'e.g. --tag domain=telco');
    out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

/** "a,b" / repeated flags → a flat list of trimmed, non-empty names. */
export function splitList(list: string[] | string | undefined): string[] {
  const arr = Array.isArray(list) ? list : list ? [list] : [];
  return arr.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** read_csv(...) with an explicit dialect: a fixed dialect makes ragged rows and stray quotes errors instead of guesses. */
export function csvRelation(path: string, o: { delimiter: string; quote: string; na: string[]; types: Record<string, string>; allVarchar?: boolean }): string {
  const nulls = ['', ...o.na].map(sqlString).join(', ');
  const parts = [
    sqlString(path),
    'header = true',
    `delim = ${sqlString(o.delimiter)}`,
    `quote = ${sqlString(o.quote)}`,
    `escape = ${sqlString(o.quote)}`,
    'strict_mode = true',
    'null_padding = false',
    'skip = 0',
    `nullstr = [${nulls}]`,
  ];
  if (o.allVarchar) parts.push('all_varchar = true');
  // no BOOLEAN: DuckDB would read yes/no labels as true/false and lose the text; no TIME either
  else parts.push("auto_type_candidates = ['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']");
  const typeEntries = Object.entries(o.types);
  if (typeEntries.length) parts.push(`types = {${typeEntries.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`);
  return `read_csv(${parts.join(', ')})`;
}

export interface Staged {
  staging: string;
  columns: ColumnSchema[];
  rows: number;
  profile: DatasetVersion['profile'];
  dataSha256: string;
}

/**
 * Stores `rel` (any relation DuckDB can SELECT from) normalised to dictl's types as staging/data.parquet,
 * in source row order, profiles it, and refuses NaN/Infinity and mixed-type columns. The caller owns the
 * staging folder (removes it on error, commits it on success).
 */
export async function stageRelation(
  duck: Duck,
  rel: string,
  staging: string,
  opts: {
    what: string;
    progress: Progress;
    line?: (row: number) => string;
    naHint?: string;
    textColumns?: string[];
    typesNormalized?: boolean;
    /** with typesNormalized: the SELECT list to copy (default *) */
    select?: string;
  },
): Promise<Omit<Staged, 'staging'>> {
  const out = join(staging, 'data.parquet');
  let desc: { column_name: string; column_type: string }[];
  let written = false;
  if (opts.typesNormalized) {
    // the reader already yields only stored types (CSV with dictl's type candidates): copy straight through, one pass, no separate sniff
    opts.progress.phase(`Writing ${opts.what} as Parquet`);
    await duck.run(`COPY (SELECT ${opts.select ?? '*'} FROM ${rel}) TO ${sqlString(out)} (FORMAT parquet)`);
    written = true;
    desc = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(out)})`);
  } else desc = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${rel}`);
  if (desc.length === 0) throw dataError(`${opts.what} has no columns`);
  const reserved = reservedColumnProblem(desc.map((d) => d.column_name));
  if (reserved) throw dataError(`${opts.what}: ${reserved}`, 'rename the column in the source data');
  const seen = new Set<string>();
  for (const d of desc) {
    if (seen.has(d.column_name)) throw dataError(`${opts.what} has two columns named "${d.column_name}"`);
    seen.add(d.column_name);
  }
  const columns: ColumnSchema[] = desc.map((d) => {
    const type = columnTypeOf(d.column_type);
    return { name: d.column_name, type, duckType: storedDuckType(type), nullable: true };
  });
  const casts = columns.map((c, i) => {
    const q = sqlIdent(c.name);
    const from = desc[i].column_type.toUpperCase();
    return from === c.duckType ? q : `CAST(${q} AS ${c.duckType}) AS ${q}`;
  });
  if (!written) {
    opts.progress.phase(`Writing ${opts.what} as Parquet`);
    await duck.run(`COPY (SELECT ${casts.join(', ')} FROM ${rel}) TO ${sqlString(out)} (FORMAT parquet)`);
  } else if (casts.some((c, i) => c !== sqlIdent(columns[i].name))) throw new Error(`internal: unexpected stored types ${desc.map((d) => d.column_type).join(', ')}`);
  opts.progress.phase('Profiling');
  // hash the stored file while DuckDB profiles it
  const shaP = sha256File(out);
  shaP.catch(() => undefined);
  const stored = `read_parquet(${sqlString(out)})`;
  const scan = await profileRelation(duck, stored, columns);
  if (scan.rows === 0) throw dataError(`${opts.what} has a header but no data rows`, 'a dataset needs at least one row');
  const line = opts.line ?? ((r: number) => `row ${r}`);
  for (const c of columns) {
    const q = sqlIdent(c.name);
    const nonNullValues = scan.rows - (scan.profile.find((p) => p.name === c.name)?.nulls ?? 0);
    const numericValues = scan.numericText[c.name];
    // in a text column, NaN/Infinity count only when the column is otherwise numbers
    const textNumbers = numericValues !== undefined && !opts.textColumns?.includes(c.name) && 2 * numericValues >= nonNullValues;
    if ((scan.nonFinite[c.name] ?? 0) > 0 && (numericValues === undefined || textNumbers)) {
      const [first] = await duck.all<{ r: number; v: unknown }>(
        `SELECT file_row_number AS r, ${q}::VARCHAR AS v FROM read_parquet(${sqlString(out)}, file_row_number = true) WHERE NOT isfinite(${numericValues === undefined ? q : `TRY_CAST(${q} AS DOUBLE)`}) ORDER BY 1 LIMIT 1`,
      );
      throw dataError(
        `column "${c.name}" has ${scan.nonFinite[c.name]} NaN/Infinity value(s), first at ${line(first.r)} ("${first.v}")`,
        opts.naHint ?? 'write missing values as empty fields',
      );
    }
    const nonNull = nonNullValues;
    const numeric = numericValues;
    if (textNumbers && numeric! > 0 && numeric! < nonNull) {
      const [first] = await duck.all<{ r: number; v: string }>(
        `SELECT file_row_number AS r, ${q} AS v FROM read_parquet(${sqlString(out)}, file_row_number = true) WHERE ${q} IS NOT NULL AND TRY_CAST(${q} AS DOUBLE) IS NULL ORDER BY 1 LIMIT 1`,
      );
      throw dataError(
        `column "${c.name}" has mixed types: ${numeric} of ${nonNull} values are numbers but ${line(first.r)} has "${first.v}"`,
        `if "${first.v}" means missing pass --na "${first.v}"; to keep the column as text pass --type "${c.name}=string"`,
      );
    }
  }
  // nullable: a column is nullable in the schema when it has missing values in this version
  for (const c of columns) c.nullable = (scan.profile.find((p) => p.name === c.name)?.nulls ?? 0) > 0;
  const { sha256 } = await shaP;
  return { columns, rows: scan.rows, profile: scan.profile, dataSha256: sha256 };
}

export function existingWithSource(ws: Workspace, name: string, sourceSha: string): DatasetVersion | undefined {
  for (const v of datasetVersions(ws, name)) {
    const m = readDatasetVersion(ws, name, v);
    if (m.source.sha256 === sourceSha) return m;
  }
  return undefined;
}

export const asResult = (ws: Workspace, m: DatasetVersion, existing: boolean): RegisterResult => ({
  ...m,
  existing,
  path: datasetDataPath(ws, m.name, m.version),
});

/**
 * Commits a staged version (no lock: callers hold the workspace lock): re-checks for identical source
 * bytes, numbers the version, writes meta.json into the staging folder and renames it into place, then
 * appends the audit entry.
 */
export function commitStagedUnlocked(
  ws: Workspace,
  name: string,
  staged: Staged,
  base: Omit<DatasetVersion, 'kind' | 'name' | 'version' | 'ref' | 'createdAt' | 'createdBy' | 'dataSha256' | 'rows' | 'columns' | 'profile'>,
  opts: { action: string },
): RegisterResult {
  const dup = existingWithSource(ws, name, base.source.sha256);
  if (dup) return asResult(ws, dup, true);
  const versions = datasetVersions(ws, name);
  const version = (versions[versions.length - 1] ?? 0) + 1;
  const meta: DatasetVersion = {
    kind: 'dataset',
    name,
    version,
    ref: `${name}@${version}`,
    createdAt: new Date().toISOString(),
    createdBy: defaultActor(),
    ...base,
    dataSha256: staged.dataSha256,
    rows: staged.rows,
    columns: staged.columns,
    profile: staged.profile,
  };
  writeJsonAtomic(join(staged.staging, 'meta.json'), meta);
  mkdirSync(datasetDir(ws, name), { recursive: true });
  commitDir(staged.staging, datasetVersionDir(ws, name, version));
  crashPoint('dataset-commit');
  appendAudit(ws, {
    action: opts.action,
    subject: meta.ref,
    details: { source: meta.source, dataSha256: meta.dataSha256, rows: meta.rows, steward: meta.steward, consent: meta.consent, parents: meta.parents },
  });
  return asResult(ws, meta, false);
}

/** Runs fn with a staging folder under datasets/ that is removed unless fn committed it. */
export async function withStaging<T>(ws: Workspace, name: string, fn: (staging: string) => Promise<T>): Promise<T> {
  mkdirSync(ws.datasetsDir, { recursive: true });
  const staging = stagingDirFor(join(ws.datasetsDir, name));
  try {
    return await fn(staging);
  } finally {
    dropStaging(staging);
  }
}

const INT_MARK = 'DICTL-NOT-INTEGER';

/**
 * DuckDB's string → BIGINT cast rounds ("2.5" → 3), in read_csv and in SQL alike, so a column that its
 * sample says is integer but that holds a decimal further down would be silently changed. Integer
 * columns are therefore read as text and converted with a check that fails on any value that is not
 * an integer.
 */
export async function strictIntegers(duck: Duck, rel: string, path: string, o: { delimiter: string; quote: string; na: string[]; types: Record<string, string> }): Promise<{ rel: string; select: string; names: string[] }> {
  const desc = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${rel}`);
  const ints = desc.filter((d) => d.column_type.toUpperCase() === 'BIGINT').map((d) => d.column_name);
  if (ints.length === 0) return { rel, select: '*', names: desc.map((d) => d.column_name) };
  const types = { ...o.types };
  for (const c of ints) types[c] = 'VARCHAR';
  const select = desc
    .map((d, i) => {
      const q = sqlIdent(d.column_name);
      if (!ints.includes(d.column_name)) return q;
      const msg = `${INT_MARK}#${i}: `;
      return `CASE WHEN ${q} IS NULL THEN NULL WHEN TRY_CAST(${q} AS BIGINT) IS NOT NULL AND TRY_CAST(${q} AS DOUBLE) = TRY_CAST(${q} AS BIGINT) THEN TRY_CAST(${q} AS BIGINT) ELSE error(${sqlString(msg)} || ${q}) END AS ${q}`;
    })
    .join(', ');
  return { rel: csvRelation(path, { ...o, types }), select, names: desc.map((d) => d.column_name) };
}

/**
 * Runs one staging attempt. If it fails because a column read as integer holds a decimal number
 * (and the user did not force the type), marks that column DOUBLE in `retyped` and returns true (retry).
 */
export async function stageOrRetype(attempt: () => Promise<void>, names: string[], forced: Record<string, string>, retyped: Record<string, string>): Promise<boolean> {
  try {
    await attempt();
    return false;
  } catch (e) {
    const m = new RegExp(`${INT_MARK}#(\\d+): (.*)`).exec((e as Error).message ?? '');
    const col = m ? names[Number(m[1])] : undefined;
    const v = m?.[2].split('\n')[0].trim() ?? '';
    if (col !== undefined && forced[col] === undefined && retyped[col] === undefined && v !== '' && Number.isFinite(Number(v))) {
      retyped[col] = 'DOUBLE';
      return true;
    }
    throw e;
  }
}

/** A DuckDB error that means one column holds values of two types → a message naming the column and value. */
export function mixedTypeMessage(msg: string, names?: string[]): { message: string; hint: string } | undefined {
  const m = new RegExp(`${INT_MARK}#(\\d+): (.*)`).exec(msg);
  if (m && names?.[Number(m[1])] !== undefined) {
    const col = names[Number(m[1])];
    const v = m[2].split('\n')[0];
    return { message: `column "${col}" has mixed types: it holds integers but also "${v}"`, hint: `to keep the column as text pass --type "${col}=string"; for decimals pass --type "${col}=number"; if "${v}" means missing pass --na "${v}"` };
  }
  const c = /Line: (\d+)[\s\S]*?Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to '?(\w+)'?/.exec(msg) ?? /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to '?(\w+)'?/.exec(msg);
  if (c) {
    const [line, col, v, t] = c.length === 5 ? [c[1], c[2], c[3], c[4]] : [undefined, c[1], c[2], c[3]];
    return {
      message: `column "${col}" has mixed types: ${line ? `line ${line} has` : 'it holds'} "${v}", which is not ${t.toLowerCase() === 'double' ? 'a number' : t.toLowerCase() === 'bigint' ? 'an integer' : `a ${t.toLowerCase()}`} like the values before it`,
      hint: `to keep the column as text pass --type "${col}=string"; if "${v}" means missing pass --na "${v}"`,
    };
  }
  return undefined;
}

export const HINTS = {
  encoding: 'convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8 IN > OUT)',
  ragged: 'fix the file: every row must have as many fields as the header (or give the right --delimiter)',
  'unterminated-quote': 'close the quote, or double a quote inside a quoted field ("")',
};

/**
 * Two top-level Parquet columns whose names differ only in case ("A" and "a"): DuckDB's names are
 * case-insensitive and it would rename the second one ("a_1"), so the file is refused rather than
 * stored under names it does not have.
 */
export async function parquetNameProblem(path: string): Promise<string | undefined> {
  let rows: { name: string; num_children: number | bigint | null }[];
  try {
    rows = await withDuck((d) => d.all<{ name: string; num_children: number | bigint | null }>(`SELECT name, num_children FROM parquet_schema(${sqlString(path)})`));
  } catch {
    return undefined; // unreadable: the read below says why
  }
  // rows are the schema tree depth first; the root's children are the top-level columns
  const top: string[] = [];
  let i = 1;
  const skip = (): void => {
    const n = Number(rows[i++]?.num_children ?? 0);
    for (let k = 0; k < n; k++) skip();
  };
  const rootChildren = Number(rows[0]?.num_children ?? 0);
  for (let k = 0; k < rootChildren && i < rows.length; k++) {
    top.push(rows[i].name);
    skip();
  }
  const seen = new Map<string, string>();
  for (const n of top) {
    const prev = seen.get(n.toLowerCase());
    if (prev !== undefined) return `the file has two columns "${prev}" and "${n}" (names must differ, ignoring case)`;
    seen.set(n.toLowerCase(), n);
  }
  return columnLimitProblem(top.length) ?? reservedColumnProblem(top);
}

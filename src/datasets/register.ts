/**
 * `dataset register`: a CSV or Parquet file → an immutable dataset version
 * (datasets/NAME/VERSION/{data.parquet, meta.json}). Everything that can be checked is checked before
 * anything becomes visible: the data is read, stored and profiled in a staging folder outside the
 * version folders, and only a clean result is renamed into place under the workspace lock.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DictlError, dataError, environmentError, notFound, usageError } from '../errors.js';
import { commitDir, dropStaging, stagingDirFor, writeJsonAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import { openDuck, sqlIdent, sqlString, watchProgress, type Duck, withDuck } from '../io/duck.js';
import { locked } from '../io/lock.js';
import { appendAudit, defaultActor } from '../io/audit.js';
import type { ColumnSchema, Consent, DatasetVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import { sha256File } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { compressionOf, condenseDuckError, detectDelimiter, diagnoseCsv, headerProblem, MAX_HEADER_BYTES, parseHeader, readHeaderLine } from './csv-check.js';
import { readSource } from '../io/snapshot.js';
import { checkInputFile } from '../io/outputs.js';
import { profileRelation } from './profile.js';
import { columnLimitProblem, columnTypeOf, duckTypeForFlag, reservedColumnProblem, storedDuckType } from './schema.js';
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

const quietProgress: Progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };

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

function existingWithSource(ws: Workspace, name: string, sourceSha: string): DatasetVersion | undefined {
  for (const v of datasetVersions(ws, name)) {
    const m = readDatasetVersion(ws, name, v);
    if (m.source.sha256 === sourceSha) return m;
  }
  return undefined;
}

const asResult = (ws: Workspace, m: DatasetVersion, existing: boolean): RegisterResult => ({
  ...m,
  existing,
  path: datasetDataPath(ws, m.name, m.version),
});

/**
 * Commits a staged version under the lock: re-checks for identical source bytes, numbers the version,
 * writes meta.json into the staging folder and renames it into place, then appends the audit entry.
 */
export async function commitStaged(
  ws: Workspace,
  name: string,
  staged: Staged,
  base: Omit<DatasetVersion, 'kind' | 'name' | 'version' | 'ref' | 'createdAt' | 'createdBy' | 'dataSha256' | 'rows' | 'columns' | 'profile'>,
  opts: { wait?: number; action: string; command: string },
): Promise<RegisterResult> {
  return locked(ws, opts.wait, opts.command, () => {
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
  });
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
async function strictIntegers(duck: Duck, rel: string, path: string, o: { delimiter: string; quote: string; na: string[]; types: Record<string, string> }): Promise<{ rel: string; select: string; names: string[] }> {
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
async function stageOrRetype(attempt: () => Promise<void>, names: string[], forced: Record<string, string>, retyped: Record<string, string>): Promise<boolean> {
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

export async function registerDataset(ws: Workspace, o: RegisterOptions, progress: Progress = quietProgress): Promise<RegisterResult> {
  // 1. everything that needs no data
  const name = validateName('dataset', o.name);
  validateMetadata(o);
  const source = resolve(o.file);
  if (!existsSync(source)) throw notFound(`file ${o.file} does not exist`, `check the path: it is read relative to the current folder (${process.cwd()})`);
  checkInputFile(source, o.file);
  const st = statSync(source);
  const types: Record<string, string> = {};
  for (const [col, t] of Object.entries(o.types ?? {})) {
    const d = duckTypeForFlag(t);
    if (!d) throw usageError(`--type ${col}=${t}: unknown type "${t}"`, 'use string, number, integer, boolean, date or timestamp');
    types[col] = d;
  }
  const quote = o.quote ?? '"';
  if (quote.length !== 1) throw usageError(`--quote must be one character, got "${quote}"`);

  // 2. what is read and hashed below is exactly what is stored: a file being written is copied first,
  //    a file at rest is read in place and refused if it changes before the commit
  mkdirSync(ws.datasetsDir, { recursive: true });
  const src = readSource(source, o.file, join(ws.datasetsDir, `${name}.source`), st);
  try {
    return await registerRead(ws, o, name, source, src.path, src.check, types, quote, progress);
  } catch (e) {
    // a file that changed under the reader can fail in any odd way: say what happened
    if (!(e instanceof DictlError && /changed while being read/.test(e.message))) src.check();
    throw e;
  } finally {
    src.remove();
  }
}

async function registerRead(ws: Workspace, o: RegisterOptions, name: string, source: string, path: string, unchanged: () => void, types: Record<string, string>, quote: string, progress: Progress): Promise<RegisterResult> {
  const head = readHead(path, 4096);
  const isParquetMagic = head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'PAR1';
  const format = o.format ?? (/\.parquet$/i.test(source) || isParquetMagic ? 'parquet' : 'csv');
  if (head.length === 0) throw dataError(`${o.file} is empty (0 bytes)`, format === 'parquet' ? 'a Parquet file has at least a header and a footer' : 'a CSV file needs a header line and at least one row');
  const compressed = compressionOf(head);
  if (compressed) throw dataError(`${o.file} is ${compressed}-compressed, not ${format === 'parquet' ? 'Parquet' : 'CSV'} text`, `decompress it first (e.g. ${compressed === 'gzip' ? 'gunzip -k' : compressed === 'zstd' ? 'zstd -d' : compressed === 'bzip2' ? 'bunzip2 -k' : compressed === 'xz' ? 'unxz -k' : 'unzip'} ${o.file}) and register the result`);
  if (format === 'parquet' && !isParquetMagic) throw dataError(`${o.file} is not a Parquet file (no PAR1 magic bytes)`, 'pass --format csv if it is a CSV file');
  const headText = head.toString('utf8');
  const delimiter = o.delimiter === undefined ? detectDelimiter(headText.split('\n')[0], quote) : o.delimiter === '\\t' || o.delimiter === 'tab' ? '\t' : o.delimiter;
  if (delimiter.length !== 1) throw usageError(`--delimiter must be one character, got "${delimiter}"`);
  if (format === 'csv') {
    const line = readHeaderLine(path, quote);
    if (line === undefined) throw dataError(`${o.file}: the header line is longer than ${MAX_HEADER_BYTES / 1024 / 1024} MB`, 'is this a CSV file with a header line?');
    const text = (line.charCodeAt(0) === 0xfeff ? line.slice(1) : line).replace(/\r$/, '');
    if (text.trim() === '') throw dataError(`${o.file}: the header line is empty${headText.trim() === '' ? ' (the file holds only whitespace)' : ''}`, 'the first line must name the columns, e.g. id,age,churn');
    const names = parseHeader(text + '\n', delimiter, quote) ?? [];
    const problem = columnLimitProblem(names.length) ?? headerProblem(names) ?? reservedColumnProblem(names.map((n) => n.trim()));
    if (problem) throw dataError(`${o.file}: ${problem}`, 'fix the header line');
  } else {
    const problem = await parquetNameProblem(path);
    if (problem) throw dataError(`${o.file}: ${problem}`, 'rename the column so that names differ ignoring case');
  }

  // 3. hash the source while DuckDB reads it; identical bytes → the existing version (the read is interrupted)
  const duck = await openDuck({ progress: true });
  // rows read and written, then profiled, of each DuckDB statement, under the current phase
  const stopTicks = watchProgress(duck, (d, t) => progress.tick(d, t));
  let dup: DatasetVersion | undefined;
  const srcP = sha256File(path).then((h) => {
    dup = existingWithSource(ws, name, h.sha256);
    if (dup) duck.conn.interrupt();
    return h;
  });
  srcP.catch(() => undefined);

  // 4. read, store and profile in a staging folder
  return withStaging(ws, name, async (staging) => {
    let staged!: Omit<Staged, 'staging'>;
    try {
      let rel = format === 'parquet' ? `read_parquet(${sqlString(path)})` : csvRelation(path, { delimiter, quote, na: o.na ?? [], types });
      let select: string | undefined;
      let names: string[] | undefined;
      // columns the sample called integer that turned out to hold decimals further down: read again as numbers
      const retyped: Record<string, string> = {};
      try {
        for (;;) {
          const t = { ...retyped, ...types };
          if (format === 'csv') ({ rel, select, names } = await strictIntegers(duck, csvRelation(path, { delimiter, quote, na: o.na ?? [], types: t }), path, { delimiter, quote, na: o.na ?? [], types: t }));
          const retry = format === 'csv' ? await stageOrRetype(() => stageOnce(), names!, types, retyped) : (await stageOnce(), false);
          if (!retry) break;
          progress.log(`re-reading: ${Object.keys(retyped).map((c) => `"${c}"`).join(', ')} hold decimals past the type sample; stored as numbers`);
        }
        async function stageOnce() {
          staged = await stageRelation(duck, rel, staging, {
          select,
          what: o.file,
          progress,
          line: format === 'csv' ? (r) => `line ${r + 2}` : (r) => `row ${r}`,
          textColumns: Object.keys(types).filter((k) => types[k] === 'VARCHAR'),
          typesNormalized: format === 'csv',
          naHint: format === 'csv' ? 'write missing values as empty fields, or pass --na NaN --na Infinity to read them as missing' : 'store missing values as NULL',
          });
        }
      } catch (e) {
        await srcP.catch(() => undefined);
        unchanged();
        if (dup) return asResult(ws, dup, true);
        if (e instanceof DictlError) throw e;
        const env = environmentError(e); // a full disk while writing the Parquet file is not bad data
        if (env) throw env;
        const msg = (e as Error).message ?? String(e);
        const mixed = mixedTypeMessage(msg, names);
        if (mixed) throw dataError(`${o.file}: ${mixed.message}`, mixed.hint);
        if (format === 'csv') {
          const problem = await diagnoseCsv(path, delimiter, quote);
          if (problem) throw dataError(`${o.file}: ${problem.message}`, HINTS[problem.kind]);
        }
        throw dataError(`${o.file}: cannot read as ${format.toUpperCase()}: ${condenseDuckError(msg)}`, format === 'csv' ? 'check the delimiter (--delimiter), quoting (--quote) and missing-value markers (--na)' : undefined);
      }
    } finally {
      stopTicks();
      duck.close();
    }
    const src = await srcP;
    unchanged();
    if (dup) return asResult(ws, dup, true);
    const pii = o.pii ?? [];
    for (const c of pii) if (!staged.columns.some((k) => k.name === c)) throw usageError(`--pii column "${c}" is not a column of ${o.file}`, `columns: ${staged.columns.map((k) => k.name).join(', ')}`);
    progress.phase('Committing');
    return commitStaged(
      ws,
      name,
      { ...staged, staging },
      {
        source: { file: source, format, sha256: src.sha256, bytes: src.bytes },
        steward: o.steward,
        sourceDescription: o.source,
        license: o.license,
        consent: o.consent ?? 'unknown',
        pii,
        description: o.description,
        tags: o.tags ?? {},
        parents: [],
      },
      { wait: o.wait, action: 'dataset.register', command: `dataset register ${name}` },
    );
  });
}

/**
 * Two top-level Parquet columns whose names differ only in case ("A" and "a"): DuckDB's names are
 * case-insensitive and it would rename the second one ("a_1"), so the file is refused rather than
 * stored under names it does not have.
 */
async function parquetNameProblem(path: string): Promise<string | undefined> {
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

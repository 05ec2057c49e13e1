/**
 * `dataset register`: a CSV or Parquet file → an immutable dataset version
 * (datasets/NAME/VERSION/{data.parquet, meta.json}). Everything that can be checked is checked before
 * anything becomes visible: the data is read, stored and profiled in a staging folder outside the
 * version folders (datasets/register.ts), and only a clean result is renamed into place under the
 * workspace lock, with a `dataset.register` audit entry.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DictlError, dataError, environmentError, notFound, usageError } from '../errors.js';
import { openDuck, sqlString, watchProgress } from '../io/duck.js';
import { locked } from '../io/lock.js';
import { readSource } from '../io/snapshot.js';
import { checkInputFile } from '../io/outputs.js';
import type { DatasetVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import { sha256File } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { compressionOf, condenseDuckError, detectDelimiter, diagnoseCsv, headerProblem, MAX_HEADER_BYTES, parseHeader, readHeaderLine } from '../datasets/csv-check.js';
import { columnLimitProblem, duckTypeForFlag, reservedColumnProblem } from '../datasets/schema.js';
import {
  asResult,
  commitStagedUnlocked,
  csvRelation,
  existingWithSource,
  HINTS,
  mixedTypeMessage,
  parquetNameProblem,
  readHead,
  stageOrRetype,
  stageRelation,
  strictIntegers,
  validateMetadata,
  withStaging,
  type RegisterOptions,
  type RegisterResult,
  type Staged,
} from '../datasets/register.js';

const quietProgress: Progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };

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
    return locked(ws, o.wait, `dataset register ${name}`, () =>
      commitStagedUnlocked(
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
        { action: 'dataset.register' },
      ),
    );
  });
}

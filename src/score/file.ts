/**
 * `dictl score` on files: CSV / Parquet (read with DuckDB in chunks) or NDJSON in; NDJSON or CSV out.
 * The sources hand out checked batches of batchSize rows, the engine loop scores them and the sink
 * writes them in order to a temp file beside the output, renamed into place when complete. Invalid
 * rows never stop a run: they go to the dead-letter file as {row, reason, payload}. SIGINT/SIGTERM
 * stop after the current batch.
 */
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { dataError, notFound, usageError } from '../errors.js';
import { countLines } from '../util/lines.js';
import { tempPathFor } from '../io/atomic.js';
import { openDuck, sqlIdent, sqlString, withDuck } from '../io/duck.js';
import { nonFiniteReason } from '../scorer/scorer.js';
import type { Manifest } from '../scorer/manifest.js';
import { packagedPolicy } from '../decide/stage.js';
import { explainCsvCells, explainCsvHeader } from '../explain/render.js';
import type { BatchSink, BatchSource } from '../streams/types.js';
import type { BatchScorer } from './engine.js';
import type { RunOptions, ScoreSummary } from './metrics.js';
import { resultFields } from './results-ndjson.js';
import { DECISION_CSV_COLUMNS, decisionCsv } from './results-csv.js';
import { csvField } from '../util/csv.js';
import { deadLine } from './dead-lines.js';
import { tableChecks, tableReasons, tableRowJson, validRows, type TableBatch } from './table-batch.js';
import { runColumns, type ColumnBatch, type ColumnResults } from './columns.js';

/** A batch of a file: the checked columns and the data row of each valid row. */
export interface FileBatch extends ColumnBatch {
  /** 0-based data row of valid row j */
  at: number[];
}

/** Validated row objects as input columns (numbers NaN = missing, strings '' = missing). */
export function rowColumns(man: Pick<Manifest, 'inputs'>, rows: Record<string, unknown>[]): Record<string, Float64Array | string[]> {
  const n = rows.length;
  const cols: Record<string, Float64Array | string[]> = {};
  for (const inp of man.inputs) {
    const name = inp.name;
    if (inp.type === 'number') {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        a[i] = typeof v === 'number' ? v : NaN;
      }
      cols[name] = a;
    } else {
      const a = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        a[i] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
      }
      cols[name] = a;
    }
  }
  return cols;
}

/** Events (objects or JSON text) validated by the package into a batch: data rows from rowNo, raw text for the dead letters. */
export function checkRows(scorer: Pick<BatchScorer, 'manifest' | 'validate'>, events: unknown[], raw: string[], rowNo: number): FileBatch {
  const valid: Record<string, unknown>[] = [];
  const at: number[] = [];
  const dead: string[] = [];
  const reasons: string[] = [];
  for (let i = 0; i < events.length; i++) {
    const v = scorer.validate(events[i]);
    if (v.ok) {
      valid.push(v.row);
      at.push(rowNo + i);
    } else {
      dead.push(deadLine(rowNo + i, v.reason, raw[i]));
      reasons.push(v.reason);
    }
  }
  return { n: events.length, cols: rowColumns(scorer.manifest, valid), rows: valid.length, keys: rowKeys(at), dead, reasons, at };
}

/** An event's key for decisions (review cases, shadow entries): a file's data row. */
const rowKeys = (rows: number[]): string[] => rows.map((r) => `row:${r}`);

async function* ndjsonBatches(path: string, size: number): AsyncGenerator<{ events: unknown[]; raw: string[] }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let events: unknown[] = [];
  let raw: string[] = [];
  for await (const line of rl) {
    if (line.trim() === '') continue;
    raw.push(line);
    events.push(line);
    if (raw.length >= size) {
      yield { events, raw };
      events = [];
      raw = [];
    }
  }
  if (raw.length) yield { events, raw };
}

/**
 * CSV (read as text; numbers parsed with TRY_CAST, unparsable text flagged) or Parquet (typed) through
 * DuckDB in chunks, straight into column arrays: no per-row objects on the happy path.
 */
/** The row count in a Parquet file's footer (no data read). */
async function parquetRowCount(path: string): Promise<number> {
  return withDuck(async (d) => Number((await d.all<{ n: bigint }>(`SELECT coalesce(sum(num_rows), 0)::BIGINT AS n FROM parquet_file_metadata(${sqlString(path)})`))[0].n));
}

async function* tableBatches(scorer: Pick<BatchScorer, 'manifest'>, path: string, kind: 'csv' | 'parquet', size: number): AsyncGenerator<TableBatch> {
  const duck = await openDuck();
  try {
    const src = kind === 'csv' ? `read_csv(${sqlString(path)}, header = true, all_varchar = true)` : `read_parquet(${sqlString(path)})`;
    const cols = (await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${src}`)).map((r) => [r.column_name, r.column_type] as const);
    const types = new Map(cols);
    const man = scorer.manifest;
    const missing = man.inputs.filter((i) => !types.has(i.name) && !i.nullable).map((i) => i.name);
    if (missing.length) throw dataError(`${path} lacks the input column(s) ${missing.map((x) => `"${x}"`).join(', ')}`, `the package needs: ${man.inputs.map((i) => i.name).join(', ')}`);
    const numeric = (t: string) => /^(DOUBLE|FLOAT|REAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|DECIMAL|BOOLEAN)/.test(t);
    const sel: string[] = [];
    const badCases: string[] = [];
    // inputs absent from the file (nullable ones only) are filled in JS: position -1
    const pos: number[] = [];
    for (const i of man.inputs) {
      if (!types.has(i.name)) {
        pos.push(-1);
        continue;
      }
      pos.push(sel.length);
      const c = sqlIdent(i.name);
      const t = types.get(i.name)!;
      if (i.type === 'number') {
        // a NaN/±Infinity value is refused (nonFiniteReason), not taken for missing: missing is NULL / an empty field
        const refuse = (x: string) => `WHEN NOT isfinite(${x}) THEN CASE WHEN isnan(${x}) THEN ${sqlString(nonFiniteReason(i.name, NaN))} WHEN ${x} > 0 THEN ${sqlString(nonFiniteReason(i.name, Infinity))} ELSE ${sqlString(nonFiniteReason(i.name, -Infinity))} END`;
        if (numeric(t)) {
          sel.push(`coalesce(CAST(${c} AS DOUBLE), 'NaN'::DOUBLE)`);
          if (/^(DOUBLE|FLOAT|REAL)/.test(t)) badCases.push(refuse(`CAST(${c} AS DOUBLE)`));
        } else {
          const txt = `trim(CAST(${c} AS VARCHAR))`;
          sel.push(`coalesce(TRY_CAST(${txt} AS DOUBLE), 'NaN'::DOUBLE)`);
          badCases.push(`WHEN ${c} IS NOT NULL AND ${txt} <> '' AND TRY_CAST(${txt} AS DOUBLE) IS NULL THEN ${sqlString(`field "${i.name}": expected number${i.nullable ? ' or null' : ''}, got string `)} || to_json(CAST(${c} AS VARCHAR))`);
          badCases.push(refuse(`TRY_CAST(${txt} AS DOUBLE)`));
        }
        if (!i.nullable) badCases.push(`WHEN ${c} IS NULL OR trim(CAST(${c} AS VARCHAR)) = '' THEN ${sqlString(`missing field "${i.name}"`)}`);
      } else {
        sel.push(`coalesce(CAST(${c} AS VARCHAR), '')`);
        // CSV cannot tell '' from missing: an empty non-nullable string is '' (an unknown category)
        if (!i.nullable && kind === 'parquet') badCases.push(`WHEN ${c} IS NULL THEN ${sqlString(`field "${i.name}" is null but not nullable`)}`);
      }
    }
    sel.push(badCases.length ? `CASE ${badCases.join(' ')} END` : 'NULL::VARCHAR');
    const result = await duck.conn.stream(`SELECT ${sel.join(', ')} FROM ${src}`);
    const nIn = man.inputs.length;
    const badPos = sel.length - 1;
    const fresh = (): TableBatch => ({
      n: 0,
      cols: Object.fromEntries(man.inputs.map((i) => [i.name, i.type === 'number' ? new Float64Array(size) : new Array<string>(size)])),
      bad: [],
    });
    let b = fresh();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      let done = 0;
      while (done < rows) {
        const take = Math.min(rows - done, size - b.n);
        for (let j = 0; j < nIn; j++) {
          const inp = man.inputs[j];
          const dst = b.cols[inp.name];
          if (pos[j] < 0) {
            if (dst instanceof Float64Array) dst.fill(NaN, b.n, b.n + take);
            else (dst as string[]).fill('', b.n, b.n + take);
            continue;
          }
          const vec = chunk.getColumnVector(pos[j]) as unknown as { items?: Float64Array; getItem(i: number): unknown };
          if (inp.type === 'number') {
            const d = dst as Float64Array;
            if (vec.items instanceof Float64Array) d.set(vec.items.subarray(done, done + take), b.n);
            else for (let r = 0; r < take; r++) d[b.n + r] = Number(vec.getItem(done + r) ?? NaN);
          } else {
            const d = dst as string[];
            for (let r = 0; r < take; r++) d[b.n + r] = String(vec.getItem(done + r) ?? '');
          }
        }
        const badVec = chunk.getColumnVector(badPos) as unknown as { getItem(i: number): unknown };
        for (let r = 0; r < take; r++) b.bad.push((badVec.getItem(done + r) as string | null) ?? null);
        b.n += take;
        done += take;
        if (b.n === size) {
          yield b;
          b = fresh();
        }
      }
    }
    if (b.n) yield b;
  } finally {
    duck.close();
  }
}

/** Batches of an async generator as a source: no acks (a file is read once), close stops the reader. */
abstract class GeneratorSource<T> implements BatchSource<FileBatch> {
  abstract readonly name: string;
  /** data rows read so far */
  protected rowNo = 0;
  constructor(private readonly gen: AsyncGenerator<T>) {}
  protected abstract check(batch: T): FileBatch;
  async read(): Promise<FileBatch | null> {
    const next = await this.gen.next();
    if (next.done) return null;
    const b = this.check(next.value);
    this.rowNo += b.n;
    return b;
  }
  async ack(): Promise<void> {}
  wake(): void {}
  async close(): Promise<void> {
    await this.gen.return(undefined);
  }
}

/** An NDJSON file's lines, each validated by the package. */
export class NdjsonFileSource extends GeneratorSource<{ events: unknown[]; raw: string[] }> {
  readonly name: string;
  constructor(
    private readonly scorer: Pick<BatchScorer, 'manifest' | 'validate'>,
    path: string,
    size: number,
  ) {
    super(ndjsonBatches(path, size));
    this.name = `file ${path}`;
  }
  protected check(b: { events: unknown[]; raw: string[] }): FileBatch {
    return checkRows(this.scorer, b.events, b.raw, this.rowNo);
  }
}

/** Row objects in memory as a file's batches (data rows 0, 1, …): the engine loop without a file, for tests and embedding. */
export class MemoryRowSource extends GeneratorSource<unknown[]> {
  readonly name = 'memory rows';
  constructor(
    private readonly scorer: Pick<BatchScorer, 'manifest' | 'validate'>,
    rows: unknown[],
    size: number,
  ) {
    super(
      (async function* () {
        for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
      })(),
    );
  }
  protected check(events: unknown[]): FileBatch {
    return checkRows(this.scorer, events, events.map((e) => JSON.stringify(e)), this.rowNo);
  }
}

/** A CSV or Parquet file through DuckDB, in column chunks: the SQL-side checks, then the categorical policies. */
export class TableFileSource extends GeneratorSource<TableBatch> {
  readonly name: string;
  private readonly checks;
  constructor(
    private readonly scorer: Pick<BatchScorer, 'manifest'>,
    path: string,
    kind: 'csv' | 'parquet',
    size: number,
  ) {
    super(tableBatches(scorer, path, kind, size));
    this.name = `file ${path}`;
    this.checks = tableChecks(scorer.manifest);
  }
  protected check(b: TableBatch): FileBatch {
    const man = this.scorer.manifest;
    const why = tableReasons(b, this.checks);
    const at: number[] = [];
    const dead: string[] = [];
    const reasons: string[] = [];
    const keep: number[] = [];
    for (let r = 0; r < b.n; r++) {
      const w = why[r];
      if (w === null) {
        keep.push(r);
        at.push(this.rowNo + r);
      } else {
        dead.push(deadLine(this.rowNo + r, w, tableRowJson(man, b, r)));
        reasons.push(w);
      }
    }
    return { n: b.n, cols: validRows(man, b.cols, keep), rows: keep.length, keys: rowKeys(at), dead, reasons, at };
  }
}

/**
 * Results to a file, NDJSON ({"row":N,…} per line) or CSV (a header, then row,score,… per line),
 * written to a temp file beside it; finish() syncs and renames it into place, close() without it
 * removes the temp file.
 */
export class ResultFileSink implements BatchSink<FileBatch, ColumnResults> {
  readonly name: string;
  private readonly fd: number;
  private readonly tmp: string;
  private readonly csv: boolean;
  /** a CSV result carries the decision columns: the package's policy decides binary or segment rows */
  private readonly decided: boolean;
  private finished = false;
  private closed = false;

  constructor(
    private readonly man: Manifest,
    private readonly outPath: string,
    /** for the error message */
    output: string,
    private readonly explainK: number,
  ) {
    this.name = `file ${outPath}`;
    this.csv = extname(outPath).toLowerCase() === '.csv';
    const pol = packagedPolicy(man as never);
    this.decided = pol !== null && (man.model.task === 'binary' || (man.model.task === 'segmentation' && pol.segmentActions !== undefined));
    this.tmp = tempPathFor(outPath);
    try {
      this.fd = openSync(this.tmp, 'wx', 0o644);
    } catch (e) {
      throw usageError(`cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give a writable file path');
    }
  }


  /** the CSV header (nothing for NDJSON) */
  header(): void {
    if (!this.csv) return;
    const man = this.man;
    const classes = man.model.task === 'regression' ? [] : man.model.classes;
    const head = man.model.task === 'segmentation' ? ['row', 'score', 'segment'] : man.model.task === 'regression' ? ['row', 'score', 'prediction'] : ['row', 'score', 'label', ...classes.map((c) => `p_${c}`)];
    if (this.decided) head.push(...DECISION_CSV_COLUMNS);
    if (this.explainK) head.push(...explainCsvHeader(this.explainK));
    writeSync(this.fd, head.map(csvField).join(',') + '\n');
  }

  async write(b: FileBatch, res: ColumnResults): Promise<void> {
    const { man, explainK, csv, decided } = this;
    const at = b.at;
    const lines = new Array<string>(at.length);
    for (let j = 0; j < at.length; j++) {
      const r = res!;
      if (!csv) lines[j] = `{"row":${at[j]},${resultFields(r, j)}}`;
      else if (man.model.task === 'regression') lines[j] = `${at[j]},${r.score[j]},${r.prediction![j]}`;
      else if (man.model.task === 'segmentation') lines[j] = `${at[j]},${r.score[j]},${r.segment![j]}`;
      else lines[j] = `${at[j]},${r.score[j]},${csvField(r.label![j])},${Array.from(r.probabilities!.subarray(j * r.K, j * r.K + r.K)).join(',')}`;
      if (csv && decided) lines[j] += decisionCsv(r.decisions?.[j]);
      if (csv && explainK) lines[j] += ',' + explainCsvCells(r.explanations?.at(j), explainK, csvField).join(',');
    }
    if (lines.length) writeSync(this.fd, lines.join('\n') + '\n');
  }

  /** the results are complete: synced, to be renamed into place on close */
  finish(): void {
    fsyncSync(this.fd);
    this.finished = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.finished) renameSync(this.tmp, this.outPath);
    else rmSync(this.tmp, { force: true });
  }
}

export async function scoreFile(scorer: BatchScorer, input: string, output: string, opts: RunOptions): Promise<ScoreSummary> {
  const inPath = resolve(input);
  if (!existsSync(inPath)) throw notFound(`input file ${input} does not exist`);
  const ext = extname(inPath).toLowerCase();
  const kind = ext === '.csv' ? 'csv' : ext === '.parquet' ? 'parquet' : ext === '.ndjson' || ext === '.jsonl' || ext === '.json' ? 'ndjson' : null;
  if (!kind) throw usageError(`cannot read ${input}: use a .csv, .parquet or .ndjson file`);
  const outPath = resolve(output);
  const outExt = extname(outPath).toLowerCase();
  if (outExt !== '.csv' && !['.ndjson', '.jsonl', '.json'].includes(outExt)) throw usageError(`cannot write ${output}: use a .ndjson or .csv file`);
  if (outPath === inPath) throw usageError('--out must differ from --input');
  const man = scorer.manifest;
  // results go to a temp file beside the output, renamed into place when complete
  const sink = new ResultFileSink(man, outPath, output, opts.explainK ?? 0);
  let source: NdjsonFileSource | TableFileSource | undefined;
  let run;
  try {
    sink.header();
    // a total for the ETA when progress is shown: lines of a text file (less the CSV header), a Parquet file's row count
    const total = !opts.progress.active ? undefined : kind === 'parquet' ? await parquetRowCount(inPath) : Math.max(0, countLines(inPath) - (kind === 'csv' ? 1 : 0));
    source = kind === 'ndjson' ? new NdjsonFileSource(scorer, inPath, opts.batchSize) : new TableFileSource(scorer, inPath, kind, opts.batchSize);
    run = await runColumns(scorer, source, sink, { ...opts, onWritten: (rows) => opts.progress.tick(rows, total) });
    sink.finish();
  } finally {
    await source?.close();
    await sink.close();
  }
  return run.metrics.summary({ mode: 'file', package: scorer.dir, model: man.model.ref, input: inPath, output: outPath, deadLetter: opts.deadLetter ? resolve(opts.deadLetter) : undefined, interrupted: run.stopped });
}

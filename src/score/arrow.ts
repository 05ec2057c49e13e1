/**
 * `dictl score --format arrow`: an Arrow IPC stream on stdin → an Arrow IPC stream on stdout, the
 * format Spark's mapInArrow and pandas UDFs exchange. Input: one column per package input (numbers
 * as any integer, float or boolean type; strings as utf8 or dictionary-encoded utf8), extra columns
 * ignored, an `id` column (if any) copied to the output. Output: one record batch per input batch,
 * same rows in the same order — `id`, then the result columns the CSV output has (score, label,
 * p_CLASS…, prediction, segment, the decision columns, base and reasonI_*), then `error`: null when the
 * row scored, else why not (the row's result columns are null; it also goes to --dead-letter).
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Bool, DataType, Field, Float64, Int32, RecordBatch, RecordBatchReader, RecordBatchStreamWriter, Schema, Struct, Utf8, makeData, vectorFromArray, type Vector } from 'apache-arrow';
import { dataError } from '../errors.js';
import { packagedPolicy } from '../decide/stage.js';
import type { Manifest } from '../scorer/manifest.js';
import type { BatchSink, BatchSource } from '../streams/types.js';
import type { BatchScorer, ScoredBatch } from './engine.js';
import type { RunOptions, ScoreSummary } from './metrics.js';
import { deadLine } from './dead-lines.js';
import { tableChecks, tableReasons, tableRowJson, validRows, type TableBatch } from './table-batch.js';
import { runColumns, type ColumnBatch, type ColumnResults } from './columns.js';

const isNumeric = (t: DataType) => DataType.isInt(t) || DataType.isFloat(t) || DataType.isBool(t) || DataType.isDecimal(t);
const isText = (t: DataType) => DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary)));

/** Checks the stream's schema against the package inputs once, on the first batch. */
function checkSchema(man: Manifest, batch: RecordBatch): void {
  const fields = new Map(batch.schema.fields.map((f) => [f.name, f.type as DataType]));
  const missing = man.inputs.filter((i) => !fields.has(i.name) && !i.nullable).map((i) => i.name);
  if (missing.length) throw dataError(`the Arrow stream lacks the input column(s) ${missing.map((x) => `"${x}"`).join(', ')}`, `the package needs: ${man.inputs.map((i) => i.name).join(', ')}`);
  for (const i of man.inputs) {
    const t = fields.get(i.name);
    if (!t) continue;
    if (i.type === 'number' ? !isNumeric(t) : !isText(t)) throw dataError(`Arrow column "${i.name}" is ${String(t)}, the package takes a ${i.type === 'number' ? 'number (an integer, float or boolean type)' : 'string (utf8)'}`);
  }
}

/** One Arrow batch as the columns the scorer takes, with the rows nulls make invalid. */
function columnsOf(man: Manifest, batch: RecordBatch): TableBatch {
  const n = batch.numRows;
  const cols: Record<string, Float64Array | string[]> = {};
  const bad: (string | null)[] = new Array(n).fill(null);
  for (const i of man.inputs) {
    const v = batch.getChild(i.name) as Vector | null;
    if (i.type === 'number') {
      const a = new Float64Array(n);
      if (!v) a.fill(NaN);
      else if (DataType.isFloat(v.type) && v.type.precision === 2 && v.nullCount === 0 && v.data.length === 1) a.set(v.toArray() as Float64Array);
      else
        for (let r = 0; r < n; r++) {
          const x = v.get(r);
          a[r] = x === null || x === undefined ? NaN : Number(x);
          if (x === null && !i.nullable && bad[r] === null) bad[r] = `missing field "${i.name}"`;
        }
      cols[i.name] = a;
    } else {
      const a = new Array<string>(n);
      for (let r = 0; r < n; r++) {
        const x = v ? v.get(r) : null;
        a[r] = x === null || x === undefined ? '' : String(x);
        if (v && x === null && !i.nullable && bad[r] === null) bad[r] = `field "${i.name}" is null but not nullable`;
      }
      cols[i.name] = a;
    }
  }
  return { n, cols, bad };
}

/** The output columns of one batch: results at the kept rows, nulls (and the reason) elsewhere. */
function resultColumns(man: Manifest, batch: RecordBatch, res: ScoredBatch | null, keep: number[], reasons: (string | null)[], explainK: number, decisions: boolean): Record<string, Vector> {
  const n = batch.numRows;
  const out: Record<string, Vector> = {};
  const id = batch.getChild('id');
  if (id) out.id = id;
  /** a column of n values, filled at the kept rows */
  const col = <T>(f: (j: number) => T | null): (T | null)[] => {
    const a = new Array<T | null>(n).fill(null);
    if (res) for (let j = 0; j < keep.length; j++) a[keep[j]] = f(j);
    return a;
  };
  const num = (f: (j: number) => number | null) => vectorFromArray(col(f), new Float64());
  const txt = (f: (j: number) => string | null) => vectorFromArray(col(f), new Utf8());
  const task = man.model.task;
  out.score = num((j) => res!.score[j]);
  if (task === 'regression') out.prediction = num((j) => res!.prediction![j]);
  else if (task === 'segmentation') out.segment = vectorFromArray(col((j) => res!.segment![j]), new Int32());
  else {
    out.label = txt((j) => res!.label![j]);
    const K = man.model.classes.length;
    man.model.classes.forEach((c, k) => (out[`p_${c}`] = num((j) => res!.probabilities![j * K + k])));
  }
  if (decisions) {
    const d = (j: number) => res!.decisions?.[j];
    out.action = txt((j) => d(j)?.action ?? null);
    out.band = txt((j) => d(j)?.band ?? null);
    out.model = txt((j) => d(j)?.model ?? null);
    out.policy_version = vectorFromArray(col((j) => d(j)?.policyVersion ?? null), new Int32());
    out.autonomy = txt((j) => d(j)?.autonomy ?? null);
    out.review = vectorFromArray(col((j) => d(j)?.review ?? null), new Bool());
    out.review_id = txt((j) => d(j)?.reviewId ?? null);
    out.intended = txt((j) => d(j)?.intended ?? null);
  }
  if (explainK) {
    const e = (j: number) => res!.explanations?.at(j) ?? null;
    out.base = num((j) => e(j)?.base ?? null);
    for (let t = 0; t < explainK; t++) {
      out[`reason${t + 1}_column`] = txt((j) => e(j)?.reasons[t]?.column ?? null);
      out[`reason${t + 1}_value`] = txt((j) => {
        const v = e(j)?.reasons[t]?.value;
        return v === null || v === undefined ? null : String(v);
      });
      out[`reason${t + 1}_contribution`] = num((j) => e(j)?.reasons[t]?.contribution ?? null);
    }
  }
  out.error = vectorFromArray(reasons, new Utf8());
  return out;
}

/** One output batch under the stream's schema (made from the first batch: every column nullable, so later batches match it). */
function outputBatch(cols: Record<string, Vector>, n: number, schema: Schema | undefined): RecordBatch {
  const s = schema ?? new Schema(Object.entries(cols).map(([name, v]) => new Field(name, v.type, true)));
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: n, nullCount: 0, children: s.fields.map((f) => cols[f.name].data[0]) }));
}

/** An Arrow batch, checked: the record batch itself (its `id` column), the kept rows and each row's error. */
export interface ArrowBatch extends ColumnBatch {
  record: RecordBatch;
  /** batch index of valid row j */
  keep: number[];
  /** per row of the record batch: why it was not scored, or null */
  errors: (string | null)[];
}

/** An Arrow IPC stream's record batches, checked against the package inputs (the schema once, on the first batch). */
export class ArrowStreamSource implements BatchSource<ArrowBatch> {
  readonly name = 'stdin (Arrow IPC)';
  private batches?: AsyncIterator<RecordBatch>;
  private first = true;
  private rowNo = 0;
  private readonly checks;
  constructor(
    private readonly man: Manifest,
    private readonly input: Readable,
  ) {
    this.checks = tableChecks(man);
  }

  async read(): Promise<ArrowBatch | null> {
    const notArrow = (e: unknown) => dataError(`stdin is not an Arrow IPC stream: ${(e as Error).message}`, 'write it with pyarrow.ipc.new_stream, or Spark mapInArrow / pandas_udf');
    if (!this.batches) {
      try {
        this.batches = (await RecordBatchReader.from(this.input))[Symbol.asyncIterator]();
      } catch (e) {
        throw notArrow(e);
      }
    }
    let next: IteratorResult<RecordBatch>;
    try {
      next = await this.batches.next();
    } catch (e) {
      throw notArrow(e);
    }
    if (next.done) return null;
    const man = this.man;
    const record = next.value;
    if (this.first) checkSchema(man, record);
    this.first = false;
    const b = columnsOf(man, record);
    const errors = tableReasons(b, this.checks);
    const keep: number[] = [];
    const keys: string[] = [];
    const dead: string[] = [];
    const reasons: string[] = [];
    const id = record.getChild('id');
    const rowNo = this.rowNo;
    for (let r = 0; r < b.n; r++) {
      const why = errors[r];
      if (why === null) {
        keep.push(r);
        const k = id?.get(r);
        keys.push(k === null || k === undefined ? `row:${rowNo + r}` : String(k));
      } else {
        dead.push(deadLine(rowNo + r, why, tableRowJson(man, b, r)));
        reasons.push(why);
      }
    }
    this.rowNo += b.n;
    return { n: b.n, cols: keep.length ? validRows(man, b.cols, keep) : b.cols, rows: keep.length, keys, dead, reasons, record, keep, errors };
  }

  async ack(): Promise<void> {}
  wake(): void {}
  async close(): Promise<void> {}
}

/** One output record batch per input batch on an Arrow IPC stream; a reader that goes away ends the run quietly. */
export class ArrowStreamSink implements BatchSink<ArrowBatch, ColumnResults> {
  readonly name = 'stdout (Arrow IPC)';
  closedOut = false;
  private readonly writer = new RecordBatchStreamWriter();
  private readonly sent: Promise<void>;
  private readonly decisions: boolean;
  private schema: Schema | undefined;
  constructor(
    private readonly man: Manifest,
    output: Writable,
    private readonly explainK: number,
    onClosed: () => void,
  ) {
    const pol = packagedPolicy(man);
    this.decisions = pol !== null && (man.model.task === 'binary' || (man.model.task === 'segmentation' && pol.segmentActions !== undefined));
    this.sent = pipeline(this.writer.toNodeStream(), output).catch((e: NodeJS.ErrnoException) => {
      if (e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
        this.closedOut = true;
        onClosed();
      } else throw e;
    });
  }

  async write(b: ArrowBatch, res: ColumnResults): Promise<void> {
    const out = outputBatch(resultColumns(this.man, b.record, res, b.keep, b.errors, this.explainK, this.decisions), b.n, this.schema);
    this.schema ??= out.schema;
    if (!this.closedOut) this.writer.write(out);
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.sent;
  }
}

export async function scoreArrowPipe(scorer: BatchScorer, input: Readable, output: Writable, opts: RunOptions): Promise<ScoreSummary> {
  const man = scorer.manifest;
  const control = { stopped: false };
  // the reader went away (e.g. `| head`): stop and finish quietly, like a signal
  const sink = new ArrowStreamSink(man, output, opts.explainK ?? 0, () => (control.stopped = true));
  const source = new ArrowStreamSource(man, input);
  let run;
  try {
    run = await runColumns(scorer, source, sink, { ...opts, control });
  } finally {
    await sink.close();
  }
  if (sink.closedOut) opts.progress.log('score: output closed by the reader; stopped');
  return run.metrics.summary({ mode: 'pipe', package: scorer.dir, model: man.model.ref, deadLetter: opts.deadLetter ? resolve(opts.deadLetter) : undefined, interrupted: run.stopped });
}

/**
 * `dictl score` as a pipe: NDJSON events on stdin → one NDJSON line per event on stdout, in order.
 * The source hands out whatever complete lines have arrived (up to a batch, at once: latency stays
 * low), the engine loop scores them and the sink writes them. An invalid event never stops the pipe:
 * it gets an error line and goes to the dead-letter file as {line, reason, payload}. SIGINT/SIGTERM
 * stop reading, drain the lines already read and finish.
 */
import type { Readable, Writable } from 'node:stream';
import { resolve } from 'node:path';
import type { BatchScorer } from './engine.js';
import { FlatScanner, type ScanColumns } from '../scorer/scan.js';
import type { BatchSink, BatchSource } from '../streams/types.js';
import type { RunOptions, ScoreSummary } from './metrics.js';
import { binaryBlock, binaryBytes, resultFields } from './results-ndjson.js';
import { deadLine } from './dead-lines.js';
import { runColumns, type ColumnBatch, type ColumnResults } from './columns.js';

/** The pipe's event keys: each scored line's `id` (JSON text as the scanner kept it; strings unquoted). */
function idKeys(ids: (string | undefined)[], n: number): (string | undefined)[] | undefined {
  let any = false;
  const out = new Array<string | undefined>(n);
  for (let j = 0; j < n; j++) {
    const t = ids[j];
    if (t === undefined) continue;
    any = true;
    out[j] = t.charCodeAt(0) === 34 ? String(JSON.parse(t)) : t;
  }
  return any ? out : undefined;
}

/** A chunk of input holding complete lines: the offsets of its newlines and the next line to take. */
interface LineChunk {
  buf: Buffer;
  nl: Int32Array;
  next: number;
}

const NL_BYTES = Buffer.from('\n');
const NON_ASCII = /[^\x00-\x7f]/;

/** A batch of pipe lines: the scanned columns, and each line's place in the output block. */
export interface PipeBatch extends ColumnBatch {
  /** per non-blank line: its output line (filled for the rejected ones: an error line) */
  out: string[];
  /** output slot of valid row j */
  at: Int32Array;
  /** valid row j's `id` as JSON text (undefined: none) */
  ids: (string | undefined)[];
}

/**
 * NDJSON lines on a Readable as batches, in order.
 *
 * Input is taken as bytes: chunks are split on byte 10 (no concatenated text), and each line goes
 * first through the package's flat scanner (scan.ts), which reads known fields straight into the
 * column arrays; a line it declines (escapes, nesting, invalid JSON, invalid values…) takes the exact
 * path — decoded, JSON.parse, scorer.validate — which decides and words the error exactly as before.
 * A read returns the complete lines that have arrived (up to max non-blank ones), waiting only when
 * none has.
 */
export class NdjsonPipeSource implements BatchSource<PipeBatch> {
  readonly name = 'stdin (NDJSON)';
  private readonly inputs: BatchScorer['manifest']['inputs'];
  private readonly scanner: FlatScanner | null;
  /** input lines taken so far, blank ones included: error lines name the line of the input */
  private lineNo = 0;
  private pending: Buffer | null = null;
  private readonly chunks: LineChunk[] = [];
  /** lines waiting in chunks (blank ones included: they are dropped when taken) */
  private queued = 0;
  private ended = false;
  private stopping = false;
  private error: unknown;
  private waiter?: () => void;
  private readonly off: () => void;

  constructor(
    private readonly scorer: Pick<BatchScorer, 'manifest' | 'scanInputs' | 'validate'>,
    private readonly input: Readable,
    private readonly batchSize: number,
  ) {
    this.inputs = scorer.manifest.inputs;
    this.scanner = scorer.scanInputs ? FlatScanner.for(scorer.scanInputs) : null;
    const onData = (data: Buffer | string) => {
      if (this.stopping) return;
      let chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let last = chunk.lastIndexOf(10);
      if (last < 0) {
        this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
        return;
      }
      if (this.pending) {
        // the line begun in an earlier chunk: one small copy, the rest of this chunk is used in place
        const first = chunk.indexOf(10);
        this.enqueue(Buffer.concat([this.pending, chunk.subarray(0, first + 1)]), first + 1 + this.pending.length);
        this.pending = null;
        chunk = chunk.subarray(first + 1);
        last -= first + 1;
      }
      if (last >= 0) this.enqueue(chunk, last + 1);
      if (last + 1 < chunk.length) this.pending = chunk.subarray(last + 1);
      if (this.queued >= this.batchSize * 4) input.pause();
      this.wake();
    };
    const onEnd = () => {
      this.ended = true;
      if (this.pending && !this.stopping) {
        const line = Buffer.concat([this.pending, NL_BYTES]);
        this.enqueue(line, line.length);
      }
      this.pending = null;
      this.wake();
    };
    const onError = (e: unknown) => {
      this.error ??= e;
      this.wake();
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    this.off = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
    };
  }

  /** queues buf[0, end) — complete lines, end just after a newline */
  private enqueue(buf: Buffer, end: number) {
    let count = 0;
    for (let p = buf.indexOf(10); p >= 0 && p < end; p = buf.indexOf(10, p + 1)) count++;
    const nl = new Int32Array(count);
    for (let p = buf.indexOf(10), k = 0; k < count; p = buf.indexOf(10, p + 1)) nl[k++] = p;
    this.chunks.push({ buf, nl, next: 0 });
    this.queued += count;
  }

  async read(max: number): Promise<PipeBatch | null> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.queued) {
        const b = this.take(max);
        if (this.queued < this.batchSize * 4 && this.input.isPaused() && !this.stopping && !this.ended) this.input.resume();
        return b;
      }
      if (this.ended || this.stopping) return null;
      await new Promise<void>((res) => (this.waiter = res));
    }
  }

  /** stop reading: the lines already read are still handed out (a signal) */
  stop(): void {
    this.stopping = true;
    this.input.pause();
    this.wake();
  }

  /** stop at once, dropping what is queued (the reader of the output went away) */
  abort(): void {
    this.stopping = true;
    this.chunks.length = 0;
    this.queued = 0;
    this.input.pause();
    this.wake();
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async ack(): Promise<void> {}

  async close(): Promise<void> {
    this.off();
    this.input.pause();
  }

  /** takes up to max queued non-blank lines and reads them into one batch */
  private take(max: number): PipeBatch {
    const inputs = this.inputs;
    const scanner = this.scanner;
    const cap = Math.min(max, this.queued);
    const cols: ScanColumns = { num: [], str: [], ids: new Array<string | undefined>(cap) };
    const named: Record<string, Float64Array | string[]> = {};
    for (const inp of inputs) {
      const a = inp.type === 'number' ? new Float64Array(cap) : new Array<string>(cap);
      cols.num.push(a instanceof Float64Array ? a : null);
      cols.str.push(a instanceof Float64Array ? null : a);
      named[inp.name] = a;
    }
    const out = new Array<string>(cap);
    const at = new Int32Array(cap); // output slot of row j
    const dead: string[] = [];
    const reasons: string[] = [];
    let lines = 0; // non-blank lines taken
    let rows = 0;
    let taken = 0;
    // a batch is batchSize non-blank lines, as before (scores may differ in the last bit with the
    // row's position in an onnxruntime run, so batch boundaries are kept where they were)
    while (lines < cap && taken < this.queued) {
      const c = this.chunks[0];
      const s = c.next === 0 ? 0 : c.nl[c.next - 1] + 1;
      let e = c.nl[c.next];
      if (++c.next === c.nl.length) this.chunks.shift();
      taken++;
      const no = ++this.lineNo;
      if (e > s && c.buf[e - 1] === 13) e--;
      if (scanner && scanner.scan(c.buf, s, e, rows, cols)) {
        at[rows++] = lines++;
        continue;
      }
      // the exact path
      const text = c.buf.utf8Slice(s, e);
      if (text.trim() === '') continue;
      const i = lines++;
      let ev: unknown;
      try {
        ev = JSON.parse(text);
      } catch (err) {
        const reason = `bad JSON: ${(err as Error).message}`;
        out[i] = JSON.stringify({ error: reason, line: no });
        dead.push(deadLine(no, reason, text, 'line'));
        reasons.push(reason);
        continue;
      }
      const v = this.scorer.validate(ev);
      if (!v.ok) {
        const id = ev && typeof ev === 'object' ? (ev as Record<string, unknown>).id : undefined;
        out[i] = JSON.stringify(id === undefined ? { error: v.reason, line: no } : { id, error: v.reason, line: no });
        dead.push(deadLine(no, v.reason, text, 'line'));
        reasons.push(v.reason);
        continue;
      }
      putRow(inputs, v.row, rows, cols);
      const id = (ev as Record<string, unknown>).id;
      cols.ids[rows] = id === undefined ? undefined : JSON.stringify(id);
      at[rows++] = i;
    }
    this.queued -= taken;
    if (lines < cap) out.length = lines;
    return { n: lines, cols: named, rows, keys: rows ? idKeys(cols.ids, rows) : undefined, dead, reasons, out, at, ids: cols.ids };
  }
}

/** a validated row into row j of the columns (numbers NaN = missing, strings '' = missing) */
function putRow(inputs: BatchScorer['manifest']['inputs'], row: Record<string, unknown>, j: number, cols: ScanColumns) {
  for (let k = 0; k < inputs.length; k++) {
    const v = row[inputs[k].name];
    const num = cols.num[k];
    if (num) num[j] = typeof v === 'number' ? v : NaN;
    else cols.str[k]![j] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
}

/** One NDJSON line per event on a Writable, in order; a reader that goes away (`| head`) ends the run quietly. */
export class NdjsonPipeSink implements BatchSink<PipeBatch, ColumnResults> {
  readonly name = 'stdout (NDJSON)';
  /** the reader went away */
  closedOut = false;
  private readonly offErr: () => void;

  constructor(
    private readonly output: Writable,
    /** called once when the reader goes away */
    onClosed: () => void,
    onError: (e: unknown) => void,
  ) {
    const onOutErr = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
        if (!this.closedOut) {
          this.closedOut = true;
          onClosed();
        }
      } else onError(e);
    };
    output.on('error', onOutErr);
    this.offErr = () => output.off('error', onOutErr);
  }

  async write(b: PipeBatch, res: ColumnResults): Promise<void> {
    if (b.rows === b.n && res && binaryBytes(res)) {
      // every line scored, binary model: the block is written as bytes straight from the results
      await this.send(binaryBlock(res, b.rows, b.ids));
    } else if (b.n) {
      const out = b.out;
      for (let j = 0; j < b.rows; j++) {
        const id = b.ids[j];
        out[b.at[j]] = id === undefined ? `{${resultFields(res!, j)}}` : `{"id":${id},${resultFields(res!, j)}}`;
      }
      out.push('');
      await this.send(out.join('\n'));
    }
  }

  private send(text: string | Buffer): Promise<void> {
    const output = this.output;
    return new Promise<void>((res, rej) => {
      if (this.closedOut) return res();
      // results are ASCII unless an id, label or message is not: then latin1 is a plain copy
      if (typeof text === 'string' ? output.write(text, NON_ASCII.test(text) ? 'utf8' : 'latin1') : output.write(text)) res();
      else {
        const onDrain = () => {
          output.off('error', onErr);
          res();
        };
        const onErr = (e: NodeJS.ErrnoException) => {
          output.off('drain', onDrain);
          if (e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED') res();
          else rej(e);
        };
        output.once('drain', onDrain);
        output.once('error', onErr);
      }
    });
  }

  async close(): Promise<void> {
    this.offErr();
  }
}

/** NDJSON in → NDJSON out, one line per event, in order. */
export async function scorePipe(scorer: BatchScorer, input: Readable, output: Writable, opts: RunOptions): Promise<ScoreSummary> {
  const source = new NdjsonPipeSource(scorer, input, opts.batchSize);
  let outError: unknown;
  const sink = new NdjsonPipeSink(
    output,
    () => source.abort(),
    (e) => {
      outError ??= e;
      source.abort();
    },
  );
  let run;
  try {
    run = await runColumns(scorer, source, sink, {
      ...opts,
      onSignal: () => {
        opts.progress.log('score: stopping — draining events already read');
        source.stop();
      },
    });
  } finally {
    await sink.close();
    await source.close();
  }
  if (outError !== undefined) throw outError;
  if (sink.closedOut) opts.progress.log('score: output closed by the reader; stopped');
  return run.metrics.summary({ mode: 'pipe', package: scorer.dir, model: scorer.manifest.model.ref, deadLetter: opts.deadLetter ? resolve(opts.deadLetter) : undefined, interrupted: run.stopped || sink.closedOut });
}

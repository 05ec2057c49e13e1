/**
 * `dictl score` as a pipe: NDJSON events on stdin → one NDJSON line per event on stdout, in order.
 * Each arriving chunk of input is scored and flushed at once (per batch, and whenever input goes
 * idle), so latency stays low. An invalid event never stops the pipe: it gets an error line and goes
 * to the dead-letter file as {line, reason, payload}. SIGINT/SIGTERM stop reading, drain and finish.
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DeadLetterFile } from '../io/dead-letter.js';
import type { BatchScorer } from './engine.js';
import { FlatScanner, type ScanColumns } from '../scorer/scan.js';
import { Metrics, onSignals, type RunOptions, type ScoreSummary } from './metrics.js';
import { binaryBlock, binaryBytes, resultFields } from './results-ndjson.js';
import { deadLine } from './dead-lines.js';

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

/**
 * NDJSON in → NDJSON out, one line per event, in order.
 *
 * Input is taken as bytes: chunks are split on byte 10 (no concatenated text), and each line goes
 * first through the package's flat scanner (scan.ts), which reads known fields straight into the
 * column arrays; a line it declines (escapes, nesting, invalid JSON, invalid values…) takes the exact
 * path — decoded, JSON.parse, scorer.validate — which decides and words the error exactly as before.
 */
export async function scorePipe(scorer: BatchScorer, input: Readable, output: Writable, opts: RunOptions): Promise<ScoreSummary> {
  const m = new Metrics(opts.progress, opts.metricsEvery, 'score');
  const dl = opts.deadLetter ? new DeadLetterFile(resolve(opts.deadLetter)) : undefined;
  const inputs = scorer.manifest.inputs;
  const scanInputs = scorer.scanInputs;
  const scanner = scanInputs ? FlatScanner.for(scanInputs) : null;
  let stopping = false;
  let closedOut = false;
  /** input lines taken so far, blank ones included: error lines name the line of the input */
  let lineNo = 0;
  let pending: Buffer | null = null;
  const chunks: LineChunk[] = [];
  /** lines waiting in chunks (blank ones included: they are dropped when taken) */
  let queued = 0;
  let working = false;
  let ended = false;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    finish = res;
    fail = rej;
  });

  const write = (text: string | Buffer) =>
    new Promise<void>((res, rej) => {
      if (closedOut) return res();
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

  /** takes up to batchSize queued lines, scores them in one run and writes one block of output */
  async function processBatch() {
    const t0 = performance.now();
    const cap = Math.min(opts.batchSize, queued);
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
    let lines = 0; // non-blank lines taken
    let rows = 0;
    let taken = 0;
    // a batch is batchSize non-blank lines, as before (scores may differ in the last bit with the
    // row's position in an onnxruntime run, so batch boundaries are kept where they were)
    while (lines < cap && taken < queued) {
      const c = chunks[0];
      const s = c.next === 0 ? 0 : c.nl[c.next - 1] + 1;
      let e = c.nl[c.next];
      if (++c.next === c.nl.length) chunks.shift();
      taken++;
      const no = ++lineNo;
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
        if (m.reasons.length < 5) m.reasons.push(reason);
        continue;
      }
      const v = scorer.validate(ev);
      if (!v.ok) {
        const id = ev && typeof ev === 'object' ? (ev as Record<string, unknown>).id : undefined;
        out[i] = JSON.stringify(id === undefined ? { error: v.reason, line: no } : { id, error: v.reason, line: no });
        dead.push(deadLine(no, v.reason, text, 'line'));
        if (m.reasons.length < 5) m.reasons.push(v.reason);
        continue;
      }
      putRow(v.row, rows, cols);
      const id = (ev as Record<string, unknown>).id;
      cols.ids[rows] = id === undefined ? undefined : JSON.stringify(id);
      at[rows++] = i;
    }
    queued -= taken;
    const res = rows ? await scorer.scoreColumns(named, rows, idKeys(cols.ids, rows)) : null;
    dl?.write(dead);
    if (rows === lines && res && binaryBytes(res)) {
      // every line scored, binary model: the block is written as bytes straight from the results
      await write(binaryBlock(res, rows, cols.ids));
    } else if (lines) {
      for (let j = 0; j < rows; j++) {
        const id = cols.ids[j];
        out[at[j]] = id === undefined ? `{${resultFields(res!, j)}}` : `{"id":${id},${resultFields(res!, j)}}`;
      }
      if (lines < cap) out.length = lines;
      out.push('');
      await write(out.join('\n'));
    }
    m.eventsIn += lines;
    m.eventsOut += rows;
    m.dead += dead.length;
    if (lines) {
      m.batches++;
      m.lat.push(performance.now() - t0);
    }
  }

  /** a validated row into row j of the columns (numbers NaN = missing, strings '' = missing) */
  function putRow(row: Record<string, unknown>, j: number, cols: ScanColumns) {
    for (let k = 0; k < inputs.length; k++) {
      const v = row[inputs[k].name];
      const num = cols.num[k];
      if (num) num[j] = typeof v === 'number' ? v : NaN;
      else cols.str[k]![j] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
    }
  }

  async function pump() {
    if (working) return;
    working = true;
    try {
      while (queued) {
        await processBatch();
        if (queued < opts.batchSize * 4 && input.isPaused() && !stopping && !ended) input.resume();
      }
      if ((ended || stopping) && !queued) finish();
    } catch (e) {
      fail(e);
    } finally {
      working = false;
    }
  }

  /** queues buf[0, end) — complete lines, end just after a newline */
  const enqueue = (buf: Buffer, end: number) => {
    let count = 0;
    for (let p = buf.indexOf(10); p >= 0 && p < end; p = buf.indexOf(10, p + 1)) count++;
    const nl = new Int32Array(count);
    for (let p = buf.indexOf(10), k = 0; k < count; p = buf.indexOf(10, p + 1)) nl[k++] = p;
    chunks.push({ buf, nl, next: 0 });
    queued += count;
  };

  input.on('data', (data: Buffer | string) => {
    if (stopping) return;
    let chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let last = chunk.lastIndexOf(10);
    if (last < 0) {
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      return;
    }
    if (pending) {
      // the line begun in an earlier chunk: one small copy, the rest of this chunk is used in place
      const first = chunk.indexOf(10);
      enqueue(Buffer.concat([pending, chunk.subarray(0, first + 1)]), first + 1 + pending.length);
      pending = null;
      chunk = chunk.subarray(first + 1);
      last -= first + 1;
    }
    if (last >= 0) enqueue(chunk, last + 1);
    if (last + 1 < chunk.length) pending = chunk.subarray(last + 1);
    if (queued >= opts.batchSize * 4) input.pause();
    void pump();
  });
  input.on('end', () => {
    ended = true;
    if (pending && !stopping) {
      const line = Buffer.concat([pending, NL_BYTES]);
      enqueue(line, line.length);
    }
    pending = null;
    void pump();
  });
  input.on('error', (e) => fail(e));
  // the reader went away (e.g. `| head`): stop reading and finish quietly, like a signal
  const onOutErr = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      closedOut = true;
      stopping = true;
      chunks.length = 0;
      queued = 0;
      input.pause();
      if (!working) finish();
    } else fail(e);
  };
  output.on('error', onOutErr);
  const off = onSignals(() => {
    stopping = true;
    opts.progress.log('score: stopping — draining events already read');
    input.pause();
    void pump();
  });
  try {
    await done;
  } finally {
    off();
    output.off('error', onOutErr);
    m.stop();
    dl?.close();
    input.pause();
  }
  if (closedOut) opts.progress.log('score: output closed by the reader; stopped');
  return m.summary({ mode: 'pipe', package: scorer.dir, model: scorer.manifest.model.ref, deadLetter: opts.deadLetter ? resolve(opts.deadLetter) : undefined, interrupted: stopping });
}

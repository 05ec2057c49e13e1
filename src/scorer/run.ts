/**
 * `dictl score` on files and pipes.
 * - files: CSV / Parquet (read with DuckDB in chunks) or NDJSON in; NDJSON or CSV out; batches of
 *   batchSize rows are validated, scored in one onnxruntime run and written in order.
 * - pipe: NDJSON events on stdin → one NDJSON line per event on stdout, in order. Each arriving chunk of
 *   input is scored and flushed at once (per batch, and whenever input goes idle), so latency stays low.
 * Invalid events never stop a run: the pipe writes an error line for that event and both paths send
 * {row, reason, payload} to the dead-letter file. SIGINT/SIGTERM stop reading, drain and finish.
 */
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { dataError, notFound, usageError } from '../errors.js';
import { countLines } from '../util/lines.js';
import type { Progress } from '../ui/progress.js';
import { tempPathFor } from '../io/atomic.js';
import { categoricalChecks, nonFiniteReason, type Check, type Scorer, type ScoredColumns, type ScoredRow } from './scorer.js';
import { decisionMembers, packagedPolicy } from '../decide/hook.js';
import { FlatScanner, type ScanColumns } from './scan.js';
import type { DecisionFields } from '../decide/runtime.js';
import { explainCsvCells, explainCsvHeader, explainMembers } from '../explain/render.js';
import type { BatchExplanations } from '../explain/explainer.js';

export interface ScoreSummary {
  mode: 'file' | 'pipe';
  package: string;
  model: string;
  eventsIn: number;
  eventsOut: number;
  deadLettered: number;
  batches: number;
  latencyMs: { p50: number; p99: number };
  durationMs: number;
  eventsPerSec: number;
  input?: string;
  output?: string;
  deadLetter?: string;
  /** first few dead-letter reasons, for the summary */
  sampleReasons: string[];
  interrupted: boolean;
}

export interface RunOptions {
  batchSize: number;
  deadLetter?: string;
  /** seconds between metrics lines on stderr; 0 = none */
  metricsEvery: number;
  progress: Progress;
}

/** Sorted-copy percentile (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Scores validated rows column-wise (no per-row result objects). */
export async function scoreValid(scorer: Scorer, rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<ScoredColumns> {
  const n = rows.length;
  const cols: Record<string, Float64Array | string[]> = {};
  for (const inp of scorer.manifest.inputs) {
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
  return scorer.scoreColumns(cols, n, keys);
}

/** An event's key for decisions (review cases, shadow entries): a file's data row. */
const rowKeys = (rows: number[]): string[] => rows.map((r) => `row:${r}`);

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

/**
 * String(x) for finite numbers, null otherwise: exactly JSON.stringify's number serialisation (ToString
 * of a finite number), which V8 runs about twice as fast as String(x) (no number-string cache insert).
 */
const jnum = (x: number): string => JSON.stringify(x);

/** JSON text of result j (without braces' prefix fields): "score":..,"label":..,"probabilities":[..] */
export function resultFields(r: ScoredColumns, j: number): string {
  const score = jnum(r.score[j]);
  let out = `"score":${score}`;
  if (r.label) out += `,"label":${JSON.stringify(r.label[j])}`;
  if (r.probabilities) {
    const K = r.K;
    if (K === 2 && (r.binary ?? true))
      // binary: the score is P(positive), already formatted
      out += `,"probabilities":[${jnum(r.probabilities[j * 2])},${score}]`;
    else {
      out += ',"probabilities":[';
      for (let k = 0; k < K; k++) out += (k ? ',' : '') + jnum(r.probabilities[j * K + k]);
      out += ']';
    }
  }
  if (r.prediction) out += `,"prediction":${jnum(r.prediction[j])}`;
  if (r.segment) out += `,"segment":${r.segment[j]}`;
  return out + decisionMembers(r, j) + explainMembers(r, j);
}

/** the binary result shape binaryBlock writes (what resultFields gives for a binary model) */
function binaryBytes(r: ScoredColumns): boolean {
  return r.K === 2 && (r.binary ?? true) && r.label !== undefined && r.probabilities !== undefined && r.prediction === undefined;
}

const enc = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
const B_ID = enc('{"id":');
const B_SCORE_ID = enc(',"score":');
const B_SCORE = enc('{"score":');
const B_LABEL = enc(',"label":');
const B_PROBS = enc(',"probabilities":[');
const labelBytes = new Map<string, Uint8Array>();

/**
 * The NDJSON lines `{"id":..,"score":..,"label":..,"probabilities":[..]}` + decision members of rows
 * [0, n) of a binary result, byte for byte what resultFields gives, built in one buffer (no per-row
 * strings to join and encode again).
 */
function binaryBlock(r: ScoredColumns, n: number, ids: (string | undefined)[]): Buffer {
  let buf = Buffer.allocUnsafe(n * 112 + 256);
  let o = 0;
  const room = (k: number) => {
    if (o + k <= buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(buf.length * 2, o + k));
    buf.copy(b, 0, 0, o);
    buf = b;
  };
  const bytes = (a: Uint8Array) => {
    for (let i = 0; i < a.length; i++) buf[o++] = a[i];
  };
  /** ASCII text char by char; anything else through the UTF-8 encoder */
  const text = (s: string) => {
    room(s.length * 3);
    const o0 = o;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        o = o0 + buf.utf8Write(s, o0);
        return;
      }
      buf[o++] = c;
    }
  };
  const labels = r.label!;
  const probs = r.probabilities!;
  for (let j = 0; j < n; j++) {
    room(64);
    const id = ids[j];
    if (id === undefined) bytes(B_SCORE);
    else {
      bytes(B_ID);
      text(id);
      room(64);
      bytes(B_SCORE_ID);
    }
    const score = jnum(r.score[j]);
    text(score);
    room(40);
    bytes(B_LABEL);
    const label = labels[j];
    let lb = labelBytes.get(label);
    if (lb === undefined) {
      lb = enc(JSON.stringify(label));
      if (labelBytes.size < 64) labelBytes.set(label, lb);
    }
    room(lb.length + 24);
    bytes(lb);
    bytes(B_PROBS);
    text(jnum(probs[j * 2]));
    room(score.length + 8);
    buf[o++] = 44; // ,
    text(score);
    buf[o++] = 93; // ]
    const dm = decisionMembers(r, j);
    if (dm) text(dm);
    const em = explainMembers(r, j);
    if (em) {
      room(em.length * 3);
      o += buf.utf8Write(em, o);
    }
    room(2);
    buf[o++] = 125; // }
    buf[o++] = 10;
  }
  return buf.subarray(0, o);
}

/** JSON for one result; NaN/Infinity become null. */
export function resultLine(s: ScoredRow, id?: unknown): string {
  const n = (x: number) => (Number.isFinite(x) ? String(x) : 'null');
  let out = '{';
  if (id !== undefined) out += `"id":${JSON.stringify(id)},`;
  out += `"score":${n(s.score)}`;
  if (s.label !== undefined) out += `,"label":${JSON.stringify(s.label)}`;
  if (s.probabilities) out += `,"probabilities":[${s.probabilities.map(n).join(',')}]`;
  if (s.prediction !== undefined) out += `,"prediction":${n(s.prediction)}`;
  if (s.segment !== undefined) out += `,"segment":${s.segment}`;
  return out + decisionMembers(s) + explainMembers(s) + '}';
}

class Metrics {
  eventsIn = 0;
  eventsOut = 0;
  dead = 0;
  batches = 0;
  lat: number[] = [];
  reasons: string[] = [];
  start = performance.now();
  private timer?: NodeJS.Timeout;
  constructor(private progress: Progress, every: number, label: string) {
    if (every > 0) {
      this.timer = setInterval(() => {
        const secs = (performance.now() - this.start) / 1000;
        this.progress.log(
          `[${label}] in=${this.eventsIn} out=${this.eventsOut} dead_lettered=${this.dead} batches=${this.batches} p50=${r3(percentile(this.lat.slice(-10000), 50))}ms p99=${r3(percentile(this.lat.slice(-10000), 99))}ms rate=${Math.round(this.eventsIn / Math.max(secs, 1e-9))}/s`,
        );
      }, every * 1000);
      this.timer.unref();
    }
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
  }
  summary(base: Pick<ScoreSummary, 'mode' | 'package' | 'model' | 'input' | 'output' | 'deadLetter' | 'interrupted'>): ScoreSummary {
    const durationMs = performance.now() - this.start;
    return {
      ...base,
      eventsIn: this.eventsIn,
      eventsOut: this.eventsOut,
      deadLettered: this.dead,
      batches: this.batches,
      latencyMs: { p50: r3(percentile(this.lat, 50)), p99: r3(percentile(this.lat, 99)) },
      durationMs: r3(durationMs),
      eventsPerSec: Math.round(this.eventsIn / Math.max(durationMs / 1000, 1e-9)),
      sampleReasons: this.reasons,
    };
  }
}

/** Append-only NDJSON dead-letter file. */
class DeadLetterFile {
  private fd: number;
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'a', 0o644);
    } catch (e) {
      throw usageError(`cannot open the dead-letter file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give a writable file path');
    }
  }
  write(lines: string[]) {
    if (lines.length) writeSync(this.fd, lines.join('\n') + '\n');
  }
  close() {
    try {
      fsyncSync(this.fd);
    } catch {
      /* pipes and some file systems */
    }
    closeSync(this.fd);
  }
}

/** file mode: row = 0-based data row; pipe mode: line = 1-based input line */
const deadLine = (row: number, reason: string, payload: string, key: 'row' | 'line' = 'row') => JSON.stringify({ [key]: row, reason, payload });

function onSignals(fn: () => void): () => void {
  const h = () => fn();
  process.once('SIGINT', h);
  process.once('SIGTERM', h);
  return () => {
    process.off('SIGINT', h);
    process.off('SIGTERM', h);
  };
}

// ───────────────────────── pipe ─────────────────────────

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
export async function scorePipe(scorer: Scorer, input: Readable, output: Writable, opts: RunOptions): Promise<ScoreSummary> {
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

// ───────────────────────── files ─────────────────────────

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

/** One batch of a CSV/Parquet file, column-wise: numbers NaN = missing, strings '' = missing. */
interface TableBatch {
  n: number;
  cols: Record<string, Float64Array | string[]>;
  /** per row: why SQL-side checks rejected it (bad number text, missing non-nullable), or null */
  bad: (string | null)[];
}

/**
 * CSV (read as text; numbers parsed with TRY_CAST, unparsable text flagged) or Parquet (typed) through
 * DuckDB in chunks, straight into column arrays: no per-row objects on the happy path.
 */
/** The row count in a Parquet file's footer (no data read). */
async function parquetRowCount(path: string): Promise<number> {
  const { withDuck, sqlString } = await import('../io/duck.js');
  return withDuck(async (d) => Number((await d.all<{ n: bigint }>(`SELECT coalesce(sum(num_rows), 0)::BIGINT AS n FROM parquet_file_metadata(${sqlString(path)})`))[0].n));
}

async function* tableBatches(scorer: Scorer, path: string, kind: 'csv' | 'parquet', size: number): AsyncGenerator<TableBatch> {
  const { openDuck, sqlString, sqlIdent } = await import('../io/duck.js');
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

/** Applies the categorical error/skip checks column-wise; returns per-row reasons (null = valid). */
function tableReasons(scorer: Scorer, b: TableBatch, checks: Map<string, Check[]>): (string | null)[] {
  const reasons = b.bad.slice(0, b.n);
  for (const [name, cs] of checks) {
    const col = b.cols[name] as string[];
    for (let r = 0; r < b.n; r++) {
      if (reasons[r] !== null) continue;
      for (const c of cs) {
        const why = c(col[r] === '' ? null : col[r]);
        if (why) {
          reasons[r] = why;
          break;
        }
      }
    }
  }
  return reasons;
}

function tableRowJson(scorer: Scorer, b: TableBatch, r: number): string {
  const o: Record<string, unknown> = {};
  for (const i of scorer.manifest.inputs) {
    const v = b.cols[i.name][r];
    o[i.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
  }
  return JSON.stringify(o);
}

/** The decision columns a CSV result gets when the package carries a decision policy. */
const DECISION_CSV_COLUMNS = ['action', 'band', 'model', 'policy_version', 'autonomy', 'review', 'review_id', 'intended'];

function decisionCsv(d: DecisionFields | undefined): string {
  if (!d) return ','.repeat(DECISION_CSV_COLUMNS.length);
  const cells = [d.action, d.band, d.model, String(d.policyVersion), d.autonomy, String(d.review), d.reviewId ?? '', d.intended ?? ''];
  return ',' + cells.map((c) => csvField(String(c))).join(',');
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function scoreFile(scorer: Scorer, input: string, output: string, opts: RunOptions): Promise<ScoreSummary> {
  const inPath = resolve(input);
  if (!existsSync(inPath)) throw notFound(`input file ${input} does not exist`);
  const ext = extname(inPath).toLowerCase();
  const kind = ext === '.csv' ? 'csv' : ext === '.parquet' ? 'parquet' : ext === '.ndjson' || ext === '.jsonl' || ext === '.json' ? 'ndjson' : null;
  if (!kind) throw usageError(`cannot read ${input}: use a .csv, .parquet or .ndjson file`);
  const outPath = resolve(output);
  const outExt = extname(outPath).toLowerCase();
  const outCsv = outExt === '.csv';
  if (!outCsv && !['.ndjson', '.jsonl', '.json'].includes(outExt)) throw usageError(`cannot write ${output}: use a .ndjson or .csv file`);
  if (outPath === inPath) throw usageError('--out must differ from --input');
  const man = scorer.manifest;
  const classes = man.model.task === 'regression' ? [] : man.model.classes;
  const m = new Metrics(opts.progress, opts.metricsEvery, 'score');
  const dl = opts.deadLetter ? new DeadLetterFile(resolve(opts.deadLetter)) : undefined;
  // results go to a temp file beside the output, renamed into place when complete
  const tmp = tempPathFor(outPath);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (e) {
    dl?.close();
    throw usageError(`cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'give a writable file path');
  }
  let stopping = false;
  const off = onSignals(() => {
    stopping = true;
    opts.progress.log('score: stopping after the current batch');
  });
  let ok = false;
  try {
    const pol = packagedPolicy(man as never);
    const hasDecisions = pol !== null && (man.model.task === 'binary' || (man.model.task === 'segmentation' && pol.segmentActions !== undefined));
    const explainK = (scorer as { explainK?: number }).explainK ?? 0;
    if (outCsv) {
      const head = man.model.task === 'segmentation' ? ['row', 'score', 'segment'] : man.model.task === 'regression' ? ['row', 'score', 'prediction'] : ['row', 'score', 'label', ...classes.map((c) => `p_${c}`)];
      if (hasDecisions) head.push(...DECISION_CSV_COLUMNS);
      if (explainK) head.push(...explainCsvHeader(explainK));
      writeSync(fd, head.map(csvField).join(',') + '\n');
    }
    let rowNo = 0;
    // a total for the ETA when progress is shown: lines of a text file (less the CSV header), a Parquet file's row count
    const total = !opts.progress.active ? undefined : kind === 'parquet' ? await parquetRowCount(inPath) : Math.max(0, countLines(inPath) - (kind === 'csv' ? 1 : 0));
    const writeBatch = (res: ScoredColumns | null, at: number[], dead: string[], count: number, t0: number) => {
      const lines = new Array<string>(at.length);
      for (let j = 0; j < at.length; j++) {
        const r = res!;
        if (!outCsv) lines[j] = `{"row":${at[j]},${resultFields(r, j)}}`;
        else if (man.model.task === 'regression') lines[j] = `${at[j]},${r.score[j]},${r.prediction![j]}`;
        else if (man.model.task === 'segmentation') lines[j] = `${at[j]},${r.score[j]},${r.segment![j]}`;
        else lines[j] = `${at[j]},${r.score[j]},${csvField(r.label![j])},${Array.from(r.probabilities!.subarray(j * r.K, j * r.K + r.K)).join(',')}`;
        if (outCsv && hasDecisions) lines[j] += decisionCsv((r as { decisions?: DecisionFields[] }).decisions?.[j]);
        if (outCsv && explainK) lines[j] += ',' + explainCsvCells((r as { explanations?: BatchExplanations }).explanations?.at(j), explainK, csvField).join(',');
      }
      if (lines.length) writeSync(fd, lines.join('\n') + '\n');
      dl?.write(dead);
      rowNo += count;
      m.eventsIn += count;
      m.eventsOut += at.length;
      m.dead += dead.length;
      m.batches++;
      m.lat.push(performance.now() - t0);
      opts.progress.tick(rowNo, total);
    };
    if (kind === 'ndjson') {
      const batches = ndjsonBatches(inPath, opts.batchSize);
      for await (const b of batches) {
        const t0 = performance.now();
        const valid: Record<string, unknown>[] = [];
        const at: number[] = [];
        const dead: string[] = [];
        for (let i = 0; i < b.events.length; i++) {
          const v = scorer.validate(b.events[i]);
          if (v.ok) {
            valid.push(v.row);
            at.push(rowNo + i);
          } else {
            dead.push(deadLine(rowNo + i, v.reason, b.raw[i]));
            if (m.reasons.length < 5) m.reasons.push(v.reason);
          }
        }
        writeBatch(valid.length ? await scoreValid(scorer, valid, rowKeys(at)) : null, at, dead, b.events.length, t0);
        if (stopping) {
          await batches.return(undefined);
          break;
        }
      }
    } else {
      const checks = new Map<string, Check[]>();
      for (const i of man.inputs) {
        const cs = i.type === 'string' ? categoricalChecks(man, i.name) : [];
        if (cs.length) checks.set(i.name, cs);
      }
      const batches = tableBatches(scorer, inPath, kind, opts.batchSize);
      for await (const b of batches) {
        const t0 = performance.now();
        const reasons = tableReasons(scorer, b, checks);
        const at: number[] = [];
        const dead: string[] = [];
        const keep: number[] = [];
        for (let r = 0; r < b.n; r++) {
          const why = reasons[r];
          if (why === null) {
            keep.push(r);
            at.push(rowNo + r);
          } else {
            dead.push(deadLine(rowNo + r, why, tableRowJson(scorer, b, r)));
            if (m.reasons.length < 5) m.reasons.push(why);
          }
        }
        let cols = b.cols;
        if (man.inputs.length && keep.length !== b.cols[man.inputs[0].name].length) {
          // compact to the valid rows (and to n, for the last, shorter batch)
          cols = {};
          for (const i of man.inputs) {
            const src = b.cols[i.name];
            if (src instanceof Float64Array) cols[i.name] = Float64Array.from(keep, (r) => src[r]);
            else cols[i.name] = keep.map((r) => src[r]);
          }
        }
        writeBatch(keep.length ? await scorer.scoreColumns(cols, keep.length, rowKeys(at)) : null, at, dead, b.n, t0);
        if (stopping) {
          await batches.return(undefined);
          break;
        }
      }
    }
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    off();
    m.stop();
    dl?.close();
    if (ok) renameSync(tmp, outPath);
    else rmSync(tmp, { force: true });
  }
  return m.summary({ mode: 'file', package: scorer.dir, model: man.model.ref, input: inPath, output: outPath, deadLetter: opts.deadLetter ? resolve(opts.deadLetter) : undefined, interrupted: stopping });
}

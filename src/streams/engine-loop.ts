/**
 * The one engine loop every score run goes through — a Redis or Kafka stream, an NDJSON pipe, a file,
 * an Arrow stream. One batch at a time:
 *   read → enrich (optional) → validate and score (the engine: model, challenger, explain, decide)
 *   → encode and write (the sink) → ack.
 * A batch is acked only after its results (or dead letters) are written. Two overlaps keep both ends
 * busy: the next read may be issued as soon as a batch arrives (read-ahead, for sources behind a
 * network), and a batch is scored while the previous one is written (at most one write in flight,
 * so output and acks stay in batch order). A source that can redeliver (a broker) has its failed
 * batches and reads retried with backoff; for one that cannot (a pipe, a file) a failure ends the run.
 * The loop knows nothing of the batches' shape: the run's steps do.
 */
import type { Progress } from '../ui/progress.js';
import { LatencyRecorder } from './metrics.js';
import type { BatchSink, BatchSource } from './types.js';

/** What a run is made of: where batches come from, what happens to each, where the results go. */
export interface EngineSteps<B, S> {
  source: BatchSource<B>;
  /** rows in a batch (events in); a batch of 0 rows is an idle read */
  size(batch: B): number;
  /** adds looked-up fields to the batch's rows, in place (online-store enrichment) */
  enrich?(batch: B): Promise<void>;
  /** validates the batch's rows and scores the valid ones through the engine's stages */
  score(batch: B): Promise<S>;
  sink: BatchSink<B, S>;
  /** when given, replaces sink.write + source.ack with one atomic step (a Redis script) */
  commit?(batch: B, scored: S): Promise<void>;
  /** the batch's results and dead letters, for the counts */
  counts(scored: S): { out: number; dead: number };
}

export interface EngineOptions<B, S> {
  batchSize: number;
  /** longest wait of a read with nothing to return */
  blockMs: number;
  /** issue the next read while a batch is scored (sources behind a network); else after it */
  readAhead: boolean;
  /** stop after this many rows have been read (and processed) */
  maxEvents?: number;
  /** stop after no row arrived for this long */
  idleExitMs?: number;
  /** set .stopped to true (e.g. from a signal handler) to finish the batches under way and return */
  control?: RunControl;
  /** for retry warnings */
  progress: Pick<Progress, 'warn'>;
  /** called every reportEveryMs (0 = never) from the loop, and once at the end with final = true */
  report?: (counts: EngineCounts, final: boolean) => void;
  reportEveryMs?: number;
  /** called as soon as each batch's write (and ack) completes; `timing` holds its stage times */
  onCommitted?: (batch: B, scored: S, timing: BatchTiming) => void;
}

/** When a batch passed each stage (performance.now() of this process). */
export interface BatchTiming {
  /** the read that returned the batch resolved */
  readAt: number;
  /** validated and scored, write about to be sent */
  scoredAt: number;
  /** the write (and ack) completed */
  committedAt: number;
}

export interface RunControl {
  stopped: boolean;
}

export interface EngineCounts {
  eventsIn: number;
  eventsOut: number;
  deadLettered: number;
  batches: number;
  /** batches that failed to write and were redelivered */
  retries: number;
}

export interface EngineSummary extends EngineCounts {
  latencyMs: { p50: number; p99: number };
  durationMs: number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runEngine<B, S>(steps: EngineSteps<B, S>, o: EngineOptions<B, S>): Promise<EngineSummary> {
  const { source, sink } = steps;
  const control = o.control ?? { stopped: false };
  const canRedeliver = typeof source.redeliver === 'function';
  const started = performance.now();
  const all = new LatencyRecorder();
  const c: EngineCounts = { eventsIn: 0, eventsOut: 0, deadLettered: 0, batches: 0, retries: 0 };
  let lastEventAt = performance.now();
  let lastReport = performance.now();
  const reportEvery = o.report ? (o.reportEveryMs ?? 0) : 0;
  let backoff = 0;

  let ahead: Promise<B | null> | undefined;
  interface Inflight {
    batch: B;
    scored: S;
    t0: number;
    scoredAt: number;
    /** counted (the write completed) */
    recorded: boolean;
    done: Promise<void>;
  }
  let inflight: Inflight | undefined;
  let ackError: unknown;
  const reserved = () => c.eventsIn + (inflight && !inflight.recorded ? steps.size(inflight.batch) : 0);
  const wantAfter = (inFlight: number) => (o.maxEvents !== undefined ? Math.min(o.batchSize, o.maxEvents - reserved() - inFlight) : o.batchSize);
  const startRead = (inFlight: number) => {
    const p = source.read(wantAfter(inFlight), o.blockMs);
    p.catch(() => undefined); // handled where awaited
    return p;
  };
  const commit = (batch: B, scored: S): Promise<void> => {
    if (steps.commit) return steps.commit(batch, scored);
    return sink.write(batch, scored).then(() => source.ack(batch));
  };
  const failed = async (batch: B, err: unknown) => {
    if (!canRedeliver) throw err;
    // nothing of this batch was acked: it will be delivered again (sinks are idempotent by event id)
    c.retries++;
    source.redeliver!(batch);
    backoff = Math.min(2000, backoff ? backoff * 2 : 100);
    o.progress.warn(`batch of ${steps.size(batch)} not acked (${(err as Error).message}); redelivering in ${backoff} ms`);
    await sleep(backoff);
    lastEventAt = performance.now(); // events are waiting to be redelivered: not idle
  };
  /**
   * A written batch is counted (and onCommitted called) the moment its write completes, not when the
   * loop next gets round to it: the loop may be blocked in a read waiting for the next rows, and
   * that wait is no part of this batch's latency.
   */
  const record = (f: Inflight) => {
    const committedAt = performance.now();
    f.recorded = true;
    const n = steps.counts(f.scored);
    c.eventsIn += steps.size(f.batch);
    c.eventsOut += n.out;
    c.deadLettered += n.dead;
    c.batches++;
    all.add(committedAt - f.t0);
    try {
      o.onCommitted?.(f.batch, f.scored, { readAt: f.t0, scoredAt: f.scoredAt, committedAt });
    } catch (err) {
      ackError ??= err;
    }
  };
  /** waits for the write in flight; false if it failed (its batch is redelivered) */
  const settle = async (): Promise<boolean> => {
    const f = inflight;
    if (!f) return true;
    try {
      await f.done;
    } catch (err) {
      inflight = undefined;
      await failed(f.batch, err);
      return false;
    }
    inflight = undefined;
    backoff = 0;
    if (ackError !== undefined) throw ackError;
    return true;
  };
  for (;;) {
    if (!ahead) {
      if (control.stopped) break;
      if (o.maxEvents !== undefined && reserved() >= o.maxEvents) break;
      ahead = startRead(0);
    }
    if (reportEvery > 0 && performance.now() - lastReport >= reportEvery) {
      o.report!(c, false);
      lastReport = performance.now();
    }
    let batch: B | null;
    try {
      batch = await ahead;
    } catch (err) {
      ahead = undefined;
      if (!canRedeliver) {
        await settle();
        throw err;
      }
      await settle();
      if (control.stopped) break;
      if (o.idleExitMs !== undefined && performance.now() - lastEventAt >= o.idleExitMs) break;
      backoff = Math.min(2000, backoff ? backoff * 2 : 100);
      o.progress.warn(`read failed (${(err as Error).message}); retrying in ${backoff} ms`);
      await sleep(backoff);
      continue;
    }
    ahead = undefined;
    if (batch === null) break;
    const rows = steps.size(batch);
    if (rows === 0) {
      await settle();
      if (o.idleExitMs !== undefined && performance.now() - lastEventAt >= o.idleExitMs) break;
      continue;
    }
    const t0 = performance.now();
    lastEventAt = t0;
    const more = () => !control.stopped && (o.maxEvents === undefined || reserved() + rows < o.maxEvents);
    if (o.readAhead && more()) ahead = startRead(rows);
    let scored: S;
    try {
      if (steps.enrich) await steps.enrich(batch);
      scored = await steps.score(batch);
    } catch (err) {
      await settle();
      await failed(batch, err);
      continue;
    }
    if (!(await settle())) {
      // the previous write failed (broker trouble): this batch is redelivered with it
      source.redeliver!(batch);
      continue;
    }
    const f: Inflight = { batch, scored, t0, scoredAt: performance.now(), recorded: false, done: Promise.resolve() };
    f.done = commit(batch, scored).then(() => record(f));
    f.done.catch(() => undefined); // handled in settle
    inflight = f;
    // without read-ahead the next read starts once this batch's write is under way: a pipe then takes
    // the lines that arrived meanwhile, and the batch it hands over is no longer held beside this one
    if (!o.readAhead && more()) ahead = startRead(rows);
  }
  await settle();
  if (ackError !== undefined) throw ackError;
  if (o.report) o.report(c, true);
  return { ...c, latencyMs: all.summary(), durationMs: Math.round(performance.now() - started) };
}

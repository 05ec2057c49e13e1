/**
 * The generic stream runner. One loop, one batch at a time:
 *   read → enrich (optional) → validate each event → score (the engine's stages included) → write results
 *   and dead letters → ack.
 * An event is acked only after its result (or dead letter) is written, so a crash at any point means
 * redelivery, never loss (at-least-once; sinks make a replay idempotent by keying on the event id).
 * Bad events never stop the stream: undecodable or invalid events, and rows the scorer throws on, go
 * to the dead-letter sink with a reason and the original payload. A failing write (broker down) is
 * retried with backoff after asking the source to redeliver the unacked batch.
 */
import type { Progress } from '../ui/progress.js';
import { coerceString } from './event.js';
import { LatencyRecorder } from './metrics.js';
import type { BatchCommitter, DeadLetter, DeadLetterSink, Enricher, ResultRecord, ScorerLike, Sink, Source, SourceEvent } from './types.js';

export interface PipelineOptions {
  source: Source;
  sink: Sink;
  deadLetter: DeadLetterSink;
  scorer: ScorerLike;
  enricher?: Enricher;
  /** when given, replaces sink.write + deadLetter.write + source.ack with one atomic commit */
  committer?: BatchCommitter;
  batchSize: number;
  blockMs: number;
  /** stop after this many events have been read (and processed) */
  maxEvents?: number;
  /** stop after no event arrived for this long */
  idleExitMs?: number;
  /** a metrics line on stderr every N seconds (0 = never) */
  metricsEverySec: number;
  progress: Progress;
  /** set .stopped to true (e.g. from a signal handler) to drain and return */
  control?: RunControl;
  /**
   * called as soon as each batch's commit (results written, events acked) completes — benchmarks
   * measure per-event latency here; `timing` holds the batch's stage times (performance.now())
   */
  onAcked?: (events: SourceEvent[], results: ResultRecord[], timing: BatchTiming) => void;
}

/** When a batch passed each stage (performance.now() of this process). */
export interface BatchTiming {
  /** the read that returned the batch resolved */
  readAt: number;
  /** validated and scored, commit about to be sent */
  scoredAt: number;
  /** the commit (write + ack) completed */
  committedAt: number;
}

export interface RunControl {
  stopped: boolean;
}

export interface PipelineSummary {
  eventsIn: number;
  eventsOut: number;
  deadLettered: number;
  claimed: number;
  batches: number;
  latencyMs: { p50: number; p99: number };
  durationMs: number;
  /** batches that failed to write and were redelivered */
  retries: number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Validation and scoring of one batch: pure apart from the scorer call. */
export async function scoreBatch(
  scorer: ScorerLike,
  events: SourceEvent[],
  sourceName: string,
): Promise<{ results: ResultRecord[]; dead: DeadLetter[] }> {
  const dead: DeadLetter[] = [];
  const rows: Record<string, unknown>[] = [];
  const accepted: SourceEvent[] = [];
  const types = inputTypes(scorer);
  for (const e of events) {
    if (e.error !== undefined || e.event === undefined) {
      dead.push({ eventId: e.id, reason: e.error ?? 'no event', payload: e.raw, source: sourceName });
      continue;
    }
    if (e.flat && types) e.event = { ...e.event, ...typeFlat(e.flat, types) };
    let v = safeValidate(scorer, e.event);
    if (!v.ok && e.flat && !types) {
      const plain = safeValidate(scorer, { ...e.event, ...e.flat });
      if (plain.ok) v = plain;
    }
    if (v.ok) {
      rows.push(v.row);
      accepted.push(e);
    } else {
      // an event that failed only because its entity was not in the online store says so, not which field it lacked
      dead.push({ eventId: e.id, reason: e.lookupMiss ? `${e.lookupMiss} (${v.reason})` : v.reason, payload: e.raw, source: sourceName });
    }
  }
  const results: ResultRecord[] = [];
  // the events' ids key their decisions (review cases, shadow entries): a redelivered event keeps its id
  const keys = accepted.map((e) => e.id);
  if (rows.length > 0) {
    let scored: (Awaited<ReturnType<ScorerLike['scoreRows']>>[number] | Error)[];
    try {
      scored = await scorer.scoreRows(rows, keys);
      if (scored.length !== rows.length) throw new Error(`scorer returned ${scored.length} results for ${rows.length} rows`);
    } catch {
      // find the row(s) the scorer cannot handle; the others are still scored
      scored = [];
      for (const [i, row] of rows.entries()) {
        try {
          const [one] = await scorer.scoreRows([row], [keys[i]]);
          scored.push(one ?? new Error('scorer returned no result'));
        } catch (err) {
          scored.push(err instanceof Error ? err : new Error(String(err)));
        }
      }
      // every row failing is the scorer's fault, not the data's: do not dead-letter the whole stream;
      // the batch is left unacked and retried with backoff
      if (rows.length > 1 && scored.every((x) => x instanceof Error)) throw new Error(`the scorer failed on every row: ${(scored[0] as Error).message}`);
    }
    for (let i = 0; i < accepted.length; i++) {
      const s = scored[i];
      const e = accepted[i];
      if (s instanceof Error) {
        dead.push({ eventId: e.id, reason: `scoring failed: ${s.message}`, payload: e.raw, source: sourceName });
        continue;
      }
      const r: ResultRecord = { eventId: e.id, score: s.score };
      if (s.label !== undefined) r.label = s.label;
      if (s.prediction !== undefined) r.prediction = s.prediction;
      if (s.probabilities !== undefined) r.probabilities = Array.from(s.probabilities);
      if (s.segment !== undefined) r.segment = s.segment;
      if (e.key !== undefined) r.key = e.key;
      if (s.decision) {
        const { score: _s, ...rest } = s.decision;
        r.decision = rest;
      }
      if (s.explanation) r.explanation = s.explanation;
      results.push(r);
    }
  }
  return { results, dead };
}

/** field → declared type, from the scorer's manifest when it has one */
export function inputTypes(scorer: ScorerLike): Map<string, string> | undefined {
  const inputs = scorer.manifest?.inputs;
  if (!inputs || inputs.length === 0) return undefined;
  return new Map(inputs.map((i) => [i.field ?? i.name, i.type]));
}

/** Flat Redis fields typed by the scorer's inputs: numbers parsed, strings kept, "" → null. */
export function typeFlat(flat: Record<string, string>, types: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    const t = types.get(k);
    if (v === '') out[k] = null;
    else if (t === 'number' || t === 'integer' || t === 'double') out[k] = v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    else if (t === 'boolean') out[k] = v === 'true' ? true : v === 'false' ? false : v;
    else if (t === undefined) out[k] = coerceString(v);
    else out[k] = v;
  }
  return out;
}

function safeValidate(scorer: ScorerLike, event: unknown): { ok: true; row: Record<string, unknown> } | { ok: false; reason: string } {
  try {
    return scorer.validate(event);
  } catch (err) {
    return { ok: false, reason: `validation failed: ${(err as Error).message}` };
  }
}

export async function runPipeline(o: PipelineOptions): Promise<PipelineSummary> {
  const control = o.control ?? { stopped: false };
  const started = performance.now();
  const all = new LatencyRecorder();
  const windowLat = new LatencyRecorder(10_000);
  let eventsIn = 0;
  let eventsOut = 0;
  let deadLettered = 0;
  let batches = 0;
  let retries = 0;
  let lastEventAt = performance.now();
  let lastReport = performance.now();
  let windowIn = 0;
  let backoff = 0;

  const report = (final = false) => {
    const now = performance.now();
    const secs = (now - lastReport) / 1000;
    const lat = windowLat.summary();
    const rate = secs > 0 ? Math.round(windowIn / secs) : 0;
    o.progress.log(
      `stream${final ? ' (final)' : ''}: in=${eventsIn} out=${eventsOut} dead-lettered=${deadLettered} claimed=${o.source.claimed()} ` +
        `batches=${batches} rate=${rate}/s latency p50=${lat.p50}ms p99=${lat.p99}ms`,
    );
    windowLat.reset();
    windowIn = 0;
    lastReport = now;
  };

  // Two overlaps keep both the client and the broker busy: the next read is issued as soon as a
  // batch arrives (read-ahead), and a batch is scored while the previous one is being committed
  // (at most one commit in flight, so acks stay in order). On stop, a read already under way is
  // woken; events it still returns are processed too, and the last commit is awaited.
  let ahead: Promise<SourceEvent[]> | undefined;
  interface Inflight {
    events: SourceEvent[];
    results: ResultRecord[];
    dead: DeadLetter[];
    t0: number;
    scoredAt: number;
    /** counted (the commit completed) */
    recorded: boolean;
    done: Promise<void>;
  }
  let inflight: Inflight | undefined;
  let ackError: unknown;
  const reserved = () => eventsIn + (inflight && !inflight.recorded ? inflight.events.length : 0);
  const wantAfter = (inFlight: number) => (o.maxEvents !== undefined ? Math.min(o.batchSize, o.maxEvents - reserved() - inFlight) : o.batchSize);
  const startRead = (inFlight: number) => {
    const p = o.source.read(wantAfter(inFlight), o.blockMs);
    p.catch(() => undefined); // handled where awaited
    return p;
  };
  const commit = (results: ResultRecord[], dead: DeadLetter[], events: SourceEvent[]): Promise<void> => {
    if (o.committer) return o.committer.commit(results, dead, events);
    return Promise.all([results.length > 0 ? o.sink.write(results) : undefined, dead.length > 0 ? o.deadLetter.write(dead) : undefined]).then(() => o.source.ack(events));
  };
  const failed = async (events: SourceEvent[], err: unknown) => {
    // nothing of this batch was acked: it will be delivered again (sinks are idempotent by event id)
    retries++;
    o.source.redeliver(events);
    backoff = Math.min(2000, backoff ? backoff * 2 : 100);
    o.progress.warn(`batch of ${events.length} not acked (${(err as Error).message}); redelivering in ${backoff} ms`);
    await sleep(backoff);
    lastEventAt = performance.now(); // events are waiting to be redelivered: not idle
  };
  /**
   * A committed batch is counted (and onAcked called) the moment its commit completes, not when the
   * loop next gets round to it: the loop may be blocked in a read waiting for the next events, and
   * that wait is no part of this batch's latency.
   */
  const record = (f: Inflight) => {
    const committedAt = performance.now();
    f.recorded = true;
    eventsIn += f.events.length;
    windowIn += f.events.length;
    eventsOut += f.results.length;
    deadLettered += f.dead.length;
    batches++;
    const ms = committedAt - f.t0;
    all.add(ms);
    windowLat.add(ms);
    try {
      o.onAcked?.(f.events, f.results, { readAt: f.t0, scoredAt: f.scoredAt, committedAt });
    } catch (err) {
      ackError ??= err;
    }
  };
  /** waits for the commit in flight; false if it failed (its events are redelivered) */
  const settle = async (): Promise<boolean> => {
    const f = inflight;
    if (!f) return true;
    try {
      await f.done;
    } catch (err) {
      inflight = undefined;
      await failed(f.events, err);
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
    if (o.metricsEverySec > 0 && performance.now() - lastReport >= o.metricsEverySec * 1000) report();
    let events: SourceEvent[];
    try {
      events = await ahead;
    } catch (err) {
      ahead = undefined;
      await settle();
      if (control.stopped) break;
      if (o.idleExitMs !== undefined && performance.now() - lastEventAt >= o.idleExitMs) break;
      backoff = Math.min(2000, backoff ? backoff * 2 : 100);
      o.progress.warn(`read failed (${(err as Error).message}); retrying in ${backoff} ms`);
      await sleep(backoff);
      continue;
    }
    ahead = undefined;
    if (events.length === 0) {
      await settle();
      if (o.idleExitMs !== undefined && performance.now() - lastEventAt >= o.idleExitMs) break;
      continue;
    }
    const t0 = performance.now();
    lastEventAt = t0;
    if (!control.stopped && (o.maxEvents === undefined || reserved() + events.length < o.maxEvents)) ahead = startRead(events.length);
    let scored: { results: ResultRecord[]; dead: DeadLetter[] };
    try {
      if (o.enricher) await o.enricher.enrich(events);
      scored = await scoreBatch(o.scorer, events, o.source.name);
    } catch (err) {
      await settle();
      await failed(events, err);
      continue;
    }
    if (!(await settle())) {
      // the previous commit failed (broker trouble): this batch is redelivered with it
      o.source.redeliver(events);
      continue;
    }
    const f: Inflight = { events, results: scored.results, dead: scored.dead, t0, scoredAt: performance.now(), recorded: false, done: Promise.resolve() };
    f.done = commit(scored.results, scored.dead, events).then(() => record(f));
    f.done.catch(() => undefined); // handled in settle
    inflight = f;
  }
  await settle();
  if (ackError !== undefined) throw ackError;
  if (o.metricsEverySec > 0) report(true);
  return {
    eventsIn,
    eventsOut,
    deadLettered,
    claimed: o.source.claimed(),
    batches,
    latencyMs: all.summary(),
    durationMs: Math.round(performance.now() - started),
    retries,
  };
}

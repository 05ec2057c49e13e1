/**
 * The stream runner: a Redis, Kafka or in-process stream on the engine loop (engine-loop.ts), one batch
 * at a time: read → enrich (optional) → validate each event → score (the engine's stages included) →
 * write results and dead letters → ack.
 * An event is acked only after its result (or dead letter) is written, so a crash at any point means
 * redelivery, never loss (at-least-once; sinks make a replay idempotent by keying on the event id).
 * Bad events never stop the stream: undecodable or invalid events, and rows the scorer throws on, go
 * to the dead-letter sink with a reason and the original payload. A failing write (broker down) is
 * retried with backoff after asking the source to redeliver the unacked batch.
 */
import type { Progress } from '../ui/progress.js';
import { coerceString } from './event.js';
import { LatencyRecorder } from './metrics.js';
import { runEngine, type BatchTiming, type EngineCounts, type EngineSummary, type RunControl } from './engine-loop.js';
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

export type { BatchTiming, RunControl };

export interface PipelineSummary extends EngineSummary {
  claimed: number;
}

type Scored = { results: ResultRecord[]; dead: DeadLetter[] };

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
  const windowLat = new LatencyRecorder(10_000);
  let lastReport = performance.now();
  let windowFrom = 0;
  const report = (c: EngineCounts, final: boolean) => {
    const now = performance.now();
    const secs = (now - lastReport) / 1000;
    const lat = windowLat.summary();
    const rate = secs > 0 ? Math.round((c.eventsIn - windowFrom) / secs) : 0;
    o.progress.log(
      `stream${final ? ' (final)' : ''}: in=${c.eventsIn} out=${c.eventsOut} dead-lettered=${c.deadLettered} claimed=${o.source.claimed()} ` +
        `batches=${c.batches} rate=${rate}/s latency p50=${lat.p50}ms p99=${lat.p99}ms`,
    );
    windowLat.reset();
    windowFrom = c.eventsIn;
    lastReport = now;
  };
  const metrics = o.metricsEverySec > 0;
  const { committer } = o;
  const s = await runEngine<SourceEvent[], Scored>(
    {
      source: o.source,
      size: (events) => events.length,
      enrich: o.enricher ? (events) => o.enricher!.enrich(events) : undefined,
      score: (events) => scoreBatch(o.scorer, events, o.source.name),
      sink: {
        name: o.sink.name,
        write: async (_events, { results, dead }) => {
          await Promise.all([results.length > 0 ? o.sink.write(results) : undefined, dead.length > 0 ? o.deadLetter.write(dead) : undefined]);
        },
        close: () => o.sink.close(),
      },
      commit: committer ? (events, { results, dead }) => committer.commit(results, dead, events) : undefined,
      counts: ({ results, dead }) => ({ out: results.length, dead: dead.length }),
    },
    {
      batchSize: o.batchSize,
      blockMs: o.blockMs,
      readAhead: true,
      maxEvents: o.maxEvents,
      idleExitMs: o.idleExitMs,
      control: o.control,
      progress: o.progress,
      report: metrics ? report : undefined,
      reportEveryMs: o.metricsEverySec * 1000,
      onCommitted: (events, { results }, timing) => {
        if (metrics) windowLat.add(timing.committedAt - timing.readAt);
        o.onAcked?.(events, results, timing);
      },
    },
  );
  return { ...s, claimed: o.source.claimed() };
}

/**
 * The seams every score run is built from. A BatchSource hands out batches of rows — stream events
 * (Source: Redis, Kafka, the in-process log), an NDJSON pipe's lines, a file's or an Arrow stream's
 * columns — and takes acks; a BatchSink encodes and writes what the engine made of a batch. The engine
 * loop (engine-loop.ts, runEngine) drives them: read → enrich → validate → score (decide, explain) →
 * encode → write → ack. The stream contracts below are those seams for events: a Source, a Sink of
 * result records, a DeadLetterSink for rejected events with their reason and original payload; the
 * stream runner (runner.ts) puts them on the loop. Redis Streams (redis-streams.ts), Kafka (kafka.ts)
 * and the in-process log (memory.ts) implement them; score/ holds the pipe, file and Arrow ones.
 */
import type { ScoredRow, Scorer } from '../scorer/scorer.js';
import type { ManifestInput } from '../scorer/manifest.js';

/** A scored row as the runner reads it: the model's fields and what the engine's stages added. */
export type ScoredRowLike = ScoredRow & { explanation?: ResultRecord['explanation'] | null; decision?: { score?: number } };

/**
 * What the runner needs of the one Scorer (src/scorer/scorer.ts): validate and scoreRows; the
 * manifest's inputs, when given, type flat string fields.
 */
export type ScorerLike = Pick<Scorer, 'validate'> & {
  manifest?: { inputs?: (Pick<ManifestInput, 'name'> & Partial<Pick<ManifestInput, 'field'>> & { type: string })[] };
  scoreRows(rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<ScoredRowLike[]>;
};

/** Where batches of rows come from: a stream, a pipe, a file. */
export interface BatchSource<B> {
  /** human name for logs, e.g. "redis stream events (group g, consumer c1)" */
  readonly name: string;
  /** the next batch of up to max rows; waits at most blockMs when none is ready (an empty batch then); null once the input has ended */
  read(max: number, blockMs: number): Promise<B | null>;
  /** marks a batch done: called only after its results and dead letters are written */
  ack(batch: B): Promise<void>;
  /** after a failed batch: deliver it again. A source without it (a pipe, a file) cannot, and a failure ends the run */
  redeliver?(batch: B): void;
  /** entries taken over from dead consumers so far */
  claimed?(): number;
  /** interrupts a blocking read (used on SIGINT/SIGTERM) */
  wake(): void;
  close(): Promise<void>;
}

/** Where a batch's results go: encodes what the engine made of the batch (S) and writes it, in batch order. */
export interface BatchSink<B, S> {
  readonly name: string;
  write(batch: B, scored: S): Promise<void>;
  close(): Promise<void>;
}

/** One event as read from a source. */
export interface SourceEvent {
  /** source event id: a Redis entry id ("1700000000000-0") or Kafka "topic/partition/offset" */
  id: string;
  /** the original payload as text, kept for dead letters */
  raw: string;
  /** the decoded event (absent when decoding failed: see error) */
  event?: Record<string, unknown>;
  /** for flat-field Redis entries: the fields as strings, tried when the coerced event fails validation */
  flat?: Record<string, string>;
  /** why the payload could not be decoded (bad JSON, not an object) */
  error?: string;
  /** Kafka message key, passed on to the output topic */
  key?: string;
  /** set by online-store enrichment when the event's entity has no entry: the reason if the event then fails validation */
  lookupMiss?: string;
}

export interface ResultRecord {
  eventId: string;
  score: number;
  label?: string;
  prediction?: number;
  probabilities?: number[];
  /** segmentation: the nearest segment (the score is the distance to its centre) */
  segment?: number;
  /** Kafka message key of the source event */
  key?: string;
  /** action, band, model/policy versions when the package carries a decision policy */
  decision?: Record<string, unknown>;
  /** dictl score --explain K: base value and top reasons (see src/explain) */
  explanation?: { base: number; class?: string; reasons: { column: string; value: unknown; contribution: number }[] };
}

export interface DeadLetter {
  eventId: string;
  reason: string;
  payload: string;
  source: string;
}

/** A stream's source: a BatchSource of events that never ends on its own and can redeliver. */
export interface Source extends BatchSource<SourceEvent[]> {
  /** up to max events; waits at most blockMs when none are ready; [] on timeout */
  read(max: number, blockMs: number): Promise<SourceEvent[]>;
  /** marks events done: called only after their results and dead letters are written */
  ack(events: SourceEvent[]): Promise<void>;
  /** after a failed batch: deliver these unacked events again */
  redeliver(events: SourceEvent[]): void;
  /** entries taken over from dead consumers so far */
  claimed(): number;
}

export interface Sink {
  readonly name: string;
  write(results: ResultRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface DeadLetterSink {
  readonly name: string;
  write(items: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

/** Adds looked-up fields to events, in place, never overwriting an event's own fields. */
export interface Enricher {
  enrich(events: SourceEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Optional: writes a batch's results and dead letters and acks its events in one atomic step (Redis
 * source with Redis stream outputs: one Lua script per batch). Used instead of sink + deadLetter + ack.
 */
export interface BatchCommitter {
  commit(results: ResultRecord[], dead: DeadLetter[], events: SourceEvent[]): Promise<void>;
}

/**
 * The stream contracts: a Source hands out batches of events and takes acks, a Sink stores results,
 * a DeadLetterSink stores rejected events with their reason and original payload. The generic runner
 * (runner.ts) drives them: read → enrich → validate → score → write results and dead letters → ack.
 * Redis Streams (redis-streams.ts), Kafka (kafka.ts) and the in-process log (memory.ts) implement them.
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

export interface Source {
  /** human name for logs, e.g. "redis stream events (group g, consumer c1)" */
  readonly name: string;
  /** up to max events; waits at most blockMs when none are ready; [] on timeout */
  read(max: number, blockMs: number): Promise<SourceEvent[]>;
  /** marks events done: called only after their results and dead letters are written */
  ack(events: SourceEvent[]): Promise<void>;
  /** after a failed batch: deliver these unacked events again */
  redeliver(events: SourceEvent[]): void;
  /** entries taken over from dead consumers so far */
  claimed(): number;
  /** interrupts a blocking read (used on SIGINT/SIGTERM) */
  wake(): void;
  close(): Promise<void>;
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

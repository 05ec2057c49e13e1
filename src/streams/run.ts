/**
 * Entry point of `dictl score --redis … | --kafka …` (commands/score.ts imports this lazily).
 * Builds the source, sinks and optional online-store enrichment from StreamRunOptions, runs the
 * generic runner until maxEvents / idleExitMs / SIGINT / SIGTERM, and returns the summary.
 * SIGINT/SIGTERM: stop reading, finish and ack the batch in flight, return; a second signal exits at once.
 *
 * Defaults: Redis results go to stream `${stream}:scored` unless --out-stream/--out-hash is given,
 * dead letters to stream `${stream}:dead`; Kafka results go to `${topic}.scored`, dead letters to
 * topic `${topic}.dead`. --dead-letter takes `stream:KEY` (Redis), `topic:NAME` (Kafka) or a file path (NDJSON).
 */
import { DictlError, notFound, usageError } from '../errors.js';
import type { Progress } from '../ui/progress.js';
import { runPipeline, type PipelineSummary, type RunControl } from './runner.js';
import type { BatchCommitter, DeadLetterSink, Enricher, ScorerLike, Sink, Source } from './types.js';

export type { ScorerLike, ScoredRowLike } from './types.js';

export interface StreamRunOptions {
  redis?: string;
  kafka?: string;
  stream?: string;
  topic?: string;
  group: string;
  consumer: string;
  outStream?: string;
  outHash?: string;
  outTopic?: string;
  deadLetter?: string;
  lookup?: string;
  lookupPrefix?: string;
  entityKey?: string;
  batchSize: number;
  blockMs: number;
  maxEvents?: number;
  idleExitMs?: number;
  metricsEverySec: number;
  claimIdleMs: number;
}

/** What a stream run reports: the pipeline's counts and latencies (its internal retry count stays inside). */
export type StreamRunSummary = Omit<PipelineSummary, 'retries'>;

/** Checks the options before anything connects; throws usage errors (exit 2). */
export function checkStreamOptions(o: StreamRunOptions): void {
  if (Boolean(o.redis) === Boolean(o.kafka)) throw usageError('give exactly one of --redis or --kafka');
  if (o.redis) {
    if (!o.stream) throw usageError('--redis needs --stream KEY', '--redis redis://127.0.0.1:6379 --stream events --group scorers --consumer c1');
    if (o.outStream && o.outHash) throw usageError('give only one of --out-stream or --out-hash');
    if (o.topic || o.outTopic) throw usageError('--topic/--out-topic are Kafka flags; use --stream/--out-stream with --redis');
  }
  if (o.kafka) {
    if (!o.topic) throw usageError('--kafka needs --topic NAME', '--kafka localhost:9092 --topic events --group scorers --out-topic scores');
    if (o.stream || o.outStream || o.outHash) throw usageError('--stream/--out-stream/--out-hash are Redis flags; use --topic/--out-topic with --kafka');
  }
  if (!o.group) throw usageError('a consumer group is needed (--group)');
  if (!o.consumer) throw usageError('a consumer name is needed (--consumer)');
  if (o.lookup && !o.entityKey) throw usageError('--lookup needs --entity-key FIELD (the event field holding the entity id)');
  if (!o.lookup && (o.entityKey || o.lookupPrefix)) throw usageError('--entity-key/--lookup-prefix need --lookup redis://…');
  if (o.deadLetter?.startsWith('topic:') && !o.kafka) throw usageError('--dead-letter topic:NAME needs --kafka');
  if (!(o.batchSize >= 1)) throw usageError('--batch-size must be at least 1');
  if (!(o.blockMs >= 1)) throw usageError('--block-ms must be at least 1');
  if (o.maxEvents !== undefined && !(o.maxEvents >= 1)) throw usageError('--max-events must be at least 1');
  if (!(o.claimIdleMs >= 1)) throw usageError('--claim-idle-ms must be at least 1');
}

export async function runStream(scorer: ScorerLike, opts: StreamRunOptions, progress: Progress): Promise<StreamRunSummary> {
  checkStreamOptions(opts);
  const closers: (() => Promise<void>)[] = [];
  let source: Source;
  let sink: Sink;
  let deadLetter: DeadLetterSink;
  let enricher: Enricher | undefined;
  let committer: BatchCommitter | undefined;
  try {
    if (opts.redis) {
      const r = await import('./redis.js');
      r.checkRedisUrl(opts.redis, '--redis');
      const src = await unreachable(`Redis at ${opts.redis}`, '--redis', () => r.RedisStreamSource.open(opts.redis!, opts.stream!, opts.group, opts.consumer, opts.claimIdleMs, (m) => progress.warn(m)));
      closers.push(() => src.close());
      source = src;
      sink = opts.outHash ? new r.RedisHashSink(src.ctl, opts.outHash) : new r.RedisStreamSink(src.ctl, opts.outStream ?? `${opts.stream}:scored`);
      const dl = opts.deadLetter ?? `stream:${opts.stream}:dead`;
      deadLetter = dl.startsWith('stream:') ? new r.RedisDeadLetterSink(src.ctl, dl.slice('stream:'.length)) : await fileDeadLetter(dl);
      // stream outputs on the same server: results, dead letters and the ack in one atomic script
      if (sink instanceof r.RedisStreamSink && deadLetter instanceof r.RedisDeadLetterSink)
        committer = new r.RedisBatchCommitter(src.ctl, opts.stream!, opts.group, sink.key, deadLetter.key);
    } else {
      const k = await import('./kafka.js');
      const kafka = await unreachable(`Kafka brokers ${opts.kafka}`, '--kafka', () => k.KafkaStream.open(opts.kafka!, opts.topic!, opts.group, opts.consumer));
      closers.push(() => kafka.close());
      source = kafka.source;
      sink = kafka.sink(opts.outTopic ?? `${opts.topic}.scored`);
      const dl = opts.deadLetter ?? `topic:${opts.topic}.dead`;
      deadLetter = dl.startsWith('topic:') ? kafka.deadLetterSink(dl.slice('topic:'.length)) : await fileDeadLetter(dl);
    }
    closers.push(() => deadLetter.close(), () => sink.close());
    if (opts.lookup) {
      const { OnlineLookup } = await import('../online/redis.js');
      const { LookupEnricher } = await import('./enrich.js');
      const lookup = await unreachable(`the online store at ${opts.lookup}`, '--lookup', () => OnlineLookup.open(opts.lookup!, opts.lookupPrefix ?? ''));
      enricher = new LookupEnricher(lookup, opts.entityKey!);
      closers.push(() => enricher!.close());
    }
    progress.log(`scoring ${source.name} → ${sink.name}; dead letters → ${deadLetter.name}${opts.lookup ? `; enriching by ${opts.entityKey} from ${opts.lookup}` : ''}`);

    const control: RunControl = { stopped: false };
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
      progress.log(`${sig}: finishing the batch in flight, then stopping (again to exit at once)`);
      control.stopped = true;
      source.wake();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const s = await runPipeline({
        source,
        sink,
        deadLetter,
        scorer,
        enricher,
        committer,
        batchSize: opts.batchSize,
        blockMs: opts.blockMs,
        maxEvents: opts.maxEvents,
        idleExitMs: opts.idleExitMs,
        metricsEverySec: opts.metricsEverySec,
        progress,
        control,
      });
      return {
        eventsIn: s.eventsIn,
        eventsOut: s.eventsOut,
        deadLettered: s.deadLettered,
        claimed: s.claimed,
        batches: s.batches,
        latencyMs: s.latencyMs,
        durationMs: s.durationMs,
      };
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}

/** A service that cannot be reached at start-up is a clear error (exit 4), not a defect. */
async function unreachable<T>(what: string, flag: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof DictlError) throw err;
    throw notFound(`cannot reach ${what}: ${(err as Error).message}`, `is it running and reachable? check ${flag}`);
  }
}

async function fileDeadLetter(path: string): Promise<DeadLetterSink> {
  const { FileDeadLetterSink } = await import('./deadletter.js');
  const file = path.startsWith('file:') ? path.slice('file:'.length) : path;
  try {
    return await new FileDeadLetterSink(file).open();
  } catch (err) {
    throw usageError(`cannot open the dead-letter file ${file}: ${(err as Error).message}`, '--dead-letter FILE (NDJSON, appended) or stream:KEY');
  }
}

/**
 * A Redis or Kafka run of `dictl score`: opens the source, sinks and optional online-store enrichment
 * a StreamRequest names (checked and defaulted by streamRequest, request.ts), runs the generic runner
 * until maxEvents / idleExitMs / SIGINT / SIGTERM, and returns the summary.
 * SIGINT/SIGTERM: stop reading, finish and ack the batch in flight, return; a second signal exits at once.
 */
import { DictlError, notFound } from '../errors.js';
import type { Progress } from '../ui/progress.js';
import type { StreamRequest } from './request.js';
import { runPipeline, type PipelineSummary, type RunControl } from './runner.js';
import { FileDeadLetterSink } from './dead-letter-sink.js';
import { RedisBatchCommitter, RedisDeadLetterSink, RedisHashSink, RedisStreamSink, RedisStreamSource } from './redis-streams.js';
import { KafkaStream } from './kafka.js';
import { OnlineLookup } from '../online/redis-features.js';
import { LookupEnricher } from './enrich.js';
import type { BatchCommitter, DeadLetterSink, Enricher, ScorerLike, Sink, Source } from './types.js';

export type { ScorerLike, ScoredRowLike } from './types.js';

/** What a stream run reports: the pipeline's counts and latencies (its internal retry count stays inside). */
export type StreamRunSummary = Omit<PipelineSummary, 'retries'>;

export async function runStream(scorer: ScorerLike, req: StreamRequest, progress: Progress): Promise<StreamRunSummary> {
  const closers: (() => Promise<void>)[] = [];
  let source: Source;
  let sink: Sink;
  let deadLetter: DeadLetterSink;
  let enricher: Enricher | undefined;
  let committer: BatchCommitter | undefined;
  try {
    if (req.mode === 'redis') {
      const src = await unreachable(`Redis at ${req.url}`, '--redis', () => RedisStreamSource.open(req.url, req.stream, req.group, req.consumer, req.claimIdleMs, (m) => progress.warn(m)));
      closers.push(() => src.close());
      source = src;
      const out = req.out;
      const dl = req.deadLetter;
      const streamSink = out.kind === 'stream' ? new RedisStreamSink(src.ctl, out.key) : undefined;
      sink = out.kind === 'hash' ? new RedisHashSink(src.ctl, out.prefix) : streamSink!;
      const streamDead = dl.kind === 'stream' ? new RedisDeadLetterSink(src.ctl, dl.key) : undefined;
      deadLetter = dl.kind === 'file' ? fileDeadLetter(dl.path) : streamDead!;
      // stream outputs on the same server: results, dead letters and the ack in one atomic script
      if (streamSink && streamDead) committer = new RedisBatchCommitter(src.ctl, req.stream, req.group, streamSink.key, streamDead.key);
    } else {
      const kafka = await unreachable(`Kafka brokers ${req.brokers}`, '--kafka', () => KafkaStream.open(req.brokers, req.topic, req.group, req.consumer));
      closers.push(() => kafka.close());
      source = kafka.source;
      sink = kafka.sink(req.outTopic);
      const dl = req.deadLetter;
      deadLetter = dl.kind === 'topic' ? kafka.deadLetterSink(dl.topic) : fileDeadLetter(dl.path);
    }
    closers.push(() => deadLetter.close(), () => sink.close());
    const lk = req.lookup;
    if (lk) {
      const lookup = await unreachable(`the online store at ${lk.url}`, '--lookup', () => OnlineLookup.open(lk.url, lk.prefix));
      enricher = new LookupEnricher(lookup, lk.entityKey);
      closers.push(() => enricher!.close());
    }
    progress.log(`scoring ${source.name} → ${sink.name}; dead letters → ${deadLetter.name}${lk ? `; enriching by ${lk.entityKey} from ${lk.url}` : ''}`);

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
        batchSize: req.batchSize,
        blockMs: req.blockMs,
        maxEvents: req.maxEvents,
        idleExitMs: req.idleExitMs,
        metricsEverySec: req.metricsEverySec,
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

function fileDeadLetter(path: string): DeadLetterSink {
  return new FileDeadLetterSink(path);
}

/**
 * A Redis or Kafka run as one checked value: streamRequest() checks the stream options and fills the
 * defaults; runStream takes the request as given. (The score command builds its request with this.)
 */
import { usageError } from '../errors.js';
import { checkRedisUrl } from '../io/redis.js';

/** Where a stream run's dead letters go: an NDJSON file, or a stream/topic beside the source. */
export type DeadLetterFileTarget = { kind: 'file'; path: string };

export interface StreamCommon {
  group: string;
  consumer: string;
  /** enrich events from the online store */
  lookup?: { url: string; prefix: string; entityKey: string };
  batchSize: number;
  blockMs: number;
  maxEvents?: number;
  idleExitMs?: number;
  metricsEverySec: number;
  claimIdleMs: number;
}

export interface RedisRequest extends StreamCommon {
  mode: 'redis';
  url: string;
  stream: string;
  out: { kind: 'stream'; key: string } | { kind: 'hash'; prefix: string };
  deadLetter: DeadLetterFileTarget | { kind: 'stream'; key: string };
}

export interface KafkaRequest extends StreamCommon {
  mode: 'kafka';
  brokers: string;
  topic: string;
  outTopic: string;
  deadLetter: DeadLetterFileTarget | { kind: 'topic'; topic: string };
}

/** A Redis or Kafka run: what runStream takes. */
export type StreamRequest = RedisRequest | KafkaRequest;

/** The stream options in camelCase (what library callers and tests give runStream via streamRequest). */
export type StreamRunOptions = Omit<StreamCommon, 'lookup'> & {
  redis?: string;
  kafka?: string;
  stream?: string;
  topic?: string;
  outStream?: string;
  outHash?: string;
  outTopic?: string;
  deadLetter?: string;
  lookup?: string;
  lookupPrefix?: string;
  entityKey?: string;
};

/**
 * Checks stream options and fills the defaults: Redis results go to `${stream}:scored` unless an
 * out-stream/out-hash is given, dead letters to `${stream}:dead`; Kafka results to `${topic}.scored`,
 * dead letters to `${topic}.dead`. A dead letter target is `stream:KEY`, `topic:NAME` or a file path.
 */
export function streamRequest(o: StreamRunOptions, opts: { requireOut?: boolean } = {}): StreamRequest {
  if (Boolean(o.redis) === Boolean(o.kafka)) throw usageError('give exactly one of --redis or --kafka');
  if (o.redis) {
    if (!o.stream) throw usageError('--redis needs --stream KEY', '--redis redis://127.0.0.1:6379 --stream events --group scorers --consumer c1');
    if (opts.requireOut && !o.outStream && !o.outHash) throw usageError('--redis needs --out-stream KEY or --out-hash PREFIX');
    if (o.outStream && o.outHash) throw usageError('give only one of --out-stream or --out-hash');
    if (o.topic || o.outTopic) throw usageError('--topic/--out-topic are Kafka flags; use --stream/--out-stream with --redis');
  }
  if (o.kafka) {
    if (!o.topic) throw usageError('--kafka needs --topic NAME', '--kafka localhost:9092 --topic events --group scorers --out-topic scores');
    if (opts.requireOut && !o.outTopic) throw usageError('--kafka needs --out-topic T2');
    if (o.stream || o.outStream || o.outHash) throw usageError('--stream/--out-stream/--out-hash are Redis flags; use --topic/--out-topic with --kafka');
  }
  if (!o.group) throw usageError('a consumer group is needed (--group)');
  if (!o.consumer) throw usageError('a consumer name is needed (--consumer)');
  if (o.lookup && !o.entityKey) throw usageError('--online-store needs --entity-key FIELD (the event field holding the entity id)');
  if (!o.lookup && (o.entityKey || o.lookupPrefix)) throw usageError('--entity-key/--lookup-prefix need --online-store redis://…');
  if (o.deadLetter?.startsWith('topic:') && !o.kafka) throw usageError('--dead-letter topic:NAME needs --kafka');
  if (!(o.batchSize >= 1)) throw usageError('--batch-size must be at least 1');
  if (!(o.blockMs >= 1)) throw usageError('--block-ms must be at least 1');
  if (o.maxEvents !== undefined && !(o.maxEvents >= 1)) throw usageError('--max-events must be at least 1');
  if (!(o.claimIdleMs >= 1)) throw usageError('--claim-idle-ms must be at least 1');
  if (o.redis) checkRedisUrl(o.redis, '--redis');
  const common: StreamCommon = {
    group: o.group,
    consumer: o.consumer,
    lookup: o.lookup ? { url: o.lookup, prefix: o.lookupPrefix ?? '', entityKey: o.entityKey! } : undefined,
    batchSize: o.batchSize,
    blockMs: o.blockMs,
    maxEvents: o.maxEvents,
    idleExitMs: o.idleExitMs,
    metricsEverySec: o.metricsEverySec,
    claimIdleMs: o.claimIdleMs,
  };
  const file = (dl: string): DeadLetterFileTarget => ({ kind: 'file', path: dl.startsWith('file:') ? dl.slice('file:'.length) : dl });
  if (o.redis) {
    const stream = o.stream!;
    const dl = o.deadLetter ?? `stream:${stream}:dead`;
    return {
      ...common,
      mode: 'redis',
      url: o.redis,
      stream,
      out: o.outHash ? { kind: 'hash', prefix: o.outHash } : { kind: 'stream', key: o.outStream ?? `${stream}:scored` },
      deadLetter: dl.startsWith('stream:') ? { kind: 'stream', key: dl.slice('stream:'.length) } : file(dl),
    };
  }
  const topic = o.topic!;
  const dl = o.deadLetter ?? `topic:${topic}.dead`;
  return { ...common, mode: 'kafka', brokers: o.kafka!, topic, outTopic: o.outTopic ?? `${topic}.scored`, deadLetter: dl.startsWith('topic:') ? { kind: 'topic', topic: dl.slice('topic:'.length) } : file(dl) };
}


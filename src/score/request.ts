/**
 * What `dictl score` is asked to do, as one validated value: a ScoreRequest is a pipe, a file, a Redis
 * or a Kafka run, with every default filled in. scoreRequest() is the only place the score flags are
 * checked; everything after it takes the request as given.
 */
import { hostname } from 'node:os';
import { usageError } from '../errors.js';
import { checkRedisUrl } from '../io/redis.js';

/** The score command's flags (command-line names; --out/--online-store arrive as output/lookup). */
export interface ScoreFlags {
  package: string;
  /** a challenger package scored beside --package (shadow deployment) */
  challenger?: string;
  input?: string;
  output?: string;
  /** pipe mode's wire format (default ndjson) */
  format?: string;
  'dead-letter'?: string;
  'batch-size': number;
  'metrics-every': number;
  threads?: number;
  redis?: string;
  stream?: string;
  group: string;
  consumer?: string;
  'out-stream'?: string;
  'out-hash'?: string;
  kafka?: string;
  topic?: string;
  'out-topic'?: string;
  lookup?: string;
  'lookup-prefix'?: string;
  'entity-key'?: string;
  'block-ms': number;
  'max-events'?: number;
  'idle-exit-ms'?: number;
  'claim-idle-ms': number;
  /** top K reasons per result (0 = none) */
  explain?: number;
  workspace?: string;
}

/** What every mode shares: the packages, the model's options, the stages asked for. */
export interface ScoreCommon {
  package: string;
  challenger?: string;
  /** reasons per result (0 = none) */
  explain: number;
  batchSize: number;
  threads?: number;
  workspace?: string;
  /** where events come from, as decisions and shadow entries record it */
  source: string;
}

export interface PipeRequest extends ScoreCommon {
  mode: 'pipe';
  format: 'ndjson' | 'arrow';
  deadLetter?: string;
  metricsEvery: number;
}

export interface FileRequest extends ScoreCommon {
  mode: 'file';
  input: string;
  output: string;
  deadLetter?: string;
  metricsEvery: number;
}

/** Where a stream run's dead letters go: an NDJSON file, or a stream/topic beside the source. */
export type DeadLetterFileTarget = { kind: 'file'; path: string };

interface StreamCommon {
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

export type ScoreRequest = PipeRequest | FileRequest | (ScoreCommon & RedisRequest) | (ScoreCommon & KafkaRequest);

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
export function streamRequest(o: StreamRunOptions): StreamRequest {
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

/** The flags as one request, or the usage error that says what is wrong (nothing is loaded before). */
export function scoreRequest(f: ScoreFlags): ScoreRequest {
  const streaming = Boolean(f.redis || f.kafka);
  if (streaming && (f.input || f.output)) throw usageError('--input/--out and --redis/--kafka are different modes: pick one');
  if (f.redis && f.kafka) throw usageError('give --redis or --kafka, not both');
  if (f.redis && !f.stream) throw usageError('--redis needs --stream KEY');
  if (f.kafka && !f.topic) throw usageError('--kafka needs --topic T');
  if (f.redis && !f['out-stream'] && !f['out-hash']) throw usageError('--redis needs --out-stream KEY or --out-hash PREFIX');
  if (f.kafka && !f['out-topic']) throw usageError('--kafka needs --out-topic T2');
  if (!streaming && f.input && !f.output) throw usageError('--input needs --out FILE (.ndjson or .csv)');
  if (!streaming && !f.input && f.output) throw usageError('--out needs --input FILE (pipe mode writes to stdout)');
  if (!streaming && (f.lookup || f.stream || f.topic || f['out-stream'] || f['out-hash'] || f['out-topic']))
    throw usageError('stream flags (--stream, --topic, --out-*, --online-store) need --redis or --kafka');
  const format = f.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'arrow') throw usageError(`--format must be ndjson or arrow, got "${format}"`);
  if (format === 'arrow' && (streaming || f.input)) throw usageError('--format arrow is for pipes: Arrow IPC stream on stdin → Arrow IPC stream on stdout', 'drop --input/--redis/--kafka, or --format');
  if (format === 'arrow' && f.challenger) throw usageError('--format arrow does not carry the challenger column yet', 'score the shadow run as NDJSON');
  const common: ScoreCommon = {
    package: f.package,
    challenger: f.challenger,
    explain: f.explain ?? 0,
    batchSize: f['batch-size'],
    threads: f.threads,
    workspace: f.workspace,
    source: f.input ?? (f.stream ? `redis ${f.stream}` : f.topic ? `kafka ${f.topic}` : 'stdin'),
  };
  if (streaming) {
    const s = streamRequest({
      redis: f.redis,
      kafka: f.kafka,
      stream: f.stream,
      topic: f.topic,
      group: f.group,
      consumer: f.consumer ?? `${hostname()}-${process.pid}`,
      outStream: f['out-stream'],
      outHash: f['out-hash'],
      outTopic: f['out-topic'],
      deadLetter: f['dead-letter'],
      lookup: f.lookup,
      lookupPrefix: f['lookup-prefix'],
      entityKey: f['entity-key'],
      batchSize: f['batch-size'],
      blockMs: f['block-ms'],
      maxEvents: f['max-events'],
      idleExitMs: f['idle-exit-ms'],
      metricsEverySec: f['metrics-every'],
      claimIdleMs: f['claim-idle-ms'],
    });
    return { ...common, ...s };
  }
  if (f.input) return { ...common, mode: 'file', input: f.input, output: f.output!, deadLetter: f['dead-letter'], metricsEvery: f['metrics-every'] };
  return { ...common, mode: 'pipe', format, deadLetter: f['dead-letter'], metricsEvery: f['metrics-every'] };
}

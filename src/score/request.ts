/**
 * What `dictl score` is asked to do, as one validated value: a ScoreRequest is a pipe, a file, a Redis
 * or a Kafka run, with every default filled in. scoreRequest() is the only place the score flags are
 * checked (the stream part in streams/request.ts); everything after it takes the request as given.
 */
import { hostname } from 'node:os';
import { usageError } from '../errors.js';
import { streamRequest, type KafkaRequest, type RedisRequest, type StreamRunOptions } from '../streams/request.js';

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

export type ScoreRequest = PipeRequest | FileRequest | (ScoreCommon & RedisRequest) | (ScoreCommon & KafkaRequest);

/** The flags as one request, or the usage error that says what is wrong (nothing is loaded before). */
export function scoreRequest(f: ScoreFlags): ScoreRequest {
  const streaming = Boolean(f.redis || f.kafka);
  if (streaming && (f.input || f.output)) throw usageError('--input/--out and --redis/--kafka are different modes: pick one');
  // every stream flag is checked once, by streamRequest (the command asks for an explicit output)
  const stream = streaming ? streamRequest(streamOptions(f), { requireOut: true }) : null;
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
  if (stream) return { ...common, ...stream };
  if (f.input) return { ...common, mode: 'file', input: f.input, output: f.output!, deadLetter: f['dead-letter'], metricsEvery: f['metrics-every'] };
  return { ...common, mode: 'pipe', format, deadLetter: f['dead-letter'], metricsEvery: f['metrics-every'] };
}

/** The stream flags as streamRequest's options. */
function streamOptions(f: ScoreFlags): StreamRunOptions {
  return {
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
  };
}

/**
 * The one function `dictl score` calls: loads the package and dispatches to the file, pipe or stream
 * path (Redis/Kafka are the streams module's runStream, loaded only when asked for).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { usageError } from '../errors.js';
import type { Progress } from '../ui/progress.js';
import { loadScorer } from './scorer.js';
import { scoreFile, scorePipe, type ScoreSummary } from './run.js';

export interface ScoreFlags {
  package: string;
  /** issue 8: a challenger package scored beside --package (shadow deployment) */
  challenger?: string;
  input?: string;
  output?: string;
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
}

export type StreamSummary = {
  mode: 'stream';
  package: string;
  model: string;
  eventsIn: number;
  eventsOut: number;
  deadLettered: number;
  batches: number;
  latencyMs: { p50: number; p99: number };
  durationMs: number;
  eventsPerSec: number;
  [k: string]: unknown;
};

export async function scoreCommand(f: ScoreFlags, progress: Progress): Promise<ScoreSummary | StreamSummary> {
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
  // issue 8: a package carrying a decision policy adds action/band/versions to every result and queues reviews
  const { withDecisions } = await import('../decide/hook.js');
  // reasons ride on each result (--explain K) and on review cases, from the package's explain.json
  const { withExplanations } = await import('../explain/hook.js');
  const { packagedPolicy } = await import('../decide/hook.js');
  const loaded = await loadScorer(f.package, { batchSize: f['batch-size'], threads: f.threads });
  const scorer = await withDecisions(withExplanations(loaded, f.explain ?? 0, { forDecisions: !!f.challenger || packagedPolicy(loaded.manifest) !== null }), {
    workspace: (f as { workspace?: string }).workspace,
    redis: f.redis,
    source: f.input ?? (f.stream ? `redis ${f.stream}` : f.topic ? `kafka ${f.topic}` : 'stdin'),
    challenger: f.challenger ? await loadScorer(f.challenger, { batchSize: f['batch-size'], threads: f.threads }) : undefined,
    onWarn: (m) => progress.warn(m),
  });
  {
    // a newer policy saved in the workspace does nothing until the model is packaged again: say so
    const { packagedPolicy } = await import('../decide/hook.js');
    const { stalePolicyWarning } = await import('../decide/stale.js');
    const { findWorkspace } = await import('../workspace.js');
    let ws;
    try {
      ws = findWorkspace((f as { workspace?: string }).workspace);
    } catch {
      ws = undefined; // scoring needs no workspace
    }
    const w = stalePolicyWarning(ws, scorer.manifest.model.name, packagedPolicy(scorer.manifest as never));
    if (w) progress.warn(w);
  }
  try {
    if (streaming) {
      const here = dirname(fileURLToPath(import.meta.url));
      if (!existsSync(join(here, '../streams/run.js'))) throw usageError('Redis/Kafka scoring is not available in this build yet', 'score files or pipes for now');
      const mod = (await import('../streams/run.js' as string)) as {
        runStream: (s: unknown, o: Record<string, unknown>, p: Progress) => Promise<Record<string, unknown>>;
      };
      const t0 = performance.now();
      const r = await mod.runStream(
        scorer,
        {
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
        },
        progress,
      );
      const durationMs = Number(r.durationMs ?? performance.now() - t0);
      const eventsIn = Number(r.eventsIn ?? 0);
      return {
        ...r,
        mode: 'stream',
        package: scorer.dir,
        model: scorer.manifest.model.ref,
        eventsIn,
        eventsOut: Number(r.eventsOut ?? 0),
        deadLettered: Number(r.deadLettered ?? 0),
        batches: Number(r.batches ?? 0),
        latencyMs: (r.latencyMs as { p50: number; p99: number }) ?? { p50: 0, p99: 0 },
        durationMs,
        eventsPerSec: Math.round(eventsIn / Math.max(durationMs / 1000, 1e-9)),
      };
    }
    const opts = { batchSize: f['batch-size'], deadLetter: f['dead-letter'], metricsEvery: f['metrics-every'], progress };
    if (f.input) {
      progress.phase(`Scoring ${f.input}`, { unit: 'events' });
      return await scoreFile(scorer, f.input, f.output!, opts);
    }
    return await scorePipe(scorer, process.stdin, process.stdout, opts);
  } finally {
    scorer.close();
  }
}

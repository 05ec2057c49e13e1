/**
 * The one function `dictl score` calls: the flags become a ScoreRequest (checked once, before
 * anything loads), the package becomes a ScoreEngine, and the request's mode picks the source and
 * sink the engine loop (streams/engine-loop.ts) runs it between — a pipe (NDJSON or Arrow IPC), a
 * file, or a Redis/Kafka stream (loaded only when asked for).
 */
import type { Progress } from '../ui/progress.js';
import { packagedPolicy } from '../decide/stage.js';
import { stalePolicyWarning } from '../decide/stale.js';
import { findWorkspace } from '../workspace.js';
import { openEngine, type ScoreEngine } from './engine.js';
import { scoreFile } from './file.js';
import { scorePipe } from './pipe.js';
import { scoreRequest, type ScoreFlags, type ScoreRequest } from './request.js';
import type { ScoreSummary } from './metrics.js';
import { runStream, type StreamRunSummary } from '../streams/run-stream.js';

export type { ScoreFlags } from './request.js';

/** A stream run's summary with the package it scored with. */
export type StreamSummary = StreamRunSummary & { mode: 'stream'; package: string; model: string; eventsPerSec: number };

export async function scoreCommand(f: ScoreFlags, progress: Progress): Promise<ScoreSummary | StreamSummary> {
  return runScore(scoreRequest(f), progress);
}

export async function runScore(req: ScoreRequest, progress: Progress): Promise<ScoreSummary | StreamSummary> {
  const engine = await openEngine(req, (m) => progress.warn(m));
  try {
    const stale = stalePolicy(engine, req.workspace);
    if (stale) progress.warn(stale);
    const opts = { batchSize: req.batchSize, explainK: engine.explainK, progress };
    switch (req.mode) {
      case 'file': {
        progress.phase(`Scoring ${req.input}`, { unit: 'events' });
        return await scoreFile(engine, req.input, req.output, { ...opts, deadLetter: req.deadLetter, metricsEvery: req.metricsEvery });
      }
      case 'pipe': {
        const pipeOpts = { ...opts, deadLetter: req.deadLetter, metricsEvery: req.metricsEvery };
        if (req.format === 'arrow') {
          // the Arrow adapter holds apache-arrow (~150 ms to load): loaded only for --format arrow
          const { scoreArrowPipe } = await import('./arrow.js');
          return await scoreArrowPipe(engine, process.stdin, process.stdout, pipeOpts);
        }
        return await scorePipe(engine, process.stdin, process.stdout, pipeOpts);
      }
      default: {
        const r = await runStream(engine, req, progress);
        return {
          ...r,
          mode: 'stream',
          package: engine.dir,
          model: engine.manifest.model.ref,
          eventsPerSec: Math.round(r.eventsIn / Math.max(r.durationMs / 1000, 1e-9)),
        };
      }
    }
  } finally {
    engine.close();
  }
}

/** A newer policy saved in the workspace does nothing until the model is packaged again: the warning, if so. */
function stalePolicy(engine: ScoreEngine, workspace: string | undefined): string | null {
  let ws;
  try {
    ws = findWorkspace(workspace);
  } catch {
    ws = undefined; // scoring needs no workspace
  }
  return stalePolicyWarning(ws, engine.manifest.model.name, packagedPolicy(engine.manifest)) ?? null;
}

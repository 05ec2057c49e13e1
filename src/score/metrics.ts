/**
 * What a file or pipe run reports, and the counters behind it: events in/out, dead letters, batch
 * latencies (nearest-rank p50/p99), a metrics line on stderr every N seconds; the signal hook that
 * stops a run after the batch in flight.
 */
import type { Progress } from '../ui/progress.js';
import { percentile } from '../stats/quantile.js';

export interface ScoreSummary {
  mode: 'file' | 'pipe';
  package: string;
  model: string;
  eventsIn: number;
  eventsOut: number;
  deadLettered: number;
  batches: number;
  latencyMs: { p50: number; p99: number };
  durationMs: number;
  eventsPerSec: number;
  input?: string;
  output?: string;
  deadLetter?: string;
  /** first few dead-letter reasons, for the summary */
  sampleReasons: string[];
  interrupted: boolean;
}

export interface RunOptions {
  batchSize: number;
  /** reasons per result the engine adds (CSV output gets their columns) */
  explainK?: number;
  deadLetter?: string;
  /** seconds between metrics lines on stderr; 0 = none */
  metricsEvery: number;
  progress: Progress;
}


const r3 = (x: number) => Math.round(x * 1000) / 1000;

export class Metrics {
  eventsIn = 0;
  eventsOut = 0;
  dead = 0;
  batches = 0;
  lat: number[] = [];
  reasons: string[] = [];
  start = performance.now();
  private timer?: NodeJS.Timeout;
  constructor(private progress: Progress, every: number, label: string) {
    if (every > 0) {
      this.timer = setInterval(() => {
        const secs = (performance.now() - this.start) / 1000;
        this.progress.log(
          `[${label}] in=${this.eventsIn} out=${this.eventsOut} dead_lettered=${this.dead} batches=${this.batches} p50=${r3(percentile(this.lat.slice(-10000), 50))}ms p99=${r3(percentile(this.lat.slice(-10000), 99))}ms rate=${Math.round(this.eventsIn / Math.max(secs, 1e-9))}/s`,
        );
      }, every * 1000);
      this.timer.unref();
    }
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
  }
  summary(base: Pick<ScoreSummary, 'mode' | 'package' | 'model' | 'input' | 'output' | 'deadLetter' | 'interrupted'>): ScoreSummary {
    const durationMs = performance.now() - this.start;
    return {
      ...base,
      eventsIn: this.eventsIn,
      eventsOut: this.eventsOut,
      deadLettered: this.dead,
      batches: this.batches,
      latencyMs: { p50: r3(percentile(this.lat, 50)), p99: r3(percentile(this.lat, 99)) },
      durationMs: r3(durationMs),
      eventsPerSec: Math.round(this.eventsIn / Math.max(durationMs / 1000, 1e-9)),
      sampleReasons: this.reasons,
    };
  }
}


export function onSignals(fn: () => void): () => void {
  const h = () => fn();
  process.once('SIGINT', h);
  process.once('SIGTERM', h);
  return () => {
    process.off('SIGINT', h);
    process.off('SIGTERM', h);
  };
}

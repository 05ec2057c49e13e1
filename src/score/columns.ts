/**
 * Columnar runs on the engine loop (streams/engine-loop.ts): an NDJSON pipe, a CSV/Parquet/NDJSON
 * file, an Arrow IPC stream. Their sources hand out ColumnBatches — rows decoded into input columns
 * and checked as they were decoded (the flat scanner, DuckDB's casts, Arrow's nulls, then the
 * categorical policies) — the engine scores the valid rows with its stages (explain, decide), the
 * sink encodes and writes the batch in order, and the rejected rows go to --dead-letter.
 */
import { resolve } from 'node:path';
import { DeadLetterFile } from '../io/dead-letter.js';
import { runEngine, type RunControl } from '../streams/engine-loop.js';
import type { BatchSink, BatchSource } from '../streams/types.js';
import type { BatchScorer, ScoredBatch } from './engine.js';
import { Metrics, onSignals, type RunOptions } from './metrics.js';

/** A batch of rows as a columnar source hands it out, checked. */
export interface ColumnBatch {
  /** rows read, valid or not: each gets a result or a dead letter */
  n: number;
  /** the valid rows' inputs, column-wise (numbers NaN = missing, strings '' = missing); rows [0, rows) */
  cols: Record<string, Float64Array | string[]>;
  /** valid rows */
  rows: number;
  /** each valid row's event key for decisions (review cases, shadow entries) */
  keys?: (string | undefined)[];
  /** dead-letter lines of the rejected rows, and their reasons */
  dead: string[];
  reasons: string[];
}

/** What the engine made of a columnar batch: the valid rows' results (null when none was valid). */
export type ColumnResults = ScoredBatch | null;

export interface ColumnRunOptions extends RunOptions {
  /** what a signal does (default: stop after the batch in flight) */
  onSignal?: (control: RunControl) => void;
  /** the run's stop switch, for a sink that ends it (its reader went away) */
  control?: RunControl;
  /** after each batch is written: rows read so far */
  onWritten?: (rowsRead: number) => void;
}

/** Runs a columnar source through the engine into a sink; the counts are the run's metrics. */
export async function runColumns<B extends ColumnBatch>(engine: BatchScorer, source: BatchSource<B>, sink: BatchSink<B, ColumnResults>, o: ColumnRunOptions): Promise<{ metrics: Metrics; stopped: boolean }> {
  const m = new Metrics(o.progress, o.metricsEvery, 'score');
  const dl = o.deadLetter ? new DeadLetterFile(resolve(o.deadLetter)) : undefined;
  const control: RunControl = o.control ?? { stopped: false };
  let signalled = false;
  const off = onSignals(() => {
    signalled = true;
    if (o.onSignal) o.onSignal(control);
    else {
      control.stopped = true;
      o.progress.log('score: stopping after the current batch');
    }
  });
  try {
    await runEngine<B, ColumnResults>(
      {
        source,
        size: (b) => b.n,
        score: (b) => (b.rows ? engine.scoreColumns(b.cols, b.rows, b.keys) : Promise.resolve(null)),
        sink: {
          name: sink.name,
          write: async (b, res) => {
            dl?.write(b.dead);
            await sink.write(b, res);
          },
          close: () => sink.close(),
        },
        counts: (res) => ({ out: res ? res.n : 0, dead: 0 }),
      },
      {
        batchSize: o.batchSize,
        blockMs: 1000,
        readAhead: false,
        control,
        progress: o.progress,
        onCommitted: (b, _res, t) => {
          m.eventsIn += b.n;
          m.eventsOut += b.rows;
          m.dead += b.dead.length;
          for (const r of b.reasons) if (m.reasons.length < 5) m.reasons.push(r);
          m.batches++;
          m.lat.push(t.committedAt - t.readAt);
          o.onWritten?.(m.eventsIn);
        },
      },
    );
  } finally {
    off();
    m.stop();
    dl?.close();
  }
  return { metrics: m, stopped: signalled || control.stopped };
}

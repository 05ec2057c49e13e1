/**
 * The one engine loop (streams/engine-loop.ts) driven in process: memory batch sources and sinks for
 * the loop's own contract (order, ack after write, failures of a source that cannot redeliver, stop),
 * then a real package through the columnar run (score/columns.ts) from row objects in memory and
 * from NDJSON lines on a Readable, with the pipe's NDJSON encoder on the same batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runEngine } from '../../../src/streams/engine-loop.js';
import { MemoryBatchSink, MemoryBatchSource } from '../../../src/streams/memory.js';
import type { BatchSource } from '../../../src/streams/types.js';
import { buildPackageFiles, writePackage } from '../../../src/scorer/package.js';
import { loadScorer, type Scorer } from '../../../src/scorer/scorer.js';
import { runColumns, type ColumnResults } from '../../../src/score/columns.js';
import { MemoryRowSource, type FileBatch } from '../../../src/score/file.js';
import { NdjsonPipeSink, NdjsonPipeSource, scorePipe, type PipeBatch } from '../../../src/score/pipe.js';
import { makeProgress } from '../../../src/ui/progress.js';
import { fixtureModel, fixtureRows, strictFixturePipeline } from '../../helpers/onnx-fixtures.js';

const quiet = makeProgress({ quiet: true });
const loopOpts = { batchSize: 10, blockMs: 10, readAhead: false, progress: quiet };

describe('runEngine', () => {
  it('writes every batch in order and acks each only after its write', async () => {
    for (const readAhead of [false, true]) {
      const events: string[] = [];
      const source = new MemoryBatchSource([[1, 2], [3], [4, 5, 6]]);
      const ack = source.ack.bind(source);
      source.ack = async (b) => (events.push(`ack ${b.join(',')}`), ack(b));
      const sink = new MemoryBatchSink<number[], number[]>();
      const write = sink.write.bind(sink);
      sink.write = async (b, s) => {
        // a slow write: the next batch is scored meanwhile, but its write waits
        await new Promise((r) => setTimeout(r, 5));
        events.push(`write ${b.join(',')}`);
        return write(b, s);
      };
      const s = await runEngine({ source, size: (b) => b.length, score: async (b) => b.map((x) => x * 10), sink, counts: (r) => ({ out: r.length - 1, dead: 1 }) }, { ...loopOpts, readAhead });
      expect(sink.written.map((w) => w.scored)).toEqual([[10, 20], [30], [40, 50, 60]]);
      expect(events).toEqual(['write 1,2', 'ack 1,2', 'write 3', 'ack 3', 'write 4,5,6', 'ack 4,5,6']);
      expect(source.acked).toHaveLength(3);
      expect(s).toMatchObject({ eventsIn: 6, eventsOut: 3, deadLettered: 3, batches: 3, retries: 0 });
    }
  });

  it('a source that cannot redeliver ends the run on a failed read, score or write (the error as thrown)', async () => {
    const sink = new MemoryBatchSink<number[], number[]>();
    const failingRead: BatchSource<number[]> = { name: 'x', read: async () => Promise.reject(new Error('disk gone')), ack: async () => {}, wake() {}, close: async () => {} };
    const base = { size: (b: number[]) => b.length, sink, counts: () => ({ out: 0, dead: 0 }) };
    await expect(runEngine({ ...base, source: failingRead, score: async (b) => b }, loopOpts)).rejects.toThrow('disk gone');
    await expect(runEngine({ ...base, source: new MemoryBatchSource([[1]]), score: async () => Promise.reject(new Error('model broke')) }, loopOpts)).rejects.toThrow('model broke');
    const badSink = new MemoryBatchSink<number[], number[]>();
    badSink.write = async () => Promise.reject(new Error('no space'));
    await expect(runEngine({ ...base, sink: badSink, source: new MemoryBatchSource([[1], [2]]), score: async (b) => b }, loopOpts)).rejects.toThrow('no space');
  });

  it('stops after the batch in flight when told to', async () => {
    const control = { stopped: false };
    const sink = new MemoryBatchSink<number[], number[]>();
    const s = await runEngine(
      {
        source: new MemoryBatchSource([[1], [2], [3]]),
        size: (b) => b.length,
        score: async (b) => {
          control.stopped = true;
          return b;
        },
        sink,
        counts: (r) => ({ out: r.length, dead: 0 }),
      },
      { ...loopOpts, control },
    );
    expect(sink.written.map((w) => w.batch)).toEqual([[1]]);
    expect(s.eventsIn).toBe(1);
  });
});

describe('columnar runs of a real package', () => {
  let dir: string;
  let scorer: Scorer;
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'dictl-loop-')), 'pkg');
    writePackage(buildPackageFiles(fixtureModel('binary', strictFixturePipeline())), dir, true);
    scorer = await loadScorer(dir, { batchSize: 64 });
  });
  afterAll(() => scorer?.close());

  const rows = fixtureRows.map((r, i) => ({ ...r, tier: ['gold', 'silver', 'bronze', 'silver'][i % 4], 'mean radius': 8 + i }));

  it('row objects in memory: the valid rows scored as scoreRows scores them, the others dead-lettered by data row', async () => {
    const events: unknown[] = [...rows];
    events.splice(2, 0, { ...rows[0], tier: 'platinum' });
    events.splice(5, 0, { ...rows[1], b: 'x' });
    const dl = join(mkdtempSync(join(tmpdir(), 'dictl-loop-dl-')), 'dead.ndjson');
    const sink = new MemoryBatchSink<FileBatch, ColumnResults>();
    const { metrics } = await runColumns(scorer, new MemoryRowSource(scorer, events, 3), sink, { batchSize: 3, metricsEvery: 0, progress: quiet, deadLetter: dl });
    expect(sink.written.map((w) => w.batch.n)).toEqual(Array.from({ length: Math.ceil(events.length / 3) }, (_, k) => Math.min(3, events.length - 3 * k)));
    const at = sink.written.flatMap((w) => w.batch.at);
    const scores = sink.written.flatMap((w) => Array.from(w.scored?.score.subarray(0, w.batch.rows) ?? []));
    expect(at).toEqual(events.map((_, i) => i).filter((i) => i !== 2 && i !== 5));
    const ref = await scorer.scoreRows(rows);
    expect(scores).toEqual(ref.map((r) => r.score));
    const dead = readFileSync(dl, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => d.row)).toEqual([2, 5]);
    expect(dead[0].reason).toContain('unknown category "platinum"');
    expect(metrics).toMatchObject({ eventsIn: events.length, eventsOut: rows.length, dead: 2, batches: sink.written.length });
  });

  it('NDJSON lines on a Readable: blank lines skipped, lines split across chunks joined, bad lines answered in place; the pipe encoder writes what scorePipe writes', async () => {
    const lines = rows.map((r, i) => JSON.stringify(i % 2 ? { id: `k${i}`, ...r } : r));
    lines.splice(3, 0, '', '{not json');
    const text = lines.join('\r\n') + '\n';
    // chunks cut mid-line
    const chunks = [text.slice(0, 37), text.slice(37, 300), text.slice(300)];
    const source = new NdjsonPipeSource(scorer, Readable.from(chunks.map((c) => Buffer.from(c))), 4);
    const sink = new MemoryBatchSink<PipeBatch, ColumnResults>();
    const out: Buffer[] = [];
    const writable = new Writable({
      write(c, _e, cb) {
        out.push(Buffer.from(c));
        cb();
      },
    });
    const encoder = new NdjsonPipeSink(writable, () => {}, (e) => { throw e; });
    const tee = { name: 'tee', write: async (b: PipeBatch, s: ColumnResults) => (await sink.write(b, s), encoder.write(b, s)), close: async () => {} };
    await runColumns(scorer, source, tee, { batchSize: 4, metricsEvery: 0, progress: quiet });
    await source.close();
    expect(sink.written.reduce((k, w) => k + w.batch.n, 0)).toBe(rows.length + 1);
    expect(sink.written.flatMap((w) => w.batch.dead.map((d) => JSON.parse(d).line))).toEqual([5]);
    const got = Buffer.concat(out).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(got[3]).toEqual({ error: expect.stringContaining('bad JSON'), line: 5 });
    const ref = await scorer.scoreRows(rows);
    expect(got.filter((g) => !('error' in g)).map((g) => g.score)).toEqual(ref.map((r) => r.score));
    expect(got.filter((g) => 'id' in g).map((g) => g.id)).toEqual(rows.map((_, i) => `k${i}`).filter((_, i) => i % 2));
    // scorePipe, batch for batch the same, writes the same bytes
    const whole: Buffer[] = [];
    await scorePipe(scorer, Readable.from(chunks.map((c) => Buffer.from(c))), new Writable({ write(c, _e, cb) { whole.push(Buffer.from(c)); cb(); } }), { batchSize: 4, metricsEvery: 0, progress: quiet });
    expect(Buffer.concat(whole).equals(Buffer.concat(out))).toBe(true);
  });
});

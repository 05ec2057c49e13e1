/**
 * The stream runner without a broker: pure pieces (percentiles, payload decoding, batch validation
 * and scoring) with exact values, and the full loop over the in-process MemoryStream (the same
 * Source/Sink interface Redis and Kafka implement): dead letters, write failures, a consumer that
 * dies holding events, stop/drain, and the Kafka commit-after-write bridge.
 */
import { describe, expect, it } from 'vitest';
import { LatencyRecorder, percentile } from '../../../src/streams/metrics.js';
import { coerceString, decodeFields, decodeJson } from '../../../src/streams/event.js';
import { runPipeline, scoreBatch } from '../../../src/streams/runner.js';
import { MemoryDeadLetterSink, MemorySink, MemorySource, MemoryStream } from '../../../src/streams/memory.js';
import { PushPullQueue } from '../../../src/streams/kafka-queue.js';
import { kafkaEvent, makeEachBatch } from '../../../src/streams/kafka.js';
import { runStream } from '../../../src/streams/run-stream.js';
import { streamRequest as checkStreamOptions, type StreamRunOptions } from '../../../src/streams/request.js';
import { freePort } from '../../helpers/redis.js';
import { mergeUnder, decodeValue, inferSchema, encodeValue } from '../../../src/online/redis-features.js';
import type { ScorerLike, SourceEvent } from '../../../src/streams/types.js';
import type { Progress } from '../../../src/ui/progress.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** A real (tiny) model: logistic regression on x with a string category adding 1 for "b". */
const scorer: ScorerLike = {
  validate(e) {
    const o = e as Record<string, unknown>;
    if (typeof o.x !== 'number' || !Number.isFinite(o.x)) return { ok: false, reason: `field x: expected a number, got ${JSON.stringify(o.x)}` };
    if (o.cat !== undefined && typeof o.cat !== 'string') return { ok: false, reason: 'field cat: expected a string' };
    return { ok: true, row: { x: o.x, cat: o.cat ?? 'a' } };
  },
  async scoreRows(rows) {
    return rows.map((r) => {
      const p = sigmoid(0.8 * (r.x as number) - 0.3 + (r.cat === 'b' ? 1 : 0));
      return { score: p, probabilities: [1 - p, p], prediction: p >= 0.5 ? 1 : 0 };
    });
  },
};
const expected = (x: number, cat = 'a') => sigmoid(0.8 * x - 0.3 + (cat === 'b' ? 1 : 0));

function quietProgress(lines: string[] = []): Progress {
  return { phase() {}, tick() {}, log: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`), done() {} };
}

describe('metrics', () => {
  it('nearest-rank percentiles', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 99)).toBe(10);
    expect(percentile(v, 90)).toBe(9);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 99)).toBe(7);
  });
  it('recorder is exact below its cap and bounded above it', () => {
    const r = new LatencyRecorder(1000);
    for (let i = 1; i <= 100; i++) r.add(i);
    expect(r.summary()).toEqual({ p50: 50, p99: 99 });
    const big = new LatencyRecorder(1000);
    for (let i = 0; i < 100_000; i++) big.add(i % 100);
    expect(big.count).toBe(100_000);
    const s = big.summary();
    expect(s.p50).toBeGreaterThanOrEqual(44);
    expect(s.p50).toBeLessThanOrEqual(55);
    expect(s.p99).toBeGreaterThanOrEqual(97);
  });
});

describe('event decoding', () => {
  it('data field holds JSON; flat fields are coerced', () => {
    expect(decodeFields('1-0', ['data', '{"x":1.5,"cat":"b"}', 't', '123'])).toEqual({ id: '1-0', raw: '{"x":1.5,"cat":"b"}', event: { x: 1.5, cat: 'b' } });
    const flat = decodeFields('1-1', ['x', '2.5', 'cat', '042', 'note', '']);
    expect(flat.event).toEqual({ x: 2.5, cat: 42, note: null });
    expect(flat.flat).toEqual({ x: '2.5', cat: '042', note: '' });
    expect(JSON.parse(flat.raw)).toEqual({ x: '2.5', cat: '042', note: '' });
    expect(decodeJson('a', '{bad').error).toMatch(/^bad JSON/);
    expect(decodeJson('a', '[1,2]').error).toBe('event is not a JSON object');
    expect(decodeJson('a', 'null').error).toBe('event is not a JSON object');
    expect(coerceString('-1e3')).toBe(-1000);
    expect(coerceString('.5')).toBe(0.5);
    expect(coerceString('1.2.3')).toBe('1.2.3');
    expect(coerceString('Infinity')).toBe('Infinity');
  });
});

describe('scoreBatch', () => {
  it('scores valid events, dead-letters the rest with reason and original payload', async () => {
    const events: SourceEvent[] = [
      decodeJson('1', '{"x":1}'),
      decodeJson('2', '{oops'),
      decodeJson('3', '{"x":"high"}'),
      decodeFields('4', ['x', '2', 'cat', 'b']),
      decodeJson('5', '{"x":0,"cat":"b"}'),
    ];
    const { results, dead } = await scoreBatch(scorer, events, 'src');
    expect(results.map((r) => r.eventId)).toEqual(['1', '4', '5']);
    expect(results[0].score).toBeCloseTo(expected(1), 15);
    expect(results[1].score).toBeCloseTo(expected(2, 'b'), 15);
    expect(results[2].score).toBeCloseTo(expected(0, 'b'), 15);
    expect(results[2].probabilities).toEqual([1 - expected(0, 'b'), expected(0, 'b')]);
    expect(dead).toEqual([
      { eventId: '2', reason: expect.stringMatching(/^bad JSON/), payload: '{oops', source: 'src' },
      { eventId: '3', reason: 'field x: expected a number, got "high"', payload: '{"x":"high"}', source: 'src' },
    ]);
  });
  it('flat fields are typed by the scorer manifest when it has one', async () => {
    // without types, cat "042" is coerced to 42 and the event is refused (the plain-string retry makes x a string)
    const untyped = await scoreBatch(scorer, [decodeFields('9', ['x', '1', 'cat', '042'])], 'src');
    expect(untyped.dead.map((d) => d.reason)).toEqual(['field cat: expected a string']);
    // a categorical-only event passes on the plain-string retry
    const catOnly: ScorerLike = {
      validate: (e) => (typeof (e as { cat?: unknown }).cat === 'string' ? { ok: true, row: { x: 0, cat: (e as { cat: string }).cat } } : { ok: false, reason: 'cat' }),
      scoreRows: scorer.scoreRows,
    };
    expect((await scoreBatch(catOnly, [decodeFields('8', ['cat', '042'])], 'src')).results.length).toBe(1);
    // with the manifest's input types both fields get their declared type
    const typed: ScorerLike = { ...scorer, manifest: { inputs: [{ name: 'x', type: 'number' }, { name: 'cat', field: 'cat', type: 'string' }] } };
    const r = await scoreBatch(typed, [decodeFields('9', ['x', '1', 'cat', 'b']), decodeFields('10', ['x', 'abc', 'cat', 'b'])], 'src');
    expect(r.results.map((x) => [x.eventId, x.score])).toEqual([['9', expected(1, 'b')]]);
    expect(r.dead.map((d) => [d.eventId, d.reason, d.payload])).toEqual([['10', 'field x: expected a number, got "abc"', '{"x":"abc","cat":"b"}']]);
  });
  it('a row the scorer throws on is dead-lettered; the rest of the batch is scored', async () => {
    const picky: ScorerLike = {
      validate: scorer.validate,
      async scoreRows(rows) {
        if (rows.some((r) => r.x === 13)) throw new Error('unlucky row');
        return scorer.scoreRows(rows);
      },
    };
    const { results, dead } = await scoreBatch(picky, [decodeJson('a', '{"x":1}'), decodeJson('b', '{"x":13}'), decodeJson('c', '{"x":2}')], 's');
    expect(results.map((r) => [r.eventId, r.score])).toEqual([
      ['a', expected(1)],
      ['c', expected(2)],
    ]);
    expect(dead).toEqual([{ eventId: 'b', reason: 'scoring failed: unlucky row', payload: '{"x":13}', source: 's' }]);
  });
});

describe('a broken scorer', () => {
  it('failing on every row is retried (unacked), not dead-lettered', async () => {
    const stream = new MemoryStream();
    fill(stream, 10);
    let healthy = false;
    const flaky: ScorerLike = {
      validate: scorer.validate,
      async scoreRows(rows) {
        if (!healthy) throw new Error('session lost');
        return scorer.scoreRows(rows);
      },
    };
    const lines: string[] = [];
    const progress = quietProgress(lines);
    const warn = progress.warn;
    progress.warn = (m) => {
      warn(m);
      if (lines.filter((l) => l.includes('the scorer failed on every row: session lost')).length >= 2) healthy = true;
    };
    const sink = new MemorySink();
    const dl = new MemoryDeadLetterSink();
    const s = await runPipeline({ source: new MemorySource(stream, 'g', 'c'), sink, deadLetter: dl, scorer: flaky, batchSize: 10, blockMs: 10, idleExitMs: 100, metricsEverySec: 0, progress });
    expect(s.retries).toBe(2);
    expect(dl.items.size).toBe(0);
    expect(sink.results.size).toBe(10);
    expect(stream.pendingCount('g')).toBe(0);
  });
});

function fill(stream: MemoryStream, n: number, bad: Set<number> = new Set()) {
  for (let i = 0; i < n; i++) stream.append(bad.has(i) ? (i % 2 ? '{not json' : '{"x":"nan"}') : JSON.stringify({ x: (i % 50) / 10 }));
}

describe('runPipeline over the in-process stream', () => {
  it('every event is scored or dead-lettered exactly once, and all are acked', async () => {
    const stream = new MemoryStream();
    fill(stream, 1000, new Set([3, 500, 999]));
    const sink = new MemorySink();
    const dl = new MemoryDeadLetterSink();
    const lines: string[] = [];
    const s = await runPipeline({
      source: new MemorySource(stream, 'g', 'c1'),
      sink,
      deadLetter: dl,
      scorer,
      batchSize: 64,
      blockMs: 20,
      idleExitMs: 60,
      metricsEverySec: 3600,
      progress: quietProgress(lines),
    });
    expect(s.eventsIn).toBe(1000);
    expect(s.eventsOut).toBe(997);
    expect(s.deadLettered).toBe(3);
    expect(s.batches).toBe(Math.ceil(1000 / 64));
    expect(s.retries).toBe(0);
    expect(stream.pendingCount('g')).toBe(0);
    expect(sink.results.size).toBe(997);
    expect(sink.results.get('2')!.score).toBe(expected(0.1));
    expect([...dl.items.keys()].sort()).toEqual(['1000', '4', '501']);
    expect(dl.items.get('4')!.payload).toBe('{not json');
    expect(dl.items.get('1000')!.payload).toBe('{not json');
    expect(dl.items.get('501')!.reason).toBe('field x: expected a number, got "nan"');
    expect(dl.items.get('501')!.payload).toBe('{"x":"nan"}');
    expect(lines.at(-1)).toMatch(/^stream \(final\): in=1000 out=997 dead-lettered=3 claimed=0 batches=16 /);
  });

  it('a failing sink never loses events: batches are redelivered until written', async () => {
    const stream = new MemoryStream();
    fill(stream, 300);
    const sink = new MemorySink();
    sink.failures = 3;
    const lines: string[] = [];
    const s = await runPipeline({
      source: new MemorySource(stream, 'g', 'c1'),
      sink,
      deadLetter: new MemoryDeadLetterSink(),
      scorer,
      batchSize: 50,
      blockMs: 10,
      idleExitMs: 50,
      metricsEverySec: 0,
      progress: quietProgress(lines),
    });
    expect(s.retries).toBe(3);
    expect(sink.results.size).toBe(300);
    expect(stream.pendingCount('g')).toBe(0);
    expect(lines.filter((l) => l.includes('not acked (sink unavailable)')).length).toBe(3);
    for (let i = 0; i < 300; i++) expect(sink.results.get(String(i + 1))!.score).toBe(expected((i % 50) / 10));
  });

  it('events held by a consumer that died are claimed by another after claimIdleMs', async () => {
    const stream = new MemoryStream();
    fill(stream, 200);
    // consumer A reads two batches and dies without acking
    const a = new MemorySource(stream, 'g', 'A', 50);
    const held = [...(await a.read(30, 1)), ...(await a.read(30, 1))];
    expect(held.length).toBe(60);
    expect(stream.pendingCount('g')).toBe(60);
    await new Promise((r) => setTimeout(r, 60));
    const sink = new MemorySink();
    const s = await runPipeline({
      source: new MemorySource(stream, 'g', 'B', 50),
      sink,
      deadLetter: new MemoryDeadLetterSink(),
      scorer,
      batchSize: 25,
      blockMs: 10,
      idleExitMs: 50,
      metricsEverySec: 0,
      progress: quietProgress(),
    });
    expect(s.claimed).toBe(60);
    expect(s.eventsIn).toBe(200);
    expect(sink.results.size).toBe(200);
    expect(stream.pendingCount('g')).toBe(0);
  });

  it('stop drains the batch in flight and acks it; maxEvents stops at the count', async () => {
    const stream = new MemoryStream();
    fill(stream, 500);
    const control = { stopped: false };
    const sink = new MemorySink();
    let acked = 0;
    const s = await runPipeline({
      source: new MemorySource(stream, 'g', 'c'),
      sink,
      deadLetter: new MemoryDeadLetterSink(),
      scorer,
      batchSize: 40,
      blockMs: 10,
      metricsEverySec: 0,
      progress: quietProgress(),
      control,
      onAcked: (ev) => {
        acked += ev.length;
        if (acked >= 120) control.stopped = true;
      },
    });
    // the stop came when the third batch was acked; what was already in hand (the batch scored during
    // that commit and the read already under way) is drained too: at most two more batches
    expect(s.eventsIn).toBeGreaterThanOrEqual(120);
    expect(s.eventsIn).toBeLessThanOrEqual(200);
    expect(sink.results.size).toBe(s.eventsIn);
    expect(stream.pendingCount('g')).toBe(0);

    const more = await runPipeline({
      source: new MemorySource(stream, 'g', 'c'),
      sink,
      deadLetter: new MemoryDeadLetterSink(),
      scorer,
      batchSize: 40,
      blockMs: 10,
      maxEvents: 95,
      metricsEverySec: 0,
      progress: quietProgress(),
    });
    expect(more.eventsIn).toBe(95);
    expect(more.batches).toBe(3);
    expect(sink.results.size).toBe(s.eventsIn + 95);
    expect(stream.pendingCount('g')).toBe(0);
  });

  it('picks up events appended while it waits (blocking read), then exits when idle', async () => {
    const stream = new MemoryStream();
    const sink = new MemorySink();
    const run = runPipeline({
      source: new MemorySource(stream, 'g', 'c'),
      sink,
      deadLetter: new MemoryDeadLetterSink(),
      scorer,
      batchSize: 10,
      blockMs: 200,
      idleExitMs: 1000,
      metricsEverySec: 0,
      progress: quietProgress(),
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stream.append(JSON.stringify({ x: i }));
    }
    const s = await run;
    expect(s.eventsIn).toBe(5);
    expect([...sink.results.values()].map((r) => r.score)).toEqual([0, 1, 2, 3, 4].map((x) => expected(x)));
  });
});

describe('Kafka adapter logic (no broker): commit only after the batch is acked', () => {
  const msg = (offset: number, value: string | null, key?: string) => ({ offset: String(offset), key: key ? Buffer.from(key) : null, value: value === null ? null : Buffer.from(value) });

  it('eachBatch waits for acks, then resolves and commits last offset + 1', async () => {
    const bridge = new PushPullQueue<SourceEvent>();
    const commits: [string, number, string][] = [];
    const resolved: string[] = [];
    const handler = makeEachBatch(bridge, async (t, p, o) => void commits.push([t, p, o]), 10);
    const done = handler({
      batch: { topic: 'events', partition: 2, messages: [msg(41, '{"x":1}', 'cust-1'), msg(42, '{broken'), msg(43, null)] } as never,
      resolveOffset: (o: string) => void resolved.push(o),
      heartbeat: async () => {},
    });
    const first = await bridge.pull(2, 50);
    expect(first.map((e) => e.id)).toEqual(['events/2/41', 'events/2/42']);
    expect(first[0]).toMatchObject({ event: { x: 1 }, key: 'cust-1' });
    expect(first[1].error).toMatch(/^bad JSON/);
    bridge.ack(first);
    await new Promise((r) => setTimeout(r, 20));
    expect(commits).toEqual([]); // offset 43 not acked yet
    const second = await bridge.pull(10, 50);
    expect(second.map((e) => e.id)).toEqual(['events/2/43']);
    expect(second[0].error).toMatch(/^bad JSON/); // empty value
    // a failed write puts the event back; commit still waits
    bridge.redeliver(second);
    const again = await bridge.pull(10, 50);
    expect(again).toEqual(second);
    bridge.ack(again);
    await done;
    expect(resolved).toEqual(['43']);
    expect(commits).toEqual([['events', 2, '44']]);
  });

  it('a stopped bridge rejects the waiting batch (so its offsets are never committed)', async () => {
    const bridge = new PushPullQueue<SourceEvent>();
    const commits: string[] = [];
    const handler = makeEachBatch(bridge, async (_t, _p, o) => void commits.push(o), 10);
    const done = handler({ batch: { topic: 't', partition: 0, messages: [msg(0, '{"x":1}')] } as never, resolveOffset: () => {}, heartbeat: async () => {} });
    await bridge.pull(10, 10);
    bridge.close();
    await expect(done).rejects.toThrow('stream stopped');
    expect(commits).toEqual([]);
    expect(await bridge.pull(10, 5)).toEqual([]);
  });

  it('the runner drives a Kafka-shaped source end to end', async () => {
    const { QueueSource } = await import('../../../src/streams/kafka.js');
    const bridge = new PushPullQueue<SourceEvent>();
    const commits: string[] = [];
    const handler = makeEachBatch(bridge, async (_t, _p, o) => void commits.push(o), 10);
    const sink = new MemorySink();
    const dl = new MemoryDeadLetterSink();
    const run = runPipeline({ source: new QueueSource(bridge, 'kafka t'), sink, deadLetter: dl, scorer, batchSize: 7, blockMs: 10, idleExitMs: 200, metricsEverySec: 0, progress: quietProgress() });
    for (let b = 0; b < 3; b++) {
      const messages = Array.from({ length: 10 }, (_, i) => msg(b * 10 + i, b === 1 && i === 4 ? '"just a string"' : JSON.stringify({ x: i })));
      await handler({ batch: { topic: 't', partition: 0, messages } as never, resolveOffset: () => {}, heartbeat: async () => {} });
      expect(commits.at(-1)).toBe(String(b * 10 + 10));
    }
    const s = await run;
    expect(s.eventsIn).toBe(30);
    expect(sink.results.size).toBe(29);
    expect([...dl.items.keys()]).toEqual(['t/0/14']);
    expect(kafkaEvent('t', 0, msg(5, '{"x":2}')).id).toBe('t/0/5');
  });
});

describe('options and online-store helpers', () => {
  const base: StreamRunOptions = { group: 'g', consumer: 'c', batchSize: 10, blockMs: 10, metricsEverySec: 0, claimIdleMs: 1000 };
  it('rejects inconsistent options before connecting', () => {
    expect(() => checkStreamOptions(base)).toThrow('exactly one of --redis or --kafka');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', kafka: 'b:9092' })).toThrow('exactly one');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x' })).toThrow('--redis needs --stream');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', stream: 's', outStream: 'a', outHash: 'b' })).toThrow('only one of --out-stream');
    expect(() => checkStreamOptions({ ...base, kafka: 'b:9092' })).toThrow('--kafka needs --topic');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', stream: 's', lookup: 'redis://y' })).toThrow('--entity-key');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', stream: 's', deadLetter: 'topic:d' })).toThrow('needs --kafka');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', stream: 's', batchSize: 0 })).toThrow('--batch-size');
    expect(() => checkStreamOptions({ ...base, redis: 'redis://x', stream: 's' })).not.toThrow();
  });
  it('an unreachable Redis is a clear not-found error (exit 4), not a defect', async () => {
    const port = await freePort(); // nothing listens there
    const err = await runStream(scorer, checkStreamOptions({ ...base, redis: `redis://127.0.0.1:${port}`, stream: 's' }), quietProgress()).catch((e) => e);
    expect(err.kind).toBe('not-found');
    expect(err.message).toMatch(new RegExp(`^cannot reach Redis at redis://127.0.0.1:${port}: `));
    expect(err.hint).toMatch(/--redis/);
  });
  it('merges looked-up fields under the event, decodes by schema', () => {
    const e: Record<string, unknown> = { id: 7, x: 1 };
    mergeUnder(e, { x: 99, tenure: 12, plan: 'pro' });
    expect(e).toEqual({ id: 7, x: 1, tenure: 12, plan: 'pro' });
    mergeUnder(e, null);
    expect(e).toEqual({ id: 7, x: 1, tenure: 12, plan: 'pro' });
    expect(decodeValue('042', 'string')).toBe('042');
    expect(decodeValue('042', 'number')).toBe(42);
    expect(decodeValue('042', undefined)).toBe(42);
    expect(decodeValue('true', 'boolean')).toBe(true);
    expect(inferSchema([{ id: 1, a: 1, b: 'x', c: null }, { id: 2, a: 2.5, b: 3, c: true }], 'id')).toEqual({ a: 'number', b: 'string', c: 'boolean' });
    expect(encodeValue(NaN)).toBeUndefined();
    expect(encodeValue(null)).toBeUndefined();
    expect(encodeValue(1.5)).toBe('1.5');
  });
});

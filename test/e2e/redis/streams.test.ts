/**
 * Redis Streams with a real redis-server (own loopback port, AOF on): malformed events dead-lettered,
 * idempotent replay, hash output, a consumer killed mid-stream (SIGKILL) whose events the other
 * consumer claims, Redis restarted mid-stream, and SIGTERM draining. Nothing may be lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStream as runStreamRequest } from '../../../src/streams/run-stream.js';
import { streamRequest, type StreamRunOptions } from '../../../src/streams/request.js';
import { RedisBatchCommitter, xaddOnce } from '../../../src/streams/redis-streams.js';
import type { ScorerLike } from '../../../src/streams/types.js';
import type { Progress } from '../../../src/ui/progress.js';
import { logistic, startRedis, writeWorker, type TestRedis } from '../../helpers/redis.js';

const scorer: ScorerLike = {
  validate(e) {
    const o = e as Record<string, unknown>;
    if (typeof o.x !== 'number' || !Number.isFinite(o.x)) return { ok: false, reason: `field x: expected a number, got ${JSON.stringify(o.x)}` };
    return { ok: true, row: { x: o.x } };
  },
  async scoreRows(rows) {
    return rows.map((r) => ({ score: logistic(r.x as number) }));
  },
};
const quiet: Progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis Streams (real redis-server)', () => {
  let redis: TestRedis;
  let r: Redis;
  let tmp: string;
  let worker: string;
  beforeAll(async () => {
    redis = await startRedis();
    r = new Redis(redis.url, { protocol: 2, maxRetriesPerRequest: null, retryStrategy: () => 100 });
    r.on('error', () => undefined);
    tmp = mkdtempSync(join(tmpdir(), 'dictl-streams-'));
    worker = writeWorker(tmp);
  });
  afterAll(async () => {
    r?.disconnect();
    await redis?.stop();
  });

  /** a stream run from the camelCase options (checked and defaulted as the command does) */
  const runStream = (scorer: Parameters<typeof runStreamRequest>[0], o: StreamRunOptions, p: Parameters<typeof runStreamRequest>[2]) => runStreamRequest(scorer, streamRequest(o), p);
  const opts = (o: Partial<StreamRunOptions>): StreamRunOptions => ({
    redis: redis.url,
    group: 'g',
    consumer: 'c1',
    batchSize: 50,
    blockMs: 100,
    idleExitMs: 400,
    metricsEverySec: 0,
    claimIdleMs: 30_000,
    ...o,
  });

  async function addEvents(stream: string, n: number, from = 0): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const p = r.pipeline();
    for (let i = from; i < from + n; i++) p.xadd(stream, '*', 'data', JSON.stringify({ x: (i % 100) / 20 }));
    const res = (await p.exec())!;
    res.forEach(([err, id], j) => {
      if (err) throw err;
      ids.set(id as string, ((from + j) % 100) / 20);
    });
    return ids;
  }

  async function outEntries(stream: string): Promise<Map<string, Record<string, string>>> {
    const entries = (await r.xrange(stream, '-', '+')) as [string, string[]][];
    const m = new Map<string, Record<string, string>>();
    for (const [, f] of entries) {
      const o: Record<string, string> = {};
      for (let i = 0; i < f.length; i += 2) o[f[i]] = f[i + 1];
      expect(m.has(o.event_id)).toBe(false); // never twice
      m.set(o.event_id, o);
    }
    return m;
  }

  it('scores valid events, dead-letters malformed ones with reason and payload, and a replay adds nothing', async () => {
    const ids = await addEvents('ev', 200);
    const bad: Record<string, [string, string]> = {};
    bad[(await r.xadd('ev', '*', 'data', '{bad'))!] = ['{bad', 'bad JSON'];
    bad[(await r.xadd('ev', '*', 'data', '[1,2]'))!] = ['[1,2]', 'event is not a JSON object'];
    bad[(await r.xadd('ev', '*', 'data', '{"x":"high"}'))!] = ['{"x":"high"}', 'field x: expected a number, got "high"'];
    bad[(await r.xadd('ev', '*', 'x', 'abc', 'y', '1'))!] = ['{"x":"abc","y":"1"}', 'field x: expected a number, got "abc"'];
    const flatId = (await r.xadd('ev', '*', 'x', '2.5', 'note', 'flat fields'))!;

    const s = await runStream(scorer, opts({ stream: 'ev', outStream: 'scores', deadLetter: 'stream:dead' }), quiet);
    expect(s).toMatchObject({ eventsIn: 205, eventsOut: 201, deadLettered: 4, claimed: 0 });
    expect(s.batches).toBe(5);
    expect(s.latencyMs.p99).toBeGreaterThanOrEqual(s.latencyMs.p50);

    const out = await outEntries('scores');
    expect(out.size).toBe(201);
    for (const [id, x] of ids) {
      const o = out.get(id)!;
      expect(Number(o.score)).toBe(logistic(x));
      expect(JSON.parse(o.data)).toEqual({ event_id: id, score: logistic(x) });
    }
    expect(Number(out.get(flatId)!.score)).toBe(logistic(2.5));
    const dead = await outEntries('dead');
    expect(dead.size).toBe(4);
    for (const [id, [payload, reason]] of Object.entries(bad)) {
      expect(dead.get(id)!.payload).toBe(payload);
      expect(dead.get(id)!.reason.startsWith(reason)).toBe(true);
      expect(dead.get(id)!.source).toBe('redis stream ev (group g, consumer c1)');
    }
    const pending = (await r.xpending('ev', 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);

    // a second group replays the whole stream into the same outputs: keyed by event id, nothing is added
    const again = await runStream(scorer, opts({ stream: 'ev', group: 'replay', outStream: 'scores', deadLetter: 'stream:dead' }), quiet);
    expect(again.eventsIn).toBe(205);
    expect(await r.xlen('scores')).toBe(201);
    expect(await r.xlen('dead')).toBe(4);

    // hashes keyed by event id, and dead letters to an NDJSON file
    const dlFile = join(tmp, 'dead.ndjson');
    await runStream(scorer, opts({ stream: 'ev', group: 'h', outHash: 'score:', deadLetter: dlFile }), quiet);
    const [firstId, firstX] = [...ids][0];
    const h = await r.hgetall(`score:${firstId}`);
    expect(h).toEqual({ event_id: firstId, score: String(logistic(firstX)) });
    const lines = readFileSync(dlFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event_id).sort()).toEqual(Object.keys(bad).sort());
    expect(lines.find((l) => l.payload === '{bad').reason).toMatch(/^bad JSON/);
    // a dead-letter file that cannot be opened fails at start-up (usage error), not on the first bad event
    const err = await runStream(scorer, opts({ stream: 'ev', group: 'x', deadLetter: join(tmp, 'no/such/dir/dead.ndjson') }), quiet).catch((e) => e);
    expect(err.kind).toBe('usage');
    expect(err.message).toMatch(/^cannot open the dead-letter file .*no\/such\/dir\/dead.ndjson: ENOENT/);
  });

  it('processed-markers dedupe replays, bucketed by event time and expiring (bounded memory)', async () => {
    const e = (id: string): { id: string; fields: [string, string][] } => ({ id, fields: [['n', '1']] });
    expect(await xaddOnce(r, 'm', [e('1700000000000-0'), e('1700000500000-0'), e('1700000000000-0')], 5000)).toBe(2);
    expect(await xaddOnce(r, 'm', [e('1700000500000-0'), e('1700002000000-1')], 5000)).toBe(1); // …500000-0 seen before
    const entries = (await r.xrange('m', '-', '+')) as [string, string[]][];
    expect(entries.map(([, f]) => f)).toEqual([
      ['event_id', '1700000000000-0', 'n', '1'],
      ['event_id', '1700000500000-0', 'n', '1'],
      ['event_id', '1700002000000-1', 'n', '1'],
    ]);
    // 10^6 ms buckets: 1700000 holds the first two ids, 1700002 the third; each expires after the retention
    expect((await r.smembers('m:done:1700000')).sort()).toEqual(['1700000000000-0', '1700000500000-0']);
    expect(await r.smembers('m:done:1700002')).toEqual(['1700002000000-1']);
    const ttl = await r.pttl('m:done:1700000');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('the batch commit writes each event id once (repeats within a batch, across buckets, on replay) and acks the batch', async () => {
    const ids = ['1700000000000-0', '1700000000000-1', '1700003000000-0', '1700000000000-2'];
    for (const id of [...ids].sort()) await r.xadd('cm', id, 'data', '{}');
    await r.call('XGROUP', 'CREATE', 'cm', 'g', '0');
    await r.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'cm', '>');
    const c = new RedisBatchCommitter(r, 'cm', 'g', 'cm:out', 'cm:dead', 5000);
    const res = (id: string, score: number) => ({ eventId: id, score });
    const events = ids.map((id) => ({ id, raw: '{}' }));
    // ids[1] twice, and a bucket change in the middle (runs of ids per marker set)
    await c.commit([res(ids[0], 0.1), res(ids[1], 0.2), res(ids[1], 0.25), res(ids[2], 0.3), res(ids[3], 0.4)], [], events);
    await c.commit([res(ids[3], 0.4), res(ids[0], 0.1)], [], events.slice(0, 1)); // a replay adds nothing
    const out = (await r.xrange('cm:out', '-', '+')) as [string, string[]][];
    expect(out.map(([, f]) => [f[1], f[3]])).toEqual([
      [ids[0], '0.1'],
      [ids[1], '0.2'],
      [ids[2], '0.3'],
      [ids[3], '0.4'],
    ]);
    expect((await r.smembers('cm:out:done:1700000')).sort()).toEqual([ids[0], ids[1], ids[3]]);
    expect(await r.smembers('cm:out:done:1700003')).toEqual([ids[2]]);
    expect(await r.pttl('cm:out:done:1700003')).toBeGreaterThan(0);
    expect(((await r.call('XPENDING', 'cm', 'g')) as unknown[])[0]).toBe(0);
  });

  it('a poison event (delivered more than 5 times, never acked) is dead-lettered, not handed on again', async () => {
    const ids = [...(await addEvents('poison', 3)).keys()];
    await r.call('XGROUP', 'CREATE', 'poison', 'g', '0');
    // a consumer that keeps dying on the second event: it read all three and never acked
    await r.call('XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '10', 'STREAMS', 'poison', '>');
    await r.call('XCLAIM', 'poison', 'g', 'ghost', '0', ids[1], 'RETRYCOUNT', '7');
    await sleep(50);
    const s = await runStream(scorer, opts({ stream: 'poison', outStream: 'poison:scores', deadLetter: 'stream:poison:dead', claimIdleMs: 20 }), quiet);
    expect(s).toMatchObject({ eventsIn: 3, eventsOut: 2, deadLettered: 1, claimed: 3 });
    const dead = await outEntries('poison:dead');
    expect([...dead.keys()]).toEqual([ids[1]]);
    expect(dead.get(ids[1])!.reason).toMatch(/^delivered \d+ times without being acked/);
    expect(JSON.parse(dead.get(ids[1])!.payload)).toEqual({ x: 0.05 });
    expect([...(await outEntries('poison:scores')).keys()].sort()).toEqual([ids[0], ids[2]].sort());
    // the dead consumer (nothing pending any more, idle > 10 × claimIdleMs) was removed from the group
    const names = ((await r.call('XINFO', 'CONSUMERS', 'poison', 'g')) as string[][]).map((row) => row[1]);
    expect(names).toEqual(['c1']);
  });

  function startWorker(o: Partial<StreamRunOptions>, env: Record<string, string> = {}): { child: ChildProcess; out: Promise<{ code: number | null; stdout: string; stderr: string }> } {
    const child = spawn(process.execPath, [worker, JSON.stringify(opts(o))], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const out = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
    return { child, out };
  }

  async function waitFor(cond: () => Promise<boolean>, ms: number, what: string) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('at-least-once under a consumer crash: one of two consumers is SIGKILLed mid-stream, the other claims its events', async () => {
    const ids = await addEvents('crash', 1500);
    const common = { stream: 'crash', outStream: 'crash:scores', group: 'workers', batchSize: 50, claimIdleMs: 1000, idleExitMs: 3000 };
    const a = startWorker({ ...common, consumer: 'A' }, { SCORE_DELAY_MS: '40' });
    const b = startWorker({ ...common, consumer: 'B' }, { SCORE_DELAY_MS: '40' });
    await waitFor(async () => (await r.xlen('crash:scores')) >= 250, 30_000, 'the first scores');
    a.child.kill('SIGKILL');
    const ra = await a.out;
    expect(ra.code).toBe(null); // killed, no summary
    const rb = await b.out;
    expect(rb.code, rb.stderr).toBe(0);
    const sb = JSON.parse(rb.stdout);
    expect(sb.claimed).toBeGreaterThan(0);
    const out = await outEntries('crash:scores');
    expect(out.size).toBe(1500);
    for (const [id, x] of ids) expect(Number(out.get(id)!.score)).toBe(logistic(x));
    const pending = (await r.xpending('crash', 'workers')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('Redis restarted mid-stream: the consumer reconnects and resumes, no event lost', async () => {
    const first = await addEvents('rs', 1000);
    const slow: ScorerLike = { validate: scorer.validate, scoreRows: async (rows) => (await sleep(20), scorer.scoreRows(rows)) };
    const run = runStream(slow, opts({ stream: 'rs', outStream: 'rs:scores', batchSize: 25, idleExitMs: 5000 }), quiet);
    await waitFor(async () => (await r.xlen('rs:scores')) >= 200, 30_000, 'the first scores');
    const runId = async () => /run_id:(\w+)/.exec(await r.info('server'))![1];
    const before = await runId();
    const atRestart = await r.xlen('rs:scores');
    await redis.restart(500);
    expect(await runId()).not.toBe(before); // a new server process, started from the AOF
    const second = await addEvents('rs', 1000, 1000);
    const s = await run;
    const out = await outEntries('rs:scores');
    expect(out.size).toBe(2000);
    for (const [id, x] of [...first, ...second]) expect(Number(out.get(id)!.score)).toBe(logistic(x));
    expect(atRestart).toBeLessThan(1000); // the restart came mid-stream
    expect(s.eventsOut).toBeGreaterThanOrEqual(2000);
    const pending = (await r.xpending('rs', 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('SIGTERM drains: the batch in flight is written and acked, the summary printed, exit 0', async () => {
    await addEvents('term', 2000);
    const w = startWorker({ stream: 'term', outStream: 'term:scores', consumer: 'T', batchSize: 20, idleExitMs: undefined, metricsEverySec: 1 }, { SCORE_DELAY_MS: '30' });
    await waitFor(async () => (await r.xlen('term:scores')) >= 100, 30_000, 'the first scores');
    w.child.kill('SIGTERM');
    const res = await w.out;
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(res.stderr).toMatch(/SIGTERM: finishing the batch in flight/);
    expect(res.stderr).toMatch(/stream \(final\): in=\d+ out=\d+ dead-lettered=0/);
    expect(s.eventsIn).toBeLessThan(2000);
    expect(await r.xlen('term:scores')).toBe(s.eventsOut);
    const pending = (await r.xpending('term', 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});

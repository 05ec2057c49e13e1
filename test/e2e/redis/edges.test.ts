/** A stream consumer says when Redis goes away and when it is back: one line each, against a real redis-server. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStream, type ScorerLike } from '../../../src/streams/run-stream.js';
import { streamRequest } from '../../../src/streams/request.js';
import type { Progress } from '../../../src/ui/progress.js';
import { logistic, startRedis, type TestRedis } from '../../helpers/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis connection lost and restored (real redis-server)', () => {
  let redis: TestRedis;
  let r: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    r = new Redis(redis.url, { protocol: 2, maxRetriesPerRequest: null, retryStrategy: () => 100 });
    r.on('error', () => undefined);
  });
  afterAll(async () => {
    r?.disconnect();
    await redis?.stop();
  });

  it('logs one line when the connection drops and one when it returns, none on a normal stop', async () => {
    for (let i = 0; i < 200; i++) await r.xadd('ev', '*', 'data', JSON.stringify({ x: i / 100 }));
    const lines: string[] = [];
    const progress: Progress = { phase() {}, tick() {}, log() {}, warn: (m) => lines.push(m), done() {} };
    const scorer: ScorerLike = {
      validate: (e) => ({ ok: true, row: { x: (e as { x: number }).x } }),
      scoreRows: async (rows) => (await sleep(10), rows.map((q) => ({ score: logistic(q.x as number) }))),
    };
    const run = runStream(scorer, streamRequest({ redis: redis.url, stream: 'ev', outStream: 'ev:scores', group: 'g', consumer: 'c1', batchSize: 10, blockMs: 100, idleExitMs: 3000, metricsEverySec: 0, claimIdleMs: 30_000 }), progress);
    for (let i = 0; i < 300 && (await r.xlen('ev:scores').catch(() => 0)) < 20; i++) await sleep(20);
    await redis.restart(1500);
    for (let i = 0; i < 200; i++) await r.xadd('ev', '*', 'data', JSON.stringify({ x: i / 100 }));
    const s = await run;
    expect(s.eventsOut).toBeGreaterThanOrEqual(400);
    const lost = lines.filter((l) => /^redis: connection to redis:\/\/127\.0\.0\.1:\d+ lost/.test(l));
    const back = lines.filter((l) => /^redis: connection to redis:\/\/127\.0\.0\.1:\d+ restored after \d+\.\d s$/.test(l));
    expect(lost, lines.join('\n')).toHaveLength(1);
    expect(back, lines.join('\n')).toHaveLength(1);
    expect(lines.indexOf(lost[0])).toBeLessThan(lines.indexOf(back[0]));
  });
});

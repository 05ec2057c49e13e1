/** Review cases on a real Redis stream: the scorer-side sink XADDs, `review sync` copies them into the workspace queue once. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace, workspaceAt } from '../../../src/workspace.js';
import { redisReviewSink } from '../../../src/decide/stage.js';
import { makeDecider } from '../../../src/decide/runtime.js';
import { normalizeSpec, type DecisionPolicy } from '../../../src/decide/policy.js';
import { syncFromRedis } from '../../../src/ops/review-sync.js';
import { listReviews } from '../../../src/review/queue.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis | undefined;
let url = '';

beforeAll(async () => {
  redis = await startRedis();
  url = redis.url;
});

afterAll(async () => {
  await redis?.stop();
});

describe('review queue on Redis', () => {
  it('queues on the stream reviews:MODEL and syncs into the workspace once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-rr-'));
    initWorkspace(dir);
    const ws = workspaceAt(dir);
    const policy: DecisionPolicy = { kind: 'decision-policy', model: 'm', version: 1, source: 'set', ...normalizeSpec({ owner: 'a@b.io', actAbove: 0.8, review: [0.4, 0.8] }) };
    const sink = redisReviewSink(url, 'm');
    const d = makeDecider(policy, { modelName: 'm', modelVersion: 1, threshold: 0.5, source: 'redis events', sink });
    const scores = [0.1, 0.5, 0.6, 0.9, 0.7];
    d.decide(scores.map((x) => ({ x })), scores);
    expect(await d.flush()).toBe(3);
    sink.close();
    const first = await syncFromRedis(ws, url, 'm');
    expect(first).toMatchObject({ model: 'm', stream: 'reviews:m', read: 3, added: 3, skipped: 0 });
    const again = await syncFromRedis(ws, url, 'm');
    expect(again).toMatchObject({ read: 0, added: 0 });
    const list = listReviews(ws, { model: 'm' });
    expect(list.pending).toBe(3);
    expect(list.cases.map((c) => c.score)).toEqual([0.5, 0.6, 0.7]);
    await expect(syncFromRedis(ws, 'redis://127.0.0.1:1', 'm')).rejects.toThrow(/cannot connect/);
  });

  it('reads a drift window from a Redis stream (flat fields or one JSON field), newest last', async () => {
    const { readRedisWindow } = await import('../../../src/ops/monitor-drift.js');
    const { Redis } = await import('ioredis');
    const r = new Redis(url);
    for (let i = 0; i < 5; i++) await r.xadd('events', '*', 'x', String(i), 'c', i % 2 ? 'a' : 'b');
    await r.xadd('events', '*', 'event', JSON.stringify({ x: 99, c: 'z' }));
    r.disconnect();
    const rows = await readRedisWindow(url, 'events', 3);
    expect(rows).toEqual([
      { x: '3', c: 'a' },
      { x: '4', c: 'b' },
      { x: 99, c: 'z' },
    ]);
  });
});

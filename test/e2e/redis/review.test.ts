/** Review cases on a real Redis stream: the scorer-side sink XADDs, `review sync` copies them into the workspace queue once. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace, workspaceAt } from '../../../src/workspace.js';
import { redisReviewSink } from '../../../src/decide/stage.js';
import { makeDecider } from '../../../src/decide/runtime.js';
import { normalizeSpec, type DecisionPolicy } from '../../../src/decide/policy.js';
import { syncFromRedis } from '../../../src/review/redis.js';
import { listReviews } from '../../../src/review/queue.js';

let port = 0;
let url = '';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

beforeAll(async () => {
  port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dictl-redis-'));
  const r = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir]);
  if (r.status !== 0) throw new Error('redis-server did not start');
  url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server not answering');
});

afterAll(() => {
  if (port) spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
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
    const { readRedisWindow } = await import('../../../src/ops/drift.js');
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

/**
 * End to end through the real CLI: `dictl score --package DIR --redis …` with a package built by
 * `dictl package` from a registered model, against a real redis-server. Scores must equal the
 * in-process model; malformed events go to the dead-letter stream; --lookup enriches from the
 * online store written by writeOnline (what `dictl feature materialize` uses).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceAt } from '../../../src/workspace.js';
import { registerModel } from '../../../src/registry/models.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { predict } from '../../../src/ml/predict.js';
import { writeOnline } from '../../../src/online/redis-features.js';
import { fixtureModel, fixtureRows } from '../../helpers/onnx-fixtures.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { cli } from '../../helpers/cli.js';

const model = fixtureModel('binary');
const { version: _v, ...draft } = model;
const ref = (rows: Record<string, unknown>[]) => {
  const { X, n, p } = applyPipeline(model.pipeline, rows);
  return predict(model, X, n, p);
};

describe('dictl score --redis (real CLI, real package, real redis-server)', () => {
  let ws: string;
  let redis: TestRedis;
  let r: Redis;
  const fields = (f: string[]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]]));

  beforeAll(async () => {
    ws = join(mkdtempSync(join(tmpdir(), 'dictl-streamcli-')), 'ws');
    expect(cli(process.cwd(), ['init', ws], { quiet: false }).code).toBe(0);
    await registerModel(workspaceAt(ws), draft, {});
    const p = cli(ws, ['package', 'fx@1', '--out', 'pkg']);
    expect(p.code, p.stderr).toBe(0);
    redis = await startRedis();
    r = new Redis(redis.url, { protocol: 2 });
  });
  afterAll(async () => {
    r?.disconnect();
    await redis?.stop();
  });

  it('scores a stream equal to the in-process model, dead-letters malformed events, acks everything', async () => {
    const ids: string[] = [];
    for (const [i, row] of fixtureRows.entries()) ids.push((await r.xadd('ev', '*', 'data', JSON.stringify({ id: `e${i}`, ...row })))!);
    const flatId = (await r.xadd('ev', '*', 'a', '1', 'b', '2', 'color', 'red', 'city', 'paris'))!;
    const badJson = (await r.xadd('ev', '*', 'data', '{"a": 1,'))!;
    const badType = (await r.xadd('ev', '*', 'data', JSON.stringify({ a: 'text', b: 1, color: 'red', city: 'rome' })))!;
    const res = cli(ws, ['score', '--package', 'pkg', '--redis', redis.url, '--stream', 'ev', '--group', 'g', '--consumer', 'c1', '--out-stream', 'scores', '--dead-letter', 'stream:dead', '--batch-size', '4', '--block-ms', '100', '--idle-exit-ms', '600', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout); // one JSON document on stdout (the stream path writes no data there)
    expect(summary).toMatchObject({ mode: 'stream', model: 'fx@1', eventsIn: fixtureRows.length + 3, eventsOut: fixtureRows.length + 1, deadLettered: 2 });

    const p = ref([...fixtureRows, { a: 1, b: 2, color: 'red', city: 'paris' }]);
    const out = new Map(((await r.xrange('scores', '-', '+')) as [string, string[]][]).map(([, f]) => [fields(f).event_id, fields(f)]));
    expect(out.size).toBe(fixtureRows.length + 1);
    [...ids, flatId].forEach((id, i) => {
      const o = out.get(id)!;
      expect(Math.abs(Number(o.score) - p[i])).toBeLessThan(1e-6);
      const data = JSON.parse(o.data);
      expect(data.event_id).toBe(id);
      expect(data.probabilities).toHaveLength(2);
      expect(Math.abs(data.probabilities[1] - p[i])).toBeLessThan(1e-6);
    });
    const dead = new Map(((await r.xrange('dead', '-', '+')) as [string, string[]][]).map(([, f]) => [fields(f).event_id, fields(f)]));
    expect([...dead.keys()].sort()).toEqual([badJson, badType].sort());
    expect(dead.get(badJson)!.payload).toBe('{"a": 1,');
    expect(dead.get(badJson)!.reason).toMatch(/^bad JSON/);
    expect(dead.get(badType)!.reason).toBe('field "a": expected number or null, got string "text"');
    expect(((await r.xpending('ev', 'g')) as [number])[0]).toBe(0);
  });

  it('--lookup enriches events from the online store by --entity-key', async () => {
    await writeOnline(redis.url, 'cust:', 'customer', [
      { customer: 'k1', color: 'red', city: 'paris', b: 2 },
      { customer: 'k2', color: 'blue', city: 'rome', b: null },
    ]);
    const e1 = (await r.xadd('tx', '*', 'data', JSON.stringify({ customer: 'k1', a: 1 })))!;
    const e2 = (await r.xadd('tx', '*', 'data', JSON.stringify({ customer: 'k2', a: -1, b: 4 })))!;
    const e3 = (await r.xadd('tx', '*', 'data', JSON.stringify({ customer: 'k1', a: 2, city: 'rome' })))!; // own city wins
    const res = cli(ws, ['score', '--package', 'pkg', '--redis', redis.url, '--stream', 'tx', '--group', 'g', '--consumer', 'c1', '--out-hash', 'risk:', '--lookup', redis.url, '--lookup-prefix', 'cust:', '--entity-key', 'customer', '--block-ms', '100', '--idle-exit-ms', '600', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const p = ref([
      { a: 1, b: 2, color: 'red', city: 'paris' },
      { a: -1, b: 4, color: 'blue', city: 'rome' },
      { a: 2, b: 2, color: 'red', city: 'rome' },
    ]);
    for (const [i, id] of [e1, e2, e3].entries()) expect(Math.abs(Number(await r.hget(`risk:${id}`, 'score')) - p[i])).toBeLessThan(1e-6);
  });

  it('a bad --redis URL is a usage error (exit 2) before anything connects', () => {
    const res = cli(ws, ['score', '--package', 'pkg', '--redis', 'localhost:6379', '--stream', 'ev', '--out-stream', 's', '--json']);
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout).error.message).toMatch(/--redis must be a redis:\/\/ URL/);
  });
});

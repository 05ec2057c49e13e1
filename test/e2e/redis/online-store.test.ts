/**
 * The online store with a real redis-server: writeOnline's layout (hash per entity + schema hash),
 * validation before any write, the pipelined lookup with its LRU and TTL, and stream enrichment:
 * events carrying only an entity key are scored from features looked up by that key.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineLookup, SCHEMA_SUFFIX, writeOnline } from '../../../src/online/redis-features.js';
import { runStream } from '../../../src/streams/run-stream.js';
import { streamRequest } from '../../../src/streams/request.js';
import type { ScorerLike } from '../../../src/streams/types.js';
import type { Progress } from '../../../src/ui/progress.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

const quiet: Progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
// tenure and plan come from the online store, amount from the event
const model = (tenure: number, plan: string, amount: number) => sigmoid(-0.05 * tenure + (plan === 'pro' ? 0.7 : 0) + 0.01 * amount);
const scorer: ScorerLike = {
  validate(e) {
    const o = e as Record<string, unknown>;
    for (const f of ['tenure', 'amount']) if (typeof o[f] !== 'number') return { ok: false, reason: `field ${f}: expected a number, got ${JSON.stringify(o[f])}` };
    if (typeof o.plan !== 'string') return { ok: false, reason: `field plan: expected a string, got ${JSON.stringify(o.plan)}` };
    return { ok: true, row: { tenure: o.tenure, plan: o.plan, amount: o.amount } };
  },
  async scoreRows(rows) {
    return rows.map((r) => ({ score: model(r.tenure as number, r.plan as string, r.amount as number) }));
  },
};

describe('online store (real redis-server)', () => {
  let redis: TestRedis;
  let r: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    r = new Redis(redis.url, { protocol: 2 });
  });
  afterAll(async () => {
    r?.disconnect();
    await redis?.stop();
  });

  const customers = Array.from({ length: 300 }, (_, i) => ({
    customer_id: `c${i}`,
    tenure: i % 60,
    plan: i % 3 === 0 ? 'pro' : 'basic',
    zip: `0${1000 + i}`,
    churned_before: i % 7 === 0,
    score_2023: i % 10 === 0 ? null : i / 3,
    visits: BigInt(i * 2),
  }));

  it('writeOnline: one hash per entity, nulls left out, types kept in the schema hash', async () => {
    const w = await writeOnline(redis.url, 'feat:cust:', 'customer_id', customers);
    expect(w).toMatchObject({ keys: 300, prefix: 'feat:cust:', schemaKey: `feat:cust:${SCHEMA_SUFFIX}` });
    expect(w.schema).toEqual({ tenure: 'number', plan: 'string', zip: 'string', churned_before: 'boolean', score_2023: 'number', visits: 'number' });
    expect(w.fields).toBe(300 * 6 - 30);
    expect(await r.hgetall('feat:cust:c10')).toEqual({ tenure: '10', plan: 'basic', zip: '01010', churned_before: 'false', visits: '20' });
    expect(await r.hgetall(`feat:cust:${SCHEMA_SUFFIX}`)).toEqual(w.schema);

    // re-materializing replaces the hash: a field that became null does not linger
    await writeOnline(redis.url, 'feat:cust:', 'customer_id', [{ customer_id: 'c11', tenure: 12, plan: null }]);
    expect(await r.hgetall('feat:cust:c11')).toEqual({ tenure: '12' });
    await writeOnline(redis.url, 'feat:cust:', 'customer_id', customers.slice(11, 12));

    // a row without its entity key: refused before anything is written
    const before = await r.dbsize();
    await expect(writeOnline(redis.url, 'other:', 'customer_id', [{ customer_id: 'x1', a: 1 }, { a: 2 }])).rejects.toThrow('row 1 has no value for the entity key "customer_id"');
    expect(await r.dbsize()).toBe(before);
  });

  it('lookup: pipelined, typed by the schema, cached in a small LRU with a TTL', async () => {
    const lookup = await OnlineLookup.open(redis.url, 'feat:cust:', { lruSize: 3, ttlMs: 1500 });
    try {
      const got = await lookup.getMany(['c10', 'nobody', 'c3', 'c10']);
      expect(got[0]).toEqual({ tenure: 10, plan: 'basic', zip: '01010', churned_before: false, visits: 20 });
      expect(got[1]).toBe(null);
      expect(got[2]).toEqual({ tenure: 3, plan: 'pro', zip: '01003', churned_before: false, score_2023: 1, visits: 6 });
      expect(got[3]).toEqual(got[0]);
      expect([lookup.hits, lookup.misses]).toEqual([0, 4]);
      await lookup.getMany(['c10', 'c3']);
      expect(lookup.hits).toBe(2);
      // a change in the store is seen once the cached entry expires
      await r.hset('feat:cust:c10', 'tenure', '11');
      expect((await lookup.getMany(['c10']))[0]!.tenure).toBe(10);
      await new Promise((res) => setTimeout(res, 1600));
      expect((await lookup.getMany(['c10']))[0]!.tenure).toBe(11);
      await lookup.getMany(['c1', 'c2', 'c4', 'c5']);
      expect(lookup.cacheSize).toBe(3);
    } finally {
      await lookup.close();
    }
  });

  it('stream enrichment: features merged under the event by its entity key; unknown entities dead-lettered', async () => {
    await writeOnline(redis.url, 'feat:cust:', 'customer_id', customers);
    const p = r.pipeline();
    for (let i = 0; i < 100; i++) p.xadd('tx', '*', 'data', JSON.stringify({ customer_id: `c${i * 2}`, amount: i }));
    p.xadd('tx', '*', 'data', JSON.stringify({ customer_id: 'c5', amount: 10, plan: 'pro' })); // the event's own plan wins
    p.xadd('tx', '*', 'data', JSON.stringify({ customer_id: 'ghost', amount: 1 })); // not in the store
    p.xadd('tx', '*', 'customer_id', 'c9', 'amount', '40'); // flat fields
    const ids = ((await p.exec()) ?? []).map(([, id]) => id as string);
    const s = await runStream(
      scorer,
      streamRequest({ redis: redis.url, stream: 'tx', group: 'g', consumer: 'c1', outHash: 'risk:', deadLetter: 'stream:tx:dead', lookup: redis.url, lookupPrefix: 'feat:cust:', entityKey: 'customer_id', batchSize: 40, blockMs: 100, idleExitMs: 300, metricsEverySec: 0, claimIdleMs: 30_000 }),
      quiet,
    );
    expect(s).toMatchObject({ eventsIn: 103, eventsOut: 102, deadLettered: 1 });
    for (let i = 0; i < 100; i++) {
      const c = customers[i * 2];
      expect(Number(await r.hget(`risk:${ids[i]}`, 'score'))).toBe(model(c.tenure, c.plan, i));
    }
    expect(Number(await r.hget(`risk:${ids[100]}`, 'score'))).toBe(model(5, 'pro', 10)); // c5 is basic in the store
    expect(Number(await r.hget(`risk:${ids[102]}`, 'score'))).toBe(model(9, 'pro', 40));
    const dead = (await r.xrange('tx:dead', '-', '+')) as [string, string[]][];
    expect(dead.length).toBe(1);
    expect(dead[0][1]).toEqual(['event_id', ids[101], 'reason', 'entity "ghost" not found in the online store (field tenure: expected a number, got undefined)', 'payload', '{"customer_id":"ghost","amount":1}', 'source', 'redis stream tx (group g, consumer c1)']);
  });
});

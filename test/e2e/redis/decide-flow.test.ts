/**
 * Redis-mode review routing end to end, through the real CLI and a real redis-server: a churn model
 * packaged with a human-in-the-loop policy scores holdout events XADDed to a stream; every event gets a
 * result with its action and band on the output stream, the review cases (review band + audit sample)
 * land on reviews:MODEL, `review sync` copies them into the workspace queue exactly once, and they can
 * be listed and resolved. Then a challenger scores beside it: entries go to shadow:MODEL and
 * `decide shadow --redis` copies them once and reports on them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnModel, decideCli as cli, cliWorkspace, ROOT } from '../../helpers/workspace.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import type { ShadowEntry } from '../../../src/decide/shadow.js';
import { cliJson } from '../../helpers/cli.js';

describe('review routing and shadow entries on Redis (real CLI, real redis-server)', () => {
  let dir: string;
  let redis: TestRedis;
  let r: Redis;
  let holdout: Record<string, unknown>[];
  let inputs: string[];
  const ids: string[] = []; // stream entry id of holdout row i
  const fields = (f: string[]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]]));
  const ok = (args: string[]) => {
    const res = cli(dir, args);
    if (res.code !== 0) throw new Error(`dictl ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
    return res.json;
  };
  /** `dictl score` from a stream, with a time limit so a hang fails the test instead of stalling it */
  const scoreStream = (args: string[]) => {
    const res = cliJson(dir, ['score', ...args], { timeout: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout);
  };
  const xaddRows = async (key: string, rows: Record<string, unknown>[]) => {
    const p = r.pipeline();
    for (const row of rows) p.xadd(key, '*', 'data', JSON.stringify(Object.fromEntries(inputs.map((k) => [k, row[k]]))));
    return ((await p.exec()) ?? []).map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
  };

  beforeAll(async () => {
    let ws;
    ({ dir, ws } = cliWorkspace());
    const model = await churnModel(dir, ws);
    inputs = model.pipeline.inputs.map((i) => i.name);
    const { loadSplitRows } = await import('../../../src/decide/data.js');
    holdout = (await loadSplitRows(ws, model, 'test')).rows;
    ok(['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.3,0.6', '--action-high', 'retain-offer', '--action-low', 'none', '--sample-rate', '0.05']);
    ok(['package', 'churn-model@1', '--out', join(dir, 'pkg')]);
    ok(['train', '--features', 'churn-dec', '--name', 'churn-model', '--c', '0.01']);
    ok(['package', 'churn-model@2', '--out', join(dir, 'pkg-chal')]);
    redis = await startRedis();
    r = new Redis(redis.url, { protocol: 2 });
    ids.push(...(await xaddRows('in', holdout)));
  }, 400_000);

  afterAll(async () => {
    r?.disconnect();
    await redis?.stop();
  });

  let results: Map<string, Record<string, any>>;
  let routed: number;

  it('scores every event with its action and band; review cases land on reviews:MODEL (band + audit sample)', async () => {
    const summary = scoreStream(['--package', join(dir, 'pkg'), '--redis', redis.url, '--stream', 'in', '--group', 'g', '--out-stream', 'out', '--max-events', String(holdout.length), '--block-ms', '200']);
    expect(summary).toMatchObject({ mode: 'stream', model: 'churn-model@1', eventsIn: 1000, eventsOut: 1000, deadLettered: 0 });
    const out = (await r.xrange('out', '-', '+')) as [string, string[]][];
    expect(out).toHaveLength(1000);
    results = new Map(out.map(([, f]) => [fields(f).event_id, JSON.parse(fields(f).data)]));
    expect([...results.keys()].sort()).toEqual([...ids].sort());
    for (const res of results.values()) {
      expect(res).toMatchObject({ model: 'churn-model@1', modelVersion: 1, policyVersion: 1, autonomy: 'human-in-the-loop' });
      const band = res.score >= 0.6 ? 'high' : res.score >= 0.3 ? 'review' : 'low';
      expect(res.band).toBe(band);
      expect(res.action).toBe({ high: 'retain-offer', review: 'review', low: 'none' }[band]);
      expect(res.review).toBe(band === 'review' || res.sampled === true);
      expect(typeof res.reviewId === 'string').toBe(res.review);
      expect(res.challenger).toBeUndefined();
    }
    const all = [...results.values()];
    const inBand = all.filter((x) => x.band === 'review').length;
    const sampled = all.filter((x) => x.sampled === true).length;
    expect(inBand).toBeGreaterThan(20);
    expect(sampled).toBeGreaterThan(10); // 5% of ~900 automatic decisions
    expect(all.filter((x) => x.sampled === true && x.band === 'review')).toHaveLength(0);
    routed = inBand + sampled;
    const cases = ((await r.xrange('reviews:churn-model', '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(fields(f).case));
    expect(cases).toHaveLength(routed);
    // each case is the result's event: same id, score, band and the raw input of that stream entry
    const byCase = new Map(all.filter((x) => x.reviewId).map((x) => [x.reviewId, x]));
    const rowOf = new Map(ids.map((id, i) => [id, holdout[i]]));
    for (const c of cases) {
      const res = byCase.get(c.id)!;
      expect(res).toBeDefined();
      expect(c).toMatchObject({ model: 'churn-model', modelVersion: 1, policyVersion: 1, score: res.score, band: res.band, sampled: res.sampled === true, source: 'redis in' });
      const row = rowOf.get(res.event_id)!;
      expect(c.input).toEqual(Object.fromEntries(inputs.map((k) => [k, row[k] ?? null])));
    }
    expect(((await r.xpending('in', 'g')) as [number])[0]).toBe(0);
    // nothing went to the workspace queue yet: the scorer only wrote to Redis
    expect(ok(['review', 'list']).pending).toBe(0);
  }, 240_000);

  it('review sync copies the cases into the workspace queue exactly once; list shows them; resolve works', () => {
    const first = ok(['review', 'sync', '--redis', redis.url, '--model', 'churn-model']);
    expect(first).toMatchObject({ model: 'churn-model', stream: 'reviews:churn-model', read: routed, added: routed, skipped: 0 });
    const again = ok(['review', 'sync', '--redis', redis.url, '--model', 'churn-model']);
    expect(again).toMatchObject({ read: 0, added: 0, cursor: first.cursor });
    const list = ok(['review', 'list']);
    expect(list.pending).toBe(routed);
    const wanted = [...results.values()].filter((x) => x.reviewId).map((x) => x.reviewId).sort();
    expect(list.cases.map((c: { id: string }) => c.id).sort()).toEqual(wanted);
    const target = list.cases.find((c: { sampled: boolean }) => !c.sampled);
    const res = ok(['review', 'resolve', target.id, '--label', 'yes', '--by', 'rev@example.com', '--note', 'called']);
    expect(res).toMatchObject({ resolution: { id: target.id, label: 'yes', by: 'rev@example.com' }, agrees: target.call === 'yes' });
    expect(cli(dir, ['review', 'resolve', target.id, '--label', 'no', '--by', 'rev@example.com']).code).toBe(5);
    const after = ok(['review', 'list', '--status', 'all']);
    expect(after).toMatchObject({ pending: routed - 1, resolved: 1 });
    // a third sync after resolving still adds nothing and keeps the resolution
    expect(ok(['review', 'sync', '--redis', redis.url, '--model', 'churn-model']).added).toBe(0);
    expect(ok(['review', 'list', '--status', 'resolved']).cases.map((c: { id: string }) => c.id)).toEqual([target.id]);
  }, 120_000);

  it('with --challenger the shadow entries go to shadow:MODEL; decide shadow --redis copies them once', async () => {
    const some = holdout.slice(0, 200);
    const sids = await xaddRows('in2', some);
    const summary = scoreStream(['--package', join(dir, 'pkg'), '--challenger', join(dir, 'pkg-chal'), '--redis', redis.url, '--stream', 'in2', '--group', 'g', '--out-stream', 'out2', '--max-events', '200', '--block-ms', '200']);
    expect(summary).toMatchObject({ eventsIn: 200, eventsOut: 200 });
    const out = new Map(((await r.xrange('out2', '-', '+')) as [string, string[]][]).map(([, f]) => [fields(f).event_id, JSON.parse(fields(f).data)]));
    expect(out.size).toBe(200);
    const entries = ((await r.xrange('shadow:churn-model', '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(fields(f).entry) as ShadowEntry);
    expect(entries).toHaveLength(200);
    sids.forEach((id, i) => {
      const o = out.get(id)!;
      // the champion's result equals the run without a challenger for the same row
      const before = results.get(ids[i])!;
      expect(o.score).toBe(before.score);
      expect(o.band).toBe(before.band);
      expect(o.challenger).toMatchObject({ model: 'churn-model@2', action: o.challenger.score >= 0.6 ? 'retain-offer' : o.challenger.score >= 0.3 ? 'review' : 'none' });
    });
    const chScores = new Map(entries.map((e) => [JSON.stringify(inputs.map((k) => e.input[k])), e.challenger.score]));
    for (const [i, id] of sids.entries()) expect(chScores.get(JSON.stringify(inputs.map((k) => some[i][k] ?? null)))).toBe(out.get(id)!.challenger.score);
    expect(cli(dir, ['decide', 'shadow', 'churn-model']).code).toBe(4); // nothing in the workspace log yet
    const rep = ok(['decide', 'shadow', 'churn-model', '--redis', redis.url]);
    expect(rep.synced).toMatchObject({ stream: 'shadow:churn-model', read: 200, added: 200 });
    expect(rep).toMatchObject({ events: 200, compared: 200 });
    expect(rep.actionAgreement.agree).toBe(entries.filter((e) => e.champion.action === e.challenger.action).length);
    const again = ok(['decide', 'shadow', 'churn-model', '--redis', redis.url]);
    expect(again.synced).toMatchObject({ read: 0, added: 0 });
    expect(again.events).toBe(200);
  }, 240_000);
  it('--out-hash results carry the decision fields too (action, band, versions, review)', async () => {
    const some = holdout.slice(200, 300);
    const hids = await xaddRows('in3', some);
    const summary = scoreStream(['--package', join(dir, 'pkg'), '--redis', redis.url, '--stream', 'in3', '--group', 'g', '--out-hash', 'decision:', '--max-events', '100', '--block-ms', '200']);
    expect(summary).toMatchObject({ eventsIn: 100, eventsOut: 100 });
    for (const [i, id] of hids.entries()) {
      const h = await r.hgetall(`decision:${id}`);
      const before = results.get(ids[200 + i])!;
      expect(Number(h.score)).toBe(before.score);
      expect(h).toMatchObject({ event_id: id, action: before.action, band: before.band, model: before.model, policyVersion: String(before.policyVersion), autonomy: before.autonomy });
      // the audit sample is drawn per run, so only the review band is fixed
      expect(h.review).toBe(before.band === 'review' ? 'true' : h.review === 'true' ? 'true' : 'false');
      if (h.review === 'true') expect(h.reviewId).toMatch(/^rv-/);
    }
  }, 240_000);
});

/**
 * Entity features, point in time: windowed aggregates of an events dataset joined as of each label
 * row's time (a planted future event must not be used), checked against a JS computation; and
 * `feature materialize` writing each entity's latest inputs to a real redis-server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadMatrix, resolveFeatureBuild } from '../../../src/features/builds.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { workspaceAt } from '../../../src/workspace.js';
import { cliJson } from '../../helpers/cli.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const DAY = 86400_000;
const T0 = Date.UTC(2024, 0, 1);

/** the commands here run as actor `test`, DICTL_QUIET left as the environment has it (with cliJson: --json) */
const AS_TEST = { env: { DICTL_ACTOR: 'test' }, quiet: false };

const fmt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

interface Label {
  customer_id: string;
  ts: number;
  plan: string;
  churned: string;
}
interface Payment {
  customer_id: string;
  ts: number;
  amount: number;
}
const labels: Label[] = [];
const payments: Payment[] = [];
for (let c = 0; c < 12; c++) {
  const id = `c${String(c).padStart(2, '0')}`;
  for (const [k, d] of [10, 20, 40].entries()) labels.push({ customer_id: id, ts: T0 + d * DAY + (c % 5) * 3600_000, plan: ['basic', 'pro', 'team'][(c + k) % 3], churned: (c + k) % 4 === 0 ? 'yes' : 'no' });
  for (let k = 0; k < 9; k++) payments.push({ customer_id: id, ts: T0 + ((c * 3 + k * 5) % 45) * DAY + k * 7200_000, amount: 10 + ((c * 17 + k * 29) % 50) + k / 4 });
}
// the planted future event: one hour after c00's first label time, enormous
const planted = { customer_id: 'c00', ts: labels[0].ts + 3600_000, amount: 1e6 };
payments.push(planted);
// an event exactly at a label time counts (as of = at or before)
payments.push({ customer_id: 'c01', ts: labels[3].ts, amount: 333 });

function expected(l: { customer_id: string; ts: number }) {
  const w7 = payments.filter((p) => p.customer_id === l.customer_id && p.ts <= l.ts && p.ts > l.ts - 7 * DAY);
  const w30 = payments.filter((p) => p.customer_id === l.customer_id && p.ts <= l.ts && p.ts > l.ts - 30 * DAY);
  const last = [...w30].sort((a, b) => a.ts - b.ts).pop();
  return {
    spend_7d: w7.reduce((a, p) => a + p.amount, 0), // imputed 0 when empty
    n_30d: w30.length,
    last_amount: last ? last.amount : NaN,
    max_7d: w7.length ? Math.max(...w7.map((p) => p.amount)) : NaN,
  };
}

let wsDir: string;
let redis: TestRedis | undefined;

beforeAll(async () => {
  wsDir = join(mkdtempSync(join(tmpdir(), 'dictl-entity-')), 'ws');
  expect(cliJson(ROOT, ['init', wsDir], AS_TEST).code).toBe(0);
  writeFileSync(join(wsDir, 'labels.csv'), 'customer_id,ts,plan,churned\n' + labels.map((l) => `${l.customer_id},${fmt(l.ts)},${l.plan},${l.churned}`).join('\n') + '\n');
  writeFileSync(join(wsDir, 'payments.csv'), 'customer_id,ts,amount\n' + payments.map((p) => `${p.customer_id},${fmt(p.ts)},${p.amount}`).join('\n') + '\n');
  for (const [n, f] of [['labels', 'labels.csv'], ['payments', 'payments.csv']]) {
    const r = cliJson(wsDir, ['dataset', 'register', n, '--file', join(wsDir, f), '--steward', 'a@example.com', '--consent', 'opt-in', '--type', 'ts=timestamp'], AS_TEST);
    expect(r.code, r.stderr).toBe(0);
  }
  writeFileSync(join(wsDir, 'test_rows.txt'), '2\n5\n8\n');
  expect(cliJson(wsDir, ['holdout', 'create', 'labels@1', '--rows', join(wsDir, 'test_rows.txt')], AS_TEST).code).toBe(0);
  writeFileSync(
    join(wsDir, 'features/pay.yaml'),
    `source: labels@1
label: {column: churned, positive: "yes"}
entity: {key: customer_id, time: ts}
aggregates:
  - {name: spend_7d, events: payments@1, column: amount, agg: sum, window: 7d}
  - {name: n_30d, events: payments@1, agg: count, window: 30d}
  - {name: last_amount, events: payments@1, column: amount, agg: last, window: 30d}
  - {name: max_7d, events: payments@1, column: amount, agg: max, window: 7d}
features:
  - column: spend_7d
    transforms: [{impute: {strategy: constant, value: 0}}]
  - n_30d
  - last_amount
  - max_7d
  - column: plan
    transforms: [one_hot]
`,
  );
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('point-in-time aggregates', () => {
  it('are computed as of each label row, never from the future', async () => {
    const r = cliJson(wsDir, ['feature', 'build', 'pay'], AS_TEST);
    expect(r.code, r.stderr).toBe(0);
    const { build, parquetPath } = resolveFeatureBuild(workspaceAt(wsDir), 'pay');
    const m = await loadMatrix(parquetPath, 'all');
    expect(m.n).toBe(labels.length);
    const col = (n: string) => m.names.indexOf(n);
    let checked = 0;
    labels.forEach((l, i) => {
      const e = expected(l);
      const got = (n: string) => m.X[i * m.p + col(n)];
      expect(got('spend_7d'), `row ${i}`).toBeCloseTo(e.spend_7d, 9);
      expect(got('n_30d'), `row ${i}`).toBe(e.n_30d);
      if (Number.isNaN(e.last_amount)) expect(got('last_amount')).toBeNaN();
      else expect(got('last_amount'), `row ${i}`).toBe(e.last_amount);
      if (Number.isNaN(e.max_7d)) expect(got('max_7d')).toBeNaN();
      else expect(got('max_7d'), `row ${i}`).toBe(e.max_7d);
      checked++;
    });
    expect(checked).toBe(36);
    // the planted event is after c00's first label: not used there, but used by the next label (10 days later, in the 30d window)
    const first = m.X.slice(0, m.p);
    expect(first[col('max_7d')]).not.toBe(1e6);
    expect(first[col('spend_7d')]).toBeLessThan(1e5);
    expect(m.X[1 * m.p + col('n_30d')]).toBe(expected(labels[1]).n_30d);
    expect(payments.filter((p) => p.customer_id === 'c00' && p.ts <= labels[1].ts && p.ts > labels[1].ts - 30 * DAY)).toContain(planted);
    // the event at exactly the label time counts
    expect(m.X[3 * m.p + col('last_amount')]).toBe(333);
    expect(build.pipeline.inputs.map((x) => x.name)).toEqual(['spend_7d', 'n_30d', 'last_amount', 'max_7d', 'plan']);
  });

  it('materializes the latest inputs per entity to Redis, as the scorer reads them', async () => {
    const url = redis!.url;
    const r = cliJson(wsDir, ['feature', 'materialize', 'pay', '--online', url, '--prefix', 'pay:'], AS_TEST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ entities: 12, prefix: 'pay:', entityKey: 'customer_id', build: 'pay@1' });
    const asOf = Math.max(...labels.map((l) => l.ts), ...payments.map((p) => p.ts));
    expect(r.json.asOf).toBe(fmt(asOf));
    const client = new Redis(url);
    try {
      for (let c = 0; c < 12; c++) {
        const id = `c${String(c).padStart(2, '0')}`;
        const h = await client.hgetall(`pay:${id}`);
        const e = expected({ customer_id: id, ts: asOf });
        const latest = labels.filter((l) => l.customer_id === id).sort((a, b) => b.ts - a.ts)[0];
        expect(h.plan).toBe(latest.plan);
        expect(Number(h.n_30d)).toBe(e.n_30d);
        if (e.spend_7d === 0) expect(h.spend_7d).toBeUndefined();
        else expect(Number(h.spend_7d)).toBeCloseTo(e.spend_7d, 9);
        if (!Number.isNaN(e.last_amount)) expect(Number(h.last_amount)).toBe(e.last_amount);
        // the stream scorer merges the hash into an event and runs the same pipeline
        const { build } = resolveFeatureBuild(workspaceAt(wsDir), 'pay');
        const x = applyPipeline(build.pipeline, [h]).X;
        expect(x[0]).toBeCloseTo(e.spend_7d, 9);
        expect(x[1]).toBe(e.n_30d);
      }
    } finally {
      client.disconnect();
    }
  });

  it('materialize refuses a feature set without an entity key and a non-redis URL', () => {
    writeFileSync(join(wsDir, 'features/noent.yaml'), 'source: labels@1\nlabel: {column: churned, positive: "yes"}\nfeatures:\n  - column: plan\n    transforms: [one_hot]\n');
    let r = cliJson(wsDir, ['feature', 'materialize', 'noent', '--online', 'redis://127.0.0.1:1'], AS_TEST);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no entity key/);
    r = cliJson(wsDir, ['feature', 'materialize', 'pay', '--online', 'http://example.com'], AS_TEST);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must be a redis:\/\/ URL/);
  });
});

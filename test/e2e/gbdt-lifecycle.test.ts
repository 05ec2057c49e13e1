/**
 * A tree model through everything downstream, with the real CLI on churn: a logistic champion
 * (churn-model@1) and a gbdt challenger (churn-model@2, trained on the tree feature set against the
 * same holdout). Gate and promotion, package, score (file, pipe, Redis stream), decide optimize /
 * policy / review, drift, and `score --challenger` with the logistic champion and the gbdt
 * challenger side by side; then the trees win the gate against the champion.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHURN, CHURN_TEST_ROWS, decideCli as cli, cliWorkspace, ROOT } from '../helpers/workspace.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { loadSplitRows } from '../../src/decide/data.js';
import { predictModel } from '../../src/ml/families/index.js';
import { applyPipeline } from '../../src/pipeline/apply.js';
import { resolveModel } from '../../src/registry/models.js';
import type { ModelVersion } from '../../src/types.js';
import type { Workspace } from '../../src/workspace.js';
import { cliJson } from '../helpers/cli.js';

let dir: string;
let ws: Workspace;
let champion: ModelVersion;
let trees: ModelVersion;
let events: Record<string, unknown>[];
let eventsFile: string;
let inputs: string[];
const CHALLENGER_MEMBER = /,"challenger":\{[^{}]*\}/;

const ok = (args: string[], o: { input?: string; json?: boolean } = {}) => {
  const r = cli(dir, args, o);
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const lines = (t: string) => t.trim().split('\n');
const scoreFile = (pkg: string, out: string, extra: string[] = []) => {
  ok(['score', '--package', pkg, '--input', eventsFile, '--output', join(dir, out), ...extra]);
  return lines(readFileSync(join(dir, out), 'utf8'));
};

beforeAll(async () => {
  ({ dir, ws } = cliWorkspace());
  // the two feature sets read the same raw columns (a challenger's inputs must be the champion's)
  ok(['dataset', 'register', 'churn', '--file', CHURN, '--steward', 'data@example.com', '--consent', 'not-required']);
  ok(['holdout', 'create', 'churn@1', '--rows', CHURN_TEST_ROWS]);
  for (const f of ['churn', 'churn-trees']) {
    copyFileSync(join(ROOT, 'features', `${f}.yaml`), join(dir, 'features', `${f}.yaml`));
    ok(['feature', 'build', f]);
  }
  ok(['train', '--features', 'churn', '--name', 'churn-model']);
  ok(['train', '--features', 'churn-trees', '--name', 'churn-model', '--model', 'gbdt']);
  champion = resolveModel(ws, 'churn-model@1').model;
  trees = resolveModel(ws, 'churn-model@2').model;
  // the holdout events carry every raw input either model reads
  inputs = [...new Set([...champion.pipeline.inputs, ...trees.pipeline.inputs].map((i) => i.name))];
  const rows = (await loadSplitRows(ws, trees, 'test')).rows;
  events = rows.map((r) => Object.fromEntries(inputs.map((k) => [k, r[k]])));
  eventsFile = join(dir, 'events.ndjson');
  writeFileSync(eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}, 400_000);

describe('a gbdt challenger beside a logistic champion, through everything downstream', () => {
  let gbdtScores: number[];

  it('evaluates both on the same holdout; the logistic model passes the gate to champion', () => {
    expect(trees.algorithm).toBe('gbdt');
    expect(champion.algorithm).toBe('logistic');
    const cmp = ok(['evaluate', 'churn-model@2', '--holdout', '--compare', 'churn-model@1']).json;
    expect(cmp.compare.baseline.holdout).toBe(cmp.evaluation.holdout);
    expect(cmp.evaluation.metrics.auc).toBeGreaterThan(cmp.compare.baseline.metrics.auc + 0.05);
    const pr = ok(['model', 'promote', 'churn-model@1', '--to', 'champion', '--gate', 'auc>=0.7', '--reason', 'first champion']).json;
    expect(pr.promoted).toBe(true);
  }, 240_000);

  it('decide policy and optimize work on the tree model (its scores, in process)', async () => {
    ok(['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.3,0.6', '--action-high', 'retain-offer', '--action-low', 'none', '--sample-rate', '0.05']);
    const opt = ok(['decide', 'optimize', 'churn-model@2', '--cost', 'fp=1,fn=5,review=0.1', '--review-capacity', '0.5']).json;
    expect(opt.n).toBe(1000);
    expect(opt.model).toBe('churn-model@2');
    expect(Number.isFinite(opt.best.cost)).toBe(true);
  }, 240_000);

  it('package and score the trees: file and pipe give the in-process probabilities (≤ 1e-6) with the decision fields', () => {
    ok(['package', 'churn-model@2', '--out', join(dir, 'pkg-gbdt')]);
    const manifest = JSON.parse(readFileSync(join(dir, 'pkg-gbdt', 'manifest.json'), 'utf8'));
    expect(manifest.model.algorithm).toBe('gbdt');
    const file = scoreFile(join(dir, 'pkg-gbdt'), 'gbdt.ndjson').map((l) => JSON.parse(l));
    expect(file).toHaveLength(1000);
    const { X, n, p } = applyPipeline(trees.pipeline, events);
    const pred = predictModel(trees, X, n, p);
    file.forEach((o, i) => {
      expect(Math.abs(o.score - pred[i])).toBeLessThanOrEqual(1e-6);
      expect(o.band).toBe(o.score >= 0.6 ? 'high' : o.score >= 0.3 ? 'review' : 'low');
      expect(typeof o.action).toBe('string');
    });
    gbdtScores = file.map((o) => o.score);
    const input = lines(readFileSync(eventsFile, 'utf8')).slice(0, 200).join('\n') + '\n';
    const piped = lines(ok(['score', '--package', join(dir, 'pkg-gbdt')], { input, json: false }).stdout).map((l) => JSON.parse(l));
    expect(piped.map((o) => o.score)).toEqual(gbdtScores.slice(0, 200));
    // review cases were queued by the tree model's decisions
    const pending = cli(dir, ['review', 'list']).json;
    expect(pending.pending).toBeGreaterThan(0);
  }, 240_000);

  it('review: the queued cases of the tree model can be resolved', () => {
    const cases = cli(dir, ['review', 'list']).json.cases as { id: string; model: string; modelVersion: number; band: string; sampled?: boolean }[];
    const mine = cases.filter((c) => c.model === 'churn-model' && c.modelVersion === 2);
    expect(mine.length).toBe(cases.length);
    expect(mine.some((c) => c.band === 'review')).toBe(true);
    ok(['review', 'resolve', mine[0].id, '--label', 'yes', '--by', 'rev@example.com']);
    expect(cli(dir, ['review', 'list']).json.resolved).toBe(1);
  }, 60_000);

  it('score --challenger: the logistic champion\'s output is unchanged, the gbdt challenger scores beside it and is logged', () => {
    ok(['package', 'churn-model@1', '--out', join(dir, 'pkg-champ')]);
    const base = scoreFile(join(dir, 'pkg-champ'), 'champ.ndjson');
    const shadowed = scoreFile(join(dir, 'pkg-champ'), 'shadow.ndjson', ['--challenger', join(dir, 'pkg-gbdt')]);
    expect(shadowed.map((l) => l.replace(CHALLENGER_MEMBER, ''))).toEqual(base);
    shadowed.forEach((l, i) => {
      const o = JSON.parse(l);
      expect(o.model).toBe('churn-model@1');
      expect(o.challenger.model).toBe('churn-model@2');
      expect(o.challenger.score).toBe(gbdtScores[i]);
    });
    const rep = ok(['decide', 'shadow', 'churn-model', '--challenger', 'churn-model@2']).json;
    expect(JSON.stringify(rep)).toMatch(/churn-model@2/);
    const log = lines(readFileSync(join(dir, 'registry', 'shadow', 'churn-model', 'log.ndjson'), 'utf8'));
    expect(log).toHaveLength(1000);
  }, 240_000);

  it('drift of live inputs against the tree model\'s training profile (exit 1 on drift)', () => {
    const pkg = join(dir, 'pkg-gbdt');
    const same = cli(dir, ['monitor', 'drift', '--package', pkg, '--input', eventsFile, '--save-profile']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.json).toMatchObject({ ok: true, rows: 1000, trainingRows: 4000 });
    const shifted = join(dir, 'shifted.ndjson');
    writeFileSync(shifted, events.map((e) => JSON.stringify({ ...e, total_day_minutes: Number(e.total_day_minutes) * 1.5 })).join('\n') + '\n');
    const bad = cli(dir, ['monitor', 'drift', '--package', pkg, '--input', shifted]);
    expect(bad.code).toBe(1);
    expect(bad.json.drifted).toContain('total_day_minutes');
  }, 240_000);

  describe('Redis stream scoring of the tree package', () => {
    let redis: TestRedis;
    let r: Redis;
    afterAll(async () => {
      r?.disconnect();
      await redis?.stop();
    });
    it('every event gets the tree model\'s score on the output stream', async () => {
      redis = await startRedis();
      r = new Redis(redis.url, { protocol: 2 });
      const pl = r.pipeline();
      for (const e of events.slice(0, 300)) pl.xadd('in', '*', 'data', JSON.stringify(e));
      const ids = ((await pl.exec()) ?? []).map(([err, id]) => {
        if (err) throw err;
        return id as string;
      });
      const res = cliJson(dir, ['score', '--package', join(dir, 'pkg-gbdt'), '--redis', redis.url, '--stream', 'in', '--group', 'g', '--out-stream', 'out', '--max-events', '300', '--block-ms', '200'], { timeout: 120_000 });
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ mode: 'stream', model: 'churn-model@2', eventsIn: 300, eventsOut: 300, deadLettered: 0 });
      const out = (await r.xrange('out', '-', '+')) as [string, string[]][];
      const byId = new Map(out.map(([, f]) => {
        const o = Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]]));
        return [o.event_id, JSON.parse(o.data)];
      }));
      ids.forEach((id, i) => expect(byId.get(id).score).toBe(gbdtScores[i]));
    }, 240_000);
  });

  it('the trees pass the gate against the logistic champion and become champion', () => {
    const pr = ok(['model', 'promote', 'churn-model@2', '--to', 'champion', '--gate', 'auc>=champion+0.02', '--gate', 'logloss<=champion', '--reason', 'trees win']).json;
    expect(pr.promoted).toBe(true);
    expect(resolveModel(ws, 'churn-model@champion').model.version).toBe(2);
  }, 240_000);
});

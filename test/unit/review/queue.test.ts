/** Policy store, promotion reset and review queue: real files in a temp workspace, no CLI. */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { initWorkspace, workspaceAt, type Workspace } from '../../../src/workspace.js';
import { registerModel } from '../../../src/registry/models.js';
import { currentPolicy, onPromotion, policyHistory, policyVersions, readPolicy, writePolicyUnlocked } from '../../../src/decide/policy-store.js';
import { setPolicy } from '../../../src/ops/decide-policy-set.js';
import { normalizeSpec, type DecisionPolicy } from '../../../src/decide/policy.js';
import { fileReviewSink, listReviews, readCases, type ReviewCase } from '../../../src/review/queue.js';
import { resolveReview } from '../../../src/ops/review-resolve.js';
import { makeDecider } from '../../../src/decide/runtime.js';
import { readAudit } from '../../../src/io/audit.js';
import { withLock } from '../../../src/io/lock.js';
import type { ModelVersion } from '../../../src/types.js';

let ws: Workspace;

async function fakeModel(name = 'm') {
  const draft = {
    kind: 'model', name, algorithm: 'logistic', task: 'binary', label: { column: 'y', task: 'binary', positive: 'yes' }, featureNames: ['x'], coef: [[1]], intercept: [0], threshold: 0.5,
    params: {}, convergence: { solver: 'x', iterations: 1, converged: true, gradNorm: 0, warnings: [] }, trainMetrics: {}, seed: 1,
    pipeline: { inputs: [{ name: 'x', type: 'number', nullable: false }], derived: [], features: [], outputNames: ['x'] },
    lineage: { dataset: 'd@1', datasetSha256: 'x', featureSet: { name: 'f', version: 1, hash: 'h' }, holdout: 'h', allowUnconsented: false, dictlVersion: '0', node: 'v20' },
  } as unknown as Omit<ModelVersion, 'version'>;
  return registerModel(ws, draft, {});
}

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-rq-'));
  initWorkspace(dir);
  ws = workspaceAt(dir);
});

describe('policy store', () => {
  it('versions policies, ties them to a model, audits each version, and never writes a bad one', async () => {
    await fakeModel();
    const p1 = await setPolicy(ws, 'm', { owner: 'ana@example.com', actAbove: 0.8, review: [0.4, 0.8], sampleRate: 0.1 });
    expect(p1).toMatchObject({ kind: 'decision-policy', model: 'm', version: 1, modelVersion: 1, source: 'set' });
    await expect(setPolicy(ws, 'm', { owner: 'ana@example.com', actAbove: 2 })).rejects.toThrow(/between 0 and 1/);
    await expect(setPolicy(ws, 'ghost', { owner: 'ana@example.com', actAbove: 0.5 })).rejects.toThrow(/not registered/);
    const p2 = await setPolicy(ws, 'm', { owner: 'bo@example.com', actAbove: 0.7, review: [0.3, 0.7] });
    expect(p2).toMatchObject({ version: 2, parent: 1 });
    expect(policyVersions(ws, 'm')).toEqual([1, 2]);
    // stable bytes without timestamps
    const text = readFileSync(join(ws.registryDir, 'policies', 'm', '1.json'), 'utf8');
    expect(text).not.toMatch(/20\d\d-\d\d-\d\dT/);
    expect(JSON.parse(text)).toEqual(readPolicy(ws, 'm', 1));
    const audit = readAudit(ws).filter((e) => e.action.startsWith('policy.'));
    expect(audit.map((e) => e.subject)).toEqual(['m/policy@1', 'm/policy@2']);
    expect(policyHistory(ws, 'm').versions.map((v) => v.audit?.action)).toEqual(['policy.set', 'policy.set']);
  });

  it('reads a policy from YAML and refuses unknown keys', async () => {
    const { specFromFile } = await import('../../../src/decide/policy-store.js');
    const { writeFileSync } = await import('node:fs');
    const f = join(ws.root, 'p.yaml');
    writeFileSync(f, 'owner: r@example.com\nact-above: 0.75\nreview-between: [0.3, 0.75]\nactions: {high: block}\nsample-rate: 0.01\nautonomy: shadow\n');
    expect(normalizeSpec(await specFromFile(f))).toEqual({
      owner: 'r@example.com',
      autonomy: 'shadow',
      actAbove: 0.75,
      review: [0.3, 0.75],
      actions: { high: 'block', review: 'review', low: 'allow' },
      sampleRate: 0.01,
    });
    writeFileSync(f, 'owner: r@example.com\nthreshold: 0.5\n');
    await expect(specFromFile(f)).rejects.toThrow(/unknown key "threshold"/);
  });

  it('refuses to write while another process holds the workspace lock', async () => {
    await fakeModel();
    await withLock(ws.registryDir, {}, async () => {
      await expect(setPolicy(ws, 'm', { owner: 'ana@example.com', actAbove: 0.8 })).rejects.toThrow(/locked/);
    });
    expect(policyVersions(ws, 'm')).toEqual([]);
  });

  it('promotion resets to human-in-the-loop with the supervised band unless autonomy is kept', async () => {
    await fakeModel();
    await fakeModel();
    await setPolicy(ws, 'm', { owner: 'ana@example.com', actAbove: 0.8, review: [0.4, 0.8] });
    // a widened, autonomous version
    const cur = currentPolicy(ws, 'm')!;
    const { kind: _k, model: _m, version: _v, source: _s, parent: _p, modelVersion: _mv, ...fields } = cur;
    writePolicyUnlocked(ws, 'm', { ...fields, review: null, autonomy: 'autonomous' }, { source: 'widen', parent: 1 });
    const kept = onPromotion(ws, 'm', 2, true)!;
    expect(kept).toMatchObject({ version: 3, autonomy: 'autonomous', review: null, modelVersion: 2, source: 'promotion' });
    const reset = onPromotion(ws, 'm', 2, false)!;
    expect(reset).toMatchObject({ version: 4, autonomy: 'human-in-the-loop', review: [0.4, 0.8], actAbove: 0.8, modelVersion: 2, source: 'promotion', parent: 3 });
    expect(reset.evidence).toMatchObject({ baselinePolicy: 1, keepAutonomy: false });
    expect(onPromotion(ws, 'other', 1, false)).toBeNull();
  });
});

describe('review queue', () => {
  const policy: DecisionPolicy = { kind: 'decision-policy', model: 'm', version: 1, source: 'set', ...normalizeSpec({ owner: 'a@b.io', actAbove: 0.8, review: [0.4, 0.8], sampleRate: 0.5 }) };

  it('queues review-band and audit-sampled cases with content ids; re-scoring does not queue twice', async () => {
    await fakeModel();
    const sink = fileReviewSink(ws);
    const run = async () => {
      const d = makeDecider(policy, { modelName: 'm', modelVersion: 1, threshold: 0.5, seed: 3, source: 'events.ndjson', sink, now: () => '2026-01-01T00:00:00Z' });
      const rows = [0.1, 0.45, 0.6, 0.9, 0.2, 0.95].map((x, i) => ({ x, i }));
      const out = d.decide(rows, rows.map((r) => r.x));
      await d.flush();
      return { out, stats: d.stats() };
    };
    const a = await run();
    expect(a.out.map((o) => o.band)).toEqual(['low', 'review', 'review', 'high', 'low', 'high']);
    expect(a.out.map((o) => o.action)).toEqual(['allow', 'review', 'review', 'act', 'allow', 'act']);
    expect(a.out.every((o) => o.model === 'm@1' && o.policyVersion === 1 && o.modelVersion === 1)).toBe(true);
    const queued = a.out.filter((o) => o.review);
    expect(a.stats.review).toBe(queued.length);
    expect(a.stats.sampled).toBe(queued.length - 2);
    await run(); // same events, same seed
    const cases = readCases(ws, 'm');
    expect(cases.map((c) => c.id)).toEqual(queued.map((o) => o.reviewId));
    const c = cases.find((x) => x.band === 'review' && x.score === 0.45)!;
    expect(c).toMatchObject({ call: 'no', sampled: false, source: 'events.ndjson', input: { x: 0.45, i: 1 } });
    expect(cases.find((x) => x.score === 0.6)!.call).toBe('yes');
  });

  it('skips a torn last line, resolves once, and records the resolution in the audit log', async () => {
    await fakeModel();
    const c: ReviewCase = { id: 'rv-0000000000000001', model: 'm', modelVersion: 1, policyVersion: 1, score: 0.5, band: 'review', action: 'review', call: 'yes', sampled: false, reason: 'r', input: { x: 1 }, source: 's', at: 't' };
    await fileReviewSink(ws).add([c]);
    appendFileSync(join(ws.registryDir, 'reviews', 'm', 'queue.ndjson'), '{"id":"rv-00000000000000');
    expect(listReviews(ws).pending).toBe(1);
    await expect(resolveReview(ws, c.id, { label: 'maybe', by: 'r@x.io' })).rejects.toThrow(/yes or no/);
    await expect(resolveReview(ws, 'rv-ffffffffffffffff', { label: 'yes', by: 'r@x.io' })).rejects.toThrow(/not found/);
    const r = await resolveReview(ws, c.id, { label: 'no', by: 'r@x.io', note: 'n' });
    expect(r.agrees).toBe(false);
    await expect(resolveReview(ws, c.id, { label: 'yes', by: 'r@x.io' })).rejects.toThrow(/already resolved/);
    expect(listReviews(ws)).toMatchObject({ pending: 0, resolved: 1 });
    expect(listReviews(ws, { status: 'resolved' }).cases[0].resolution).toMatchObject({ label: 'no', by: 'r@x.io', note: 'n' });
    expect(readAudit(ws).find((e) => e.action === 'review.resolve')).toMatchObject({ subject: c.id, actor: 'r@x.io' });
  });
});

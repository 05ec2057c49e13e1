/**
 * The end-to-end check of the decision flow on churn: model → policy → optimize (never worse than any fixed
 * threshold on the same holdout) → package with the policy → score a stream of holdout rows → resolve
 * the queued reviews with the true labels → export them as a dataset → trust → widen → the next scoring
 * run sends fewer cases to review.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { churnModel, decideCli as cli, cliWorkspace } from '../../helpers/workspace.js';
import type { Workspace } from '../../../src/workspace.js';
import type { ModelVersion } from '../../../src/types.js';

let dir: string;
let ws: Workspace;
let model: ModelVersion;
let holdoutRows: Record<string, unknown>[];
let inputsFile: string;
const truth = new Map<string, 'yes' | 'no'>();
const keyOf = (inputs: string[], r: Record<string, unknown>) => JSON.stringify(inputs.map((k) => r[k]));

beforeAll(async () => {
  ({ dir, ws } = cliWorkspace());
  model = await churnModel(dir, ws);
  const { loadSplitRows } = await import('../../../src/decide/data.js');
  holdoutRows = (await loadSplitRows(ws, model, 'test')).rows;
  const inputs = model.pipeline.inputs.map((i) => i.name);
  inputsFile = join(dir, 'holdout-events.ndjson');
  writeFileSync(inputsFile, holdoutRows.map((r) => JSON.stringify(Object.fromEntries(inputs.map((k) => [k, r[k]])))).join('\n') + '\n');
  for (const r of holdoutRows) truth.set(keyOf(inputs, r), r.churn === 'yes' ? 'yes' : 'no');
}, 240_000);

/** `dictl package` + `dictl score` of the holdout events; returns the output lines, decision counts and manifest */
async function packageAndScore(tag: string) {
  const out = join(dir, `pkg-${tag}`);
  const p = cli(dir, ['package', 'churn-model@1', '--out', out]);
  if (p.code !== 0) throw new Error(`package failed: ${p.stderr}`);
  const output = join(dir, `scores-${tag}.ndjson`);
  const s = cli(dir, ['score', '--package', out, '--input', inputsFile, '--output', output]);
  if (s.code !== 0) throw new Error(`score failed: ${s.stderr}`);
  const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const stats = { decided: lines.filter((l) => typeof l.action === 'string').length, review: lines.filter((l) => l.review === true).length, sampled: lines.filter((l) => l.sampled === true).length };
  return { lines, stats, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) };
}

describe('from prediction to accountable decision (churn)', () => {
  let firstReviews = 0;
  it('sets a policy owned by a person', () => {
    const r = cli(dir, ['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.8', '--review-between', '0.4,0.8', '--action-high', 'retain-offer', '--action-low', 'none', '--sample-rate', '0.05']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ version: 1, owner: 'ana@example.com', autonomy: 'human-in-the-loop', review: [0.4, 0.8], sampleRate: 0.05, modelVersion: 1 });
    // bad input never writes a version
    expect(cli(dir, ['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.3', '--review-between', '0.4,0.8']).code).toBe(2);
  });

  it('optimizes thresholds on the holdout: never worse than any fixed threshold, saved as a policy version', async () => {
    const r = cli(dir, ['decide', 'optimize', 'churn-model@1', '--cost', 'fp=1,fn=5,review=0.1', '--review-capacity', '0.5', '--save', '--html', join(dir, 'cost.html')]);
    expect(r.code, r.stderr).toBe(0);
    const best = r.json.best;
    expect(r.json.n).toBe(1000);
    expect(best.reviewShare).toBeLessThanOrEqual(0.5);
    // brute-force sweep over every fixed threshold on the same holdout scores
    const { loadSplitRows, scoreSplit } = await import('../../../src/decide/data.js');
    const { evaluateThresholds } = await import('../../../src/decide/optimize.js');
    const s = await scoreSplit(model, await loadSplitRows(ws, model, 'test'));
    const costs = { fp: 1, fn: 5, review: 0.1 };
    let minFixed = Infinity;
    for (const t of [0, ...new Set(s.scores), 1.01]) minFixed = Math.min(minFixed, evaluateThresholds(s.scores, s.labels, costs, t, null).cost);
    expect(best.cost).toBeLessThanOrEqual(minFixed + 1e-12);
    expect(best.cost).toBeLessThan(minFixed); // a review band pays off at review=0.1
    expect(r.json.bestNoReview.cost).toBeCloseTo(minFixed, 12);
    // the saved policy reproduces the optimum
    expect(r.json.saved).toMatchObject({ version: 2, source: 'optimize', owner: 'ana@example.com', sampleRate: 0.05 });
    const again = evaluateThresholds(s.scores, s.labels, costs, r.json.saved.actAbove, r.json.saved.review);
    expect(again.cost).toBeCloseTo(best.cost, 12);
    expect(readFileSync(join(dir, 'cost.html'), 'utf8')).toContain('<svg');
  }, 240_000);

  it('packages and scores a stream of holdout rows: every output carries the decision, review cases are queued', async () => {
    const { lines, stats, manifest } = await packageAndScore('a');
    expect(manifest.decisionPolicy).toMatchObject({ kind: 'decision-policy', version: 2 });
    expect(lines).toHaveLength(1000);
    expect(stats.decided).toBe(1000);
    for (const l of lines) {
      expect(l).toMatchObject({ model: 'churn-model@1', modelVersion: 1, policyVersion: 2, autonomy: 'human-in-the-loop' });
      expect(['retain-offer', 'review', 'none']).toContain(l.action);
      expect(l.band).toBe(l.score >= manifest.decisionPolicy.actAbove ? 'high' : l.score >= manifest.decisionPolicy.review[0] ? 'review' : 'low');
    }
    expect(stats.review).toBeGreaterThan(50);
    expect(stats.sampled).toBeGreaterThan(0);
    firstReviews = stats.review;
    const q = cli(dir, ['review', 'list']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.json.pending).toBe(stats.review);
    const c = q.json.cases[0];
    expect(c).toMatchObject({ model: 'churn-model', modelVersion: 1, policyVersion: 2 });
    expect(Object.keys(c.input).sort()).toEqual(model.pipeline.inputs.map((i) => i.name).sort());
    expect(c.reason).toMatch(/review band|audit sample/);

    // CSV output carries the same decisions as columns; re-scoring the same events queues no duplicate case
    const csvOut = join(dir, 'scores-a.csv');
    const s = cli(dir, ['score', '--package', join(dir, 'pkg-a'), '--input', inputsFile, '--output', csvOut]);
    expect(s.code, s.stderr).toBe(0);
    const [head, ...rows] = readFileSync(csvOut, 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(head).toEqual(expect.arrayContaining(['action', 'band', 'policy_version', 'review', 'review_id']));
    expect(rows).toHaveLength(1000);
    const col = (name: string) => head.indexOf(name);
    rows.forEach((r, i) => {
      expect(r[col('action')]).toBe(lines[i].action);
      expect(r[col('band')]).toBe(lines[i].band);
      expect(r[col('review')]).toBe(String(lines[i].review));
      expect(r[col('policy_version')]).toBe('2');
    });
    expect(cli(dir, ['review', 'list']).json.pending).toBe(stats.review);
  }, 240_000);

  it('resolves the reviews with the true labels and exports them as a dataset with lineage', async () => {
    const inputs = model.pipeline.inputs.map((i) => i.name);
    const pending = cli(dir, ['review', 'list']).json.cases as { id: string; input: Record<string, unknown> }[];
    // one by hand, the rest in bulk
    const first = pending[0];
    const one = cli(dir, ['review', 'resolve', first.id, '--label', truth.get(keyOf(inputs, first.input))!, '--by', 'rev@example.com', '--note', 'checked']);
    expect(one.code, one.stderr).toBe(0);
    expect(cli(dir, ['review', 'resolve', first.id, '--label', 'yes', '--by', 'rev@example.com']).code).toBe(5); // final
    const file = join(dir, 'labels.ndjson');
    writeFileSync(file, pending.slice(1).map((c) => JSON.stringify({ id: c.id, label: truth.get(keyOf(inputs, c.input)) })).join('\n') + '\n');
    const bulk = cli(dir, ['review', 'resolve', '--file', file, '--by', 'rev@example.com']);
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(bulk.json.resolved).toBe(pending.length - 1);
    const ex = cli(dir, ['review', 'export', '--as-dataset', 'churn-reviewed']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.json).toMatchObject({ dataset: 'churn-reviewed@1', existing: false, rows: pending.length, parents: ['churn@1'] });
    expect(ex.json.tags).toMatchObject({ model: 'churn-model@1', policy: 'churn-model/policy@2', origin: 'review' });
    const { resolveDataset } = await import('../../../src/datasets/store.js');
    const meta = resolveDataset(ws, 'churn-reviewed@1');
    expect(meta).toMatchObject({ rows: pending.length, parents: ['churn@1'], source: { format: 'review' } });
    expect(meta.columns.map((c) => c.name)).toEqual(expect.arrayContaining([...inputs, 'churn', 'review_id', 'review_score']));
    // the human labels are in the model's label column
    const churnProfile = meta.profile.find((c) => c.name === 'churn')!;
    const yes = [...truth.values()].length && pending.filter((c) => truth.get(keyOf(inputs, c.input)) === 'yes').length;
    expect(churnProfile.top!.find((t) => t.value === 'yes')?.count ?? 0).toBe(yes);
    // exporting the same resolutions again reuses the version
    expect(cli(dir, ['review', 'export', '--as-dataset', 'churn-reviewed']).json.existing).toBe(true);
  }, 240_000);

  it('computes trust, widens the band, and the next scoring run sends fewer cases to review', async () => {
    const t = cli(dir, ['decide', 'trust', 'churn-model', '--target', '0.9']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json.cases).toBe(firstReviews);
    expect(t.json.recommendation).not.toBeNull();
    const edge = t.json.lowEdge ?? t.json.highEdge;
    expect(edge.lower).toBeGreaterThanOrEqual(0.9);
    // an impossible target changes nothing (exit 1)
    const no = cli(dir, ['decide', 'policy', 'widen', 'churn-model', '--target', '0.999']);
    expect(no.code).toBe(1);
    expect(no.json.applied).toBe(false);
    const w = cli(dir, ['decide', 'policy', 'widen', 'churn-model', '--target', '0.9', '--by', 'ana@example.com']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.json.policy).toMatchObject({ version: 3, source: 'widen', parent: 2 });
    expect(w.json.policy.evidence.cases).toBe(firstReviews);
    const oldBand = w.json.policy.evidence.previousReview;
    const newBand = w.json.policy.review;
    expect(newBand === null || newBand[1] - newBand[0] < oldBand[1] - oldBand[0]).toBe(true);
    const { stats, lines, manifest } = await packageAndScore('b');
    expect(lines).toHaveLength(1000);
    expect(manifest.decisionPolicy.version).toBe(3);
    expect(lines.every((l) => l.policyVersion === 3)).toBe(true);
    expect(stats.review).toBeLessThan(firstReviews);
  }, 240_000);

  it('monitors drift of live inputs against the training profile (exit 1 on drift)', () => {
    const pkg = join(dir, 'pkg-a');
    const same = cli(dir, ['monitor', 'drift', '--package', pkg, '--input', inputsFile, '--save-profile']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.json).toMatchObject({ ok: true, rows: 1000, trainingRows: 4000, profileSource: 'workspace' });
    // shift one numeric input and change a category mix: drift, exit 1, from the saved profile
    const shifted = join(dir, 'shifted.ndjson');
    writeFileSync(
      shifted,
      readFileSync(inputsFile, 'utf8')
        .trim()
        .split('\n')
        .map((l, i) => {
          const o = JSON.parse(l);
          o.total_day_minutes = Number(o.total_day_minutes) * 1.5;
          if (i % 2) o.international_plan = 'yes';
          return JSON.stringify(o);
        })
        .join('\n') + '\n',
    );
    const bad = cli(dir, ['monitor', 'drift', '--package', pkg, '--input', shifted]);
    expect(bad.code).toBe(1);
    expect(bad.json.profileSource).toBe('package');
    expect(bad.json.drifted).toEqual(['total_day_minutes', 'international_plan']);
    expect(bad.stderr).toMatch(/Error \(VERDICT\): drift in 2 column/);
  }, 240_000);

  it('a promotion to champion resets the policy to the supervised band (human-in-the-loop)', () => {
    const before = cli(dir, ['decide', 'policy', 'show', 'churn-model@2']).json;
    const pr = cli(dir, ['model', 'promote', 'churn-model@1', '--to', 'champion', '--gate', 'auc>=0.5']);
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.json.policy).toMatchObject({ version: 4, autonomy: 'human-in-the-loop', review: before.review });
    expect(cli(dir, ['decide', 'policy', 'show', 'churn-model']).json).toMatchObject({ version: 4, source: 'promotion', actAbove: before.actAbove });
  }, 240_000);
});

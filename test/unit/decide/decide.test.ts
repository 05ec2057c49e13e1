import { describe, expect, it } from 'vitest';
import { applyPolicy, bandOf, modelCall, normalizeSpec, parseBand, type DecisionPolicy } from '../../../src/decide/policy.js';
import { seededRng } from '../../../src/util/random.js';
import { evaluateThresholds, optimizeThresholds, parseCosts, type Costs } from '../../../src/decide/optimize.js';
import { computeTrust, zFor, type LabelledCase } from '../../../src/decide/trust.js';
import { wilson } from '../../../src/stats/wilson.js';
import { workspaceAt as workspaceAtDir } from '../../../src/workspace.js';

const pol = (over: Partial<DecisionPolicy> = {}): DecisionPolicy => ({
  kind: 'decision-policy',
  model: 'm',
  version: 1,
  owner: 'a@b.io',
  autonomy: 'human-in-the-loop',
  actAbove: 0.8,
  review: [0.4, 0.8],
  actions: { high: 'block', review: 'review', low: 'allow' },
  sampleRate: 0,
  source: 'set',
  ...over,
});

describe('policy bands and actions', () => {
  it('maps scores to bands at the exact boundaries', () => {
    const p = pol();
    expect(bandOf(p, 0.8)).toBe('high');
    expect(bandOf(p, 0.7999)).toBe('review');
    expect(bandOf(p, 0.4)).toBe('review');
    expect(bandOf(p, 0.3999)).toBe('low');
    expect(bandOf(p, 0)).toBe('low');
    expect(bandOf(p, 1)).toBe('high');
  });
  it('emits actions per band; review band goes to review', () => {
    const rng = () => 0.5;
    expect(applyPolicy(pol(), 0.9, rng)).toEqual({ action: 'block', band: 'high', intended: 'block', review: false, sampled: false });
    expect(applyPolicy(pol(), 0.5, rng)).toEqual({ action: 'review', band: 'review', intended: 'review', review: true, sampled: false });
    expect(applyPolicy(pol(), 0.1, rng)).toEqual({ action: 'allow', band: 'low', intended: 'allow', review: false, sampled: false });
  });
  it('autonomous has no review band; shadow emits no action', () => {
    expect(applyPolicy(pol({ autonomy: 'autonomous' }), 0.5, () => 0.5)).toEqual({ action: 'allow', band: 'low', intended: 'allow', review: false, sampled: false });
    expect(applyPolicy(pol({ autonomy: 'shadow' }), 0.5, () => 0.5)).toEqual({ action: 'none', band: 'review', intended: 'review', review: true, sampled: false });
    expect(applyPolicy(pol({ autonomy: 'shadow' }), 0.95, () => 0.5).action).toBe('none');
  });
  it('samples automatic decisions for audit with the given rate, never consuming rng in the review band', () => {
    let calls = 0;
    const rng = () => {
      calls++;
      return 0.01;
    };
    const p = pol({ sampleRate: 0.02 });
    expect(applyPolicy(p, 0.9, rng)).toEqual({ action: 'block', band: 'high', intended: 'block', review: true, sampled: true });
    expect(applyPolicy(p, 0.5, rng).sampled).toBe(false);
    expect(calls).toBe(1);
    expect(applyPolicy(p, 0.1, () => 0.02).review).toBe(false); // rng >= rate → not sampled
    // a seeded rng reproduces the sample and hits the rate roughly
    const r1 = seededRng(7);
    const r2 = seededRng(7);
    const a = Array.from({ length: 20000 }, () => applyPolicy(pol({ sampleRate: 0.1, review: null }), 0.1, r1).sampled);
    const b = Array.from({ length: 20000 }, () => applyPolicy(pol({ sampleRate: 0.1, review: null }), 0.1, r2).sampled);
    expect(a).toEqual(b);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
  });
  it('model call: high yes, low no, review by threshold', () => {
    expect(modelCall('high', 0.81, 0.5)).toBe('yes');
    expect(modelCall('low', 0.1, 0.5)).toBe('no');
    expect(modelCall('review', 0.5, 0.5)).toBe('yes');
    expect(modelCall('review', 0.49, 0.5)).toBe('no');
  });
  it('validates specs', () => {
    expect(normalizeSpec({ owner: 'x@y.io', actAbove: 0.8, review: [0.4, 0.8] })).toEqual({
      owner: 'x@y.io',
      autonomy: 'human-in-the-loop',
      actAbove: 0.8,
      review: [0.4, 0.8],
      actions: { high: 'act', review: 'review', low: 'allow' },
      sampleRate: 0,
    });
    expect(() => normalizeSpec({ owner: 'nobody', actAbove: 0.8 })).toThrow(/email/);
    expect(() => normalizeSpec({ owner: 'x@y.io', actAbove: 1.2 })).toThrow(/between 0 and 1/);
    expect(() => normalizeSpec({ owner: 'x@y.io', actAbove: 0.7, review: [0.4, 0.8] })).toThrow(/above act-above/);
    expect(() => normalizeSpec({ owner: 'x@y.io', actAbove: 0.8, review: [0.6, 0.5] })).toThrow(/above its end/);
    expect(() => normalizeSpec({ owner: 'x@y.io', actAbove: 0.8, actions: { high: 'rm -rf /' } })).toThrow(/short word/);
    expect(parseBand('0.4, 0.8')).toEqual([0.4, 0.8]);
    expect(() => parseBand('0.4')).toThrow(/FROM,TO/);
  });
});

/** Every pair of cut points, the slow way: the reference for the optimiser. */
function bruteForce(scores: number[], labels: number[], costs: Costs, capacity: number) {
  const cuts = [...new Set(scores)].sort((a, b) => a - b);
  const thr = [-1, ...cuts, 2]; // a threshold equal to a distinct score, or below / above all
  let best = Infinity;
  for (let i = 0; i < thr.length; i++)
    for (let j = i; j < thr.length; j++) {
      const e = evaluateThresholds(scores, labels, costs, thr[j], i < j ? [thr[i], thr[j]] : null);
      if (e.counts.review <= Math.floor(capacity * scores.length + 1e-9)) best = Math.min(best, e.totalCost);
    }
  return best;
}

describe('optimize thresholds', () => {
  it('parses costs', () => {
    expect(parseCosts('fp=1,fn=5,review=0.3')).toEqual({ fp: 1, fn: 5, review: 0.3 });
    expect(parseCosts('fn=2, fp=1')).toEqual({ fp: 1, fn: 2, review: 0 });
    expect(() => parseCosts('fp=1')).toThrow(/fn/);
    expect(() => parseCosts('fp=-1,fn=1')).toThrow(/>= 0/);
    expect(() => parseCosts('tp=1,fp=1,fn=1')).toThrow(/cannot read/);
  });
  it('finds the exact optimum on a small case', () => {
    // scores ascending with labels: the review band should catch the mixed middle
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const labels = [0, 0, 0, 1, 0, 1, 0, 1, 1];
    const r = optimizeThresholds(scores, labels, { fp: 1, fn: 5, review: 0.3 }, 1);
    // review 0.4..0.7 (4 cases × 0.3 = 1.2), no errors outside
    expect(r.best.totalCost).toBeCloseTo(1.2, 12);
    expect(r.best.review).toEqual([0.35, 0.75]);
    expect(r.best.actAbove).toBeCloseTo(0.75, 12);
    expect(r.best.counts).toEqual({ high: 2, review: 4, low: 3, fp: 0, fn: 0, tp: 2, tn: 3 });
    // capped at 2 reviews (2/9 of cases)
    const c = optimizeThresholds(scores, labels, { fp: 1, fn: 5, review: 0.3 }, 2 / 9);
    expect(c.best.counts.review).toBeLessThanOrEqual(2);
    expect(c.best.totalCost).toBeCloseTo(bruteForce(scores, labels, { fp: 1, fn: 5, review: 0.3 }, 2 / 9), 12);
    // no review band at all when capacity is 0
    const z = optimizeThresholds(scores, labels, { fp: 1, fn: 5, review: 0.3 }, 0);
    expect(z.best.review).toBeNull();
    expect(z.best.totalCost).toBe(z.bestNoReview.totalCost);
    // best no-review: act above 0.35 → fp = 2 (0.5, 0.7), fn = 0 → 2
    expect(z.best.totalCost).toBe(2);
  });
  it('is never worse than any fixed threshold and equals a brute-force sweep (random cases with ties)', () => {
    const rng = seededRng(42);
    for (let trial = 0; trial < 40; trial++) {
      const n = 5 + Math.floor(rng() * 60);
      const scores = Array.from({ length: n }, () => Math.round(rng() * 20) / 20); // many ties
      const labels = scores.map((s) => (rng() < s ? 1 : 0));
      const costs = { fp: Math.round(rng() * 50) / 10, fn: Math.round(rng() * 50) / 10, review: Math.round(rng() * 20) / 10 };
      const capacity = trial % 4 === 0 ? 1 : Math.round(rng() * 10) / 20;
      const r = optimizeThresholds(scores, labels, costs, capacity);
      // the reported thresholds reproduce the reported cost
      const again = evaluateThresholds(scores, labels, costs, r.best.actAbove, r.best.review);
      expect(again.totalCost).toBeCloseTo(r.best.totalCost, 9);
      expect(r.best.counts.review).toBeLessThanOrEqual(Math.floor(capacity * n + 1e-9));
      // never worse than any fixed threshold
      for (const t of [-1, ...new Set(scores), 2]) {
        const fixed = evaluateThresholds(scores, labels, costs, t, null);
        expect(r.best.totalCost).toBeLessThanOrEqual(fixed.totalCost + 1e-9);
      }
      // exactly the brute-force optimum over all cut pairs
      expect(r.best.totalCost).toBeCloseTo(bruteForce(scores, labels, costs, capacity), 9);
    }
  });
  it('computes a cost curve whose no-review column matches fixed thresholds', () => {
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const labels = [0, 0, 0, 1, 0, 1, 0, 1, 1];
    const costs = { fp: 1, fn: 5, review: 0.3 };
    const r = optimizeThresholds(scores, labels, costs, 1);
    expect(r.curve).toHaveLength(19);
    for (const pt of r.curve) {
      expect(pt.costNoReview).toBeCloseTo(evaluateThresholds(scores, labels, costs, pt.actAbove, null).cost, 12);
      expect(pt.costWithReview).toBeLessThanOrEqual(pt.costNoReview + 1e-12);
      expect(pt.costWithReview).toBeGreaterThanOrEqual(r.best.cost - 1e-12);
    }
  });
  it('rejects bad input', () => {
    expect(() => optimizeThresholds([0.1], [2], { fp: 1, fn: 1, review: 0 })).toThrow(/0 or 1/);
    expect(() => optimizeThresholds([], [], { fp: 1, fn: 1, review: 0 })).toThrow(/no scored/);
    expect(() => optimizeThresholds([0.1], [1], { fp: 1, fn: 1, review: 0 }, 1.5)).toThrow(/capacity/);
  });
});

describe('trust', () => {
  it('Wilson interval matches the closed form', () => {
    expect(zFor(0.95)).toBeCloseTo(1.959963984540054, 6);
    expect(zFor(0.9)).toBeCloseTo(1.6448536269514722, 6);
    const w = wilson(8, 10);
    expect(w.lower).toBeCloseTo(0.49016247153664183, 12);
    expect(w.upper).toBeCloseTo(0.9433178485456247, 12);
    expect(wilson(95, 100).lower).toBeCloseTo(0.8882495307680808, 12);
    expect(wilson(73, 73).lower).toBeCloseTo(0.9500079920442688, 12);
    expect(wilson(72, 72).lower).toBeCloseTo(0.9493488274035422, 12);
    expect(wilson(0, 0)).toEqual({ lower: 0, upper: 1 });
  });

  const mk = (score: number, label: 'yes' | 'no', band: 'high' | 'review' | 'low' = 'review'): LabelledCase => ({
    score,
    band,
    call: band === 'high' ? 'yes' : band === 'low' ? 'no' : score >= 0.5 ? 'yes' : 'no',
    label,
    sampled: band !== 'review',
  });

  it('narrows the low edge only when the lower bound passes the target', () => {
    // 73 "no" cases at 0.40..0.472, then mixed cases
    const low = Array.from({ length: 73 }, (_, i) => mk(0.4 + i * 0.001, 'no'));
    const mixed = Array.from({ length: 20 }, (_, i) => mk(0.5 + i * 0.01, i % 2 ? 'no' : 'yes'));
    const t = computeTrust([...low, ...mixed], { review: [0.4, 0.8], actAbove: 0.8 }, { target: 0.95 });
    expect(t.inBand).toBe(93);
    expect(t.lowEdge).not.toBeNull();
    expect(t.lowEdge!.n).toBe(73);
    expect(t.lowEdge!.agree).toBe(73);
    expect(t.lowEdge!.lower).toBeCloseTo(0.9500079920442688, 12);
    expect(t.highEdge).toBeNull();
    expect(t.recommendation!.review![0]).toBeCloseTo((0.472 + 0.5) / 2, 12);
    expect(t.recommendation!.review![1]).toBe(0.8);
    expect(t.recommendation!.actAbove).toBe(0.8);
    // with one fewer case the bound is 0.9493 < 0.95: no recommendation
    const t2 = computeTrust([...low.slice(1), ...mixed], { review: [0.4, 0.8], actAbove: 0.8 }, { target: 0.95 });
    expect(t2.recommendation).toBeNull();
    expect(t2.reason).toMatch(/no edge/);
  });
  it('narrows the high edge into the act band and reports per-band agreement', () => {
    const hi = Array.from({ length: 30 }, (_, i) => mk(0.79 - i * 0.001, 'yes'));
    const mid = Array.from({ length: 10 }, (_, i) => mk(0.5 + i * 0.01, i % 2 ? 'no' : 'yes'));
    const audit = [mk(0.9, 'yes', 'high'), mk(0.95, 'no', 'high'), mk(0.1, 'no', 'low')];
    const t = computeTrust([...hi, ...mid, ...audit], { review: [0.4, 0.8], actAbove: 0.8 }, { target: 0.85 });
    expect(t.highEdge!.n).toBe(30);
    expect(t.highEdge!.call).toBe('yes');
    expect(t.recommendation!.actAbove).toBeCloseTo((0.59 + 0.761) / 2, 12);
    expect(t.recommendation!.review).toEqual([0.4, t.recommendation!.actAbove]);
    const high = t.bands.find((b) => b.band === 'high')!;
    expect([high.n, high.agree, high.rate]).toEqual([2, 1, 0.5]);
    const lowB = t.bands.find((b) => b.band === 'low')!;
    expect([lowB.n, lowB.agree]).toEqual([1, 1]);
    // a band not ending at act-above never moves its upper edge
    const t3 = computeTrust([...hi, ...mid], { review: [0.4, 0.8], actAbove: 0.9 }, { target: 0.85 });
    expect(t3.highEdge).toBeNull();
  });
  it('never cuts inside a tie and empties the band when every case passes', () => {
    const cases = Array.from({ length: 100 }, () => mk(0.45, 'no'));
    const t = computeTrust(cases, { review: [0.4, 0.8], actAbove: 0.8 }, { target: 0.95 });
    expect(t.lowEdge!.n).toBe(100);
    expect(t.recommendation!.review).toBeNull();
    // one disagreeing case at the same score: still one group of 100 with 99 agreeing
    const t2 = computeTrust([...cases.slice(1), mk(0.45, 'yes')], { review: [0.4, 0.8], actAbove: 0.8 }, { target: 0.95 });
    expect(t2.recommendation).toBeNull();
  });
});

describe('scorer hook helpers', () => {
  it('reads only a real policy from a manifest and renders decision members for an output line', async () => {
    const { packagedPolicy, decisionMembers } = await import('../../../src/decide/stage.js');
    const m = { model: { name: 'm', version: 2, threshold: 0.5, task: 'binary' } };
    expect(packagedPolicy({ ...m, decisionPolicy: null })).toBeNull();
    expect(packagedPolicy({ ...m, decisionPolicy: { kind: 'other' } })).toBeNull();
    expect(packagedPolicy({ ...m, decisionPolicy: pol() })).toMatchObject({ version: 1 });
    expect(decisionMembers({ score: 0.5 })).toBe('');
    const line =
      '{"score":0.5' +
      decisionMembers({ score: 0.5, decision: { score: 0.5, action: 'review', band: 'review', model: 'm@2', modelVersion: 2, policyVersion: 1, autonomy: 'human-in-the-loop', review: true, reviewId: 'rv-1' } }) +
      '}';
    expect(JSON.parse(line)).toEqual({ score: 0.5, action: 'review', band: 'review', model: 'm@2', modelVersion: 2, policyVersion: 1, autonomy: 'human-in-the-loop', review: true, reviewId: 'rv-1' });
  });
  it('wraps a scorer: decisions on every row, nothing queued without review routes', async () => {
    const { decisionStage } = await import('../../../src/decide/stage.js');
    const { ScoreEngine } = await import('../../../src/score/engine.js');
    // the scorer with its decision stage (no stage: the scorer itself)
    const withDecisions = async <S extends object>(s: S, o: Parameters<typeof decisionStage>[1]) => {
      const stage = await decisionStage(s as never, o);
      return stage ? new ScoreEngine({ validate: () => ({ ok: true, row: {} }), ...s } as never, { decide: stage }) : s;
    };
    const base = {
      manifest: { model: { name: 'm', version: 2, threshold: 0.5, task: 'binary' }, decisionPolicy: pol({ autonomy: 'autonomous', sampleRate: 0 }) },
      scoreRows: async (rows: Record<string, unknown>[]) => rows.map((r) => ({ score: Number(r.s) })),
    };
    const w = await withDecisions(base, { source: 'test' });
    const out = (await (w as { scoreRows(r: unknown[]): Promise<unknown[]> }).scoreRows([{ s: 0.9 }, { s: 0.5 }, { s: 0.1 }])) as { score: number; decision?: { action: string; band: string; review: boolean } }[];
    expect(out.map((o) => [o.decision!.action, o.decision!.band, o.decision!.review])).toEqual([
      ['block', 'high', false],
      ['allow', 'low', false],
      ['allow', 'low', false],
    ]);
    // the columnar path: decisions[j] on the result, review rows rebuilt from the columns (NaN/'' → null)
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { initWorkspace } = await import('../../../src/workspace.js');
    const { readCases } = await import('../../../src/review/queue.js');
    const wsDir = mkdtempSync(join(tmpdir(), 'dictl-hook-'));
    initWorkspace(wsDir);
    const colScorer = {
      manifest: { model: { name: 'm', version: 2, threshold: 0.5, task: 'binary' }, decisionPolicy: pol(), inputs: [{ name: 's', type: 'number' }, { name: 'c', type: 'string' }] },
      scoreRows: async (rows: Record<string, unknown>[]) => rows.map((r) => ({ score: Number(r.s) })),
      scoreColumns: async (cols: Record<string, Float64Array | string[]>, n: number) => ({ n, score: Float64Array.from((cols.s as Float64Array).subarray(0, n)) }),
    };
    const wc = await withDecisions(colScorer, { source: 'cols', workspace: wsDir });
    const res = (await (wc as { scoreColumns(c: unknown, n: number): Promise<unknown> }).scoreColumns({ s: Float64Array.from([0.9, 0.5, NaN]).map((x, i) => (i === 2 ? 0.6 : x)), c: ['a', '', 'b'] }, 3)) as { decisions?: { band: string; reviewId?: string }[] };
    expect(res.decisions!.map((d) => d.band)).toEqual(['high', 'review', 'review']);
    const cases = readCases(workspaceAtDir(wsDir), 'm');
    expect(cases.map((c) => c.input)).toEqual([
      { s: 0.5, c: null },
      { s: 0.6, c: 'b' },
    ]);
    expect(cases.map((c) => c.id)).toEqual([res.decisions![1].reviewId, res.decisions![2].reviewId]);
    // no policy: the scorer is returned untouched
    const plain = { ...base, manifest: { ...base.manifest, decisionPolicy: null } };
    expect(await withDecisions(plain, { source: 'test' })).toBe(plain);
    // a policy that routes to review needs a queue: no workspace → usage error
    const routed = { ...base, manifest: { ...base.manifest, decisionPolicy: pol() } };
    await expect(withDecisions(routed, { source: 'test', workspace: '/nonexistent-dictl-ws' })).rejects.toThrow(/no workspace/);
  });
});

describe('decider fast path', () => {
  it('agrees with applyPolicy on every band, boundary and audit sample', async () => {
    const { makeDecider } = await import('../../../src/decide/runtime.js');
    const rng = seededRng(11);
    const scores = Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? [0, 0.4, 0.8, 1][i % 4] : Math.round(rng() * 1000) / 1000));
    for (const over of [{}, { autonomy: 'autonomous' as const }, { review: null }, { sampleRate: 0 }]) {
      const p = pol({ sampleRate: 0.1, ...over });
      const d = makeDecider(p, { modelName: 'm', modelVersion: 1, threshold: 0.5, seed: 5, source: 's' });
      const got = d.decide(scores.map(() => ({})), scores);
      const ref = seededRng(5);
      scores.forEach((s, i) => {
        const e = applyPolicy(p, s, ref);
        expect([got[i].action, got[i].band, got[i].review]).toEqual([e.action, e.band, e.review]);
      });
    }
  });
});

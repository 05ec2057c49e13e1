/** The pure shadow (champion vs challenger) math: sides, input compatibility, label matching, the report. */
import { describe, expect, it } from 'vitest';
import { normalizeSpec, type DecisionPolicy } from '../../../src/decide/policy.js';
import { challengerInputProblems, inputKey, matchLabels, shadowId, shadowReport, shadowSide, failedSide, type ShadowEntry } from '../../../src/decide/shadow.js';

const policy = (over: Partial<DecisionPolicy> = {}): DecisionPolicy => ({
  kind: 'decision-policy',
  model: 'm',
  version: 3,
  source: 'set',
  ...normalizeSpec({ owner: 'a@b.io', actAbove: 0.8, review: [0.4, 0.8], actions: { high: 'block', review: 'review', low: 'allow' } }),
  ...over,
});

describe('shadowSide', () => {
  it('applies the bands and actions of the policy; the call follows the band (threshold inside the review band)', () => {
    const p = policy();
    expect(shadowSide(p, 'm@1', 0.9, 0.5)).toEqual({ model: 'm@1', score: 0.9, band: 'high', action: 'block', call: 'yes', policy: 'm/policy@3' });
    expect(shadowSide(p, 'm@1', 0.8, 0.5)).toMatchObject({ band: 'high', action: 'block' }); // act-above is inclusive
    expect(shadowSide(p, 'm@1', 0.45, 0.5)).toMatchObject({ band: 'review', action: 'review', call: 'no' });
    expect(shadowSide(p, 'm@1', 0.55, 0.5)).toMatchObject({ band: 'review', action: 'review', call: 'yes' });
    expect(shadowSide(p, 'm@1', 0.39, 0.5)).toMatchObject({ band: 'low', action: 'allow', call: 'no' });
    // autonomous: no review band; shadow autonomy still reports the intended action
    expect(shadowSide(policy({ autonomy: 'autonomous' }), 'm@1', 0.6, 0.5)).toMatchObject({ band: 'low', action: 'allow' });
    expect(shadowSide(policy({ autonomy: 'shadow' }), 'm@1', 0.95, 0.5)).toMatchObject({ band: 'high', action: 'block' });
  });
  it('without a policy: no band, action none, the call is score >= threshold; a non-finite score is a failure', () => {
    expect(shadowSide(null, 'x@2', 0.3, 0.25)).toEqual({ model: 'x@2', score: 0.3, band: null, action: 'none', call: 'yes', policy: null });
    expect(shadowSide(null, 'x@2', 0.2, 0.25).call).toBe('no');
    expect(shadowSide(null, 'x@2', NaN, 0.25)).toMatchObject({ score: null, call: null, error: expect.stringMatching(/not a finite/) });
  });
});

describe('challengerInputProblems', () => {
  it('names inputs the champion does not validate and inputs of another type', () => {
    const champ = [
      { name: 'a', type: 'number' },
      { name: 'b', type: 'string' },
      { name: 'c', type: 'number' },
    ];
    expect(challengerInputProblems(champ, [{ name: 'a', type: 'number' }])).toEqual({ missing: [], mistyped: [] });
    expect(challengerInputProblems(champ, [...champ, { name: 'z', type: 'number' }, { name: 'y', type: 'string' }]).missing).toEqual(['z', 'y']);
    expect(challengerInputProblems(champ, [{ name: 'b', type: 'number' }]).mistyped).toEqual([{ name: 'b', champion: 'string', challenger: 'number' }]);
  });
});

function entry(i: number, champ: [number, string, 'yes' | 'no'], chal: [number | null, string, 'yes' | 'no' | null], extra: { reviewId?: string; chModel?: string } = {}): ShadowEntry {
  const input = { x: i, c: i % 2 ? 'a' : 'b' };
  const e: ShadowEntry = {
    id: '',
    at: '2024-01-01T00:00:00.000Z',
    source: 'f',
    input,
    champion: { model: 'm@1', score: champ[0], band: null, action: champ[1], call: champ[2], policy: null },
    challenger: chal[0] === null ? failedSide(extra.chModel ?? 'm@2', null, 'boom') : { model: extra.chModel ?? 'm@2', score: chal[0], band: null, action: chal[1], call: chal[2], policy: null },
  };
  if (extra.reviewId) e.champion.reviewId = extra.reviewId;
  e.id = shadowId(e);
  return e;
}

describe('shadowReport', () => {
  const entries = [
    entry(0, [0.9, 'block', 'yes'], [0.7, 'review', 'yes'], { reviewId: 'rv-1' }),
    entry(1, [0.1, 'allow', 'no'], [0.2, 'allow', 'no']),
    entry(2, [0.5, 'review', 'no'], [0.9, 'block', 'yes'], { reviewId: 'rv-2' }),
    entry(3, [0.95, 'block', 'yes'], [0.85, 'block', 'yes']),
    entry(4, [0.3, 'allow', 'no'], [null, 'none', null]), // challenger failed
  ];

  it('counts agreement (Wilson interval), the confusion table and score differences over the compared events', () => {
    const r = shadowReport('m', entries);
    expect(r).toMatchObject({ model: 'm', events: 5, failed: 1, compared: 4, confidence: 0.95, labelled: null });
    expect(r.pairs).toEqual([{ champion: 'm@1', challenger: 'm@2', events: 5 }]);
    // same action: entries 1 and 3 → 2/4; Wilson 95% for 2/4 is 0.1500–0.8500
    expect(r.actionAgreement).toMatchObject({ n: 4, agree: 2, rate: 0.5 });
    expect(r.actionAgreement.lower).toBeCloseTo(0.15004, 4);
    expect(r.actionAgreement.upper).toBeCloseTo(0.84996, 4);
    // same call: 0,1,3 → 3/4; Wilson 0.3006–0.9544
    expect(r.callAgreement).toMatchObject({ n: 4, agree: 3, rate: 0.75 });
    expect(r.callAgreement.lower).toBeCloseTo(0.30064, 4);
    expect(r.callAgreement.upper).toBeCloseTo(0.95441, 4);
    expect(r.confusion.actions).toEqual(['allow', 'block', 'review']);
    expect(r.confusion.counts).toEqual([
      [1, 0, 0], // champion allow
      [0, 1, 1], // champion block: challenger block, review
      [0, 1, 0], // champion review → challenger block
    ]);
    // diffs: -0.2, +0.1, +0.4, -0.1
    expect(r.scoreDiff.meanAbs).toBeCloseTo(0.2, 12);
    expect(r.scoreDiff.maxAbs).toBeCloseTo(0.4, 12);
    expect(r.scoreDiff.mean).toBeCloseTo(0.05, 12);
    expect(r.meanScore.champion).toBeCloseTo((0.9 + 0.1 + 0.5 + 0.95) / 4, 12);
    expect(r.meanScore.challenger).toBeCloseTo((0.7 + 0.2 + 0.9 + 0.85) / 4, 12);
  });

  it('matches human labels by review case first, then by inputs, and scores each model against them', () => {
    const byReview = new Map<string, 'yes' | 'no'>([
      ['rv-1', 'yes'],
      ['rv-2', 'yes'],
    ]);
    // the labels file says "no" for entry 0 too, but its review resolution wins; entry 4 (failed) is not compared
    const byInput = new Map<string, 'yes' | 'no'>([
      [inputKey(entries[0].input), 'no'],
      [inputKey(entries[1].input), 'yes'],
      [inputKey(entries[4].input), 'no'],
    ]);
    const labels = matchLabels(entries, byReview, byInput);
    expect([...labels.entries()].map(([id, l]) => [entries.findIndex((e) => e.id === id), l.label, l.from])).toEqual([
      [0, 'yes', 'review'],
      [1, 'yes', 'labels'],
      [2, 'yes', 'review'],
      [4, 'no', 'labels'],
    ]);
    const r = shadowReport('m', entries, labels, { confidence: 0.9 });
    // labelled compared events: 0 (yes: champ yes, chal yes), 1 (yes: no, no), 2 (yes: champ no, chal yes)
    expect(r.labelled).toMatchObject({ n: 3, fromReviews: 2, fromLabels: 1, positives: 3, both: 1, onlyChampion: 0, onlyChallenger: 1, neither: 1 });
    expect(r.labelled!.champion).toMatchObject({ n: 3, agree: 1 });
    expect(r.labelled!.challenger).toMatchObject({ n: 3, agree: 2 });
    expect(r.confidence).toBe(0.9);
    expect(r.labelled!.challenger.upper).toBeLessThan(1);
  });

  it('reports every pair when the log holds several challengers; inputKey is order independent; ids', () => {
    const mixed = [...entries.slice(0, 2), entry(7, [0.2, 'allow', 'no'], [0.3, 'allow', 'no'], { chModel: 'n@1' })];
    expect(shadowReport('m', mixed).pairs).toEqual([
      { champion: 'm@1', challenger: 'm@2', events: 2 },
      { champion: 'm@1', challenger: 'n@1', events: 1 },
    ]);
    expect(inputKey({ b: 1, a: 'x' })).toBe(inputKey({ a: 'x', b: 1 }));
    expect(inputKey({ a: 'x', b: 1, extra: 2 }, ['a', 'b'])).toBe(inputKey({ b: 1, a: 'x' }));
    expect(shadowReport('m', []).actionAgreement).toMatchObject({ n: 0, rate: 0, lower: 0, upper: 1 });
    // ids: content hashes of models, policies, source and input; a failed challenger gets another id
    expect(entry(1, [0.1, 'allow', 'no'], [0.9, 'block', 'yes']).id).toBe(entries[1].id);
    expect(entry(4, [0.3, 'allow', 'no'], [0.5, 'review', 'no']).id).not.toBe(entries[4].id);
    expect(entry(1, [0.1, 'allow', 'no'], [0.2, 'allow', 'no'], { chModel: 'n@1' }).id).not.toBe(entries[1].id);
    expect(entries[1].id).toMatch(/^sh-[0-9a-f]{16}$/);
  });
});

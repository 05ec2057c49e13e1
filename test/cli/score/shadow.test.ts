/**
 * Shadow deployment end to end through the real CLI on churn: a champion (churn-model@1, C=1, policy@1
 * with a review band) and a challenger (churn-model@2, C=0.01, packaged with policy@2) score the same
 * holdout events from a file and from the pipe. The champion's output is unchanged apart from the
 * `challenger` member, the shadow log holds one entry per event (none more on re-scoring), and
 * `decide shadow` equals what the log says when counted here by hand.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { churnModel, decideCli as cli, cliWorkspace } from '../../helpers/workspace.js';
import type { Workspace } from '../../../src/workspace.js';
import type { ModelVersion } from '../../../src/types.js';
import type { ShadowEntry } from '../../../src/decide/shadow.js';

let dir: string;
let ws: Workspace;
let model: ModelVersion;
let inputs: string[];
let holdout: Record<string, unknown>[];
let eventsFile: string;
const CHALLENGER_MEMBER = /,"challenger":\{[^{}]*\}/;

const ok = (args: string[], o: { input?: string; json?: boolean } = {}) => {
  const r = cli(dir, args, o);
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const lines = (text: string) => text.trim().split('\n');
const readLog = (): ShadowEntry[] => lines(readFileSync(join(dir, 'registry', 'shadow', 'churn-model', 'log.ndjson'), 'utf8')).map((l) => JSON.parse(l));
const scoreFile = (pkg: string, out: string, extra: string[] = []) => {
  ok(['score', '--package', pkg, '--input', eventsFile, '--output', join(dir, out), ...extra]);
  return lines(readFileSync(join(dir, out), 'utf8'));
};

beforeAll(async () => {
  ({ dir, ws } = cliWorkspace());
  model = await churnModel(dir, ws);
  inputs = model.pipeline.inputs.map((i) => i.name);
  const { loadSplitRows } = await import('../../../src/decide/data.js');
  holdout = (await loadSplitRows(ws, model, 'test')).rows;
  eventsFile = join(dir, 'events.ndjson');
  writeFileSync(eventsFile, holdout.map((r) => JSON.stringify(Object.fromEntries(inputs.map((k) => [k, r[k]])))).join('\n') + '\n');
  // a champion package without any policy (made before the first policy exists)
  ok(['package', 'churn-model@1', '--out', join(dir, 'pkg-plain')]);
  ok(['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.3,0.6', '--action-high', 'retain-offer', '--action-low', 'none', '--sample-rate', '0.05']);
  ok(['package', 'churn-model@1', '--out', join(dir, 'pkg-champ')]);
  ok(['train', '--features', 'churn-dec', '--name', 'churn-model', '--c', '0.01']);
  ok(['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.3', '--action-high', 'call', '--action-low', 'none']);
  ok(['package', 'churn-model@2', '--out', join(dir, 'pkg-chal')]);
  // a model on fewer columns (its inputs are a subset of the champion's), no policy
  writeFileSync(
    join(dir, 'features', 'churn-small.yaml'),
    `source: churn@1\nlabel:\n  column: churn\n  positive: "yes"\nfeatures:\n  - columns: [total_day_minutes, number_customer_service_calls]\n    transforms:\n      - impute: median\n      - standardize\n  - columns: [international_plan]\n    transforms:\n      - impute: mode\n      - one_hot: { unknown: zeros }\n`,
  );
  ok(['feature', 'build', 'churn-small']);
  ok(['train', '--features', 'churn-small', '--name', 'churn-small']);
  ok(['package', 'churn-small@1', '--out', join(dir, 'pkg-small')]);
}, 400_000);

describe('dictl score --challenger (shadow deployment on churn)', () => {
  let base: string[];
  let shadowed: string[];

  it('file mode: both scores in every line; the champion output is byte-identical apart from `challenger`', () => {
    base = scoreFile(join(dir, 'pkg-champ'), 'base.ndjson');
    const chalAlone = scoreFile(join(dir, 'pkg-chal'), 'chal-alone.ndjson').map((l) => JSON.parse(l));
    const reviewsBefore = cli(dir, ['review', 'list']).json.pending;
    shadowed = scoreFile(join(dir, 'pkg-champ'), 'shadow.ndjson', ['--challenger', join(dir, 'pkg-chal')]);
    expect(shadowed).toHaveLength(1000);
    expect(shadowed.map((l) => l.replace(CHALLENGER_MEMBER, ''))).toEqual(base);
    const policy2 = JSON.parse(readFileSync(join(dir, 'pkg-chal', 'manifest.json'), 'utf8')).decisionPolicy;
    expect(policy2).toMatchObject({ version: 2, actAbove: 0.3, review: null });
    shadowed.forEach((l, i) => {
      const o = JSON.parse(l);
      expect(o.model).toBe('churn-model@1');
      expect(o.challenger.model).toBe('churn-model@2');
      expect(o.challenger.score).toBe(chalAlone[i].score); // the same number the challenger gives alone
      expect(o.challenger.action).toBe(o.challenger.score >= 0.3 ? 'call' : 'none'); // ITS policy (@2)
      expect(o.challenger.band).toBe(o.challenger.score >= 0.3 ? 'high' : 'low');
    });
    // the two models do disagree somewhere, so the comparison is not trivial
    const parsed = shadowed.map((l) => JSON.parse(l));
    expect(new Set(parsed.map((o) => o.challenger.action))).toEqual(new Set(['call', 'none']));
    expect(parsed.some((o) => Math.abs(o.challenger.score - o.score) > 0.05)).toBe(true);
    // the challenger never queues reviews: same cases as before (ids are content hashes)
    expect(cli(dir, ['review', 'list']).json.pending).toBe(reviewsBefore);
  }, 240_000);

  it('the shadow log has exactly one entry per scored event, and none more on re-scoring', () => {
    const log = readLog();
    expect(log).toHaveLength(1000);
    expect(new Set(log.map((e) => e.id)).size).toBe(1000);
    log.forEach((e, i) => {
      const out = JSON.parse(shadowed[i]);
      expect(e.input).toEqual(Object.fromEntries(inputs.map((k) => [k, holdout[i][k] ?? null])));
      expect(e.source).toBe(eventsFile);
      expect(e.champion).toMatchObject({ model: 'churn-model@1', score: out.score, band: out.band, action: out.band === 'review' ? 'review' : out.action, emitted: out.action, policy: 'churn-model/policy@1' });
      if (out.reviewId) expect(e.champion.reviewId).toBe(out.reviewId);
      else expect(e.champion.reviewId).toBeUndefined();
      expect(e.challenger).toMatchObject({ model: 'churn-model@2', score: out.challenger.score, action: out.challenger.action, policy: 'churn-model/policy@2' });
    });
    const again = scoreFile(join(dir, 'pkg-champ'), 'shadow-2.ndjson', ['--challenger', join(dir, 'pkg-chal')]);
    expect(again).toEqual(shadowed);
    expect(readLog()).toHaveLength(1000);
  }, 240_000);

  it('pipe mode: the same members on stdout, entries logged with source stdin', () => {
    const input = lines(readFileSync(eventsFile, 'utf8')).slice(0, 200).join('\n') + '\n';
    const plain = lines(ok(['score', '--package', join(dir, 'pkg-champ')], { input, json: false }).stdout);
    const piped = lines(ok(['score', '--package', join(dir, 'pkg-champ'), '--challenger', join(dir, 'pkg-chal')], { input, json: false }).stdout);
    expect(piped).toHaveLength(200);
    expect(piped.map((l) => l.replace(CHALLENGER_MEMBER, ''))).toEqual(plain);
    piped.forEach((l, i) => expect(JSON.parse(l).challenger).toEqual(JSON.parse(shadowed[i]).challenger));
    const log = readLog();
    expect(log).toHaveLength(1200);
    expect(log.slice(1000).every((e) => e.source === 'stdin')).toBe(true);
    expect(log.slice(1000).map((e) => e.challenger.score)).toEqual(piped.map((l) => JSON.parse(l).challenger.score));
  }, 240_000);

  it('decide shadow: the figures equal what the log says, counted by hand; human labels from reviews and a labels file', () => {
    const log = readLog();
    const r = ok(['decide', 'shadow', 'churn-model']).json;
    const n = log.length;
    const same = log.filter((e) => e.champion.action === e.challenger.action).length;
    expect(r).toMatchObject({ model: 'churn-model', events: n, failed: 0, compared: n, labelled: null });
    expect(r.pairs).toEqual([{ champion: 'churn-model@1', challenger: 'churn-model@2', events: n }]);
    expect(r.actionAgreement).toMatchObject({ n, agree: same });
    expect(r.actionAgreement.rate).toBeCloseTo(same / n, 12);
    expect(r.actionAgreement.lower).toBeLessThan(same / n);
    expect(r.actionAgreement.upper).toBeGreaterThan(same / n);
    expect(r.callAgreement.agree).toBe(log.filter((e) => e.champion.call === e.challenger.call).length);
    const actions = [...new Set(log.flatMap((e) => [e.champion.action, e.challenger.action]))].sort();
    expect(r.confusion.actions).toEqual(actions);
    expect(actions).toEqual(['call', 'none', 'retain-offer', 'review']);
    const table = actions.map((a) => actions.map((b) => log.filter((e) => e.champion.action === a && e.challenger.action === b).length));
    expect(r.confusion.counts).toEqual(table);
    expect(r.scoreDiff.meanAbs).toBeCloseTo(log.reduce((s, e) => s + Math.abs(e.challenger.score! - e.champion.score!), 0) / n, 12);

    // humans resolve three of the champion's review cases (against the data's label) and a labels file covers the rest
    const truth = new Map(holdout.map((h) => [JSON.stringify(inputs.map((k) => h[k] ?? null)), h.churn === 'yes' ? 'yes' : 'no']));
    const truthOf = (e: ShadowEntry) => truth.get(JSON.stringify(inputs.map((k) => e.input[k])))!;
    const reviewed = log.filter((e) => e.champion.reviewId).slice(0, 3);
    expect(reviewed).toHaveLength(3);
    const human = new Map<string, string>();
    for (const e of reviewed) {
      const label = truthOf(e) === 'yes' ? 'no' : 'yes';
      human.set(e.id, label);
      ok(['review', 'resolve', e.champion.reviewId!, '--label', label, '--by', 'rev@example.com']);
    }
    const labelsFile = join(dir, 'labels.ndjson');
    writeFileSync(labelsFile, holdout.map((h) => JSON.stringify(Object.fromEntries([...inputs, 'churn'].map((k) => [k, h[k]])))).join('\n') + '\n');
    const lr = ok(['decide', 'shadow', 'churn-model', '--labels', labelsFile, '--label-column', 'churn']).json;
    const labelOf = (e: ShadowEntry) => human.get(e.id) ?? truthOf(e);
    const right = (side: 'champion' | 'challenger') => log.filter((e) => e[side].call === labelOf(e)).length;
    expect(lr.labelled).toMatchObject({
      n,
      fromReviews: 3,
      fromLabels: n - 3,
      positives: log.filter((e) => labelOf(e) === 'yes').length,
      both: log.filter((e) => e.champion.call === labelOf(e) && e.challenger.call === labelOf(e)).length,
    });
    expect(lr.labelled.champion).toMatchObject({ n, agree: right('champion') });
    expect(lr.labelled.challenger).toMatchObject({ n, agree: right('challenger') });
    expect(right('champion')).not.toBe(right('challenger'));
    // the human rendering names both models
    const human1 = ok(['decide', 'shadow', 'churn-model', '--labels', labelsFile, '--label-column', 'churn'], { json: false }).stdout;
    expect(human1).toMatch(/champion churn-model@1 vs challenger churn-model@2: 1200 events/);
    expect(human1).toMatch(/Same action: +\d+\/1200/);
    // bad label values are a data error naming the line
    writeFileSync(labelsFile, JSON.stringify({ ...holdout[0], churn: 'maybe' }) + '\n');
    const bad = cli(dir, ['decide', 'shadow', 'churn-model', '--labels', labelsFile, '--label-column', 'churn']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/Error \(DATA\): labels file .* line 1: "churn" must be yes\/no/);
  }, 240_000);

  it('a challenger without a policy uses the champion\'s; a champion without a policy still logs both', () => {
    // challenger on a subset of the inputs, no policy of its own → the champion's policy@1 decides its action
    const out = scoreFile(join(dir, 'pkg-champ'), 'small.ndjson', ['--challenger', join(dir, 'pkg-small')]).map((l) => JSON.parse(l));
    for (const o of out) {
      expect(o.challenger.model).toBe('churn-small@1');
      const s = o.challenger.score;
      expect(o.challenger.action).toBe(s >= 0.6 ? 'retain-offer' : s >= 0.3 ? 'review' : 'none');
    }
    // the champion package has no policy: its output gains only `challenger`; actions come from the challenger's policy
    const plain = scoreFile(join(dir, 'pkg-plain'), 'plain.ndjson');
    const both = scoreFile(join(dir, 'pkg-plain'), 'plain-shadow.ndjson', ['--challenger', join(dir, 'pkg-chal')]);
    expect(both.map((l) => l.replace(CHALLENGER_MEMBER, ''))).toEqual(plain);
    expect(JSON.parse(plain[0]).action).toBeUndefined();
    const r = ok(['decide', 'shadow', 'churn-model', '--challenger', 'churn-small']).json;
    expect(r).toMatchObject({ events: 1000, compared: 1000 });
    // the no-policy champion's entries: its action is what the challenger's policy@2 would do with its score
    const plainEntries = readLog().filter((e) => e.champion.policy === 'churn-model/policy@2');
    expect(plainEntries).toHaveLength(1000);
    plainEntries.forEach((e, i) => {
      const o = JSON.parse(plain[i]);
      expect(e.champion).toMatchObject({ model: 'churn-model@1', score: o.score, action: o.score >= 0.3 ? 'call' : 'none' });
      expect(e.champion.emitted).toBeUndefined();
      expect(e.challenger.score).toBe(JSON.parse(shadowed[i]).challenger.score);
    });
    const all = ok(['decide', 'shadow', 'churn-model']).json;
    expect(all.pairs).toEqual([
      { champion: 'churn-model@1', challenger: 'churn-model@2', events: 2200 },
      { champion: 'churn-model@1', challenger: 'churn-small@1', events: 1000 },
    ]);
    expect(all.events).toBe(3200);
  }, 240_000);

  it('a challenger needing inputs the champion does not validate is a usage error naming them; nothing is written', () => {
    const r = cli(dir, ['score', '--package', join(dir, 'pkg-small'), '--challenger', join(dir, 'pkg-chal'), '--input', eventsFile, '--output', join(dir, 'never.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error \(USAGE\): the challenger churn-model@2 needs input columns .*total_eve_minutes.* that the champion churn-small@1 does not validate/m);
    for (const c of ['total_intl_minutes', 'number_vmail_messages', 'total_intl_calls', 'voice_mail_plan']) expect(r.stderr).toContain(c);
    expect(r.stderr).not.toMatch(/columns[^\n]*\btotal_day_minutes\b[^\n]*that/);
    expect(existsSync(join(dir, 'never.ndjson'))).toBe(false);
    expect(existsSync(join(dir, 'registry', 'shadow', 'churn-small'))).toBe(false);
    expect(cli(dir, ['decide', 'shadow', 'churn-small']).code).toBe(4);
    expect(cli(dir, ['score', '--help'], { json: false }).stdout).toMatch(/--challenger=<value>/);
  });
});

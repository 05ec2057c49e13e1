/**
 * `dictl doctor` asks the review queue, the shadow log and the decision log to verify their files. A real
 * workspace: churn-model@1 packaged with a policy with a review band, challenger churn-model@2, the holdout
 * events scored through the CLI with --challenger in batches of 200 (decision segments, review cases,
 * shadow entries). Each test corrupts a fresh copy of it on disk the way a crash or a hand edit would,
 * and checks doctor's report, its exit code and what --repair does.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { churnModel, decideCli as cli, cliWorkspace } from '../../helpers/workspace.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { caseId, readCases, type ReviewCase } from '../../../src/review/queue.js';
import { readShadow } from '../../../src/decide/shadow-store.js';
import { shadowId, type ShadowEntry } from '../../../src/decide/shadow.js';
import { segmentsOf } from '../../../src/decide/decision-log.js';

let base: string;

const ok = (cwd: string, args: string[]) => {
  const r = cli(cwd, args);
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

/** a fresh copy of the scored workspace */
function copy(): { dir: string; ws: Workspace } {
  const dir = join(mkdtempSync(join(tmpdir(), 'dictl-doc-')), 'ws');
  cpSync(base, dir, { recursive: true });
  return { dir, ws: workspaceAt(dir) };
}
const codes = (r: { json: { issues: { severity: string; code: string }[] } }, severity?: string) =>
  r.json.issues
    .filter((i) => !severity || i.severity === severity)
    .map((i) => i.code)
    .sort();
const issue = (r: { json: { issues: { code: string; message: string; path: string; repaired?: boolean }[] } }, code: string) => r.json.issues.find((i) => i.code === code)!;

const queue = (dir: string) => join(dir, 'registry/reviews/churn-model/queue.ndjson');
const resolutions = (dir: string) => join(dir, 'registry/reviews/churn-model/resolutions.ndjson');
const shadowLog = (dir: string) => join(dir, 'registry/shadow/churn-model/log.ndjson');

beforeAll(async () => {
  const w = cliWorkspace();
  base = w.dir;
  const model = await churnModel(base, w.ws);
  const inputs = model.pipeline.inputs.map((i) => i.name);
  const { loadSplitRows } = await import('../../../src/decide/data.js');
  const holdout = (await loadSplitRows(w.ws, model, 'test')).rows;
  const events = join(base, 'events.ndjson');
  writeFileSync(events, holdout.map((r) => JSON.stringify(Object.fromEntries(inputs.map((k) => [k, r[k]])))).join('\n') + '\n');
  ok(base, ['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.3,0.6', '--action-high', 'retain-offer', '--action-low', 'none']);
  ok(base, ['package', 'churn-model@1', '--out', join(base, 'pkg-champ')]);
  ok(base, ['train', '--features', 'churn-dec', '--name', 'churn-model', '--c', '0.01']);
  ok(base, ['package', 'churn-model@2', '--out', join(base, 'pkg-chal')]);
  ok(base, ['score', '--package', join(base, 'pkg-champ'), '--challenger', join(base, 'pkg-chal'), '--input', events, '--output', join(base, 'scored.ndjson'), '--batch-size', '200']);
}, 400_000);

describe('doctor verifies the review queue, the shadow log and the decision log', () => {
  it('a scored workspace is consistent, with every case, entry and decision counted', () => {
    const { dir, ws } = copy();
    const r = cli(dir, ['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.issues).toEqual([]);
    const segs = segmentsOf(ws, 'churn-model');
    expect(segs.length).toBeGreaterThanOrEqual(4);
    const decisions = segs.reduce((n, s) => n + lines(s.path).length, 0);
    expect(r.json.checked).toMatchObject({
      reviewCases: new Set(lines(queue(dir)).map((l) => JSON.parse(l).id)).size,
      resolutions: 0,
      shadowEntries: lines(shadowLog(dir)).length,
      decisionSegments: segs.length,
      decisions,
    });
    expect(r.json.checked.reviewCases).toBeGreaterThan(0);
    expect(decisions).toBe(lines(join(dir, 'scored.ndjson')).length);
  });

  it('review queue: a torn last line is a leftover that --repair ends; a case appended after it reads back whole', () => {
    const { dir, ws } = copy();
    const before = readCases(ws, 'churn-model');
    const last = lines(queue(dir)).at(-1)!;
    appendFileSync(queue(dir), last.slice(0, 40));
    let r = cli(dir, ['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(codes(r)).toEqual(['review-queue-torn']);
    expect(issue(r, 'review-queue-torn')).toMatchObject({ severity: 'leftover', path: 'registry/reviews/churn-model/queue.ndjson' });
    // a scorer appends before any repair: its line is glued to the fragment, and still read
    const next: ReviewCase = { ...(JSON.parse(last) as ReviewCase), key: 'row:999999' };
    next.id = caseId(next);
    appendFileSync(queue(dir), JSON.stringify(next) + '\n');
    expect(readCases(ws, 'churn-model').map((c) => c.id)).toEqual([...before.map((c) => c.id), next.id]);
    r = cli(dir, ['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(codes(r)).toEqual(['review-queue-torn-kept']);
    expect(issue(r, 'review-queue-torn-kept').message).toMatch(/1 torn review case fragment.*line \d+.*the record appended right after it is read back whole/);
    expect(r.json.checked.reviewCases).toBe(before.length + 1);
    // torn again at the end: --repair ends the line, the next append starts a line of its own
    appendFileSync(queue(dir), last.slice(0, 25));
    r = cli(dir, ['doctor', '--repair']);
    expect(r.code, r.stderr).toBe(0);
    expect(issue(r, 'review-queue-torn').repaired).toBe(true);
    expect(readFileSync(queue(dir), 'utf8').endsWith(last.slice(0, 25) + '\n')).toBe(true);
    r = cli(dir, ['doctor']);
    expect(codes(r, 'leftover')).toEqual([]);
    expect(issue(r, 'review-queue-torn-kept').message).toMatch(/^2 torn review case fragment/);
    expect(readCases(ws, 'churn-model')).toHaveLength(before.length + 1);
  });

  it('review queue: an edited case, a case of a version not in the registry and a line that is no case are errors (exit 1)', () => {
    const { dir } = copy();
    const ls = lines(queue(dir));
    const edited = JSON.parse(ls[0]) as ReviewCase;
    edited.input = { ...edited.input, total_day_minutes: 1 };
    const ghost = { ...(JSON.parse(ls[1]) as ReviewCase), modelVersion: 9 };
    ghost.id = caseId(ghost);
    writeFileSync(queue(dir), [JSON.stringify(edited), ...ls.slice(1), JSON.stringify(ghost), '{"hello":"world"}'].join('\n') + '\n');
    const r = cli(dir, ['doctor']);
    expect(r.code).toBe(1);
    expect(r.json.consistent).toBe(false);
    expect(codes(r)).toEqual(['review-case-id', 'review-case-invalid', 'review-model-version']);
    expect(issue(r, 'review-case-id').message).toMatch(/^1 case\(s\) whose id .*\(line 1\)$/);
    expect(issue(r, 'review-model-version').message).toBe(`1 case(s) were scored by churn-model@9, which is not in the registry (line ${ls.length + 1})`);
    expect(issue(r, 'review-case-invalid').message).toBe(`1 line(s) are not review cases (line ${ls.length + 2})`);
    expect(r.stderr).toMatch(/Error \(VERDICT\): 3 inconsistencies found/);
  });

  it('resolutions: a torn line is moved out by --repair; a second resolution of a case and one of an unknown case are errors', () => {
    const { dir, ws } = copy();
    const [first, second] = readCases(ws, 'churn-model');
    ok(dir, ['review', 'resolve', first.id, '--label', 'yes', '--by', 'rev@example.com']);
    const good = lines(resolutions(dir));
    appendFileSync(resolutions(dir), `{"id":"${second.id}","label":"n`);
    let r = cli(dir, ['doctor']);
    expect(r.code, r.stderr).toBe(0);
    expect(codes(r)).toEqual(['review-resolutions-torn']);
    r = cli(dir, ['doctor', '--repair']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.repaired).toBe(1);
    expect(lines(resolutions(dir))).toEqual(good);
    expect(readFileSync(join(dir, 'registry/reviews/churn-model/resolutions.torn.ndjson'), 'utf8')).toBe(`{"id":"${second.id}","label":"n\n`);
    r = cli(dir, ['doctor']);
    expect(r.json.issues).toEqual([]);
    expect(r.json.checked.resolutions).toBe(1);
    // written by hand, outside `review resolve`
    appendFileSync(resolutions(dir), JSON.stringify({ id: first.id, label: 'no', by: 'x@example.com', at: new Date().toISOString() }) + '\n');
    appendFileSync(resolutions(dir), JSON.stringify({ id: 'rv-0000000000000000', label: 'no', by: 'x@example.com', at: new Date().toISOString() }) + '\n');
    appendFileSync(resolutions(dir), JSON.stringify({ id: second.id, label: 'maybe', by: 'x@example.com', at: new Date().toISOString() }) + '\n');
    r = cli(dir, ['doctor', '--repair']);
    expect(r.code).toBe(1);
    expect(codes(r, 'error')).toEqual(['review-resolution-duplicate', 'review-resolution-invalid', 'review-resolution-orphan']);
    expect(issue(r, 'review-resolution-duplicate').message).toContain(`${first.id} (lines 1, 2)`);
    expect(issue(r, 'review-resolution-orphan').message).toBe('1 resolution(s) of cases that are not in the queue (line 3)');
    expect(r.json.repaired).toBe(0);
  });

  it('shadow log: a torn last line is repaired; an edited entry and a challenger not in the registry are errors', () => {
    const { dir, ws } = copy();
    const n = readShadow(ws, 'churn-model').length;
    const ls = lines(shadowLog(dir));
    appendFileSync(shadowLog(dir), ls[0].slice(0, 60));
    let r = cli(dir, ['doctor', '--repair']);
    expect(r.code, r.stderr).toBe(0);
    expect(issue(r, 'shadow-log-torn')).toMatchObject({ severity: 'leftover', repaired: true });
    r = cli(dir, ['doctor']);
    expect(codes(r)).toEqual(['shadow-log-torn-kept']);
    expect(readShadow(ws, 'churn-model')).toHaveLength(n);

    const edited = JSON.parse(ls[0]) as ShadowEntry;
    edited.input = { ...edited.input, total_day_minutes: 1 };
    const ghost = JSON.parse(ls[1]) as ShadowEntry;
    ghost.challenger.model = 'churn-model@7';
    ghost.id = shadowId(ghost);
    writeFileSync(shadowLog(dir), [JSON.stringify(edited), ...ls.slice(1), JSON.stringify(ghost), '[1,2]'].join('\n') + '\n');
    r = cli(dir, ['doctor']);
    expect(r.code).toBe(1);
    expect(codes(r)).toEqual(['shadow-entry-id', 'shadow-entry-invalid', 'shadow-model-version']);
    expect(issue(r, 'shadow-model-version').message).toBe(`1 entry names churn-model@7, which is not in the registry (line ${ls.length + 1})`);
  });

  it('decision log: a removed, a cut-short, a misfiled and an edited segment and a stray file are errors; a temp file is a leftover', () => {
    const { dir, ws } = copy();
    const segs = segmentsOf(ws, 'churn-model');
    const [s0, s1, s2, s3] = segs.map((s) => s.path);
    const rel = (p: string) => p.slice(dir.length + 1);
    rmSync(s1);
    writeFileSync(s2, readFileSync(s2, 'utf8').slice(0, -30));
    const day = join(dir, 'registry/decisions/churn-model/2001-01-01');
    mkdirSync(day);
    const moved = join(day, s0.split('/').at(-1)!);
    renameSync(s0, moved);
    writeFileSync(s3, lines(s3).map((l, i) => (i === 0 ? l.replace('"model":"churn-model@1"', '"model":"churn-model@4"') : l)).join('\n') + '\n');
    writeFileSync(join(day, 'notes.txt'), 'hello\n');
    writeFileSync(join(day, '.tmp-x.999999.abcdef12'), 'partial');
    const r = cli(dir, ['doctor']);
    expect(r.code).toBe(1);
    expect(codes(r, 'error')).toEqual(['decision-misfiled', 'decision-model-version', 'decision-segment-missing', 'decision-segment-parse', 'decision-segment-truncated', 'decision-stray']);
    expect(codes(r, 'leftover')).toEqual(['orphan-temp']);
    expect(issue(r, 'decision-segment-missing')).toMatchObject({ path: rel(s2) });
    expect(issue(r, 'decision-segment-missing').message).toMatch(/^segment 1 of process \d+ is missing before this one \(2\)/);
    expect(issue(r, 'decision-misfiled').path).toBe(rel(moved));
    expect(issue(r, 'decision-stray').path).toBe('registry/decisions/churn-model/2001-01-01/notes.txt');
    expect(issue(r, 'decision-model-version').message).toMatch(/^1 decision\(s\) were made by churn-model@4, which is not in the registry/);
    // --repair clears the temp file only: the rest is reported, never guessed away
    const fixed = cli(dir, ['doctor', '--repair']);
    expect(fixed.code).toBe(1);
    expect(fixed.json.repaired).toBe(1);
    expect(existsSync(join(day, '.tmp-x.999999.abcdef12'))).toBe(false);
    expect(readdirSync(day).sort()).toEqual([moved.split('/').at(-1), 'notes.txt'].sort());
  });
});

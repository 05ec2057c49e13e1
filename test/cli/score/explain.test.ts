/**
 * End to end: reasons through the real CLI on the churn workspace — package (explain.json beside the
 * graph), score --explain on NDJSON pipes, files (NDJSON and CSV) and the stream runner, review cases
 * keeping the same reasons (list, show, export), and evaluate --report's explanation section rendered
 * in headless Chromium.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { churnWorkspace, cli, must, SHARED } from '../../helpers/workspace.js';
import type { Workspace } from '../../../src/workspace.js';
import { resolveModel } from '../../../src/registry/models.js';
import { familyOf } from '../../../src/ml/families/index.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { applyPipelineColumns } from '../../../src/pipeline/columns.js';
import { makeExplainer } from '../../../src/explain/explainer.js';
import { loadScorer } from '../../../src/scorer/scorer.js';
import { explainStage } from '../../../src/explain/stage.js';
import { ScoreEngine } from '../../../src/score/engine.js';
import { queryDecisions } from '../../../src/decide/decision-query.js';
import { MemoryDeadLetterSink, MemorySink, MemorySource, MemoryStream } from '../../../src/streams/memory.js';
import { runPipeline } from '../../../src/streams/runner.js';
import { fixturePipeline, fixtureRows, strictFixturePipeline } from '../../helpers/onnx-fixtures.js';


let ws: Workspace;
let events: Record<string, unknown>[];
const out = mkdtempSync(join(tmpdir(), 'dictl-explain-out-'));
const logit = (p: number) => Math.log(p / (1 - p));

/** the scoring runs: no DICTL_WORKSPACE from the environment (the package and the folder are all they have) */
const NO_WORKSPACE_ENV = { DICTL_WORKSPACE: undefined };

beforeAll(async () => {
  ws = churnWorkspace();
  must(cli(ws.root, ['train', '--features', 'churn', '--name', 'churn-model', '--json']));
  must(cli(ws.root, ['package', 'churn-model@1', '--out', join(out, 'pkg'), '--json']));
  // a tree model on the same data: raw numerics, categories as codes
  copyFileSync(join(__dirname, '..', '..', '..', 'features/churn-trees.yaml'), join(ws.root, 'features/churn-trees.yaml'));
  must(cli(ws.root, ['feature', 'build', 'churn-trees', '--json']));
  must(cli(ws.root, ['train', '--features', 'churn-trees', '--name', 'churn-trees', '--model', 'gbdt', '--json']));
  must(cli(ws.root, ['package', 'churn-trees@1', '--out', join(out, 'tpkg'), '--json']));
  // the first 300 rows of the data set, as events
  const lines = readFileSync(join(SHARED, 'datasets/churn.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const m = resolveModel(ws, 'churn-model@1').model;
  const types = new Map(m.pipeline.inputs.map((i) => [i.name, i.type]));
  events = lines.slice(1, 301).map((l, i) => {
    const o: Record<string, unknown> = { id: `e${i}` };
    l.split(',').forEach((v, j) => {
      if (types.has(head[j])) o[head[j]] = types.get(head[j]) === 'number' ? Number(v) : v;
    });
    return o;
  });
  writeFileSync(join(out, 'events.ndjson'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}, 180_000);

describe('score --explain', () => {
  it('NDJSON pipe: with every column listed, base + Σ contributions is the log-odds of the score and the margin of model.json, to 1e-9; top K is a prefix', () => {
    const all = cli(ws.root, ['score', '--package', join(out, 'pkg'), '--explain', '1000'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(all.code, all.stderr).toBe(0);
    const res = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(res).toHaveLength(300);
    const m = resolveModel(ws, 'churn-model@1').model;
    const { X, p } = applyPipeline(m.pipeline, events);
    const columns = new Set(m.pipeline.inputs.map((i) => i.name));
    res.forEach((r, i) => {
      expect(r.id).toBe(`e${i}`);
      const sum = r.base + r.reasons.reduce((s: number, x: { contribution: number }) => s + x.contribution, 0);
      let margin = m.intercept[0];
      for (let j = 0; j < p; j++) margin += m.coef[0][j] * X[i * p + j];
      expect(Math.abs(sum - margin)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(sum - logit(r.score))).toBeLessThanOrEqual(1e-9);
      // reasons are about the event's own columns and values, largest |contribution| first
      for (const x of r.reasons) {
        expect(columns.has(x.column)).toBe(true);
        expect(x.value).toEqual(events[i][x.column]);
      }
      for (let k = 1; k < r.reasons.length; k++) expect(Math.abs(r.reasons[k - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(r.reasons[k].contribution));
    });
    // churn's one-hot columns read as one reason each: "international_plan = yes"
    expect(res[0].reasons.filter((x: { column: string }) => x.column === 'international_plan')).toHaveLength(1);
    const top3 = cli(ws.root, ['score', '--package', join(out, 'pkg'), '--explain', '3'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    const r3 = top3.stdout.trim().split('\n').map((l) => JSON.parse(l));
    r3.forEach((r, i) => {
      expect(r.reasons).toEqual(res[i].reasons.slice(0, 3));
      expect(r.base).toBe(res[i].base);
      expect(r.score).toBe(res[i].score);
    });
    // without --explain nothing changes in the output
    const plain = cli(ws.root, ['score', '--package', join(out, 'pkg')], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(plain.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(r3.map(({ base: _b, reasons: _r, ...rest }) => rest));
  });

  it('a gbdt package explains with TreeSHAP: base + Σ contributions is the model\'s margin to 1e-9 (the graph\'s float32 log-odds to 1e-6), on every event', () => {
    const r = cli(ws.root, ['score', '--package', join(out, 'tpkg'), '--explain', '1000'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    const res = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(res).toHaveLength(300);
    const spec = JSON.parse(readFileSync(join(out, 'tpkg', 'explain.json'), 'utf8'));
    expect(spec.family).toBe('trees');
    // the model's margin in process (double sums over the trees) is what the reasons add up to; the
    // graph rounds the classifier's margin to float32, so its score agrees to about 1e-7
    const tm = resolveModel(ws, 'churn-trees@1').model;
    const { X, n, p } = applyPipeline(tm.pipeline, events);
    const margins = familyOf(tm).margins(tm, X, n, p);
    res.forEach((x, i) => {
      const sum = x.base + x.reasons.reduce((s: number, y: { contribution: number }) => s + y.contribution, 0);
      expect(Math.abs(sum - margins[i])).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(sum - logit(x.score))).toBeLessThanOrEqual(1e-6);
    });
    // the categorical inputs reach the trees as codes; their reasons name the category
    const cats = res.flatMap((x) => x.reasons.filter((y: { column: string }) => y.column === 'international_plan'));
    expect(cats.length).toBeGreaterThan(0);
    for (const c of cats) expect(['yes', 'no']).toContain(c.value);
    const rep = cli(ws.root, ['evaluate', 'churn-trees@1', '--holdout', '--report', join(out, 'trees.html'), '--json']);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.json.explanation.columns.length).toBe(19);
    expect(readFileSync(join(out, 'trees.html'), 'utf8')).toContain('Why: contributions per column');
  });

  it('files: NDJSON and CSV outputs carry the same reasons as the pipe; an installed package explains without the workspace', () => {
    const installed = mkdtempSync(join(tmpdir(), 'dictl-installed-'));
    cpSync(join(out, 'pkg'), join(installed, 'scorer'), { recursive: true });
    const cwd = mkdtempSync(join(tmpdir(), 'dictl-nows-'));
    const pipe = cli(cwd, ['score', '--package', join(installed, 'scorer'), '--explain', '3'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(pipe.code, pipe.stderr).toBe(0);
    const want = pipe.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const nd = cli(cwd, ['score', '--package', join(installed, 'scorer'), '--explain', '3', '--input', join(out, 'events.ndjson'), '--out', join(cwd, 'o.ndjson')], { env: NO_WORKSPACE_ENV });
    expect(nd.code, nd.stderr).toBe(0);
    const got = readFileSync(join(cwd, 'o.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    got.forEach((g, i) => {
      expect(g.row).toBe(i);
      expect(g.reasons).toEqual(want[i].reasons);
      expect(g.base).toBe(want[i].base);
    });
    const csv = cli(cwd, ['score', '--package', join(installed, 'scorer'), '--explain', '3', '--input', join(out, 'events.ndjson'), '--out', join(cwd, 'o.csv')], { env: NO_WORKSPACE_ENV });
    expect(csv.code, csv.stderr).toBe(0);
    const rows = readFileSync(join(cwd, 'o.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const head = rows[0];
    expect(head.slice(-10)).toEqual(['base', 'reason1_column', 'reason1_value', 'reason1_contribution', 'reason2_column', 'reason2_value', 'reason2_contribution', 'reason3_column', 'reason3_value', 'reason3_contribution']);
    rows.slice(1).forEach((r, i) => {
      const at = (c: string) => r[head.indexOf(c)];
      expect(Number(at('base'))).toBe(want[i].base);
      for (let k = 0; k < 3; k++) {
        expect(at(`reason${k + 1}_column`)).toBe(want[i].reasons[k].column);
        expect(at(`reason${k + 1}_value`)).toBe(String(want[i].reasons[k].value));
        expect(Number(at(`reason${k + 1}_contribution`))).toBe(want[i].reasons[k].contribution);
      }
    });
  });

  it('streams: each result record carries base and reasons (in-process stream through the runner)', async () => {
    const loaded = await loadScorer(join(out, 'pkg'));
    const scorer = new ScoreEngine(loaded, { explain: explainStage(loaded, 2) });
    const stream = new MemoryStream();
    for (const e of events.slice(0, 50)) stream.append(JSON.stringify(e));
    const sink = new MemorySink();
    const progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };
    await runPipeline({ source: new MemorySource(stream, 'g', 'c'), sink, deadLetter: new MemoryDeadLetterSink(), scorer, batchSize: 16, blockMs: 10, idleExitMs: 50, metricsEverySec: 0, progress });
    scorer.close();
    const pipe = cli(ws.root, ['score', '--package', join(out, 'pkg'), '--explain', '2'], { env: NO_WORKSPACE_ENV, input: events.slice(0, 50).map((e) => JSON.stringify(e)).join('\n') + '\n' });
    const want = pipe.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(sink.results.size).toBe(50);
    want.forEach((w, i) => {
      const r = sink.results.get(String(i + 1))!;
      expect(r.explanation).toEqual({ base: w.base, reasons: w.reasons });
    });
    const { resultJson } = await import('../../../src/streams/redis-streams.js');
    expect(JSON.parse(resultJson(sink.results.get('1')!))).toMatchObject({ base: want[0].base, reasons: want[0].reasons });
  });

  it('a package without explain.json: --explain is a usage error, scoring without it works', () => {
    const bare = mkdtempSync(join(tmpdir(), 'dictl-bare-'));
    cpSync(join(out, 'pkg'), bare, { recursive: true, filter: (s) => !s.endsWith('explain.json') });
    // the manifest still lists explain.json: a package with the file missing is treated as one made without it
    const r = cli(ws.root, ['score', '--package', bare, '--explain', '3'], { env: NO_WORKSPACE_ENV, input: JSON.stringify(events[0]) + '\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/carries no explain\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(cli(ws.root, ['score', '--package', bare], { env: NO_WORKSPACE_ENV, input: JSON.stringify(events[0]) + '\n' }).code).toBe(0);
    // a tampered explain.json is refused
    const bad = mkdtempSync(join(tmpdir(), 'dictl-bad-'));
    cpSync(join(out, 'pkg'), bad, { recursive: true });
    const spec = JSON.parse(readFileSync(join(bad, 'explain.json'), 'utf8'));
    spec.linear.intercept[0] += 1;
    writeFileSync(join(bad, 'explain.json'), JSON.stringify(spec));
    const t = cli(ws.root, ['score', '--package', bad, '--explain', '3'], { env: NO_WORKSPACE_ENV, input: JSON.stringify(events[0]) + '\n' });
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(/does not match the package manifest/);
  });
});

describe('a 2-class multiclass label boosted as one margin, with class weights', () => {
  it('packages explain.json with the weighted covers; each event explains its predicted class: base + Σ = log(p_class / p_other), to 1e-6 of the graph and 1e-9 of the model', () => {
    const yaml = readFileSync(join(__dirname, '..', '..', '..', 'features/churn-trees.yaml'), 'utf8').replace(/label:\n  column: churn\n  positive: "yes"/, 'label:\n  column: churn\n  classes: ["no", "yes"]');
    expect(yaml).toContain('classes: ["no", "yes"]');
    writeFileSync(join(ws.root, 'features/churn-two.yaml'), yaml);
    must(cli(ws.root, ['feature', 'build', 'churn-two', '--json']));
    must(cli(ws.root, ['train', '--features', 'churn-two', '--name', 'churn-two', '--model', 'gbdt', '--class-weight', 'yes=3', '--param', 'max_iter=30', '--json']));
    const pk = cli(ws.root, ['package', 'churn-two@1', '--out', join(out, 'twopkg'), '--json']);
    expect(pk.code, pk.stderr).toBe(0);
    expect(pk.json.explains).toBe(true);
    const tm = resolveModel(ws, 'churn-two@1').model;
    expect(tm.task).toBe('multiclass');
    const spec = JSON.parse(readFileSync(join(out, 'twopkg', 'explain.json'), 'utf8'));
    expect(spec.trees.treesPerRound).toBe(1);
    // the covers in explain.json are the class-weighted sums: the root's is Σ weights of the rows the tree saw
    const g = (tm as unknown as { trees: { model: { trees: { count: number[]; cover?: number[] }[] } } }).trees.model;
    expect(g.trees[0].cover).toBeDefined();
    expect(spec.trees.trees[0].count).toEqual(g.trees[0].cover);
    expect(spec.trees.trees[0].count[0]).toBeGreaterThan(g.trees[0].count[0]);
    const r = cli(ws.root, ['score', '--package', join(out, 'twopkg'), '--explain', '1000'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    const res = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(res).toHaveLength(300);
    const { X, n, p } = applyPipeline(tm.pipeline, events);
    const margins = familyOf(tm).margins(tm, X, n, p); // n × 2: [0, m]
    const seen = new Set<string>();
    res.forEach((x, i) => {
      const k = x.explained_class === 'yes' ? 1 : 0;
      expect(['no', 'yes']).toContain(x.explained_class);
      seen.add(x.explained_class);
      // the explained class is the predicted one
      expect(x.probabilities[k]).toBeGreaterThanOrEqual(x.probabilities[1 - k]);
      const sum = x.base + x.reasons.reduce((s: number, y: { contribution: number }) => s + y.contribution, 0);
      expect(Math.abs(sum - (margins[i * 2 + k] - margins[i * 2 + 1 - k]))).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(sum - Math.log(x.probabilities[k] / x.probabilities[1 - k]))).toBeLessThanOrEqual(1e-6);
    });
    expect(seen.size).toBe(2);
  }, 120_000);
});

describe('review cases keep their reasons', () => {
  it('queued cases store the same top reasons the output shows; review list, show and export carry them', async () => {
    must(cli(ws.root, ['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.2,0.6', '--action-high', 'retain-offer', '--action-low', 'none', '--json']));
    must(cli(ws.root, ['package', 'churn-model@1', '--out', join(out, 'pkg-policy'), '--json']));
    const r = cli(ws.root, ['score', '--package', join(out, 'pkg-policy'), '--explain', '5', '--input', join(out, 'events.ndjson'), '--out', join(out, 'decided.ndjson')], { env: NO_WORKSPACE_ENV });
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(join(out, 'decided.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const reviewed = lines.filter((l) => l.review === true);
    expect(reviewed.length).toBeGreaterThan(3);
    const list = cli(ws.root, ['review', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const cases = new Map<string, { reasons: unknown; base: number }>(list.json.cases.map((c: { id: string; reasons: unknown; base: number }) => [c.id, c]));
    for (const l of reviewed) {
      const c = cases.get(l.reviewId)!;
      expect(c.reasons).toEqual(l.reasons);
      expect(c.base).toBe(l.base);
    }
    // without --explain, cases still keep their top 5 reasons (the same ones)
    const human = cli(ws.root, ['review', 'list']);
    expect(human.stdout).toMatch(/why \(top 3\)/);
    const first = reviewed[0];
    const top = first.reasons[0];
    expect(human.stdout).toContain(`${top.column} = ${top.value}: ${top.contribution >= 0 ? '+' : ''}${top.contribution.toFixed(2)}`);
    const show = cli(ws.root, ['review', 'show', first.reviewId]);
    expect(show.code, show.stderr).toBe(0);
    for (const x of first.reasons) expect(show.stdout).toContain(`${x.column} = ${x.value}:`);
    const showJson = cli(ws.root, ['review', 'show', first.reviewId, '--json']);
    expect(showJson.json.reasons).toEqual(first.reasons);
    expect(cli(ws.root, ['review', 'show', 'rv-0000000000000000']).code).toBe(4);
    // export keeps them as columns
    // several cases, so that a reason column holds both numbers and categories
    const { resolveMany } = await import('../../../src/ops/review-resolve.js');
    expect(await resolveMany(ws, reviewed.slice(0, 12).map((l, i) => ({ id: l.reviewId, label: i % 2 ? 'yes' : 'no' })), 'ana@example.com')).toBe(12);
    const values = reviewed.slice(0, 12).flatMap((l) => l.reasons.map((x: { value: unknown }) => typeof x.value));
    expect(new Set(values)).toEqual(new Set(['number', 'string']));
    const ex = cli(ws.root, ['review', 'export', '--as-dataset', 'reviewed', '--json']);
    expect(ex.code, ex.stderr).toBe(0);
    const schema = cli(ws.root, ['dataset', 'show', ex.json.dataset, '--json']);
    const names = schema.json.columns.map((c: { name: string }) => c.name);
    for (const c of ['review_base', 'review_reason1_column', 'review_reason1_value', 'review_reason1_contribution', 'review_reason5_contribution']) expect(names).toContain(c);
    expect(schema.json.columns.find((c: { name: string }) => c.name === 'review_reason1_value').type).toBe('string');
    expect(schema.json.columns.find((c: { name: string }) => c.name === 'review_reason1_contribution').type).toBe('number');
    expect(schema.json.rows).toBe(12);
  }, 120_000);
});

describe('the decision log keeps reasons', () => {
  it('every decision of a policy package is in the registry\'s decision log with the output\'s reasons; decide log finds it by key, input and day', () => {
    // pipe events keyed by their id member, as an audit would ask: "why was e17 decided so, on that day?"
    const before = cli(ws.root, ['decide', 'log', 'churn-model', '--json']);
    const already = before.code === 0 ? before.json.matched : 0;
    const r = cli(ws.root, ['score', '--package', join(out, 'pkg-policy'), '--explain', '3', '--batch-size', '64'], { env: NO_WORKSPACE_ENV, input: readFileSync(join(out, 'events.ndjson'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(300);
    const all = cli(ws.root, ['decide', 'log', 'churn-model', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json.matched).toBe(already + 300);
    const day = new Date().toISOString().slice(0, 10);
    for (const l of lines) {
      const q = cli(ws.root, ['decide', 'log', 'churn-model', '--key', l.id, '--on', day, '--json']);
      expect(q.code, q.stderr).toBe(0);
      const e = q.json.entries.find((x: { source: string }) => x.source === 'stdin');
      expect(e, l.id).toBeDefined();
      expect({ score: e.score, action: e.action, band: e.band, model: e.model, policy: e.policy, review: e.review, reviewId: e.reviewId, base: e.base, reasons: e.reasons }).toEqual({ score: l.score, action: l.action, band: l.band, model: l.model, policy: l.policyVersion, review: l.review, reviewId: l.reviewId, base: l.base, reasons: l.reasons });
      // the inputs the model was given, every one of them
      const ev = events[Number(l.id.slice(1))];
      const names = resolveModel(ws, 'churn-model@1').model.pipeline.inputs.map((x) => x.name);
      expect(Object.keys(e.input)).toEqual(names);
      for (const c of names) expect(e.input[c]).toEqual(ev[c] ?? null);
      if (lines.indexOf(l) >= 4) break; // a sample through the CLI; the whole log is compared below
    }
    // the whole log of this run, read by the library: every output line once, in order
    const mine = queryDecisions(ws, { model: 'churn-model' }).entries.filter((e) => e.source === 'stdin' && e.key?.startsWith('e'));
    expect(mine.map((e) => e.key)).toEqual(lines.map((l) => l.id));
    for (let i = 0; i < lines.length; i++) expect(mine[i].reasons).toEqual(lines[i].reasons);
    // a segment per batch of 64, none of them a temp file
    expect(all.json.segments).toBeGreaterThanOrEqual(5);
    // the range is honoured: nothing before today, nothing from tomorrow on
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(cli(ws.root, ['decide', 'log', 'churn-model', '--since', tomorrow, '--json']).json.matched).toBe(0);
    expect(cli(ws.root, ['decide', 'log', 'churn-model', '--until', day, '--json']).json.matched).toBe(0);
    const ks = cli(ws.root, ['decide', 'log', '--where', 'international_plan=yes', '--key', 'e0', '--json']);
    expect(ks.json.entries.every((e: { input: { international_plan: string } }) => e.input.international_plan === 'yes')).toBe(true);
    // the human table shows the reasons
    const human = cli(ws.root, ['decide', 'log', 'churn-model', '--key', 'e1']);
    expect(human.stdout).toMatch(/why \(top 3\)/);
    expect(human.stdout).toContain(`${lines[1].reasons[0].column} = ${lines[1].reasons[0].value}:`);
    // clear errors
    const bad = cli(ws.root, ['decide', 'log', 'churn-model', '--since', 'yesterday', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json.error.message).toMatch(/--since "yesterday" is not an ISO date or time/);
    expect(cli(ws.root, ['decide', 'log', 'no-such-model']).code).toBe(4);
    expect(cli(ws.root, ['decide', 'log', '--where', 'nocolon']).code).toBe(2);
  }, 180_000);

  it('with a challenger, every shadow log entry keeps the champion\'s reasons, the same as its output and its review case', () => {
    const r = cli(ws.root, ['score', '--package', join(out, 'pkg-policy'), '--challenger', join(out, 'tpkg'), '--explain', '5', '--input', join(out, 'events.ndjson'), '--out', join(out, 'shadowed.ndjson')], { env: NO_WORKSPACE_ENV });
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(join(out, 'shadowed.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const log = readFileSync(join(ws.root, 'registry/shadow/churn-model/log.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const byKey = new Map(log.map((e: { key: string }) => [e.key, e]));
    for (const l of lines) {
      const e = byKey.get(`row:${l.row}`) as { champion: { reasons: unknown; base: number; emitted: string } };
      expect(e.champion.reasons).toEqual(l.reasons);
      expect(e.champion.base).toBe(l.base);
      expect(e.champion.emitted).toBe(l.action);
    }
    // without --explain the log still keeps the top reasons (the first of them the same)
    const again = cli(ws.root, ['score', '--package', join(out, 'pkg-policy'), '--challenger', join(out, 'pkg'), '--input', join(out, 'events.ndjson'), '--out', join(out, 'shadowed2.ndjson')], { env: NO_WORKSPACE_ENV });
    expect(again.code, again.stderr).toBe(0);
    const log2 = readFileSync(join(ws.root, 'registry/shadow/churn-model/log.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const fresh = log2.filter((e: { challenger: { model: string } }) => e.challenger.model === 'churn-model@1');
    expect(fresh.length).toBe(300);
    for (const e of fresh) expect(e.champion.reasons).toEqual(lines[Number(e.key.slice(4))].reasons);
  }, 120_000);
});

describe('evaluate --report', () => {
  it('adds mean |contribution| per source column and dependence plots; the report renders in headless Chromium', () => {
    const report = join(out, 'report.html');
    const r = cli(ws.root, ['evaluate', 'churn-model@1', '--holdout', '--report', report, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cols = r.json.explanation.columns as { column: string; meanAbs: number }[];
    const m = resolveModel(ws, 'churn-model@1').model;
    expect(cols.map((c) => c.column).sort()).toEqual(m.pipeline.inputs.map((i) => i.name).sort());
    for (let k = 1; k < cols.length; k++) expect(cols[k - 1].meanAbs).toBeGreaterThanOrEqual(cols[k].meanAbs);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('Why: contributions per column');
    expect((html.match(/class="pt"/g) ?? []).length).toBe(4 * 1000);
    const bin = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((b) => existsSync(b));
    expect(bin, 'headless Chromium is needed for this check (apt-get install -y chromium)').toBeDefined();
    const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(out, 'chrome')}`];
    const dom = spawnSync(bin!, [...common, '--dump-dom', `file://${report}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 1 << 26 });
    expect(dom.stdout).toContain('id="explanations"');
    expect((dom.stdout.match(/class="pt"/g) ?? []).length).toBe(4000);
    expect((dom.stdout.match(/class="bar"/g) ?? []).length).toBe(15);
  }, 180_000);
});

describe('explain.json', () => {
  it('holds the training means of the model inputs exactly (streamed in row order) and rebuilds byte-identically', async () => {
    const { loadMatrix, resolveFeatureBuild } = await import('../../../src/features/builds.js');
    const { columnMeans } = await import('../../../src/explain/linear.js');
    const fb = resolveFeatureBuild(ws, 'churn@1');
    const m = await loadMatrix(fb.parquetPath, 'train');
    const spec = JSON.parse(readFileSync(join(out, 'pkg', 'explain.json'), 'utf8'));
    expect(spec.linear.means).toEqual(Array.from(columnMeans(m.X, m.n, m.p)));
    const before = readFileSync(join(out, 'pkg', 'explain.json'));
    must(cli(ws.root, ['package', 'churn-model@1', '--out', join(out, 'pkg-again'), '--json']));
    expect(readFileSync(join(out, 'pkg-again', 'explain.json')).equals(before)).toBe(true);
  });
});

describe('the columnar pipeline', () => {
  it('gives exactly the row executor values (every feature kind, missing values, unknown and folded categories) and flags the rows it would reject', () => {
    for (const pipe of [fixturePipeline(), strictFixturePipeline()]) {
      const rows = fixtureRows.map((r, i) => ({ ...r, tier: ['gold', 'silver', 'bronze', 'iron', null][i % 5], 'mean radius': 8 + i }));
      const cols: Record<string, unknown[]> = {};
      for (const inp of pipe.inputs) cols[inp.name] = rows.map((r) => (r as Record<string, unknown>)[inp.name]);
      const w = pipe.outputNames.length;
      const X = new Float64Array(rows.length * w);
      const bad = new Uint8Array(rows.length);
      applyPipelineColumns(pipe, cols, rows.length, X, bad);
      rows.forEach((r, i) => {
        let want: Float64Array | null = null;
        try {
          want = applyPipeline(pipe, [r]).X;
        } catch {
          want = null;
        }
        expect(bad[i]).toBe(want === null ? 1 : 0);
        if (want) expect(Array.from(X.subarray(i * w, i * w + w))).toEqual(Array.from(want));
      });
    }
  });

  it('explainColumns and explainRows agree on the churn events', () => {
    const m = resolveModel(ws, 'churn-model@1').model;
    const spec = JSON.parse(readFileSync(join(out, 'pkg', 'explain.json'), 'utf8'));
    const ex = makeExplainer(spec);
    const cols: Record<string, Float64Array | string[]> = {};
    for (const inp of m.pipeline.inputs) cols[inp.name] = inp.type === 'number' ? Float64Array.from(events, (e) => e[inp.name] as number) : events.map((e) => e[inp.name] as string);
    const a = ex.explainColumns(cols, events.length, 4);
    const b = ex.explainRows((i) => events[i], events.length, 4);
    for (let i = 0; i < events.length; i++) expect(a.at(i)).toEqual(b.at(i));
  });
});

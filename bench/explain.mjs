#!/usr/bin/env node
// Benchmark of explanations. Run after `npm run build`: node bench/explain.mjs
// BENCH_SCALE=0.1 shrinks the sizes (default 200,000 rows for TreeSHAP, 1,000,000 events for the pipe);
// BENCH_ONLY=treeshap (1), BENCH_ONLY=pipe (2) or BENCH_ONLY=log (3) runs one part.
//
// 1. TreeSHAP: an xgboost model (100 trees, depth 6, hist, nthread=2) trained by /usr/bin/python3 on
//    200k generated rows (20 numeric inputs, 5% missing), explained by xgboost's own
//    predict(pred_contribs=True) (C++, nthread=2) and by dictl's TreeSHAP (2 worker threads) on the same
//    model read from xgboost's JSON, the same rows. Goal: dictl ≥ 0.5× xgboost's rows/s. The
//    contributions of both are compared (xgboost computes in float32).
// 2. NDJSON pipe on a logistic model (the churn-shaped pipeline of bench/score.mjs): events/s with
//    `--explain 3` against the same pipe without it, alternating runs. Goal ≥ 50%.
// 3. The decision log's cost (BENCH_ONLY=log): the same pipe (a quarter of the events) through an
//    autonomous policy, every decision logged with its reasons against the same decisions unlogged,
//    with --explain 3 (the log keeps the output's reasons) and without (it explains the top 5 itself).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const imp = (p) => import(join(root, 'dist/src', p));
const { fromXgboostJson } = await imp('explain/xgboost.js');
const { packEnsemble } = await imp('explain/treeshap.js');
const { treeShapParallel } = await imp('explain/parallel.js');
const { explainSpec } = await imp('explain/spec.js');
const { columnMeans } = await imp('explain/linear.js');
const { explainStage } = await imp('explain/stage.js');
const { ScoreEngine } = await imp('score/engine.js');
const { applyPipeline } = await imp('pipeline/apply.js');
const { buildPackageFiles, writePackage } = await imp('scorer/package.js');
const { loadScorer } = await imp('scorer/scorer.js');
const { scorePipe } = await imp('score/pipe.js');
const { engineFor } = await imp('score/engine.js');
const { initWorkspace } = await imp('workspace.js');
const { makeProgress } = await imp('ui/progress.js');

const scale = Number(process.env.BENCH_SCALE ?? 1);
const NT = Math.max(2000, Math.round(200_000 * scale));
const NP = Math.max(1000, Math.round(1_000_000 * scale));
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const { rng, NUM, CATS, model: churnModel } = await import('./lib/churn-model.mjs');

const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-explain-'));
try {
  // ── 1. TreeSHAP vs xgboost pred_contribs
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'treeshap') {
    const p = 20;
    const r = rng(5);
    const X = new Float64Array(NT * p);
    const y = new Float64Array(NT);
    for (let i = 0; i < NT; i++) {
      let z = 0;
      for (let j = 0; j < p; j++) {
        const v = r() * 4 - 2;
        X[i * p + j] = r() < 0.05 ? NaN : v;
        z += (j % 3 === 0 ? Math.sin(v * (1 + j / 7)) : j % 3 === 1 ? v * v * 0.3 : v * 0.5) * (j < 10 ? 1 : 0.3);
      }
      y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    writeFileSync(join(dir, 'X.f64'), new Uint8Array(X.buffer));
    writeFileSync(join(dir, 'y.f64'), new Uint8Array(y.buffer));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ n: NT, p, objective: 'binary:logistic', rounds: 100, depth: 6, eta: 0.1, seed: 0, nthread: 2 }));
    const py = spawnSync('/usr/bin/python3', [join(root, 'scripts/xgb_contribs.py'), dir], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`xgboost peer failed: ${py.stderr}`);
    const xo = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    const model = fromXgboostJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));
    const P = packEnsemble(model, p);
    let leaves = 0;
    for (let i = 0; i < P.left.length; i++) if (P.left[i] < 0) leaves++;
    console.log(`bench/explain: TreeSHAP on ${fmt(NT)} rows × ${p} inputs, ${P.nTrees} trees (max depth ${P.maxDepth}, ${fmt(leaves)} leaves), xgboost ${xo.xgboost}; load ${load()}`);
    await treeShapParallel(P, X.subarray(0, 4096 * p), 4096, p, 2); // warm-up
    const t = performance.now();
    const c0 = process.cpuUsage();
    const { phi, base } = await treeShapParallel(P, X, NT, p, 2);
    const ms = performance.now() - t;
    const cu = process.cpuUsage(c0);
    const cpuS = (cu.user + cu.system) / 1e6;
    const b = readFileSync(join(dir, 'contribs.f64'));
    const xc = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
    let worst = 0;
    let local = 0;
    for (let i = 0; i < NT; i++) {
      let s = base[0];
      for (let j = 0; j < p; j++) {
        worst = Math.max(worst, Math.abs(phi[i * p + j] - xc[i * (p + 1) + j]));
        s += phi[i * p + j];
      }
      let xs = 0;
      for (let j = 0; j <= p; j++) xs += xc[i * (p + 1) + j];
      local = Math.max(local, Math.abs(s - xs));
    }
    const xRate = NT / xo.seconds;
    const dRate = NT / (ms / 1000);
    // the two run one after the other on a shared machine: CPU time (all threads of each process) is
    // quoted beside wall time, as the steadier of the two under load
    console.log(`xgboost predict(pred_contribs=True), nthread=2: ${fmt(xo.seconds * 1000)} ms wall, ${fmt(xo.cpu_seconds * 1000)} ms CPU, ${fmt(xRate)} rows/s`);
    console.log(`dictl TreeSHAP, 2 worker threads:              ${fmt(ms)} ms wall, ${fmt(cpuS * 1000)} ms CPU, ${fmt(dRate)} rows/s (largest |Δ| to xgboost's contributions ${worst.toExponential(2)}, of the row sums ${local.toExponential(2)}: xgboost sums in float32)`);
    console.log(`ratio treeshap: dictl is ${(dRate / xRate).toFixed(2)}× xgboost's rows/s by wall time, ${(xo.cpu_seconds / cpuS).toFixed(2)}× by CPU time (goal ≥ 0.5×); load ${load()}`);
  }

  // ── 2. NDJSON pipe with and without --explain 3
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === 'pipe' || process.env.BENCH_ONLY === 'log') {
    const model = churnModel();
    const Pn = model.featureNames.length;
    const r = rng(7);
    const event = () => {
      const o = {};
      for (const c of NUM) o[c] = Math.round((50 + 20 * (r() - 0.5)) * 100) / 100;
      for (const [c, cats] of CATS) o[c] = cats[Math.floor(r() * cats.length)];
      return o;
    };
    const train = Array.from({ length: 5000 }, event);
    const m = applyPipeline(model.pipeline, train);
    writePackage(buildPackageFiles(model, { explain: explainSpec(model, { family: 'linear', linear: { coef: model.coef, intercept: model.intercept, means: Array.from(columnMeans(m.X, m.n, m.p)) } }) }), join(dir, 'pkg'), false);
    const lines = new Array(NP);
    for (let i = 0; i < NP; i++) lines[i] = JSON.stringify({ id: i, ...event() });
    const chunks = [];
    let buf = '';
    for (const l of lines) {
      buf += l + '\n';
      if (buf.length >= 1 << 16) {
        chunks.push(buf);
        buf = '';
      }
    }
    if (buf) chunks.push(buf);
    const plain = await loadScorer(join(dir, 'pkg'), { batchSize: 16384 });
    const loaded = await loadScorer(join(dir, 'pkg'), { batchSize: 16384 });
    const explained = new ScoreEngine(loaded, { explain: explainStage(loaded, 3) });
    const run = async (scorer) => {
      let bytes = 0;
      const sink = new Writable({
        write(c, _e, cb) {
          bytes += c.length;
          cb();
        },
      });
      const t = performance.now();
      const c0 = process.cpuUsage();
      const s = await scorePipe(scorer, Readable.from(chunks, { objectMode: false }), sink, { batchSize: 8192, metricsEvery: 0, progress: makeProgress({ quiet: true }) });
      const c = process.cpuUsage(c0);
      return { rate: NP / ((performance.now() - t) / 1000), cpuRate: NP / ((c.user + c.system) / 1e6), bytes, out: s.eventsOut };
    };
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    if (process.env.BENCH_ONLY !== 'log') {
    console.log(`bench/explain: NDJSON pipe, ${fmt(NP)} events, logistic model with ${Pn} inputs from ${NUM.length + CATS.length} columns; load ${load()}`);
    await run(plain);
    await run(explained);
    // alternating runs; the machine is shared, so the median of the rounds is quoted, by wall time and
    // by this process's CPU time (onnxruntime's threads included)
    const rounds = { plain: [], explained: [], plainCpu: [], explainedCpu: [] };
    for (let k = 0; k < 5; k++) {
      const a = await run(plain);
      const b = await run(explained);
      rounds.plain.push(a.rate);
      rounds.explained.push(b.rate);
      rounds.plainCpu.push(a.cpuRate);
      rounds.explainedCpu.push(b.cpuRate);
      console.log(`  round ${k + 1}: without ${fmt(a.rate)} events/s (${fmt(a.cpuRate)}/CPU-s, ${fmt(a.bytes)} bytes), --explain 3 ${fmt(b.rate)} events/s (${fmt(b.cpuRate)}/CPU-s, ${fmt(b.bytes)} bytes)`);
    }
    console.log(`ratio pipe-explain: --explain 3 keeps ${((100 * med(rounds.explained)) / med(rounds.plain)).toFixed(1)}% of the pipe's throughput by wall time (medians ${fmt(med(rounds.explained))} vs ${fmt(med(rounds.plain))} events/s), ${((100 * med(rounds.explainedCpu)) / med(rounds.plainCpu)).toFixed(1)}% by CPU time (goal ≥ 50%); load ${load()}`);
    plain.close();
    explained.close();
    }

    // ── 3. the decision log's cost: a policy package on the same pipe, every decision logged with its
    //    reasons (one atomic segment per batch) against the same decisions unlogged (no workspace)
    if (process.env.BENCH_ONLY !== 'pipe') {
      const ND = Math.max(1000, Math.round(NP / 4));
      const dchunks = chunks.slice(0, Math.ceil((chunks.length * ND) / NP));
      const nd = dchunks.reduce((a, c) => a + c.split('\n').length - 1, 0);
      const policy = { kind: 'decision-policy', model: model.name, version: 1, owner: 'ana@example.com', autonomy: 'autonomous', actAbove: 0.8, review: null, actions: { high: 'retain-offer', review: 'review', low: 'none' }, sampleRate: 0, source: 'set' };
      writePackage(buildPackageFiles(model, { decisionPolicy: policy, explain: explainSpec(model, { family: 'linear', linear: { coef: model.coef, intercept: model.intercept, means: Array.from(columnMeans(m.X, m.n, m.p)) } }) }), join(dir, 'dpkg'), false);
      initWorkspace(join(dir, 'ws'));
      const arms = {};
      for (const k of [0, 3])
        for (const logged of [false, true]) {
          const loaded = await loadScorer(join(dir, 'dpkg'), { batchSize: 16384 });
          arms[`${k ? '--explain 3' : 'no --explain'}, ${logged ? 'logged' : 'not logged'}`] = await engineFor(loaded, { explain: k, workspace: logged ? join(dir, 'ws') : join(dir, 'no-workspace'), source: 'stdin', onWarn: () => {} });
        }
      const runD = async (scorer) => {
        const sink = new Writable({ write: (_c, _e, cb) => cb() });
        const t = performance.now();
        const c0 = process.cpuUsage();
        await scorePipe(scorer, Readable.from(dchunks, { objectMode: false }), sink, { batchSize: 8192, metricsEvery: 0, progress: makeProgress({ quiet: true }) });
        const c = process.cpuUsage(c0);
        return { rate: nd / ((performance.now() - t) / 1000), cpuRate: nd / ((c.user + c.system) / 1e6) };
      };
      console.log(`bench/explain: decision log, NDJSON pipe of ${fmt(nd)} events through an autonomous policy; load ${load()}`);
      const got = Object.fromEntries(Object.keys(arms).map((a) => [a, { rate: [], cpu: [] }]));
      for (const a of Object.keys(arms)) await runD(arms[a]);
      for (let k = 0; k < 3; k++)
        for (const a of Object.keys(arms)) {
          const x = await runD(arms[a]);
          got[a].rate.push(x.rate);
          got[a].cpu.push(x.cpuRate);
        }
      for (const a of Object.keys(arms)) console.log(`  ${a}: median ${fmt(med(got[a].rate))} events/s (${fmt(med(got[a].cpu))}/CPU-s)`);
      const { readdirSync } = await import('node:fs');
      const segs = readdirSync(join(dir, 'ws/registry/decisions', model.name), { recursive: true }).filter((f) => String(f).endsWith('.ndjson')).length;
      for (const k of ['--explain 3', 'no --explain']) {
        const on = got[`${k}, logged`];
        const off = got[`${k}, not logged`];
        console.log(`ratio decision-log (${k}): logging keeps ${((100 * med(on.rate)) / med(off.rate)).toFixed(1)}% of the unlogged decisions' throughput by wall time, ${((100 * med(on.cpu)) / med(off.cpu)).toFixed(1)}% by CPU time (${segs} segments written in all)`);
      }
      console.log(`  load ${load()}`);
      for (const a of Object.values(arms)) a.close?.();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

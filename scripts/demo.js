#!/usr/bin/env node
// The demo lifecycle on the bundled churn data, in a fresh temp workspace: register → holdout → features →
// train (with a small tuning grid) → evaluate → promote through a gate → package as ONNX → score a stream of
// events (one of them malformed). Every step is the real CLI (bin/run.js) with --json; a short summary is printed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'run.js');
const ws = mkdtempSync(join(tmpdir(), 'dictl-demo-'));
const t0 = Date.now();

function dictl(args, input) {
  const started = Date.now();
  process.stderr.write(`$ dictl ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args, '--json', '--quiet'], { cwd: ws, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`demo failed at: dictl ${args.join(' ')} (exit ${r.status})`);
    process.exit(1);
  }
  return { out: r.stdout, ms: Date.now() - started };
}
const json = (args, input) => {
  const { out, ms } = dictl(args, input);
  return { ...JSON.parse(out), _ms: ms };
};

dictl(['init', ws]);
copyFileSync(join(repo, 'datasets', 'churn.csv'), join(ws, 'datasets', 'churn.csv'));
copyFileSync(join(repo, 'features', 'churn.yaml'), join(ws, 'features', 'churn.yaml'));

const reg = json(['dataset', 'register', 'churn', '--file', 'datasets/churn.csv', '--steward', 'data-team@example.com',
  '--source', 'MLC++ churn data via R modeldata (MIT)', '--license', 'MIT', '--consent', 'opt-in']);
const ho = json(['holdout', 'create', 'churn@1', '--fraction', '0.2', '--stratify', 'churn', '--seed', '42']);
const fb = json(['feature', 'build', 'churn']);
const tr = json(['train', '--features', 'churn', '--name', 'churn-model', '--tune', '--grid', 'C=0.01,0.1,1,10', '--folds', '5', '--seed', '42']);
const ev = json(['evaluate', 'churn-model@1', '--holdout']);
const pr = json(['model', 'promote', 'churn-model@1', '--to', 'champion', '--gate', 'auc>=0.75', '--reason', 'demo: first model']);
const outDir = join(ws, 'dist', 'churn-scorer');
const pk = json(['package', 'churn-model@champion', '--out', outDir]);

// a stream of events: a few raw rows of the source CSV (holdout rows), and one malformed event
const lines = readFileSync(join(repo, 'datasets', 'churn.csv'), 'utf8').trim().split('\n');
const header = lines[0].split(',');
const numeric = new Set(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')).inputs.filter((i) => i.type === 'number').map((i) => i.name));
const events = [];
for (const r of lines.slice(1, 9)) {
  const cells = r.split(',');
  const e = {};
  header.forEach((h, i) => { if (h !== 'churn') e[h] = numeric.has(h) ? Number(cells[i]) : cells[i]; });
  events.push(JSON.stringify(e));
}
events.splice(3, 0, '{"state": "KS", "account_length": "not a number"');
const sc = dictl(['score', '--package', outDir], events.join('\n') + '\n');
const scored = sc.out.trim().split('\n').map((l) => JSON.parse(l));

const m = ev.evaluation?.metrics ?? ev.metrics ?? ev;
const f = (x) => (typeof x === 'number' ? x.toFixed(4) : String(x));
console.log(`
dictl demo — churn, end to end, in ${ws}
  1 dataset   churn@${reg.version ?? reg.dataset?.version}: ${reg.rows ?? reg.dataset?.rows} rows, sha256 ${(reg.source?.sha256 ?? reg.dataset?.source?.sha256 ?? '').slice(0, 12)}  (${reg._ms} ms)
  2 holdout   ${ho.holdout.hash.slice(0, 12)}: ${ho.holdout.nTest} test / ${ho.holdout.nTrain} train, stratified on churn, seed 42  (${ho._ms} ms)
  3 features  churn@${fb.version ?? fb.build?.version}: ${fb.rows.train} training / ${fb.rows.test} test rows, ${fb.outputs.length} feature columns  (${fb._ms} ms)
  4 train     churn-model@${tr.version ?? tr.model?.version} (tuned over C, 5-fold stratified CV)  (${tr._ms} ms)
  5 evaluate  holdout AUC ${f(m.auc ?? m.roc_auc)}, log loss ${f(m.logloss ?? m.log_loss)}, accuracy ${f(m.accuracy)}  (${ev._ms} ms)
  6 promote   ${pr.promoted ? 'promoted to champion' : 'rejected'} through gate auc>=0.75  (${pr._ms} ms)
  7 package   ${outDir}/model.onnx  (${pk._ms} ms)
  8 score     ${scored.length} lines for ${events.length} events: ${scored.filter((s) => s.error).length} malformed reported, scores ${scored.filter((s) => !s.error).map((s) => f(s.score)).join(' ')}  (${sc.ms} ms)
done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

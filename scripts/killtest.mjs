#!/usr/bin/env node
/**
 * Crash test of the registry: SIGKILL a process at a random point of register / train / promote /
 * alias / evaluate, then run `dictl doctor` and require the registry to be consistent (no errors;
 * crash leftovers are allowed and must be cleared by `dictl doctor --repair`, after which doctor must
 * find nothing at all to repair).
 *
 * Before the random trials, deterministic kills at the worst moments (DICTL_TEST_KILL_AT): between
 * committing a version and appending its audit entry, for every store (dataset, holdout, feature build,
 * model, alias), and between the two renames of `package` (old package aside, new one not yet in).
 * Doctor must name the gap, --repair must record it, and the next `package` must leave a complete
 * package and no staging folder.
 *
 *   node scripts/killtest.mjs                 # 50 trials (build dist first: npx tsc -p .)
 *   node scripts/killtest.mjs --trials 5 --seed 3 --json
 *
 * Exit 0 when every trial left a consistent registry; 1 otherwise. Prints one line per trial.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.DICTL_SHARED ?? new URL('../../shared', import.meta.url).pathname;
const RUN = join(ROOT, 'bin/run.js');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};

// ── worker mode: one registration through the registry API (what `dictl train` does at its end) ──
if (argv[0] === '--worker') {
  const [, ws] = argv;
  const { registerModel } = await import(join(ROOT, 'dist/src/registry/models.js'));
  const { workspaceAt } = await import(join(ROOT, 'dist/src/workspace.js'));
  const draft = JSON.parse(readFileSync(join(ws, 'registry/models/churn-model/versions/1/model.json'), 'utf8'));
  delete draft.version;
  const m = await registerModel(workspaceAt(ws), draft, { worker: process.pid }, { wait: 60 });
  console.log(m.version);
  process.exit(0);
}

const trials = Number(opt('trials', '50'));
let bad = 0;
let seed = Number(opt('seed', String(Date.now() % 100000)));
const json = argv.includes('--json');
const rand = () => {
  // mulberry32: reproducible kill points for a given --seed
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const log = (s) => process.stderr.write(s + '\n');

function cli(cwd, args) {
  const r = spawnSync(process.execPath, [RUN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DICTL_QUIET: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function must(cwd, args) {
  const r = cli(cwd, args);
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} → exit ${r.code}: ${r.stderr}`);
  return r;
}

// ── set up a real workspace: dataset → holdout → feature build → a first model ──
const ws = mkdtempSync(join(tmpdir(), 'dictl-killtest-'));
log(`workspace ${ws}`);
must(tmpdir(), ['init', ws]);
copyFileSync(join(ROOT, 'features/churn.yaml'), join(ws, 'features/churn.yaml'));
must(ws, ['dataset', 'register', 'churn', '--file', join(SHARED, 'datasets/churn.csv'), '--steward', 'ml@example.com', '--consent', 'not-required']);
must(ws, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt')]);
must(ws, ['feature', 'build', 'churn']);
const hasTrain = existsSync(join(ROOT, 'dist/commands/train.js'));
if (hasTrain) must(ws, ['train', '--features', 'churn', '--name', 'churn-model']);
else {
  // no train command in this build: fit the reference model with the library and register it
  const { loadMatrix, resolveFeatureBuild } = await import(join(ROOT, 'dist/src/features/builds.js'));
  const { fitLogistic } = await import(join(ROOT, 'dist/src/ml/logistic.js'));
  const { registerModel } = await import(join(ROOT, 'dist/src/registry/models.js'));
  const { resolveDataset } = await import(join(ROOT, 'dist/src/datasets/store.js'));
  const { workspaceAt } = await import(join(ROOT, 'dist/src/workspace.js'));
  const w = workspaceAt(ws);
  const fb = resolveFeatureBuild(w, 'churn@latest');
  const m = await loadMatrix(fb.parquetPath, 'train');
  const fit = fitLogistic(m.X, m.n, m.p, m.y, 2, { penalty: 'l2', C: 1, tol: 1e-6, maxIter: 500 });
  await registerModel(
    w,
    {
      kind: 'model', name: 'churn-model', algorithm: 'logistic', task: 'binary', label: fb.build.label, featureNames: m.names,
      coef: [Array.from(fit.coef[0])], intercept: Array.from(fit.intercept), threshold: 0.5, params: { C: 1, penalty: 'l2' },
      convergence: { solver: 'lbfgs', iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm, warnings: [] },
      trainMetrics: {}, seed: 42, pipeline: fb.build.pipeline,
      lineage: { dataset: fb.build.dataset, datasetSha256: resolveDataset(w, fb.build.dataset).dataSha256, featureSet: { name: fb.build.name, version: fb.build.version, hash: fb.build.hash }, holdout: fb.build.holdout, allowUnconsented: false, dictlVersion: '0.1.0', node: process.version },
    },
    { killtest: 'setup' },
  );
}
must(ws, ['model', 'promote', 'churn-model@1', '--gate', 'auc>=0.5']);

/** `dictl doctor --json` in the workspace: its exit and its report (an unreadable answer is an error). */
function doctorReport() {
  const d = cli(ws, ['doctor', '--json']);
  try {
    return { d, report: JSON.parse(d.stdout) };
  } catch {
    return { d, report: { consistent: false, issues: [{ severity: 'error', code: 'doctor-output', message: d.stderr }] } };
  }
}

// ── deterministic kills: between commit and audit append of every store, between package's renames ──
const { runDoctor: doctorOf } = await import(join(ROOT, 'dist/src/ops/doctor.js'));
const { workspaceAt: wsAt } = await import(join(ROOT, 'dist/src/workspace.js'));
function runKilledAt(point, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ws, encoding: 'utf8', env: { ...process.env, DICTL_QUIET: '1', DICTL_TEST_KILL_AT: point } });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}
const pkgOut = join(ws, '..', `${ws.split('/').pop()}-pkg`);
must(ws, ['package', 'churn-model@1', '--out', pkgOut]);
const pkgManifest = readFileSync(join(pkgOut, 'manifest.json'), 'utf8');
const points = [
  { point: 'dataset-commit', expect: 'audit-missing-entry', run: (n) => [process.execPath, [RUN, 'dataset', 'register', `kt${n}`, '--file', join(SHARED, 'datasets/pima.csv'), '--steward', 'ml@example.com']] },
  { point: 'holdout-commit', expect: 'audit-missing-entry', run: (n) => [process.execPath, [RUN, 'holdout', 'create', 'churn@1', '--fraction', '0.2', '--seed', String(100 + n)]] },
  { point: 'feature-commit', expect: 'audit-missing-entry', run: (n) => (copyFileSync(join(ROOT, 'features/churn.yaml'), join(ws, `features/kt${n}.yaml`)), [process.execPath, [RUN, 'feature', 'build', `kt${n}`]]) },
  { point: 'model-commit', expect: 'audit-missing-register', run: () => [process.execPath, [fileURLToPath(import.meta.url), '--worker', ws]] },
  { point: 'alias-commit', expect: 'audit-missing-alias', run: (n) => [process.execPath, [RUN, 'model', 'alias', 'churn-model@1', `kt${n}`]] },
  { point: 'package-swap', expect: null, run: () => [process.execPath, [RUN, 'package', 'churn-model@1', '--out', pkgOut]] },
];
const pointResults = [];
for (const [n, p] of points.entries()) {
  const [cmd, args] = p.run(n);
  const r = runKilledAt(p.point, cmd, args);
  const { d, report } = doctorReport();
  const codes = (report.issues ?? []).filter((i) => i.severity !== 'info').map((i) => i.code);
  const errors = (report.issues ?? []).filter((i) => i.severity === 'error').map((i) => `${i.code}: ${i.message}`);
  let extra = true;
  if (p.point === 'package-swap') {
    // --out is empty for now; the next run puts the old one back, replaces it, and leaves nothing beside it
    const aside = readdirSync(dirname(pkgOut)).filter((f) => f.startsWith(`.tmp-${pkgOut.split('/').pop()}.old.`)).length;
    const again = cli(ws, ['package', 'churn-model@1', '--out', pkgOut]);
    const left = readdirSync(dirname(pkgOut)).filter((f) => f.startsWith(`.tmp-${pkgOut.split('/').pop()}`));
    extra = aside === 1 && again.code === 0 && left.length === 0 && readFileSync(join(pkgOut, 'manifest.json'), 'utf8') === pkgManifest;
  }
  const repaired = await doctorOf(wsAt(ws), { repair: true, wait: 30, actor: 'killtest' });
  const after = await doctorOf(wsAt(ws), {});
  const ok = r.signal === 'SIGKILL' && d.code === 0 && report.consistent === true && errors.length === 0 && (p.expect === null || codes.includes(p.expect)) && extra && repaired.consistent && after.consistent && after.leftovers === 0;
  if (!ok) bad++;
  pointResults.push({ point: p.point, killed: r.signal === 'SIGKILL', consistent: report.consistent, leftovers: codes, errors, afterRepair: after.leftovers, ok });
  log(`kill at ${p.point.padEnd(15)} ${r.signal === 'SIGKILL' ? 'killed' : `exit ${r.code} (not killed!)`}  doctor: ${report.consistent ? 'consistent' : 'INCONSISTENT'} leftovers [${codes.join(', ')}]${ok ? '' : '  ← FAIL'}`);
}

// ── the operations that get killed ──
const ops = {
  register: () => [process.execPath, [fileURLToPath(import.meta.url), '--worker', ws]],
  promote: () => [process.execPath, [RUN, 'model', 'promote', 'churn-model@latest', '--gate', 'auc>=0.5', '--gate', rand() < 0.5 ? 'auc>=champion' : 'auc>=champion+0.5', '--wait', '30']],
  alias: () => [process.execPath, [RUN, 'model', 'alias', 'churn-model@latest', 'challenger', '--wait', '30']],
  evaluate: () => [process.execPath, [RUN, 'evaluate', 'churn-model@latest', '--holdout', '--wait', '30']],
  ...(hasTrain ? { train: () => [process.execPath, [RUN, 'train', '--features', 'churn', '--name', 'churn-model', '--wait', '30']] } : {}),
};
const names = Object.keys(ops);

/**
 * Runs one operation. kill: undefined = let it finish; {after: ms} = SIGKILL that long after start;
 * {afterLock: ms} = SIGKILL that long after the process is seen holding the workspace lock (its
 * critical section, where it writes). Reports the time to the lock and how long it held it.
 */
function runOnce(name, kill) {
  return new Promise((res) => {
    const [cmd, args] = ops[name]();
    const t0 = Date.now();
    const p = spawn(cmd, args, { cwd: ws, stdio: 'ignore', env: { ...process.env, DICTL_QUIET: '1' } });
    let killed = false;
    let lockAt;
    let timer;
    const doKill = () => {
      killed = p.kill('SIGKILL');
    };
    if (kill?.after !== undefined) timer = setTimeout(doKill, kill.after);
    const lockFile = join(ws, 'registry/.lock');
    const poll = setInterval(() => {
      if (lockAt !== undefined) return;
      let holder;
      try {
        holder = JSON.parse(readFileSync(lockFile, 'utf8')).pid;
      } catch {
        return;
      }
      if (holder !== p.pid) return;
      lockAt = Date.now();
      if (kill?.afterLock !== undefined) timer = setTimeout(doKill, kill.afterLock);
    }, 1);
    p.on('exit', (code, signal) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      const end = Date.now();
      res({ ms: end - t0, toLock: lockAt === undefined ? undefined : lockAt - t0, held: lockAt === undefined ? undefined : end - lockAt, code, signal, killed: killed && signal === 'SIGKILL', inLock: killed && lockAt !== undefined });
    });
  });
}

// measure how long each operation takes and holds the lock, so kill points cover its whole life
const duration = {};
const held = {};
for (const n of names) {
  const r = await runOnce(n);
  duration[n] = r.ms;
  held[n] = r.held ?? 0;
  log(`${n}: ${r.ms} ms, lock held ${r.held ?? '?'} ms (exit ${r.code})`);
}

const { runDoctor } = await import(join(ROOT, 'dist/src/ops/doctor.js'));
const { workspaceAt } = await import(join(ROOT, 'dist/src/workspace.js'));
const results = [];
for (let t = 1; t <= trials; t++) {
  const name = names[Math.floor(rand() * names.length)];
  // a quarter of the kill points anywhere in the process's life, the rest inside its critical
  // section: a random moment after it is seen holding the workspace lock (where it writes)
  const lifetime = rand() < 0.25;
  const at = lifetime ? Math.floor(rand() * duration[name] * 1.1) : Math.floor(rand() * Math.max(2, held[name] * 1.1));
  const r = await runOnce(name, lifetime ? { after: at } : { afterLock: at });
  const { d, report } = doctorReport();
  const errors = (report.issues ?? []).filter((i) => i.severity === 'error');
  const leftovers = (report.issues ?? []).filter((i) => i.severity === 'leftover').map((i) => i.code);
  // repair, then nothing may be left to repair
  const repaired = await runDoctor(workspaceAt(ws), { repair: true, wait: 30, actor: 'killtest' });
  const after = await runDoctor(workspaceAt(ws), {});
  const ok = d.code === 0 && report.consistent === true && errors.length === 0 && repaired.consistent && after.consistent && after.leftovers === 0;
  if (!ok) bad++;
  const line = { trial: t, op: name, kill: lifetime ? `start+${at}ms` : `lock+${at}ms`, killed: r.killed, inLock: r.inLock, exit: r.code, consistent: report.consistent, leftovers, errors: errors.map((e) => `${e.code}: ${e.message}`), afterRepair: after.leftovers, ok };
  results.push(line);
  log(`trial ${String(t).padStart(2)} ${name.padEnd(8)} kill at ${(lifetime ? 'start' : 'lock').padEnd(5)}+${String(at).padStart(5)}ms ${r.killed ? (r.inLock ? 'killed in lock ' : 'killed         ') : `exit ${r.code}         `} doctor: ${report.consistent ? 'consistent' : 'INCONSISTENT'}${leftovers.length ? ` leftovers [${leftovers.join(', ')}]` : ''}${errors.length ? ` ERRORS ${errors.map((e) => e.code).join(', ')}` : ''}${ok ? '' : '  ← FAIL'}`);
}

// after everything: every version is intact and registered exactly once in the audit trail
const { readAudit } = await import(join(ROOT, 'dist/src/io/audit.js'));
const { modelVersions } = await import(join(ROOT, 'dist/src/registry/models.js'));
const w = workspaceAt(ws);
const versions = modelVersions(w, 'churn-model');
const regs = readAudit(w).filter((e) => e.action === 'model.register').map((e) => e.subject);
const dupes = regs.filter((s, i) => regs.indexOf(s) !== i);
const missing = versions.filter((v) => !regs.includes(`churn-model@${v}`));
if (dupes.length || missing.length) bad++;
const killed = results.filter((r) => r.killed).length;
const killedInLock = results.filter((r) => r.inLock).length;
const summary = { workspace: ws, trials, points: pointResults, killed, killedInLock, withLeftovers: results.filter((r) => r.leftovers.length).length, failed: bad, versions: versions.length, duplicateAuditEntries: dupes, versionsWithoutAudit: missing, ops: Object.fromEntries(names.map((n) => [n, results.filter((r) => r.op === n).length])) };
if (json) process.stdout.write(JSON.stringify({ summary, results }, null, 2) + '\n');
else console.log(`${trials} trials, ${killed} killed mid-run (${killedInLock} inside the lock), ${results.filter((r) => r.leftovers.length).length} left crash leftovers (repaired), ${bad} inconsistent; ${versions.length} versions, audit: ${dupes.length} duplicate, ${missing.length} missing register entries`);
process.exit(bad ? 1 : 0);

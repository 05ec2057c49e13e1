#!/usr/bin/env node
// The README's test command. First the real peers the tests use (scripts/peers.mjs): what is missing is
// installed with apt-get when this runs as root (as .ci/run does), otherwise the run stops at once with
// one line naming what is missing and the install command. Then the vitest suite, ending with the plain
// line CI reads, "N passed, N failed[, N skipped]", and one line per skipped test with its reason. Under CI
// (CI set) a skipped test fails the run. DICTL_TEST_INSTALL=0 never installs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingLine, missingPeers } from './peers.mjs';

let missing = missingPeers();
if (missing.length && process.env.DICTL_TEST_INSTALL !== '0' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  const pkgs = [...new Set(missing.map((p) => p.apt))];
  console.error(`installing test peers: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const up = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (up.status === 0) spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env });
  missing = missingPeers();
}
if (missing.length) {
  console.error(missingLine(missing));
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// the reference data sets and scikit-learn results the parity tests read: ../shared beside the repo
// (test/helpers/paths.ts resolves the same path), or DICTL_SHARED
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.DICTL_SHARED ?? join(repo, '..', 'shared');
if (!existsSync(join(shared, 'datasets', 'churn.csv')) || !existsSync(join(shared, 'reference'))) {
  console.error(`missing the shared reference data: ${shared} has no datasets/ and reference/ — clone the repo beside shared/ or set DICTL_SHARED=DIR`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'dictl-test-'));
const out = join(dir, 'results.json');
const skipLog = join(dir, 'skipped.ndjson');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--reporter=${join(dirname(fileURLToPath(import.meta.url)), 'skip-reporter.mjs')}`, `--outputFile.json=${out}`, ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, DICTL_SKIP_LOG: skipLog } });
let passed = 0, failed = 0, skipped = 0;
if (existsSync(out)) {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = j.numFailedTests ?? 0;
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // a suite that failed to load counts as a failure even though it ran no test
  for (const s of j.testResults ?? []) if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed += 1;
} else failed = 1;
const skips = existsSync(skipLog) ? readFileSync(skipLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
for (const s of skips) console.log(`skipped: ${s.file} › ${s.name} — ${s.note ?? 'no reason given (give one: ctx.skip("why"))'}`);
const skipFails = Boolean(process.env.CI) && skipped > 0;
if (skipFails) console.log(`CI: ${skipped} skipped test${skipped === 1 ? '' : 's'} fail the run`);
process.exit(failed > 0 || skipFails || r.status !== 0 ? 1 : 0);

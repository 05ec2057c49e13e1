#!/usr/bin/env node
// Runs every benchmark in bench/ (each prints its figures and a ratio against its peer measured in the same run).
// BENCH_SCALE=0.1 shrinks the generated data sets for a quick look; BENCH=name runs one.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'bench');
const only = process.env.BENCH;
let failed = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  if (only && !f.startsWith(only)) continue;
  console.log(`\n=== bench/${f}`);
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

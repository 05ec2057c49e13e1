#!/usr/bin/env node
// Benchmark: `dataset register` of a generated 5,000,000-row, 12-column CSV (~500 MB: 10 numeric with
// some missing values, 2 categorical) — hash of the source, typed Parquet in source order, full
// profile (nulls, exact distinct, min/max/mean/sd, top categories), the NaN/mixed-type checks and the
// hash of the stored file — against the floor measured in the same run: DuckDB's own
// COPY (SELECT * FROM read_csv(...)) TO 'x.parquet'. Goal: within 1.5× of the floor.
// BENCH_SCALE=0.1 shrinks the data. Run: npm run build && node bench/register.mjs
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDuck } from '../dist/src/io/duck.js';
import { registerDataset } from '../dist/src/ops/dataset-register.js';
import { initWorkspace, workspaceAt } from '../dist/src/workspace.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const N = Math.max(1000, Math.round(5_000_000 * SCALE));
const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-register-'));
const csv = join(dir, 'data.csv');
const sec = (ms) => (ms / 1000).toFixed(2) + ' s';

console.log(`register bench: ${N.toLocaleString('en')} rows × 12 columns (BENCH_SCALE=${SCALE})`);
let t = Date.now();
await withDuck(async (d) => {
  const nums = Array.from({ length: 10 }, (_, k) =>
    `CASE WHEN (i * ${k + 3}) % ${29 + k} = 0 THEN NULL ELSE round((hash(i * 31 + ${k}) % 100000007)::DOUBLE / ${1000 + k * 7}, 3) END AS x${k}`,
  );
  await d.run(`COPY (SELECT ${nums.join(', ')},
      ['north','south','east','west','centre'][1 + (hash(i * 7) % 5)::INTEGER] AS region,
      'plan_' || (hash(i * 13) % 40)::VARCHAR AS plan
    FROM range(${N}) r(i) ORDER BY i) TO '${csv}' (FORMAT csv, HEADER true)`);
});
const bytes = statSync(csv).size;
console.log(`generated ${(bytes / 1e6).toFixed(0)} MB CSV in ${sec(Date.now() - t)}`);

const runs = Number(process.env.BENCH_RUNS ?? '2');
const floorTimes = [];
const ourTimes = [];
for (let k = 0; k < runs; k++) {
  // the floor: DuckDB alone, CSV → Parquet
  const out = join(dir, `floor${k}.parquet`);
  t = Date.now();
  await withDuck((d) => d.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${out}' (FORMAT parquet)`));
  floorTimes.push(Date.now() - t);
  rmSync(out, { force: true });

  // dictl: a fresh workspace each time (so the version is really registered, not found as existing)
  const wsDir = join(dir, `ws${k}`);
  initWorkspace(wsDir);
  t = Date.now();
  const r = await registerDataset(workspaceAt(wsDir), { name: 'big', file: csv, steward: 'bench@example.com', consent: 'opt-in' });
  ourTimes.push(Date.now() - t);
  if (r.rows !== N || r.columns.length !== 12 || r.existing) throw new Error(`unexpected result: rows ${r.rows}, columns ${r.columns.length}`);
  rmSync(wsDir, { recursive: true, force: true });
  console.log(`run ${k + 1}: floor ${sec(floorTimes[k])}, dictl register ${sec(ourTimes[k])}`);
}
const best = (a) => Math.min(...a);
console.log(`DuckDB COPY read_csv → parquet (floor): ${sec(best(floorTimes))} (${((bytes / 1e6) / (best(floorTimes) / 1000)).toFixed(0)} MB/s)`);
console.log(`dictl dataset register (hash + parquet + profile + checks): ${sec(best(ourTimes))} (${((bytes / 1e6) / (best(ourTimes) / 1000)).toFixed(0)} MB/s)`);
const ratio = best(ourTimes) / best(floorTimes);
console.log(`ratio dictl/floor: ${ratio.toFixed(2)}× (goal ≤ 1.5×) ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`);
rmSync(dir, { recursive: true, force: true });

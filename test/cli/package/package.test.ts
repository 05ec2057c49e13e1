/** End-to-end: the real CLI (dist) on a temp workspace with a registered model: package, then score files and pipes. */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { workspaceAt } from '../../../src/workspace.js';
import { registerModel } from '../../../src/registry/models.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { predict } from '../../../src/ml/predict.js';
import { sha256 } from '../../../src/util/hash.js';
import { fixtureModel, fixtureRows } from '../../helpers/onnx-fixtures.js';
import { cli, cliProcess } from '../../helpers/cli.js';

const root = resolve(__dirname, '..', '..', '..');
let ws: string;

const model = fixtureModel('binary');
const { version: _v, ...draft } = model;
const ref = (rows: Record<string, unknown>[]) => {
  const { X, n, p } = applyPipeline(model.pipeline, rows);
  return predict(model, X, n, p);
};

beforeAll(async () => {
  ws = join(mkdtempSync(join(tmpdir(), 'dictl-pkgcli-')), 'ws');
  expect(cli(process.cwd(), ['init', ws], { quiet: false }).code).toBe(0);
  await registerModel(workspaceAt(ws), draft, {});
});

describe('dictl package', () => {
  it('writes the package, a lineage record and an audit entry; rebuilds byte-identically', () => {
    const r = cli(ws, ['package', 'fx@1', '--out', 'pkg', '--tar', '--json']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.model).toBe('fx@1');
    expect(readdirSync(join(ws, 'pkg')).sort()).toEqual(['README.md', 'dictl_scoring.py', 'input.avsc', 'manifest.json', 'model.onnx', 'requirements.txt', 'spark_job.py']);
    const onnxSha = sha256(readFileSync(join(ws, 'pkg/model.onnx')));
    expect(doc.onnxSha256).toBe(onnxSha);
    const lineage = JSON.parse(readFileSync(join(ws, 'registry/packages', `${onnxSha}.json`), 'utf8'));
    expect(lineage).toMatchObject({ model: 'fx@1', out: join(ws, 'pkg'), sha256: onnxSha });
    const audit = readFileSync(join(ws, 'registry/audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((a) => a.action === 'model.package').map((a) => a.subject)).toEqual(['fx@1']);
    const before = Object.fromEntries(readdirSync(join(ws, 'pkg')).map((f) => [f, sha256(readFileSync(join(ws, 'pkg', f)))]));
    const tarBefore = sha256(readFileSync(join(ws, 'pkg.tar')));
    expect(cli(ws, ['package', 'fx@latest', '--out', 'pkg', '--tar']).code).toBe(0);
    const after = Object.fromEntries(readdirSync(join(ws, 'pkg')).map((f) => [f, sha256(readFileSync(join(ws, 'pkg', f)))]));
    expect(after).toEqual(before);
    expect(sha256(readFileSync(join(ws, 'pkg.tar')))).toBe(tarBefore);
    const manifest = JSON.parse(readFileSync(join(ws, 'pkg/manifest.json'), 'utf8'));
    expect(manifest.versions.onnxruntime).toBe('1.30.0');
    expect(manifest.lineage.dataset).toBe('fx@1');
  });

  it('fails cleanly on a missing model or a foreign --out folder, writing nothing', () => {
    const r = cli(ws, ['package', 'nope@1', '--out', 'x', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('NOT_FOUND');
    expect(existsSync(join(ws, 'x'))).toBe(false);
    mkdirSync(join(ws, 'notes'));
    writeFileSync(join(ws, 'notes/todo.txt'), 'keep me');
    const r2 = cli(ws, ['package', 'fx@1', '--out', 'notes']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/Error \(USAGE\): --out \S*notes is not empty and is not a dictl package/);
    expect(readdirSync(join(ws, 'notes'))).toEqual(['todo.txt']);
  });

  it('embeds the model\'s current decision policy in the manifest', async () => {
    const { setPolicy } = await import('../../../src/ops/decide-policy-set.js');
    const pol = await setPolicy(workspaceAt(ws), 'fx', { owner: 'risk@example.com', actAbove: 0.7, review: [0.4, 0.7] });
    expect(cli(ws, ['package', 'fx@1', '--out', 'pkg-policy']).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(ws, 'pkg-policy/manifest.json'), 'utf8'));
    expect(manifest.decisionPolicy).toMatchObject({ kind: 'decision-policy', model: 'fx', version: pol.version, owner: 'risk@example.com' });
  });
  // the Spark job and its scoring module: test/e2e/spark-job.test.ts
});

describe('dictl score', () => {
  it('pipes NDJSON in order, one line per event, with error lines and dead letters', () => {
    const lines = fixtureRows.map((r, i) => JSON.stringify({ id: `e${i}`, ...r }));
    lines.splice(2, 0, '{"broken', JSON.stringify({ id: 'x', a: 'text', city: 'paris' }), JSON.stringify({ id: 'y', a: 1 }));
    const r = cli(ws, ['score', '--package', 'pkg', '--dead-letter', 'dead.ndjson', '--batch-size', '3', '--json'], { input: lines.join('\n') + '\n' });
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(lines.length);
    const p = ref(fixtureRows);
    const good = out.filter((o) => !o.error);
    expect(good.map((o) => o.id)).toEqual(fixtureRows.map((_, i) => `e${i}`));
    good.forEach((o, i) => expect(Math.abs(o.score - p[i])).toBeLessThan(1e-12));
    expect(out[2]).toMatchObject({ line: 3 });
    expect(out[2].error).toMatch(/^bad JSON/);
    expect(out[3]).toEqual({ id: 'x', error: 'field "a": expected number or null, got string "text"', line: 4 });
    expect(out[4]).toEqual({ id: 'y', error: 'missing field "city"', line: 5 });
    const dead = readFileSync(join(ws, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => d.line)).toEqual([3, 4, 5]);
    expect(dead[0].payload).toBe('{"broken');
    const summary = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ mode: 'pipe', eventsIn: lines.length, eventsOut: fixtureRows.length, deadLettered: 3, batches: 4 });
  });

  it('scores CSV and Parquet files to NDJSON/CSV with the same values', () => {
    const csv = ['a,b,color,city'];
    for (const r of fixtureRows) csv.push([r.a, r.b, r.color, r.city].map((v) => (v === null || v === undefined ? '' : String(v))).join(','));
    csv.push('oops,1,red,paris');
    writeFileSync(join(ws, 'in.csv'), csv.join('\n') + '\n');
    const r = cli(ws, ['score', '--package', 'pkg', '--input', 'in.csv', '--output', 'out.ndjson', '--dead-letter', 'dead-file.ndjson', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'file', eventsIn: fixtureRows.length + 1, eventsOut: fixtureRows.length, deadLettered: 1 });
    const out = readFileSync(join(ws, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // CSV has no null/'' distinction: both are missing, as in the pure executor
    const p = ref(fixtureRows);
    out.forEach((o, i) => {
      expect(o.row).toBe(i);
      expect(Math.abs(o.score - p[i])).toBeLessThan(1e-12);
    });
    expect(JSON.parse(readFileSync(join(ws, 'dead-file.ndjson'), 'utf8'))).toMatchObject({ row: fixtureRows.length, reason: 'field "a": expected number or null, got string "oops"' });
    // Parquet written by DuckDB from the same CSV
    const q = spawnSync(
      process.execPath,
      ['-e', `const {DuckDBInstance}=require('@duckdb/node-api');(async()=>{const i=await DuckDBInstance.create(':memory:');const c=await i.connect();await c.run("COPY (SELECT TRY_CAST(a AS DOUBLE) a, CAST(b AS DOUBLE) b, color, coalesce(city, '') city FROM read_csv('${join(ws, 'in.csv')}', all_varchar=true) WHERE a IS NULL OR TRY_CAST(a AS DOUBLE) IS NOT NULL) TO '${join(ws, 'in.parquet')}' (FORMAT parquet)")})()`],
      { cwd: root, encoding: 'utf8' },
    );
    expect(q.stderr).toBe('');
    const r2 = cli(ws, ['score', '--package', 'pkg', '--input', 'in.parquet', '--output', 'out.csv']);
    expect(r2.code).toBe(0);
    const rows = readFileSync(join(ws, 'out.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('row,score,label,p_no,p_yes');
    expect(rows).toHaveLength(fixtureRows.length + 1);
    rows.slice(1).forEach((line, i) => expect(Math.abs(Number(line.split(',')[1]) - p[i])).toBeLessThan(1e-12));
  });

  it('rejects bad flag combinations with usage errors', () => {
    // (the other combinations are unit-tested on scoreCommand in score-scorer.test.ts)
    const r = cli(ws, ['score', '--package', 'pkg', '--input', 'in.csv', '--output', 'o.txt', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toBe('cannot write o.txt: use a .ndjson or .csv file');
  });

  it('stops quietly (exit 0) when the reader closes stdout, like `| head -1`', () => {
    const line = JSON.stringify({ a: 1, b: 2, color: 'red', city: 'paris' });
    const r = cli(ws, ['score', '--package', 'pkg'], { env: { DICTL_QUIET: '0' }, pipeline: { from: `yes '${line}' | head -50000`, to: 'head -1' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).label).toBe('no');
    expect(r.stderr).not.toMatch(/Error/);
  });

  it('drains and reports on SIGTERM while reading an open pipe', async () => {
    const child = cliProcess(ws, ['score', '--package', 'pkg', '--json']);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const line = JSON.stringify({ a: 1, b: 2, color: 'red', city: 'paris' });
    child.stdin.write(`${line}\n${line}\n`);
    // results arrive while stdin is still open: flushed per batch, not at end of input
    for (let i = 0; i < 200 && out.split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(out.trim().split('\n')).toHaveLength(2);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(0);
    const summary = JSON.parse(err.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ mode: 'pipe', eventsIn: 2, eventsOut: 2, interrupted: true });
  });
});

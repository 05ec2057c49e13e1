/**
 * The bad-input corpus: every edge a careless user or an attacker can reach — reserved column names,
 * output flags aimed at workspace files, files rewritten while registered, compressed and empty files,
 * stale locks, full and read-only disks, folders and FIFOs where files belong, package replacement,
 * audit gaps, pseudo file systems, wide inputs, pipe line numbers, foreign locks, Ctrl-C. All inputs
 * are generated here. For each refused command: the exit code, one clear error line without a stack
 * trace, and a workspace whose whole tree hashes the same before and after.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileRelation, EXACT_DISTINCT_BATCH, PROFILE_BATCH } from '../../src/datasets/profile.js';
import { MAX_COLUMNS } from '../../src/datasets/schema.js';
import { ensureDir } from '../../src/io/atomic.js';
import { withDuck } from '../../src/io/duck.js';
import type { ColumnSchema } from '../../src/types.js';
import { workspaceAt, type Workspace } from '../../src/workspace.js';
import { expectOneLineError, isRoot, mountTmpfs, remount, treeDiff, treeState, unmount } from '../helpers/tree-state.js';
import { cli, must, ROOT, SHARED, trainStandIn } from '../helpers/workspace.js';
import { cliProcess } from '../helpers/cli.js';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const CHURN = join(SHARED, 'datasets/churn.csv');
const TEST_ROWS = join(SHARED, 'reference/splits/churn.test_rows.txt');

/** init, churn data, the reference holdout; then (unless `dataOnly`) a feature build, a model and a champion. */
async function churnWorkspaceIn(dir: string, dataOnly = false): Promise<Workspace> {
  must(cli(tmpdir(), ['init', dir]));
  copyFileSync(join(ROOT, 'features/churn.yaml'), join(dir, 'features/churn.yaml'));
  must(cli(dir, ['dataset', 'register', 'churn', '--file', CHURN, '--steward', 'ml@example.com', '--consent', 'not-required']));
  must(cli(dir, ['holdout', 'create', 'churn@1', '--rows', TEST_ROWS]));
  const ws = workspaceAt(dir);
  if (dataOnly) return ws;
  must(cli(dir, ['feature', 'build', 'churn']));
  await trainStandIn(ws, 'churn-model');
  must(cli(dir, ['model', 'promote', 'churn-model@1', '--gate', 'auc>=0.5']));
  return ws;
}

let ws: Workspace;
let scratch: string;
let pkg: string;

/** Runs `fn` (which must leave the workspace alone) and asserts the tree is byte-identical afterwards. */
async function unchanged<T>(fn: () => T | Promise<T>, root = ws.root, skip?: (rel: string) => boolean): Promise<T> {
  const before = treeState(root, skip);
  const r = await fn();
  expect(treeDiff(before, treeState(root, skip))).toEqual([]);
  return r;
}

/** A refused CLI command: exit code, one error line, workspace unchanged. */
async function refused(args: string[], code: number, message: RegExp, opts: { cwd?: string; env?: Record<string, string>; root?: string; skip?: (rel: string) => boolean } = {}) {
  return unchanged(
    () => {
      const r = cli(opts.cwd ?? ws.root, args, { env: opts.env });
      expectOneLineError(r, code, message);
      return r;
    },
    opts.root ?? ws.root,
    opts.skip,
  );
}

const register = (file: string, name = 'bad') => ['dataset', 'register', name, '--file', file, '--steward', 'ml@example.com'];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'dictl-edges-'));
  ws = await churnWorkspaceIn(join(scratch, 'ws'));
  pkg = join(scratch, 'pkg');
  must(cli(ws.root, ['package', 'churn-model@1', '--out', pkg]));
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('1. reserved column names never shadow the build’s own columns', () => {
  for (const col of ['__label', '__split', '__row', '__LABEL', 'file_row_number'])
    it(`a CSV with a column "${col}" is refused at register`, async () => {
      const f = join(scratch, `reserved-${col}.csv`);
      writeFileSync(f, `x,${col},churn\n0.1,train,yes\n0.7,test,no\n`);
      await refused(register(f), 3, new RegExp(`column "${col}".*reserved`));
    });

  it('a Parquet file with a column "__split" is refused at register', async () => {
    const f = join(scratch, 'reserved.parquet');
    await withDuck((d) => d.run(`COPY (SELECT 1 AS x, 'train' AS __split) TO '${f}' (FORMAT parquet)`));
    await refused(register(f), 3, /column "__split".*reserved/);
  });

  it('a dataset registered before the rule (a __label column in its data) is refused by feature build', async () => {
    // a legacy version, made by hand: churn's data with "churn" renamed to "__label" (x < 0.5 would do the same)
    const dir = join(scratch, 'legacy');
    const legacy = await churnWorkspaceIn(dir, true).catch(() => undefined);
    expect(legacy).toBeDefined();
    const vdir = join(dir, 'datasets/churn/1');
    const data = join(vdir, 'data.parquet');
    const moved = join(scratch, 'legacy-data.parquet');
    await withDuck((d) => d.run(`COPY (SELECT *, total_day_minutes < 180 AS __label FROM read_parquet('${data}')) TO '${moved}' (FORMAT parquet)`));
    copyFileSync(moved, data);
    const meta = JSON.parse(readFileSync(join(vdir, 'meta.json'), 'utf8'));
    meta.columns.push({ name: '__label', type: 'boolean', duckType: 'BOOLEAN', nullable: false });
    meta.dataSha256 = sha(readFileSync(data));
    writeFileSync(join(vdir, 'meta.json'), JSON.stringify(meta));
    await refused(['feature', 'build', 'churn'], 3, /churn@1: column "__label" starts with the reserved prefix/, { cwd: dir, root: dir });
  });
});

describe('2. output flags never write into the workspace', () => {
  it('model promote --junit registry/audit.log is refused before the gate runs', async () => {
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--junit', 'registry/audit.log'], 2, /--junit registry\/audit\.log: refusing to write into the workspace's registry\/ folder/);
  });
  it('--junit onto an immutable model.json, --markdown onto dictl.yaml', async () => {
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--junit', join(ws.registryDir, 'models/churn-model/versions/1/model.json')], 2, /registry\/ folder/);
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--markdown', 'dictl.yaml'], 2, /dictl\.yaml/);
  });
  it('--junit DIR is refused (exit 3, "is a directory") before the alias moves', async () => {
    const d = mkdtempSync(join(scratch, 'junit-dir-'));
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--junit', d], 3, /is a directory/);
  });
  it('a symbolic link into registry/ is caught too', async () => {
    const link = join(scratch, 'sneaky');
    symlinkSync(ws.registryDir, link);
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--junit', join(link, 'audit.log')], 2, /registry\/ folder/);
  });
  it('evaluate --report, dataset validate --quarantine, dataset schema --out, package --out', async () => {
    await refused(['evaluate', 'churn-model@1', '--html', 'registry/report.html'], 2, /--html registry\/report\.html/);
    await refused(['evaluate', 'churn-model@1', '--scores', 'datasets/churn/1/data.parquet'], 2, /--scores/);
    await refused(['dataset', 'validate', 'churn@1', '--file', CHURN, '--quarantine', 'datasets/churn/1/data.parquet'], 2, /--quarantine/);
    await refused(['dataset', 'schema', 'churn@1', '--out', 'dictl.yaml'], 2, /dictl\.yaml/);
    await refused(['package', 'churn-model@1', '--out', 'registry/pkg'], 2, /--out registry\/pkg/);
    await refused(['package', 'churn-model@1', '--out', '.'], 2, /workspace's root/);
    await refused(['explore', 'churn@1', '--target', 'churn', '--html', 'datasets/story.html'], 2, /--html datasets\/story\.html: refusing to write into the workspace's datasets\/ folder/);
    await refused(['decide', 'optimize', 'churn-model@1', '--cost', 'fp=2,fn=10', '--html', 'registry/audit.log'], 2, /--html registry\/audit\.log/);
  });
  it('--tar never silently overwrites a file that is not an earlier archive of the package', async () => {
    const out = join(scratch, 'tarred');
    writeFileSync(`${out}.tar`, 'my notes\n');
    await refused(['package', 'churn-model@1', '--out', out, '--tar'], 2, /exists and is not an archive of an earlier package/);
    expect(readFileSync(`${out}.tar`, 'utf8')).toBe('my notes\n');
    expect(existsSync(out)).toBe(false);
    rmSync(`${out}.tar`);
    must(cli(ws.root, ['package', 'churn-model@1', '--out', out, '--tar']));
    const first = readFileSync(`${out}.tar`);
    must(cli(ws.root, ['package', 'churn-model@1', '--out', out, '--tar'])); // its own earlier archive: replaced
    expect(readFileSync(`${out}.tar`).equals(first)).toBe(true);
  });
  it('score --dead-letter cannot be the --input file', async () => {
    const input = join(scratch, 'events.ndjson');
    writeFileSync(input, '{"bad": 1}\n');
    const before = readFileSync(input);
    const r = cli(scratch, ['score', '--package', pkg, '--input', input, '--output', join(scratch, 'o.ndjson'), '--dead-letter', input]);
    expectOneLineError(r, 2, /--dead-letter .* is also an input/);
    expect(readFileSync(input).equals(before)).toBe(true);
  });
});

describe('3. a file rewritten while it is registered', () => {
  it('under a writer rewriting the file in place, every version stored has the hash of exactly its bytes', async () => {
    const f = join(scratch, 'rewritten.csv');
    const body = (v: number) => 'x,y\n' + Array.from({ length: 20000 }, (_, i) => `${i},${v}`).join('\n') + '\n';
    const A = body(1);
    const B = body(2);
    expect(A.length).toBe(B.length);
    writeFileSync(f, A);
    const dir = mkdtempSync(join(scratch, 'rw-'));
    must(cli(tmpdir(), ['init', dir]));
    // rewrites the same bytes positions over and over, alternating between A and B, until killed
    writeFileSync(join(dir, 'A'), A);
    writeFileSync(join(dir, 'B'), B);
    const script = `const fs=require('fs');const a=fs.readFileSync(${JSON.stringify(join(dir, 'A'))}),b=fs.readFileSync(${JSON.stringify(join(dir, 'B'))});let i=0;for(;;){const fd=fs.openSync(${JSON.stringify(f)},'r+');const s=(i++%2?a:b);for(let o=0;o<s.length;o+=4096)fs.writeSync(fd,s,o,Math.min(4096,s.length-o),o);fs.closeSync(fd);}`;
    const writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const accepted = new Map<string, string>();
    try {
      for (let t = 0; t < 3; t++) {
        const r = cli(dir, [...register(f, `rw${t}`), '--json']);
        if (r.code !== 0) {
          expectOneLineError(r, 3, /the file changed while being read/);
          continue;
        }
        // accepted: the recorded source hash is the hash of exactly the bytes stored (the file as it was
        // at one moment: a writer paused mid-rewrite leaves a file that is itself part A, part B)
        const rows = await withDuck((d) => d.all<{ x: number; y: number }>(`SELECT x::INT AS x, y::INT AS y FROM read_parquet('${r.json.path}') ORDER BY file_row_number`));
        expect(rows).toHaveLength(20000);
        expect(sha('x,y\n' + rows.map((q) => `${q.x},${q.y}`).join('\n') + '\n')).toBe(r.json.source.sha256);
        accepted.set(r.json.source.sha256, r.json.ref);
      }
    } finally {
      writer.kill('SIGKILL');
      await new Promise((res) => writer.on('close', res));
    }
    // the file at rest: registering it returns a version holding exactly it, never a mixed one
    const r = cli(dir, [...register(f, 'rw0'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.source.sha256).toBe(sha(readFileSync(f)));
    if (r.json.existing) expect(accepted.get(r.json.source.sha256)).toBe(r.json.ref);
    expect(readdirSync(join(dir, 'datasets')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('4. bad files are refused, not guessed at', () => {
  it('gzip (by magic bytes, whatever the name), whitespace-only, newline-only, empty header', async () => {
    const gz = join(scratch, 'data.csv');
    writeFileSync(gz, spawnSync('gzip', ['-c'], { input: 'a,b\n1,2\n' }).stdout);
    await refused(register(gz), 3, /gzip-compressed/);
    const ws1 = join(scratch, 'spaces.csv');
    writeFileSync(ws1, '   \n \t \n');
    await refused(register(ws1), 3, /header line is empty/);
    const nl = join(scratch, 'newlines.csv');
    writeFileSync(nl, '\n\n\n');
    await refused(register(nl), 3, /header line is empty/);
    const eh = join(scratch, 'emptyheader.csv');
    writeFileSync(eh, '\n1,2\n3,4\n');
    await refused(register(eh), 3, /header line is empty/);
    const empty = join(scratch, 'empty.csv');
    writeFileSync(empty, '');
    await refused(register(empty), 3, /empty \(0 bytes\)/);
  });
  it('a duplicate header name beyond the first 4 KB is refused like a short one', async () => {
    const names = Array.from({ length: 800 }, (_, i) => `column_${i}`);
    const f = join(scratch, 'dupwide.csv');
    writeFileSync(f, [...names, 'column_3'].join(',') + '\n' + Array(801).fill('1').join(',') + '\n');
    expect(names.join(',').length).toBeGreaterThan(4096);
    await refused(register(f), 3, /two columns "column_3" and "column_3"/);
    const g = join(scratch, 'dupshort.csv');
    writeFileSync(g, 'a,b,a\n1,2,3\n');
    await refused(register(g), 3, /two columns "a" and "a"/);
  });
  it('Parquet columns "A" and "a" are refused (DuckDB would rename one to a_1)', async () => {
    const tmp = join(scratch, 'case.parquet');
    await withDuck((d) => d.run(`COPY (SELECT 1 AS "AQXZ", 2 AS "bqxz") TO '${tmp}' (FORMAT parquet)`));
    // the same file with the second name spelled "aqxz": two names that differ only in case
    const f = join(scratch, 'Aa.parquet');
    writeFileSync(f, Buffer.from(readFileSync(tmp).toString('latin1').split('bqxz').join('aqxz'), 'latin1'));
    await refused(register(f), 3, /two columns "AQXZ" and "aqxz"/);
  });
});

describe('5. a stale lock file', () => {
  const lock = () => join(ws.registryDir, '.lock');
  it('a 0-byte lock older than a few seconds is stale: doctor --repair clears it without --wait, and writers proceed', async () => {
    writeFileSync(lock(), '');
    const old = Date.now() / 1000 - 30;
    utimesSync(lock(), old, old);
    const r = cli(ws.root, ['doctor', '--repair', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(lock())).toBe(false);
  });
  it('a fresh unparsable lock is busy (exit 5, one line), and clears itself once old', async () => {
    writeFileSync(lock(), '{"pid":');
    const fresh = Date.now() / 1000 + 60; // "just written", whatever the load on this machine
    utimesSync(lock(), fresh, fresh);
    await refused(['holdout', 'create', 'churn@1', '--fraction', '0.3'], 5, /unreadable/, { skip: (p) => p === 'registry/.lock' });
    const old = Date.now() / 1000 - 30;
    utimesSync(lock(), old, old);
    const r = cli(ws.root, ['model', 'alias', 'churn-model@1', 'stale-test']);
    expect(r.code, r.stderr).toBe(0);
    must(cli(ws.root, ['model', 'alias', 'churn-model', '--remove', 'stale-test']));
    expect(existsSync(lock())).toBe(false);
  });
  it('a lock of another host (or a reused pid) needs doctor --repair --force, which warns', async () => {
    writeFileSync(lock(), JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, command: 'train', since: new Date().toISOString() }));
    await refused(['doctor', '--repair'], 5, /locked by pid \d+ on not-/, { skip: (p) => p === 'registry/.lock' });
    const r = cli(ws.root, ['doctor', '--repair', '--force', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Warning: --force: clearing the workspace lock of pid \d+ on not-/);
    expect(r.json.issues.some((i: { code: string }) => i.code === 'lock-forced')).toBe(true);
    expect(existsSync(lock())).toBe(false);
    expect(cli(ws.root, ['doctor', '--force']).code).toBe(2); // --force only with --repair
  });
});

describe('6/7/9. the environment: folders, FIFOs, pseudo file systems, package replacement', () => {
  it('a folder or a FIFO where a file belongs: exit 3 naming the path and the cause', async () => {
    await refused(register(scratch), 3, /is a directory/);
    const fifo = join(scratch, 'fifo.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await refused(register(fifo), 3, /is not a regular file/);
    await refused(['dataset', 'validate', 'churn@1', '--file', fifo], 3, /is not a regular file/);
    await refused(['evaluate', 'churn-model@1', '--holdout', '--report', fifo], 3, /is not a regular file/);
  });
  it('outputs under /proc, /sys, /dev are refused at once (no spinning while holding the lock)', async () => {
    const t0 = Date.now();
    await refused(['package', 'churn-model@1', '--out', '/proc/self/x'], 2, /refusing to write under \/proc/);
    await refused(['model', 'promote', 'churn-model@1', '--to', 'staging', '--gate', 'auc>=0.5', '--junit', '/dev/null'], 2, /under \/dev/);
    await refused(['evaluate', 'churn-model@1', '--holdout', '--report', '/sys/kernel/x.html'], 2, /under \/sys/);
    expect(Date.now() - t0).toBeLessThan(60_000);
    // and the folder creation under the atomic writes is bounded (Node's recursive mkdir spins on /proc/self)
    expect(() => ensureDir('/proc/self/dictl/x')).toThrow();
  });
  it('package: killed between the two renames, the next run restores and replaces; no staging folder is left', async () => {
    const out = join(scratch, 'swap');
    must(cli(ws.root, ['package', 'churn-model@1', '--out', out]));
    const manifest = readFileSync(join(out, 'manifest.json'));
    const r = cli(ws.root, ['package', 'churn-model@1', '--out', out], { env: { DICTL_TEST_KILL_AT: 'package-swap' } });
    expect(r.code).toBe(null); // SIGKILLed between "old aside" and "new in"
    const leftovers = readdirSync(scratch).filter((n) => n.startsWith('.tmp-swap'));
    expect(leftovers.length).toBe(2); // the old package set aside, and the staged new one
    must(cli(ws.root, ['package', 'churn-model@1', '--out', out]));
    expect(readdirSync(scratch).filter((n) => n.startsWith('.tmp-swap'))).toEqual([]);
    expect(readFileSync(join(out, 'manifest.json')).equals(manifest)).toBe(true);
  });
});

describe('8. doctor finds audit gaps in every store', () => {
  it.each([
    ['dataset', 'dataset-commit', () => register(CHURN.replace('churn.csv', 'pima.csv'), 'pima')],
    ['holdout', 'holdout-commit', () => ['holdout', 'create', 'churn@1', '--fraction', '0.25', '--seed', '7']],
    ['feature build', 'feature-commit', () => (writeFileSync(join(ws.featuresDir, 'churn3.yaml'), readFileSync(join(ROOT, 'features/churn.yaml'))), ['feature', 'build', 'churn3'])],
  ])('%s killed between commit and audit append: doctor reports it, --repair records it', (_kind, point, args) => {
    const r = cli(ws.root, args(), { env: { DICTL_TEST_KILL_AT: point } });
    expect(r.code, r.stderr).toBe(null);
    const d = cli(ws.root, ['doctor', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.json.issues.filter((i: { code: string }) => i.code === 'audit-missing-entry')).toHaveLength(1);
    must(cli(ws.root, ['doctor', '--repair']));
    const after = cli(ws.root, ['doctor', '--json']);
    expect(after.json.leftovers).toBe(0);
  });
});

describe('10. wide inputs: bounded memory, a documented limit', () => {
  it('profiles in column batches: no query holds more than a batch of exact distinct counts', async () => {
    const n = 70;
    const cols: ColumnSchema[] = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: 'integer', duckType: 'BIGINT', nullable: false }));
    await withDuck(async (d) => {
      await d.run(`CREATE TABLE w AS SELECT ${cols.map((c, i) => `(range % ${i + 2})::BIGINT AS ${c.name}`).join(', ')} FROM range(100)`);
      const seen: string[] = [];
      const all = d.all.bind(d);
      d.all = ((sql: string) => (seen.push(sql), all(sql))) as typeof d.all;
      const p = await profileRelation(d, 'w', cols);
      expect(p.profile.map((c) => c.distinct)).toEqual(cols.map((_, i) => i + 2));
      const perQuery = seen.map((s) => (s.match(/count\(DISTINCT/g) ?? []).length);
      expect(Math.max(...perQuery)).toBeLessThanOrEqual(EXACT_DISTINCT_BATCH);
      expect(perQuery.reduce((a, b) => a + b, 0)).toBe(n);
      expect(PROFILE_BATCH).toBeGreaterThan(EXACT_DISTINCT_BATCH);
    });
  });
  it(`more than ${MAX_COLUMNS} columns: refused from the header with the limit named`, async () => {
    const f = join(scratch, 'toowide.csv');
    const n = MAX_COLUMNS + 1;
    writeFileSync(f, Array.from({ length: n }, (_, i) => `c${i}`).join(',') + '\n' + Array(n).fill('1').join(',') + '\n');
    await refused(register(f), 3, new RegExp(`${n} columns; dictl registers at most ${MAX_COLUMNS}`));
  });
});

describe('smaller', () => {
  it('pipe mode: error lines count blank lines', () => {
    const r = cli(process.cwd(), ['score', '--package', pkg], { input: '\n\n{"bad\n\n{"id": 1}\n' });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ line: 3 });
    expect(lines[1]).toMatchObject({ id: 1, line: 5 });
  });

  it('Ctrl-C in feature build: cleans up, releases the lock, prints "interrupted", exits 130', async () => {
    writeFileSync(join(ws.featuresDir, 'churn4.yaml'), readFileSync(join(ROOT, 'features/churn.yaml')));
    await unchanged(async () => {
      const p = cliProcess(ws.root, ['feature', 'build', 'churn4']);
      let stderr = '';
      p.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((res) => p.on('close', (c) => res(c)));
      // wait until it holds the lock and has its staging folder (its critical section), then interrupt
      const stagingOf = () => existsSync(join(ws.registryDir, 'features/churn4')) && readdirSync(join(ws.registryDir, 'features/churn4')).some((n) => n.startsWith('.tmp-'));
      for (let i = 0; i < 3000 && !(existsSync(join(ws.registryDir, '.lock')) && stagingOf()); i++) await new Promise((r) => setTimeout(r, 5));
      expect(stagingOf(), 'the build reached its staging folder').toBe(true);
      p.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/^interrupted$/m);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(join(ws.registryDir, '.lock'))).toBe(false);
    }, ws.root, (p) => p === 'registry/features/churn4'); // the (empty) name folder may be created
    expect(readdirSync(join(ws.registryDir, 'features/churn4')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('Ctrl-C in other writers', () => {
  it('dataset register: the private copy and the staging folder go, the lock is released, exit 130', async () => {
    const big = join(scratch, 'big.csv');
    const rows = readFileSync(CHURN, 'utf8').split('\n');
    writeFileSync(big, rows[0] + '\n' + Array.from({ length: 40 }, () => rows.slice(1).filter(Boolean).join('\n')).join('\n') + '\n');
    await unchanged(async () => {
      const p = cliProcess(ws.root, register(big, 'big'));
      let stderr = '';
      p.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((res) => p.on('close', (c) => res(c)));
      const busy = () => readdirSync(ws.datasetsDir).some((n) => n.startsWith('.tmp-big.') && !n.startsWith('.tmp-big.source'));
      for (let i = 0; i < 3000 && !busy(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(busy(), 'the registration reached its staging folder').toBe(true);
      p.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/^interrupted$/m);
    });
  });
});

describe('6 (full and read-only disks) and read-only readers, on a real tmpfs', () => {
  let mnt: string;
  let rws: Workspace;
  beforeAll(async () => {
    // needs root to mount; not silently skipped: without root these tests fail with the reason
    mnt = join(mkdtempSync(join(tmpdir(), 'dictl-fs-')), 'mnt');
    mountTmpfs(mnt, '24m');
    rws = await churnWorkspaceIn(join(mnt, 'ws'));
  }, 300_000);
  afterAll(() => {
    if (mnt) {
      spawnSync('mount', ['-o', 'remount,rw', mnt]);
      unmount(mnt);
    }
  });

  it('runs as root (the mounts below need it)', () => expect(isRoot).toBe(true));

  it('disk full: register, holdout and doctor --repair exit 3 naming the cause; nothing half-written, no empty lock', async () => {
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const block = Buffer.alloc(1 << 16);
    try {
      for (;;) writeSync(fd, block);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    try {
      const opts = { cwd: rws.root, root: rws.root };
      await refused(register(CHURN.replace('churn.csv', 'pima.csv'), 'pima'), 3, /no space left on device/, opts);
      await refused(['holdout', 'create', 'churn@1', '--fraction', '0.3'], 3, /registry.*: no space left on device/, opts);
      await refused(['doctor', '--repair'], 3, /no space left on device/, opts);
      expect(existsSync(join(rws.registryDir, '.lock'))).toBe(false);
    } finally {
      rmSync(filler);
    }
  });

  it('read-only file system: writers exit 3 naming it; evaluate and package still work and say nothing was recorded', async () => {
    remount(mnt, 'ro');
    try {
      const opts = { cwd: rws.root, root: rws.root };
      await refused(register(CHURN.replace('churn.csv', 'pima.csv'), 'pima'), 3, /read-only file system/, opts);
      await refused(['model', 'alias', 'churn-model@1', 'x'], 3, /read-only file system/, opts);
      await unchanged(() => {
        const e = cli(rws.root, ['evaluate', 'churn-model@1', '--holdout', '--json']);
        expect(e.code, e.stderr).toBe(0);
        expect(e.json.stored).toBe(null);
        expect(e.json.evaluation.metrics.auc).toBeGreaterThan(0.5);
        const out = join(scratch, 'ro-pkg');
        const p = cli(rws.root, ['package', 'churn-model@1', '--out', out, '--json']);
        expect(p.code, p.stderr).toBe(0);
        expect(p.stderr).toMatch(/read-only/);
        expect(p.json.lineageRecord).toBe(null);
        expect(readFileSync(join(out, 'model.onnx')).equals(readFileSync(join(pkg, 'model.onnx')))).toBe(true);
        expect(cli(rws.root, ['doctor']).code).toBe(0);
      }, rws.root);
    } finally {
      remount(mnt, 'rw');
    }
  });
});

/**
 * --memory-limit / dictl.yaml memory_limit: DuckDB gets the limit and spills inside the workspace (the
 * folder is removed afterwards); training whose matrix exceeds the budget streams the build from
 * Parquet (src/ops/train-out-of-core.ts) and gives the in-memory model; bad sizes are usage errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDuck } from '../../../src/io/duck.js';
import { parseMemorySize, spillRoot, withMemoryBudget } from '../../../src/io/memory.js';
import { sqlString } from '../../../src/util/sql-quote.js';
import { workspaceAt } from '../../../src/workspace.js';
import { cliJson as cli, ROOT } from '../../helpers/workspace.js';

let ws: string;
const N = 360_000;

beforeAll(async () => {
  ws = join(mkdtempSync(join(tmpdir(), 'dictl-mem-')), 'ws');
  expect(cli(ROOT, ['init', ws]).code).toBe(0);
  const data = join(ws, '..', 'big.parquet');
  const x = (j: number) => `((hash(i * 16 + ${j}) % 1000003)::DOUBLE / 1000003 - 0.5) * ${j + 1}`;
  await withDuck((d) =>
    d.run(`COPY (SELECT * EXCLUDE (i), CASE WHEN (hash(i * 16 + 15) % 1000003)::DOUBLE / 1000003 < 1 / (1 + exp(-(0.8 * x0 - 0.5 * x1 + 0.3 * x2 + CASE cat WHEN 'a' THEN 0.7 WHEN 'b' THEN -0.4 ELSE 0 END))) THEN 'yes' ELSE 'no' END AS label
      FROM (SELECT i, ${[0, 1, 2, 3, 4].map((j) => `${x(j)} AS x${j}`).join(', ')}, ['a', 'b', 'c', 'd'][(hash(i * 16 + 11) % 4)::INT + 1] AS cat FROM range(${N}) t(i))) TO ${sqlString(data)} (FORMAT parquet)`),
  );
  let r = cli(ws, ['dataset', 'register', 'big', '--file', data, '--steward', 'data-team@example.com', '--consent', 'opt-in', '--memory-limit', '256MB']);
  expect(r.code, r.stderr).toBe(0);
  r = cli(ws, ['holdout', 'create', 'big@1', '--fraction', '0.2', '--stratify', 'label', '--seed', '1']);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(
    join(ws, 'features/big.yaml'),
    'source: big@1\nlabel: {column: label, positive: "yes"}\nfeatures:\n' + [0, 1, 2, 3, 4].map((j) => `  - {column: x${j}, transforms: [standardize]}\n`).join('') + '  - {column: cat, transforms: [one_hot]}\n',
  );
  r = cli(ws, ['feature', 'build', 'big', '--memory-limit', '128MB']);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(spillRoot(workspaceAt(ws)))).toBe(false);
}, 120_000);

describe('memory budget', () => {
  it('parses sizes and rejects what is not one', () => {
    expect(parseMemorySize('1GB')).toBe(1e9);
    expect(parseMemorySize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('2g')).toBe(2 * 2 ** 30);
    expect(parseMemorySize('1.5 GB')).toBe(1.5e9);
    expect(() => parseMemorySize('lots')).toThrow(/--memory-limit "lots" is not a size/);
    expect(() => parseMemorySize('10MB')).toThrow(/below the 64MB/);
    const r = cli(ws, ['feature', 'build', 'big', '--memory-limit', '4 potatoes']);
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/is not a size/);
  });

  it('gives every DuckDB of the command the limit and a spill folder inside the workspace, removed afterwards', async () => {
    const w = workspaceAt(ws);
    const seen = await withMemoryBudget(w, '1GB', async (b) => {
      expect(existsSync(b!.spillDir)).toBe(true);
      return withDuck(async (d) => (await d.all<{ m: string; t: string }>(`SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t`))[0]);
    });
    expect(seen.m).toBe('572.0 MiB'); // DuckDB's share: 60% of 1GB
    expect(seen.t.startsWith(join(ws, '.dictl-spill') + '/')).toBe(true);
    expect(existsSync(spillRoot(w))).toBe(false);
    // none outside a budget
    const free = await withDuck(async (d) => (await d.all<{ t: string }>(`SELECT current_setting('temp_directory') AS t`))[0].t);
    expect(free.includes('.dictl-spill')).toBe(false);
  });

  it('spills a sort larger than the limit into the workspace (also with file access locked down), which fails without it', async () => {
    const w = workspaceAt(ws);
    const big = `SELECT count(*)::BIGINT AS n FROM (SELECT x, pad FROM (SELECT (hash(i) % 1000000)::DOUBLE AS x, repeat('p', 100) || i::VARCHAR AS pad FROM range(2000000) t(i)) ORDER BY x, pad)`;
    const { lockDown } = await import('../../../src/features/builds.js');
    const n = await withMemoryBudget(w, '160MB', async () =>
      withDuck(async (d) => {
        await lockDown(d, [ws]);
        return (await d.all<{ n: number }>(big))[0].n;
      }),
    );
    expect(n).toBe(2_000_000);
    expect(existsSync(spillRoot(w))).toBe(false);
    await expect(
      withMemoryBudget(w, '160MB', async () =>
        withDuck(async (d) => {
          await d.run(`SET temp_directory = ''`);
          return d.all(big);
        }),
      ),
    ).rejects.toThrow(/Out of Memory|memory limit/i);
  }, 60_000);

  it('removes spill folders left by a process that died', async () => {
    const w = workspaceAt(ws);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(spillRoot(w), '999999-1'), { recursive: true });
    writeFileSync(join(spillRoot(w), '999999-1', 'duckdb_temp_block'), 'x');
    await withMemoryBudget(w, '1GB', async () => undefined);
    expect(existsSync(spillRoot(w))).toBe(false);
  });
});

describe('out-of-core training', () => {
  it('streams a matrix larger than the budget and gives the in-memory model', () => {
    const mem = cli(ws, ['train', '--features', 'big', '--name', 'in-memory']);
    expect(mem.code, mem.stderr).toBe(0);
    expect(mem.json.convergence.solver).not.toMatch(/out-of-core/);
    const ooc = cli(ws, ['train', '--features', 'big', '--name', 'streamed', '--memory-limit', '64MB'], { env: { DICTL_QUIET: '0' } });
    expect(ooc.code, ooc.stderr).toBe(0);
    expect(ooc.json.convergence.solver).toBe('lbfgs-out-of-core');
    expect(ooc.stderr).toMatch(/Out of core: the 288000 × 9 training matrix needs 28 MB, more than --memory-limit 64MB leaves beside DuckDB/);
    const a = JSON.parse(readFileSync(join(ws, 'registry/models/streamed/versions/1/model.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(ws, 'registry/models/in-memory/versions/1/model.json'), 'utf8'));
    expect(a.featureNames).toEqual(b.featureNames);
    // every one-hot level plus the intercept is collinear: the L2 penalty alone pins that direction, so the
    // solvers' stopping points may differ along it (δ on each level, −δ on the intercept); compare what is
    // identified: numeric coefficients, and each level's coefficient plus the intercept
    for (let j = 0; j < b.coef[0].length; j++) {
      const level = b.featureNames[j].startsWith('cat=');
      const av = a.coef[0][j] + (level ? a.intercept[0] : 0);
      const bv = b.coef[0][j] + (level ? b.intercept[0] : 0);
      expect(Math.abs(av - bv)).toBeLessThan(1e-4 * Math.max(1, Math.abs(bv)));
    }
    expect(Math.abs(ooc.json.trainMetrics.auc - mem.json.trainMetrics.auc)).toBeLessThan(1e-6);
    const run = JSON.parse(readFileSync(join(ws, 'registry/models/streamed/versions/1/run.json'), 'utf8'));
    expect(run.outOfCore).toMatchObject({ memoryLimit: '64MB', batchRows: 16384 });
    expect(run.outOfCore.passes).toBeGreaterThan(2);
    expect(existsSync(join(ws, '.dictl-spill'))).toBe(false);
    // the same inputs give the same model bytes
    const again = cli(ws, ['train', '--features', 'big', '--name', 'streamed', '--memory-limit', '64MB']);
    expect(again.code, again.stderr).toBe(0);
    const c = JSON.parse(readFileSync(join(ws, 'registry/models/streamed/versions/2/model.json'), 'utf8'));
    expect(c.coef).toEqual(a.coef);
    expect(c.intercept).toEqual(a.intercept);
  }, 120_000);

  it('fits a multinomial label out of core too', () => {
    writeFileSync(join(ws, 'features/multi.yaml'), 'source: big@1\nlabel: {column: cat, classes: [a, b, c, d]}\nfeatures:\n' + [0, 1, 2].map((j) => `  - {column: x${j}, transforms: [standardize]}\n`).join('') + '  - {column: label, transforms: [one_hot]}\n');
    expect(cli(ws, ['feature', 'build', 'multi']).code).toBe(0);
    const mem = cli(ws, ['train', '--features', 'multi', '--name', 'multi-mem']);
    const ooc = cli(ws, ['train', '--features', 'multi', '--name', 'multi-ooc', '--memory-limit', '64MB']);
    expect(mem.code, mem.stderr).toBe(0);
    expect(ooc.code, ooc.stderr).toBe(0);
    expect(ooc.json.convergence.solver).toBe('lbfgs-out-of-core');
    expect(Math.abs(ooc.json.trainMetrics.logloss - mem.json.trainMetrics.logloss)).toBeLessThan(1e-6);
    const a = JSON.parse(readFileSync(join(ws, 'registry/models/multi-ooc/versions/1/model.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(ws, 'registry/models/multi-mem/versions/1/model.json'), 'utf8'));
    expect(a.coef.length).toBe(4);
    for (let k = 0; k < 4; k++) for (let j = 0; j < b.coef[k].length; j++) expect(Math.abs(a.coef[k][j] - b.coef[k][j])).toBeLessThan(2e-3);
  }, 120_000);

  it('fits linear regression out of core in two passes: the in-memory coefficients bit for bit (l2 and l1)', () => {
    writeFileSync(join(ws, 'features/reg.yaml'), 'source: big@1\nlabel: {column: x0, task: regression}\nfeatures:\n' + [1, 2, 3, 4].map((j) => `  - {column: x${j}, transforms: [standardize]}\n`).join('') + '  - {column: cat, transforms: [one_hot]}\n  - {column: label, transforms: [one_hot]}\n');
    expect(cli(ws, ['feature', 'build', 'reg']).code).toBe(0);
    for (const pen of [['--penalty', 'l2', '--c', '0.01'], ['--penalty', 'l1', '--c', '1e-6']]) {
      const tag = pen[1];
      const mem = cli(ws, ['train', '--features', 'reg', '--name', `reg-mem-${tag}`, ...pen]);
      // without --json: the phases and their progress lines on stderr
      const ooc = cli(ws, ['train', '--features', 'reg', '--name', `reg-ooc-${tag}`, ...pen, '--memory-limit', '64MB'], { json: false, env: { DICTL_QUIET: '0', DICTL_PROGRESS_MS: '1' } });
      expect(mem.code, mem.stderr).toBe(0);
      expect(ooc.code, ooc.stderr).toBe(0);
      expect(ooc.stderr).toMatch(/pass 1 of 2 \(means\)…/);
      expect(ooc.stderr).toMatch(/pass 2 of 2 \(Gram matrix\)… \d+% [\d,]+\/288,000 rows/);
      const a = JSON.parse(readFileSync(join(ws, `registry/models/reg-ooc-${tag}/versions/1/model.json`), 'utf8'));
      const b = JSON.parse(readFileSync(join(ws, `registry/models/reg-mem-${tag}/versions/1/model.json`), 'utf8'));
      expect(b.convergence.solver).toBe(tag === 'l2' ? 'cholesky' : 'coordinate-descent');
      expect(a.convergence.solver).toBe(`${b.convergence.solver}-out-of-core`);
      expect(a.algorithm).toBe('linear');
      expect(a.coef).toEqual(b.coef);
      expect(a.intercept).toEqual(b.intercept);
      expect(a.trainMetrics).toEqual(b.trainMetrics);
      expect(a.params).toEqual(b.params);
      // the l1 fit zeroes something, the l2 fit nothing: the penalties reached the solver
      expect(a.coef[0].some((w: number) => w === 0)).toBe(tag === 'l1');
    }
  }, 120_000);

  it('fits gbdt out of core on streamed uint8 bins: the in-memory model byte for byte; too small a budget names what it needs', () => {
    writeFileSync(
      join(ws, 'features/trees.yaml'),
      'source: big@1\nlabel: {column: label, positive: "yes"}\nfeatures:\n  - columns: [x0, x1, x2, x3, x4]\n  - columns: [cat]\n    transforms: [{string_index: {order: alphabet, handle_invalid: keep}}]\n',
    );
    expect(cli(ws, ['feature', 'build', 'trees']).code).toBe(0);
    const args = ['--model', 'gbdt', '--param', 'max_iter=15', '--param', 'max_leaf_nodes=15'];
    const mem = cli(ws, ['train', '--features', 'trees', '--name', 'gbdt-mem', ...args]);
    expect(mem.code, mem.stderr).toBe(0);
    // 288000 × 6 doubles and the bins do not fit beside DuckDB's 64MiB in 96MB; the bins alone do
    const ooc = cli(ws, ['train', '--features', 'trees', '--name', 'gbdt-ooc', ...args, '--memory-limit', '96MB'], { json: false, env: { DICTL_QUIET: '0', DICTL_PROGRESS_MS: '1' } });
    expect(ooc.code, ooc.stderr).toBe(0);
    expect(ooc.stderr).toMatch(/Out of core: the 288000 × 6 training matrix needs \d+ MB with the bins of the trees/);
    // one count over the three passes (its ETA covers them all), then the rounds
    expect(ooc.stderr).toMatch(/pass 1 of 3 \(labels\)… \d+% [\d,]+\/864,000 rows/);
    expect(ooc.stderr).toMatch(/pass 3 of 3 \(binning[^\n]*… \d+% [\d,]+\/864,000 rows/);
    expect(ooc.stderr).toMatch(/boosting up to 15 rounds/);
    const a = JSON.parse(readFileSync(join(ws, 'registry/models/gbdt-ooc/versions/1/model.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(ws, 'registry/models/gbdt-mem/versions/1/model.json'), 'utf8'));
    expect(a.trees.model.earlyStopping.enabled).toBe(true);
    expect(JSON.stringify(a.trees)).toBe(JSON.stringify(b.trees));
    expect(a.trainMetrics).toEqual(b.trainMetrics);
    expect(a.convergence.solver).toBe(b.convergence.solver);
    const run = JSON.parse(readFileSync(join(ws, 'registry/models/gbdt-ooc/versions/1/run.json'), 'utf8'));
    expect(run.outOfCore).toMatchObject({ memoryLimit: '96MB', passes: 3 });
    expect(run.outOfCore.binnedBytes).toBeGreaterThan(288000 * 6);
    // 64MB leaves nothing beside DuckDB's 64MiB: one usage error with the size to ask for, nothing registered
    const small = cli(ws, ['train', '--features', 'trees', '--name', 'gbdt-small', ...args, '--memory-limit', '64MB']);
    expect(small.code).toBe(2);
    expect(small.json.error.message).toMatch(/out of core, gbdt holds the rows as uint8 bins \(2 MB\) with per-row gradients and margins: \d+ MB, more than the 0 MB --memory-limit 64MB leaves/);
    expect(small.json.error.hint).toMatch(/raise --memory-limit to at least \d+MB/);
    expect(existsSync(join(ws, 'registry/models/gbdt-small'))).toBe(false);
  }, 180_000);

  it('takes the budget from dictl.yaml, refuses --tune out of core, and a bad dictl.yaml value is a usage error', () => {
    const y = join(ws, 'dictl.yaml');
    const orig = readFileSync(y, 'utf8');
    try {
      writeFileSync(y, orig + 'memory_limit: 64MB\n');
      const r = cli(ws, ['train', '--features', 'big', '--name', 'from-yaml', '--penalty', 'l1', '--c', '0.5']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.convergence.solver).toBe('owlqn-out-of-core');
      const t = cli(ws, ['train', '--features', 'big', '--name', 'tuned', '--tune', '--grid', 'C=0.1,1']);
      expect(t.code).toBe(2);
      expect(t.json.error.message).toMatch(/cross-validation \(--tune\) needs the matrix in memory/);
      // the flag wins over dictl.yaml
      const big = cli(ws, ['train', '--features', 'big', '--name', 'flag-wins', '--memory-limit', '8GB']);
      expect(big.code, big.stderr).toBe(0);
      expect(big.json.convergence.solver).not.toMatch(/out-of-core/);
      writeFileSync(y, orig + 'memory_limit: plenty\n');
      const bad = cli(ws, ['train', '--features', 'big', '--name', 'x']);
      expect(bad.code).toBe(2);
      expect(bad.json.error.message).toMatch(/dictl.yaml memory_limit "plenty" is not a size/);
    } finally {
      writeFileSync(y, orig);
    }
  }, 120_000);
});

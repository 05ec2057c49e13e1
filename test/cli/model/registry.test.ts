import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initWorkspace, workspaceAt } from '../../../src/workspace.js';
import { listModels, modelJsonPath, registerModel, resolveModel } from '../../../src/registry/models.js';
import { removeAlias, setAlias } from '../../../src/ops/model-alias.js';
import { archiveModel } from '../../../src/ops/model-archive.js';
import { readAudit } from '../../../src/io/audit.js';
import { queryAudit } from '../../../src/registry/log.js';
import { runDoctor } from '../../../src/ops/doctor.js';
import type { ModelVersion } from '../../../src/types.js';
import { cli } from '../../helpers/cli.js';

const ROOT = resolve(__dirname, '..', '..', '..');

export function draftModel(name: string, seed = 1): Omit<ModelVersion, 'version'> {
  return {
    kind: 'model',
    name,
    algorithm: 'logistic',
    task: 'binary',
    label: { column: 'y', task: 'binary', positive: '1' },
    featureNames: ['a', 'b'],
    coef: [[0.5 * seed, -0.25]],
    intercept: [0.1],
    threshold: 0.5,
    params: { C: 1, penalty: 'l2' },
    convergence: { solver: 'newton', iterations: 5, converged: true, gradNorm: 1e-9, warnings: [] },
    trainMetrics: { auc: 0.8 },
    seed,
    pipeline: { inputs: [], derived: [], features: [], outputNames: ['a', 'b'] },
    lineage: {
      dataset: 'd@1',
      datasetSha256: 'x',
      featureSet: { name: 'f', version: 1, hash: 'h' },
      holdout: 'hh',
      allowUnconsented: false,
      dictlVersion: '0.1.0',
      node: process.version,
    },
  };
}

function tempWs() {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-reg-'));
  initWorkspace(dir);
  return workspaceAt(dir);
}

describe('model registry', () => {
  it('registers versions 1, 2, 3 with deterministic model.json and resolves refs', async () => {
    const ws = tempWs();
    const m1 = await registerModel(ws, draftModel('m'), { took: 1 });
    const m2 = await registerModel(ws, draftModel('m', 2), {});
    expect([m1.version, m2.version]).toEqual([1, 2]);
    const bytes1 = readFileSync(modelJsonPath(ws, 'm', 1), 'utf8');
    const ws2 = tempWs();
    await registerModel(ws2, draftModel('m'), { took: 99 });
    expect(readFileSync(modelJsonPath(ws2, 'm', 1), 'utf8')).toBe(bytes1);
    expect(resolveModel(ws, 'm').model.version).toBe(2);
    expect(resolveModel(ws, 'm@latest').model.version).toBe(2);
    expect(resolveModel(ws, 'm@1').model.coef).toEqual([[0.5, -0.25]]);
    expect(() => resolveModel(ws, 'm@7')).toThrow(/not found/);
    expect(() => resolveModel(ws, 'm@champion')).toThrow(/no alias "champion"/);
    expect(() => resolveModel(ws, 'nope')).toThrow(/not registered/);

    const a = await setAlias(ws, 'm@1', 'champion');
    expect(a).toEqual({ model: 'm', alias: 'champion', version: 1, previous: null });
    expect(readFileSync(join(ws.registryDir, 'models/m/aliases/champion'), 'utf8')).toBe('1\n');
    expect(resolveModel(ws, 'm@champion').model.version).toBe(1);
    await expect(setAlias(ws, 'm@2', 'latest')).rejects.toThrow(/reserved/);
    await expect(archiveModel(ws, 'm@1')).rejects.toThrow(/champion/);
    const ar = await archiveModel(ws, 'm@2', { reason: 'bad' });
    expect(ar).toEqual({ ref: 'm@2', archived: true, changed: true });
    expect(resolveModel(ws, 'm@latest').model.version).toBe(1);
    expect(resolveModel(ws, 'm@2').archived).toBe(true);
    expect(listModels(ws)[0].versions.map((v) => v.version)).toEqual([1]);
    expect(listModels(ws, { includeArchived: true })[0].versions.map((v) => [v.version, v.archived, v.aliases])).toEqual([
      [1, false, ['champion']],
      [2, true, []],
    ]);
    const rm = await removeAlias(ws, 'm', 'champion');
    expect(rm.previous).toBe(1);
    expect(() => resolveModel(ws, 'm@champion')).toThrow(/no alias/);
    const acts = readAudit(ws).map((e) => `${e.action} ${e.subject}`);
    expect(acts).toEqual(['model.register m@1', 'model.register m@2', 'model.alias m@1', 'model.archive m@2', 'model.alias.remove m@champion']);
  });

  it('rejects bad names before writing anything', async () => {
    const ws = tempWs();
    for (const bad of ['a/b', '..', 'a..b', 'x\0y', 'x'.repeat(129), '']) {
      await expect(registerModel(ws, draftModel(bad), {})).rejects.toThrow(/name/);
    }
    const d = draftModel('ok');
    await expect(registerModel(ws, { ...d, coef: [[1]] }, {})).rejects.toThrow(/1 coefficients per row for 2 feature names/);
    await expect(registerModel(ws, { ...d, intercept: [] }, {})).rejects.toThrow(/0 intercepts for 1/);
    await expect(registerModel(ws, { ...d, coef: [[1, NaN]] }, {})).rejects.toThrow(/not a finite number/);
    expect(readdirSync(ws.registryDir).filter((f) => f !== '.lock')).toEqual([]);
  });

  it('16 concurrent processes registering: versions 1..16, each once, audit once each', async () => {
    const ws = tempWs();
    const script = `
      import { registerModel } from ${JSON.stringify(join(ROOT, 'dist/src/registry/models.js'))};
      import { workspaceAt } from ${JSON.stringify(join(ROOT, 'dist/src/workspace.js'))};
      const draft = JSON.parse(process.argv[1]);
      const m = await registerModel(workspaceAt(process.argv[2]), draft, { worker: process.argv[3] }, { wait: 60 });
      console.log(m.version);
    `;
    const runs = Array.from({ length: 16 }, (_, i) =>
      new Promise<string>((res, rej) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(draftModel('par', i + 1)), ws.root, String(i)]);
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => (code === 0 ? res(out.trim()) : rej(new Error(`exit ${code}: ${err}`))));
      }),
    );
    const versions = (await Promise.all(runs)).map(Number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const seeds = new Set<number>();
    for (let v = 1; v <= 16; v++) {
      const m = JSON.parse(readFileSync(modelJsonPath(ws, 'par', v), 'utf8')) as ModelVersion;
      expect(m.version).toBe(v);
      seeds.add(m.seed);
    }
    expect(seeds.size).toBe(16);
    const subjects = readAudit(ws).filter((e) => e.action === 'model.register').map((e) => e.subject).sort();
    expect(subjects).toEqual(Array.from({ length: 16 }, (_, i) => `par@${i + 1}`).sort());
    expect(existsSync(join(ws.registryDir, '.lock'))).toBe(false);
  }, 120_000);
});

describe('through the CLI', () => {

  it('rejects names with "/", "..", or over 128 characters (exit 2) without writing', async () => {
    const ws = tempWs();
    await registerModel(ws, draftModel('m'), {});
    const before = readFileSync(join(ws.registryDir, 'audit.log'), 'utf8');
    const bad = ['a/b@1', '../m@1', `${'x'.repeat(129)}@1`];
    for (const ref of bad) {
      const r = cli(ws.root, ['model', 'alias', ref, 'challenger', '--json']);
      expect(r.code, ref).toBe(2);
      expect(r.json.error.code).toBe('USAGE');
      expect(r.stderr).toMatch(/^Error \(USAGE\): model name .* (path separator|"\.\."|longer than 128)/m);
    }
    // the same checks in-process, including NUL (which cannot be passed in argv)
    for (const ref of ['m..x@1', 'a\0b@1', `m@${'a'.repeat(129)}`, 'm@../x']) expect(() => resolveModel(ws, ref), ref).toThrow(/name/);
    await expect(setAlias(ws, 'm@1', '../x')).rejects.toThrow(/alias name/);
    expect(readFileSync(join(ws.registryDir, 'audit.log'), 'utf8')).toBe(before);
    expect(readdirSync(join(ws.registryDir, 'models'))).toEqual(['m']);
  });

  it('model list/show/alias/archive and registry log with --json', async () => {
    const ws = tempWs();
    await registerModel(ws, draftModel('m'), {});
    await registerModel(ws, draftModel('m', 2), {});
    let r = cli(ws.root, ['model', 'alias', 'm@2', 'challenger', '--reason', 'try it', '--actor', 'bob', '--json']);
    expect(r.json).toEqual({ model: 'm', alias: 'challenger', version: 2, previous: null });
    r = cli(ws.root, ['model', 'show', 'm@challenger', '--json']);
    expect(r.json.summary).toMatchObject({ ref: 'm@2', aliases: ['challenger'], archived: false });
    expect(r.json.model.coef).toEqual([[1, -0.25]]);
    r = cli(ws.root, ['model', 'archive', 'm@1', '--json']);
    expect(r.json).toEqual({ ref: 'm@1', archived: true, changed: true });
    r = cli(ws.root, ['model', 'list', '--json']);
    expect(r.json.models[0].versions.map((v: any) => v.ref)).toEqual(['m@2']);
    r = cli(ws.root, ['registry', 'log', '--subject', 'm', '--actor', 'bob', '--json']);
    expect(r.json.entries.map((e: any) => [e.action, e.subject, e.reason])).toEqual([['model.alias', 'm@2', 'try it']]);
    expect(queryAudit(ws, { action: 'model.register', limit: 1 }).entries.map((e) => e.subject)).toEqual(['m@2']);
    expect(queryAudit(ws, { action: 'model' }).entries.length).toBe(4);
    expect(() => queryAudit(ws, { since: 'yesterday' })).toThrow(/not a date/);
    r = cli(ws.root, ['model', 'show', 'm@champion']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^Error \(NOT_FOUND\): model "m" has no alias "champion"/m);
    expect(r.stderr).toMatch(/Try: promote one/);
    // a held lock makes writers fail with exit 5 at once, or wait with --wait
    const lock = join(ws.registryDir, '.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 4000)']);
    const { writeFileSync, rmSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), command: 'test holder', since: new Date().toISOString() }));
    r = cli(ws.root, ['model', 'alias', 'm@2', 'staging']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/locked by pid \d+ .* running "test holder"/);
    holder.kill('SIGKILL');
    await new Promise((res) => holder.on('exit', res));
    // the holder is dead now: its lock is stale and cleared
    r = cli(ws.root, ['model', 'alias', 'm@2', 'staging', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    rmSync(lock, { force: true });
  }, 120_000);

  it('doctor reports crash leftovers, repairs them, and flags real inconsistencies', async () => {
    const ws = tempWs();
    await registerModel(ws, draftModel('m'), {});
    const { writeFileSync, mkdirSync, appendFileSync } = await import('node:fs');
    mkdirSync(join(ws.registryDir, 'models/m/aliases'), { recursive: true });
    writeFileSync(join(ws.registryDir, 'models/m/.tmp-x.999999.abcdef12'), 'partial');
    mkdirSync(join(ws.registryDir, 'models/m/versions/.tmp-2.999998.abcdef12'));
    appendFileSync(join(ws.registryDir, 'audit.log'), '{"ts":"2026');
    let r = cli(ws.root, ['doctor', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.consistent).toBe(true);
    expect(r.json.issues.map((i: any) => i.code).sort()).toEqual(['audit-torn', 'orphan-staging', 'orphan-temp']);
    r = cli(ws.root, ['doctor', '--repair', '--json']);
    expect(r.json.repaired).toBe(3);
    expect((await runDoctor(ws)).issues).toEqual([]);
    expect(readAudit(ws).map((e) => e.action)).toEqual(['model.register']);
    // a version committed without its audit entry (crash between commit and append) is recorded by --repair
    const audit = join(ws.registryDir, 'audit.log');
    writeFileSync(audit, '');
    expect((await runDoctor(ws)).issues.map((i) => i.code)).toEqual(['audit-missing-register']);
    await runDoctor(ws, { repair: true });
    expect(readAudit(ws).map((e) => [e.action, e.subject, (e.details as any).recovered])).toEqual([['model.register', 'm@1', true]]);
    // real inconsistencies are errors (exit 1), not repaired
    writeFileSync(join(ws.registryDir, 'models/m/aliases/champion'), '7\n');
    writeFileSync(join(ws.registryDir, 'models/m/versions/1/model.json'), '{"kind":"model",');
    r = cli(ws.root, ['doctor', '--repair', '--json']);
    expect(r.code).toBe(1);
    expect(r.json.consistent).toBe(false);
    expect(r.json.issues.filter((i: any) => i.severity === 'error').map((i: any) => i.code).sort()).toEqual(['alias-dangling', 'model-parse']);
    expect(r.stderr).toMatch(/Error \(VERDICT\): 2 inconsistencies found/);
    // package lineage records and decision policies must name models that exist
    const sha = 'ab'.repeat(32);
    mkdirSync(join(ws.registryDir, 'packages'), { recursive: true });
    writeFileSync(join(ws.registryDir, 'packages', `${sha}.json`), JSON.stringify({ model: 'm@9', out: '/nowhere', sha256: sha }));
    mkdirSync(join(ws.registryDir, 'policies/ghost'), { recursive: true });
    writeFileSync(join(ws.registryDir, 'policies/ghost/1.json'), '{}');
    const codes = (await runDoctor(ws)).issues.filter((i) => i.severity === 'error').map((i) => i.code).sort();
    expect(codes).toEqual(['alias-dangling', 'model-parse', 'package-model', 'policy-model']);
  }, 120_000);
});

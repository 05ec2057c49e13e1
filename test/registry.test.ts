import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initWorkspace, workspaceAt } from '../src/workspace.js';
import { archiveModel, listModels, modelJsonPath, registerModel, removeAlias, resolveModel, setAlias } from '../src/registry/models.js';
import { readAudit } from '../src/registry/audit.js';
import type { ModelVersion } from '../src/types.js';

const ROOT = resolve(__dirname, '..');

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
        p.on('exit', (code) => (code === 0 ? res(out.trim()) : rej(new Error(`exit ${code}: ${err}`))));
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
  }, 60_000);
});

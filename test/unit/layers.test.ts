/**
 * The layering rule (.dependency-cruiser.cjs): the real tree has no violation, and the same rules,
 * run on small trees written for the purpose, fail on a new module cycle (a type-only one too), a new
 * cycle through import(), an import() of one of dictl's own modules, a cycle between folders and an
 * import against the layers.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CRUISER = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

function cruise(cwd: string, paths: string[]): { violations: Violation[]; error: number } {
  const r = spawnSync(process.execPath, [CRUISER, ...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`dependency-cruiser did not run: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[]; error: number } };
  return out.summary;
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

const trees: string[] = [];
/** A throwaway tree with a tsconfig like the project's; `files` maps paths to their text. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-layers-'));
  trees.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterAll(() => trees.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('layering', () => {
  it('src/ and commands/ keep the rule: no cycle, no import against the layers', () => {
    const r = cruise(ROOT, ['src', 'commands']);
    expect(r.violations.map(describeViolation)).toEqual([]);
    expect(r.error).toBe(0);
  });

  it('a new cycle between two modules fails, also when one side imports only a type', () => {
    const dir = tree({
      'src/ml/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'src/ml/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
    });
    const r = cruise(dir, ['src']);
    expect(r.violations.map((v) => v.rule.name)).toContain('no-cycle');
    expect(r.error).toBeGreaterThan(0);
  });

  it('a cycle hidden behind import() fails', () => {
    const dir = tree({
      'src/ml/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
      'src/ml/b.ts': "export async function b() {\n  const { a } = await import('./a.js');\n  return a;\n}\n",
    });
    expect(cruise(dir, ['src']).violations.map((v) => v.rule.name)).toContain('no-cycle');
  });

  it('import() of one of dictl\'s own modules fails; of a runtime package, or of the Arrow adapter, it passes', () => {
    const dir = tree({
      'src/score/score.ts': "export async function go() {\n  const { file } = await import('./file.js');\n  const { arrow } = await import('./arrow.js');\n  const rt = await import('onnxruntime-node');\n  return [file, arrow, rt];\n}\n",
      'src/score/file.ts': 'export const file = 1;\n',
      'src/score/arrow.ts': 'export const arrow = 2;\n',
    });
    const lazy = cruise(dir, ['src']).violations.filter((v) => v.rule.name === 'no-lazy-own-module');
    expect(lazy.map((v) => v.to)).toEqual(['src/score/file.ts']);
  });

  it('two folders that import each other fail, though no module cycle exists', () => {
    const dir = tree({
      'src/datasets/store.ts': "import { build } from '../features/build.js';\nexport const store = () => build;\n",
      'src/features/build.ts': "export const build = 1;\n",
      'src/features/reader.ts': "import { other } from '../datasets/other.js';\nexport const reader = other;\n",
      'src/datasets/other.ts': 'export const other = 2;\n',
    });
    const names = cruise(dir, ['src']).violations.map((v) => v.rule.name);
    expect(names).toContain('no-folder-cycle');
    expect(names).not.toContain('no-cycle');
  });

  it('imports against the layers fail: base → store, core → store, store → use case, use case → command', () => {
    const dir = tree({
      'src/util/x.ts': "import { s } from '../datasets/store.js';\nexport const x = s;\n",
      'src/datasets/store.ts': 'export const s = 1;\n',
      'src/ml/fit.ts': "import { s } from '../datasets/store.js';\nexport const f = s;\n",
      'src/features/build.ts': "import { t } from '../ops/train.js';\nexport const b = t;\n",
      'src/ops/train.ts': "import c from '../../commands/train.js';\nexport const t = c;\n",
      'commands/train.ts': 'export default 1;\n',
    });
    const names = cruise(dir, ['src', 'commands']).violations.map((v) => v.rule.name).sort();
    expect(names).toEqual(['base-imports-base', 'commands-are-leaves', 'core-is-pure', 'ops-below-commands', 'stores-below-ops']);
  });
});

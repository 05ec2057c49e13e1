// Where a worker's script is found when running from the TypeScript sources: the compiled copy under dist/
// only when it was built after the last change to a source under src/, else the TypeScript bootstrap.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { workerScript } from '../../../src/util/worker-script.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** a tree with src/ml/{fit,worker}.ts, src/util/other.ts and dist/src/ml/worker.js, other.ts changed at `otherAt` (s) */
function tree(otherAt: number): string {
  const root = mkdtempSync(join(tmpdir(), 'dictl-worker-'));
  roots.push(root);
  for (const d of ['src/ml', 'dist/src/ml', 'src/util']) mkdirSync(join(root, d), { recursive: true });
  const times: Record<string, number> = { 'src/ml/fit.ts': 1000, 'src/ml/worker.ts': 1000, 'src/util/other.ts': otherAt, 'dist/src/ml/worker.js': 2000 };
  for (const [f, t] of Object.entries(times)) {
    writeFileSync(join(root, f), '');
    utimesSync(join(root, f), t, t);
  }
  return root;
}

it('uses dist/ when it was built after every source', () => {
  const root = tree(1500);
  expect(String(workerScript(pathToFileURL(join(root, 'src/ml/fit.ts')).href, 'worker.js'))).toBe(join(root, 'dist/src/ml/worker.js'));
});

it('uses the TypeScript bootstrap when any source changed after the build', () => {
  const root = tree(3000);
  const s = String(workerScript(pathToFileURL(join(root, 'src/ml/fit.ts')).href, 'worker.js'));
  expect(s).toMatch(/^data:text\/javascript,/);
  expect(decodeURIComponent(s)).toContain(pathToFileURL(join(root, 'src/ml/worker.ts')).href);
});

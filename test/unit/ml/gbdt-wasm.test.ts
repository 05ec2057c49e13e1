// The fit's WebAssembly loops are the build of their C source: the committed module bytes equal a fresh
// compile of src/ml/gbdt/wasm/kernels.c with Debian's clang and lld (test peers).
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { ROOT } from '../../helpers/paths.js';

test('kernels-wasm.ts is the build of kernels.c', () => {
  const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr.trim()).toBe('kernels-wasm.ts matches kernels.c');
  expect(r.status).toBe(0);
});

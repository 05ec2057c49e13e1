/**
 * The README's test command (scripts/test.js) on a machine without its peers stops at once with one line,
 * and a skipped test is listed with its reason and fails the run under CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without declarations
import { missingLine, PEERS } from '../../scripts/peers.mjs';
import { ROOT } from '../helpers/workspace.js';

describe('scripts/test.js', () => {
  it('names the missing peers and the install command, and runs nothing', () => {
    // a PATH with node only: no redis-server, clang or wasm-ld (the programs looked up on PATH)
    // This test needs redis-server to be missing, so it starts none (test/helpers/redis.ts is for tests
    // that need one running)
    const bin = mkdtempSync(join(tmpdir(), 'dictl-nopeers-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/test.js')], { cwd: ROOT, env: { ...process.env, PATH: bin, DICTL_TEST_INSTALL: '0' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['missing test peers: redis-server, clang, wasm-ld — install them with: sudo apt-get install -y redis-server clang lld']);
    expect(r.stdout).toBe('0 passed, 1 failed\n');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('one install line for everything', () => {
    expect(missingLine((PEERS as { name: string }[]).filter((p) => ['onnx', 'xgboost', 'chromium'].includes(p.name)))).toBe(
      'missing test peers: onnx, xgboost, chromium — install them with: sudo apt-get install -y python3-onnx python3-xgboost chromium',
    );
  });

  it('lists a skipped test with its reason, and CI fails on it', () => {
    const root = mkdtempSync(join(tmpdir(), 'dictl-skip-'));
    mkdirSync(join(root, 'test'));
    writeFileSync(join(root, 'vitest.config.mjs'), 'export default {};\n');
    writeFileSync(join(root, 'test/one.test.js'), "test('runs', () => {});\ntest('needs a widget', (ctx) => ctx.skip('no widget on this machine'));\n");
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/test.js'), '--root', root, '--globals'], { cwd: ROOT, env: { ...process.env, CI: '1' }, encoding: 'utf8' });
    expect(r.stdout).toContain('1 passed, 0 failed, 1 skipped\n');
    expect(r.stdout).toContain('skipped: ');
    expect(r.stdout).toContain('one.test.js › needs a widget — no widget on this machine\n');
    expect(r.stdout).toContain('CI: 1 skipped test fail the run');
    expect(r.status).toBe(1);
  });
});

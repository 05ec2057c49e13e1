/** A real redis-server for stream tests: own free loopback port, own folder, AOF on, stopped after. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** graceful stop (SIGTERM: the AOF is flushed) and start again on the same port and folder */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A started redis-server; fails (naming the package) when redis-server is not installed: a missing peer is never a reason to skip. */
export async function startRedis(): Promise<TestRedis> {
  if (!hasRedis) throw new Error('redis-server is not installed: apt-get install -y redis-server (scripts/test.js installs the test peers when run as root)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dictl-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
      if (r.stdout?.trim() === 'PONG') return;
      await new Promise((r2) => setTimeout(r2, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const halt = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart(downMs = 300) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * A consumer process: runStream with a small real logistic scorer (score = σ(0.8·x − 0.3)), options
 * as JSON in argv[2]; SCORE_DELAY_MS slows each batch. Prints the summary JSON on stdout.
 */
export function writeWorker(dir: string): string {
  const file = join(dir, 'worker.mjs');
  const dist = join(repoRoot, 'dist/src');
  writeFileSync(
    file,
    `import { runStream } from ${JSON.stringify(join(dist, 'streams/run-stream.js'))};
import { streamRequest } from ${JSON.stringify(join(dist, 'streams/request.js'))};
import { makeProgress } from ${JSON.stringify(join(dist, 'ui/progress.js'))};
const opts = JSON.parse(process.argv[2]);
const delay = Number(process.env.SCORE_DELAY_MS || 0);
const scorer = {
  validate(e) {
    if (typeof e.x !== 'number' || !Number.isFinite(e.x)) return { ok: false, reason: 'field x: expected a number, got ' + JSON.stringify(e.x) };
    return { ok: true, row: { x: e.x } };
  },
  async scoreRows(rows) {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    return rows.map((r) => ({ score: 1 / (1 + Math.exp(-(0.8 * r.x - 0.3))) }));
  },
};
const s = await runStream(scorer, streamRequest(opts), makeProgress({ quiet: false }));
process.stdout.write(JSON.stringify(s) + '\\n');
`,
  );
  return file;
}

export const logistic = (x: number) => 1 / (1 + Math.exp(-(0.8 * x - 0.3)));

/**
 * The one way tests run the CLI: `node bin/run.js ARGS` (against dist/, so build first) as its own process
 * in a folder, with DICTL_QUIET=1 unless asked otherwise, and stdout parsed when it is one JSON document.
 * cli() runs it to the end (optionally as bytes, or inside a shell pipeline), cliJson() the same with
 * --json, cliProcess() starts it and hands back the child (stdin, stdout and stderr are pipes), and
 * cliShim() puts a `dictl` command on a PATH for tests that run shell lines as a user types them.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export { ROOT };

const RUN = join(ROOT, 'bin/run.js');

export interface CliOptions {
  /** add --json to the arguments */
  json?: boolean;
  /** on top of process.env; an undefined value removes the variable */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** DICTL_QUIET=1 (default true) */
  quiet?: boolean;
  /** ms: the process is killed after it (a hang fails the test instead of stalling it) */
  timeout?: number;
  /** 'buffer': stdout as bytes (binary output such as Arrow IPC), stderr still text; cli() only */
  encoding?: 'utf8' | 'buffer';
  /**
   * cli() only: run as `FROM | dictl ARGS | TO` under /bin/sh (either side may be left out); the code is
   * the pipeline's, i.e. the last command's, as in a shell without pipefail
   */
  pipeline?: { from?: string; to?: string };
}

export interface CliResult {
  /** null when the process was killed by a signal */
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

export interface CliBytesResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function cliEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...(opts.quiet === false ? {} : { DICTL_QUIET: '1' }), ...(opts.env ?? {}) };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

const argv = (args: string[], opts: CliOptions) => [RUN, ...args, ...(opts.json ? ['--json'] : [])];
const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI run to the end in cwd: exit code, stdout, stderr and stdout as JSON (undefined when it is not one document). */
// the text overload last: it is the one ReturnType<typeof cli> names
export function cli(cwd: string, args: string[], opts: CliOptions & { encoding: 'buffer' }): CliBytesResult;
export function cli(cwd: string, args: string[], opts?: CliOptions & { encoding?: 'utf8' }): CliResult;
export function cli(cwd: string, args: string[], opts: CliOptions = {}): CliResult | CliBytesResult {
  const [cmd, cmdArgs] = opts.pipeline
    ? ['/bin/sh', ['-c', [opts.pipeline.from, [process.execPath, ...argv(args, opts)].map(shellWord).join(' '), opts.pipeline.to].filter(Boolean).join(' | ')]]
    : [process.execPath, argv(args, opts)];
  const bytes = opts.encoding === 'buffer';
  // no encoding for bytes: with one, a string input would be encoded by it
  const r = spawnSync(cmd, cmdArgs, { cwd, env: cliEnv(opts), input: opts.input, encoding: bytes ? undefined : 'utf8', maxBuffer: 1 << 26, timeout: opts.timeout });
  if (bytes) return { code: r.status, stdout: r.stdout as Buffer, stderr: (r.stderr as Buffer).toString('utf8') };
  const stdout = r.stdout as unknown as string;
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout, stderr: r.stderr as unknown as string, json };
}

/** cli() with --json added unless json is false. */
export function cliJson(cwd: string, args: string[], opts: CliOptions & { encoding?: 'utf8' } = {}): CliResult {
  return cli(cwd, args, { ...opts, json: opts.json ?? true });
}

/** The CLI as a running process (to feed stdin, interrupt it, kill it, or run several at once); input, encoding and pipeline do not apply. */
export function cliProcess(cwd: string, args: string[], opts: CliOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, argv(args, opts), { cwd, env: cliEnv(opts) });
}

/** A `dictl` command in dir (made if missing): a one-line shell script that runs the CLI with this node. Returns dir, to put on PATH. */
export function cliShim(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dictl'), `#!/bin/sh\nexec "${process.execPath}" "${RUN}" "$@"\n`);
  chmodSync(join(dir, 'dictl'), 0o755);
  return dir;
}

/** The result, or an error with the exit code and stderr when the command failed. */
export function must(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

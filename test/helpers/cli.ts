/**
 * The one way tests run the CLI: `node bin/run.js ARGS` (against dist/, so build first) as its own process
 * in a folder, with DICTL_QUIET=1 unless asked otherwise, and stdout parsed when it is one JSON document.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export { ROOT };

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
}

export interface CliResult {
  /** null when the process was killed by a signal */
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function cliEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...(opts.quiet === false ? {} : { DICTL_QUIET: '1' }), ...(opts.env ?? {}) };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

const argv = (args: string[], opts: CliOptions) => [join(ROOT, 'bin/run.js'), ...args, ...(opts.json ? ['--json'] : [])];

function spawnCli(cwd: string, args: string[], opts: CliOptions, encoding: 'utf8' | 'buffer') {
  // no encoding for bytes: with one, a string input would be encoded by it
  return spawnSync(process.execPath, argv(args, opts), { cwd, env: cliEnv(opts), input: opts.input, encoding: encoding === 'utf8' ? 'utf8' : undefined, maxBuffer: 1 << 26, timeout: opts.timeout });
}

/** The CLI as a running process (to interrupt it, kill it, or run several at once); no input. */
export function dictlProcess(cwd: string, args: string[], opts: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, argv(args, opts), { cwd, env: cliEnv(opts) });
}

export function dictl(cwd: string, args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnCli(cwd, args, opts, 'utf8');
  const stdout = r.stdout as unknown as string;
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout, stderr: r.stderr as unknown as string, json };
}

/** The same, stdout and stderr as bytes (binary output such as Arrow IPC). */
export function dictlBytes(cwd: string, args: string[], opts: CliOptions = {}): { code: number | null; stdout: Buffer; stderr: Buffer } {
  const r = spawnCli(cwd, args, opts, 'buffer');
  return { code: r.status, stdout: r.stdout as Buffer, stderr: r.stderr as Buffer };
}

/** The arguments as given (no --json added), extra environment and stdin. */
export function cli(cwd: string, args: string[], env: Record<string, string | undefined> = {}, input?: string): CliResult {
  return dictl(cwd, args, { env, input });
}

/** With --json added unless json is false. */
export function cliJson(cwd: string, args: string[], opts: CliOptions = {}): CliResult {
  return dictl(cwd, args, { ...opts, json: opts.json ?? true });
}

/** cliJson with DICTL_ACTOR set: the person the audit trail and decisions name. */
export function cliAs(actor: string) {
  return (cwd: string, args: string[], opts: CliOptions = {}) => cliJson(cwd, args, { ...opts, env: { DICTL_ACTOR: actor, ...(opts.env ?? {}) } });
}

/** The result, or an error with the exit code and stderr when the command failed. */
export function must(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

/**
 * The one way tests run /usr/bin/python3, the interpreter of the real references (scikit-learn, xgboost,
 * onnx, sqlglot, pandas; scripts/peers.mjs checks them before the suite runs): a script file or `-c CODE`
 * with arguments and stdin, its JSON output parsed, and a failure as an error naming the command and
 * carrying python's stderr. A missing module fails the test with the package that installs it; it is
 * never a reason to skip.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export interface PythonOptions {
  /** written to python's stdin */
  input?: string;
  cwd?: string;
  /** on top of process.env */
  env?: Record<string, string>;
  /** OMP_NUM_THREADS: one thread keeps scikit-learn's and xgboost's OpenMP loops from spinning on a busy machine */
  threads?: number;
  /** ms before python is killed */
  timeout?: number;
}

export interface PythonRun {
  /** the exit status (null when killed by a signal) */
  status: number | null;
  stdout: string;
  stderr: string;
}

const what = (args: string[]) => (args[0] === '-c' ? `python3 -c <script>${args.length > 2 ? ` ${args.slice(2).join(' ')}` : ''}` : `python3 ${args.join(' ')}`);

/** Runs python3 ARGS and returns what it did, failed or not (for tests that assert on the status and stderr). */
export function python(args: string[], o: PythonOptions = {}): PythonRun {
  const env = { ...process.env, ...(o.threads !== undefined ? { OMP_NUM_THREADS: String(o.threads) } : {}), ...(o.env ?? {}) };
  const r = spawnSync(PYTHON, args, { cwd: o.cwd, env, input: o.input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: o.timeout });
  if (r.error) throw new Error(`${what(args)} did not run (${PYTHON}: ${r.error.message})`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** python3 ARGS's stdout; an error with the exit status and stderr when it fails. */
export function pythonOut(args: string[], o: PythonOptions = {}): string {
  const r = python(args, o);
  if (r.status !== 0) throw new Error(`${what(args)} failed (exit ${r.status ?? 'by signal'}):\n${r.stderr.trim() || '(no stderr)'}`);
  return r.stdout;
}

/** The JSON python3 ARGS prints: all of stdout, or else its last line (a script may print before it). */
export function pythonJson<T = any>(args: string[], o: PythonOptions = {}): T {
  const out = pythonOut(args, o);
  try {
    return JSON.parse(out) as T;
  } catch {
    const last = out.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last) as T;
    } catch {
      throw new Error(`${what(args)} printed no JSON; stdout began: ${JSON.stringify(out.slice(0, 200))}`);
    }
  }
}

/** Fails (naming the Debian package) unless python3 imports every module. */
export function requirePython(modules: Record<string, string>): void {
  const names = Object.keys(modules);
  const r = python(['-c', `import importlib.util as u, sys\nprint(" ".join(m for m in sys.argv[1:] if u.find_spec(m) is None))`, ...names]);
  const missing = r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : names;
  if (missing.length) throw new Error(`${PYTHON} cannot import ${missing.join(', ')}: apt-get install -y ${missing.map((m) => modules[m]).join(' ')} (scripts/test.js installs the test peers when run as root)`);
}

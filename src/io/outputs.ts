/**
 * Checks for user-given output paths (--junit, --report, --quarantine, --out, --output, --tar, …),
 * made before a command changes anything: a report written over registry/audit.log, a model.json,
 * dictl.yaml or a dataset's data would corrupt the workspace silently. Refused:
 *   - anything inside the workspace's registry/ or datasets/ folders, and dictl.yaml itself;
 *   - anything under /proc, /sys or /dev (pseudo file systems: writes there never behave like files);
 *   - an existing folder where a file is to be written, or an existing non-regular file (FIFO, socket).
 * Paths are compared after resolving symbolic links of their deepest existing ancestor, so a link
 * into registry/ is caught too.
 */
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { dataError, usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';

const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** The path with symbolic links resolved as far as it exists (the rest appended unchanged). */
export function realish(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest);
    } catch {
      const up = dirname(cur);
      if (up === cur) return join(cur, ...rest);
      rest.unshift(basename(cur));
      cur = up;
    }
  }
}

const inside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
};

export interface OutputCheck {
  /** the flag, for the message: "--junit" */
  flag: string;
  /** 'file' (default): a file is written there; 'dir': a folder is created or replaced there */
  kind?: 'file' | 'dir';
  /** input files of the same command that the output must not be */
  inputs?: string[];
}

/** Throws a usage error (or a data error for a folder/FIFO in the way) when `path` must not be written; returns it resolved. */
export function checkOutputPath(ws: Workspace | undefined, path: string, o: OutputCheck): string {
  const abs = resolve(path);
  const real = realish(abs);
  for (const root of PSEUDO_ROOTS)
    if (inside(real, root)) throw usageError(`${o.flag} ${path}: refusing to write under ${root} (not a regular file system)`, 'write to a file or folder on disk');
  if (ws) {
    const rootReal = realish(ws.root);
    const wsFile = join(rootReal, 'dictl.yaml');
    const protectedDirs = [realish(ws.registryDir), realish(ws.datasetsDir)];
    if (real === wsFile || protectedDirs.some((d) => inside(real, d)) || (o.kind === 'dir' && (real === rootReal || inside(rootReal, real))))
      throw usageError(
        `${o.flag} ${path}: refusing to write into the workspace's ${real === wsFile ? 'dictl.yaml' : protectedDirs.some((d) => inside(real, d)) ? `${relative(rootReal, protectedDirs.find((d) => inside(real, d))!)}/ folder` : 'root'} (dictl owns those files)`,
        'choose a path outside registry/, datasets/ and dictl.yaml',
      );
  }
  for (const inp of o.inputs ?? []) if (inp && realish(inp) === real) throw usageError(`${o.flag} ${path} is also an input of this command: refusing to overwrite it`);
  if (existsSync(abs)) {
    const st = statSync(abs);
    if ((o.kind ?? 'file') === 'file') {
      if (st.isDirectory()) throw dataError(`${path}: is a directory (${o.flag} needs a file path)`);
      if (!st.isFile()) throw dataError(`${path}: is not a regular file (${o.flag} needs a file path)`);
    } else if (!st.isDirectory() && !lstatSync(abs).isSymbolicLink()) throw usageError(`${o.flag} ${path} exists and is not a folder`);
  }
  return abs;
}

/** An input that must be a regular file (read more than once, or by DuckDB): a folder or FIFO is a data error naming it. */
export function checkInputFile(path: string, shown = path): void {
  const st = statSync(path);
  if (st.isDirectory()) throw dataError(`${shown}: is a directory`, 'pass the file itself');
  if (!st.isFile()) throw dataError(`${shown}: is not a regular file (a FIFO, socket or device)`, 'save the data to a file first');
}

/** checkOutputPath for every given (non-empty) flag value. */
export function checkOutputPaths(ws: Workspace | undefined, outs: [flag: string, path: string | undefined, kind?: 'file' | 'dir'][], inputs: string[] = []): void {
  for (const [flag, path, kind] of outs) if (path) checkOutputPath(ws, path, { flag, kind, inputs });
  const given = outs.filter(([, p]) => p).map(([f, p]) => [f, realish(p!)] as const);
  for (let i = 0; i < given.length; i++)
    for (let j = i + 1; j < given.length; j++) if (given[i][1] === given[j][1]) throw usageError(`${given[i][0]} and ${given[j][0]} name the same file ${given[i][1]}`);
}

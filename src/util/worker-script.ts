/**
 * Where a worker thread's compiled script is: beside the calling module when it runs compiled (dist/),
 * and at the same place under dist/ when it runs from the TypeScript sources (tests), since a worker
 * cannot load a .ts file.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `callerUrl` is the caller's import.meta.url, `file` the worker's compiled file name (e.g. "worker.js"). */
export function workerScript(callerUrl: string, file: string): string {
  const here = fileURLToPath(callerUrl);
  const dir = dirname(here);
  const js = join(dir, file);
  if (here.endsWith('.js') && existsSync(js)) return js;
  const src = `${sep}src${sep}`;
  const at = (dir + sep).lastIndexOf(src);
  if (at < 0) return js;
  return join(dir.slice(0, at), 'dist', (dir + sep).slice(at + 1), file);
}

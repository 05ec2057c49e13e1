/**
 * Where a worker thread's script is. Compiled (dist/): the .js file beside the calling module. From the
 * TypeScript sources (tests): the compiled file at the same place under dist/ when it was built after the
 * last change to any source under src/ (it starts fast); without a build, or with an older one, a small
 * bootstrap that registers scripts/ts-worker-hooks.mjs (TypeScript's transpileModule on load, "./x.js" →
 * x.ts) and imports the worker's .ts file, since Node 20 cannot load a .ts file by itself (loading
 * TypeScript adds ~1 s to the worker's start). A worker reads `workerData` as usual.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `callerUrl` is the caller's import.meta.url, `file` the worker's compiled file name (e.g. "worker.js"). */
export function workerScript(callerUrl: string, file: string): string | URL {
  const here = fileURLToPath(callerUrl);
  const js = join(dirname(here), file);
  if (here.endsWith('.js')) return js;
  const src = `${sep}src${sep}`;
  const at = here.lastIndexOf(src);
  if (at < 0) return js;
  const dist = join(here.slice(0, at), 'dist', dirname(here).slice(at + 1), file);
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSource(join(here.slice(0, at), 'src'))) return dist;
  const ts = js.replace(/\.js$/, '.ts');
  if (!existsSync(ts)) return dist;
  const hooks = pathToFileURL(join(here.slice(0, at), 'scripts', 'ts-worker-hooks.mjs')).href;
  const boot = `import { register } from 'node:module';\nregister(${JSON.stringify(hooks)});\nawait import(${JSON.stringify(pathToFileURL(ts).href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

const newest = new Map<string, number>();
/** The latest modification time of a .ts file under dir (once per process). */
function newestSource(dir: string): number {
  let t = newest.get(dir);
  if (t !== undefined) return t;
  t = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) t = Math.max(t!, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  newest.set(dir, t);
  return t;
}

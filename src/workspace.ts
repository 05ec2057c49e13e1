/**
 * A workspace is a folder holding dictl.yaml and three folders: datasets/ (registered data),
 * features/ (feature-set definitions), registry/ (feature builds, holdouts, models, aliases, audit log).
 * Commands find it by walking up from the current folder, or take --workspace DIR.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { notFound, usageError } from './errors.js';
import { writeFileAtomic } from './io/atomic.js';

export const WORKSPACE_FILE = 'dictl.yaml';

export interface Workspace {
  root: string;
  datasetsDir: string;
  featuresDir: string;
  registryDir: string;
}

export function workspaceAt(root: string): Workspace {
  const r = resolve(root);
  return { root: r, datasetsDir: join(r, 'datasets'), featuresDir: join(r, 'features'), registryDir: join(r, 'registry') };
}

export function findWorkspace(explicit?: string, from: string = process.cwd()): Workspace {
  if (explicit) {
    const root = resolve(explicit);
    if (!existsSync(join(root, WORKSPACE_FILE)))
      throw notFound(`no dictl workspace at ${root} (no ${WORKSPACE_FILE})`, `run: dictl init ${explicit}`);
    return workspaceAt(root);
  }
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, WORKSPACE_FILE))) return workspaceAt(dir);
    const up = dirname(dir);
    if (up === dir) throw notFound(`not inside a dictl workspace (no ${WORKSPACE_FILE} here or above ${from})`, 'run: dictl init, or pass --workspace DIR');
    dir = up;
  }
}

export interface InitResult {
  root: string;
  created: string[];
  existed: boolean;
}

export function initWorkspace(dir: string): InitResult {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) throw usageError(`${root} exists and is not a folder`);
  const ws = workspaceAt(root);
  const created: string[] = [];
  const existed = existsSync(join(root, WORKSPACE_FILE));
  for (const d of [ws.datasetsDir, ws.featuresDir, ws.registryDir]) {
    if (!existsSync(d)) {
      mkdirSync(d, { recursive: true });
      created.push(d);
    }
  }
  if (!existed) {
    writeFileAtomic(join(root, WORKSPACE_FILE), `# dictl workspace\nversion: 1\n`);
    created.push(join(root, WORKSPACE_FILE));
  }
  return { root, created, existed };
}

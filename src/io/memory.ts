/**
 * The memory budget of one command (`--memory-limit SIZE`, else `memory_limit:` in dictl.yaml): DuckDB
 * gets it as memory_limit and spills to a folder inside the workspace (.dictl-spill/<pid>-<n>, never in
 * registry/ or datasets/), removed when the command ends; folders left by processes that died are
 * removed by the next budgeted command. Training reads it to decide whether the feature matrix fits.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { usageError, DictlError } from '../errors.js';
import { WORKSPACE_FILE, type Workspace } from '../workspace.js';
import { setDuckDefaults } from './duck.js';
import { pidAlive } from './lock.js';

export interface MemoryBudget {
  /** bytes */
  bytes: number;
  /** the text it came from, e.g. "4GB" */
  text: string;
  /** where DuckDB spills */
  spillDir: string;
  from: 'flag' | 'dictl.yaml';
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "1GB" → 1e9, "512MiB" → 536870912, "2g" → 2 GiB. Throws a usage error naming `what` otherwise. */
export function parseMemorySize(text: string, what = '--memory-limit'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(text));
  const unit = m ? (m[2] || 'b').toLowerCase() : '';
  if (!m || !(unit in UNITS)) throw usageError(`${what} "${text}" is not a size`, 'use a number with a unit: 512MB, 4GB, 2GiB');
  const bytes = Math.floor(Number(m[1]) * UNITS[unit]);
  if (bytes < 64e6) throw usageError(`${what} ${text} is below the 64MB DuckDB needs to work`);
  return bytes;
}

/** memory_limit from dictl.yaml, if set. */
function workspaceDefault(ws: Workspace): string | undefined {
  const p = join(ws.root, WORKSPACE_FILE);
  if (!existsSync(p)) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new DictlError('data', `${WORKSPACE_FILE}: ${(e as Error).message.split('\n')[0]}`);
  }
  const v = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).memory_limit : undefined;
  if (v === undefined || v === null) return undefined;
  return String(v);
}

export const spillRoot = (ws: Workspace) => join(ws.root, '.dictl-spill');

function removeStaleSpill(root: string): void {
  if (!existsSync(root)) return;
  for (const d of readdirSync(root)) {
    const pid = Number(/^(\d+)-/.exec(d)?.[1]);
    if (pid && pid !== process.pid && !pidAlive(pid)) rmSync(join(root, d), { recursive: true, force: true });
  }
}

let seq = 0;

/** The budget for this command, or undefined when neither the flag nor dictl.yaml sets one. Creates nothing. */
export function resolveBudget(ws: Workspace, flag?: string): Omit<MemoryBudget, 'spillDir'> | undefined {
  if (flag !== undefined) return { bytes: parseMemorySize(flag), text: flag, from: 'flag' };
  const d = workspaceDefault(ws);
  if (d === undefined) return undefined;
  return { bytes: parseMemorySize(d, `${WORKSPACE_FILE} memory_limit`), text: d, from: 'dictl.yaml' };
}

let current: MemoryBudget | undefined;

/** DuckDB's share: the budget less what the process needs beside it (V8 heap, Parquet buffers), at least 64MB. */
export const duckMemoryBytes = (b: { bytes: number }) => Math.max(64 * 2 ** 20, Math.floor(b.bytes * 0.6));
const duckSettings = (b: MemoryBudget) => ({ memoryLimit: `${Math.floor(duckMemoryBytes(b) / 2 ** 20)}MiB`, tempDirectory: b.spillDir });

/** The budget of the running command (set by withMemoryBudget). */
export const currentBudget = (): MemoryBudget | undefined => current;

/**
 * Runs fn with every DuckDB opened in it limited to the budget and spilling inside the workspace;
 * the spill folder is removed afterwards, whatever happens. Without a budget, runs fn as it is.
 */
export async function withMemoryBudget<T>(ws: Workspace, flag: string | undefined, fn: (b: MemoryBudget | undefined) => Promise<T>): Promise<T> {
  const b = resolveBudget(ws, flag);
  if (!b) return fn(undefined);
  const root = spillRoot(ws);
  removeStaleSpill(root);
  const spillDir = join(root, `${process.pid}-${++seq}`);
  mkdirSync(spillDir, { recursive: true });
  const budget: MemoryBudget = { ...b, spillDir };
  const before = current;
  current = budget;
  setDuckDefaults(duckSettings(budget));
  try {
    return await fn(budget);
  } finally {
    setDuckDefaults(before ? duckSettings(before) : {});
    current = before;
    rmSync(spillDir, { recursive: true, force: true });
    try {
      if (readdirSync(root).length === 0) rmSync(root, { recursive: true, force: true });
    } catch {
      // another process's folder appeared meanwhile: leave the root
    }
  }
}

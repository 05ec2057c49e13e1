/**
 * Example projects shipped inside the dictl package: `dictl init DIR --example NAME` copies the example's
 * data file into the new workspace's root and its feature set into features/, so the README's lifecycle
 * runs as written from an empty folder.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';

export interface BundledExample {
  name: string;
  description: string;
  /** paths relative to the package root */
  data: string;
  featureSet: string;
}

export const EXAMPLES: Record<string, BundledExample> = {
  churn: {
    name: 'churn',
    description: 'telecom customer churn, 5,000 rows, label "churn" (yes/no); MLC++ data via R modeldata (MIT)',
    data: 'datasets/churn.csv',
    featureSet: 'features/churn.yaml',
  },
};

/** The package root: the folder holding package.json (two levels above dist/src/examples). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'datasets'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('internal: the dictl package root (package.json beside datasets/) was not found');
    dir = up;
  }
}

export interface ExampleCopy {
  example: string;
  /** files written, relative to the workspace root */
  files: string[];
  /** files left as they were because they already existed */
  kept: string[];
}

/** Copies an example's data file (to the workspace root) and feature set (to features/); existing files are kept. */
export function copyExample(ws: Workspace, name: string, root: string = packageRoot()): ExampleCopy {
  const ex = EXAMPLES[name];
  if (!ex) throw usageError(`unknown example "${name}"`, `available: ${Object.keys(EXAMPLES).join(', ')}`);
  const out: ExampleCopy = { example: name, files: [], kept: [] };
  const targets: [string, string][] = [
    [resolve(root, ex.data), basename(ex.data)],
    [resolve(root, ex.featureSet), join('features', basename(ex.featureSet))],
  ];
  for (const [from, rel] of targets) {
    const to = join(ws.root, rel);
    if (existsSync(to)) out.kept.push(rel);
    else {
      copyFileSync(from, to);
      out.files.push(rel);
    }
  }
  return out;
}

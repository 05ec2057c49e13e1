/**
 * `dictl feature list`: every feature set of the workspace with its builds.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureBuild } from '../types.js';
import type { Workspace } from '../workspace.js';
import { loadFeatureSet, listFeatureSetFiles } from '../features/spec.js';
import { featureBuildVersions, readFeatureBuild } from '../features/builds.js';

export interface FeatureSetListing {
  name: string;
  file: string;
  source?: string;
  features?: number;
  valid: boolean;
  error?: string;
  builds: number;
  latest?: { version: number; dataset: string; outputs: number; rows: FeatureBuild['rows']; hash: string };
}

export function listFeatureSets(ws: Workspace): FeatureSetListing[] {
  const names = new Set(listFeatureSetFiles(ws));
  const built = join(ws.registryDir, 'features');
  if (existsSync(built)) for (const d of readdirSync(built)) if (statSync(join(built, d)).isDirectory() && featureBuildVersions(ws, d).length) names.add(d);
  return [...names].sort().map((name) => {
    const out: FeatureSetListing = { name, file: `features/${name}.yaml`, valid: false, builds: 0 };
    try {
      const s = loadFeatureSet(ws, name);
      out.valid = true;
      out.source = s.source;
      out.features = s.features.length;
    } catch (e) {
      out.error = (e as Error).message;
    }
    const vs = featureBuildVersions(ws, name);
    out.builds = vs.length;
    if (vs.length) {
      const b = readFeatureBuild(ws, name, vs[vs.length - 1]);
      out.latest = { version: b.version, dataset: b.dataset, outputs: b.pipeline.outputNames.length, rows: b.rows, hash: b.hash };
    }
    return out;
  });
}

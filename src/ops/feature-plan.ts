/**
 * `dictl feature plan`: what a build would do, checked against the data, without writing anything.
 */
import type { Workspace } from '../workspace.js';
import { featureBuildVersions, findBuildByHash, prepareBuild, readFeatureBuild } from '../features/builds.js';

export interface PlanResult {
  name: string;
  action: 'create' | 'unchanged';
  nextVersion: number;
  hash: string;
  dataset: string;
  /** null: unsupervised, all rows */
  holdout: string | null;
  trainRows: number;
  testRows: number;
  inputs: string[];
  derived: string[];
  features: { name: string; kind: string; transforms: number }[];
  changes: { definition: boolean; data: boolean; holdout: boolean } | null;
  latest?: { version: number; hash: string; dataset: string; holdout: string | null };
}

/** What `feature build` would do, without reading data or writing anything. */
export async function planFeatureSet(ws: Workspace, name: string, opts: { allowUnconsented?: boolean } = {}): Promise<PlanResult> {
  const inp = await prepareBuild(ws, name, opts);
  const existing = findBuildByHash(ws, name, inp.hash);
  const vs = featureBuildVersions(ws, name);
  const latest = vs.length ? readFeatureBuild(ws, name, vs[vs.length - 1]) : undefined;
  return {
    name,
    action: existing ? 'unchanged' : 'create',
    nextVersion: existing ? existing.version : (vs[vs.length - 1] ?? 0) + 1,
    hash: inp.hash,
    dataset: inp.ds.ref,
    holdout: inp.holdout?.hash ?? null,
    trainRows: inp.holdout?.nTrain ?? inp.ds.rows,
    testRows: inp.holdout?.nTest ?? 0,
    inputs: inp.plan.inputs.map((i) => i.name),
    derived: inp.plan.derived.map((d) => d.name),
    features: inp.spec.features.map((f) => ({ name: f.name, kind: f.kind, transforms: f.transforms.length })),
    changes: latest ? { definition: latest.definitionHash !== inp.definitionHash, data: latest.dataset !== inp.ds.ref, holdout: latest.holdout !== (inp.holdout?.hash ?? null) } : null,
    ...(latest ? { latest: { version: latest.version, hash: latest.hash, dataset: latest.dataset, holdout: latest.holdout } } : {}),
  };
}

// ───────────────────────── materialize (online store) ─────────────────────────

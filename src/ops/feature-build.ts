/**
 * `dictl feature build`: fits a feature set's pipeline on the training rows of its dataset (and holdout)
 * and writes a new build version under the workspace lock, or returns the existing one when nothing changed.
 */
import { join } from 'node:path';
import { commitDir, dropStaging, stagingDirFor, writeJsonAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import { locked } from '../io/lock.js';
import { appendAudit } from '../io/audit.js';
import { datasetDataPath } from '../datasets/store.js';
import type { FeatureBuild } from '../types.js';
import type { Workspace } from '../workspace.js';
import { withDuck, watchProgress } from '../io/duck.js';
import type { Progress } from '../ui/progress.js';
import { featureBuildDir, featureBuildVersions, findBuildByHash, fitAndWrite, prepareBuild } from '../features/builds.js';

export interface BuildResult {
  name: string;
  version: number;
  ref: string;
  hash: string;
  unchanged: boolean;
  dataset: string;
  holdout: string | null;
  rows: { train: number; test: number; skipped: number };
  outputs: string[];
  path: string;
  timings: { fitMs: number; writeMs: number; totalMs: number };
}

export async function buildFeatureSet(
  ws: Workspace,
  name: string,
  opts: { allowUnconsented?: boolean; wait?: number; progress?: Pick<Progress, 'phase' | 'tick'> } = {},
): Promise<BuildResult> {
  const t0 = Date.now();
  const progress = (m: string) => opts.progress?.phase(m);
  const ticks = opts.progress && ((d: number, t: number) => opts.progress!.tick(d, t));
  const inp = await prepareBuild(ws, name, opts);
  const existing = findBuildByHash(ws, name, inp.hash);
  const unchangedResult = (b: FeatureBuild): BuildResult => ({
    name,
    version: b.version,
    ref: `${name}@${b.version}`,
    hash: b.hash,
    unchanged: true,
    dataset: b.dataset,
    holdout: b.holdout,
    rows: b.rows,
    outputs: b.pipeline.outputNames,
    path: featureBuildDir(ws, name, b.version),
    timings: { fitMs: 0, writeMs: 0, totalMs: Date.now() - t0 },
  });
  if (existing) return unchangedResult(existing);
  return locked(ws, opts.wait, `feature build ${name}`, async () => {
    const again = findBuildByHash(ws, name, inp.hash);
    if (again) return unchangedResult(again);
    const versions = featureBuildVersions(ws, name);
    const version = (versions[versions.length - 1] ?? 0) + 1;
    const finalDir = featureBuildDir(ws, name, version);
    const staging = stagingDirFor(finalDir);
    try {
      const dataPath = datasetDataPath(ws, inp.ds.name, inp.ds.version);
      progress(`building ${name}@${version} from ${inp.ds.ref} (${inp.holdout ? `holdout ${inp.holdout.hash.slice(0, 12)}: ${inp.holdout.nTrain} train / ${inp.holdout.nTest} test rows` : `no label, no holdout: all ${inp.ds.rows} rows`})`);
      const r = await withDuck(
        async (duck) => {
          // rows done of each fit and write query, under the step the progress callback last named
          const stop = ticks ? watchProgress(duck, ticks) : () => {};
          try {
            return await fitAndWrite(duck, { spec: inp.spec, plan: inp.plan, dataPath, testRows: inp.holdout?.testRows ?? [], aggs: inp.aggs, temporal: inp.temporal }, join(staging, 'features.parquet'), progress);
          } finally {
            stop();
          }
        },
        { progress: Boolean(ticks) },
      );
      const build: FeatureBuild = {
        kind: 'feature-build',
        name,
        version,
        hash: inp.hash,
        definitionHash: inp.definitionHash,
        dataset: inp.ds.ref,
        holdout: inp.holdout?.hash ?? null,
        ...(r.label ? { label: r.label } : {}),
        pipeline: r.pipeline,
        rows: r.rows,
        allowPii: inp.spec.allowPii,
        allowUnconsented: inp.allowUnconsented,
      };
      writeJsonAtomic(join(staging, 'state.json'), build);
      commitDir(staging, finalDir);
      crashPoint('feature-commit');
      const timings = { fitMs: r.fitMs, writeMs: r.writeMs, totalMs: Date.now() - t0 };
      appendAudit(ws, {
        action: 'feature.build',
        subject: `${name}@${version}`,
        details: { hash: inp.hash, dataset: inp.ds.ref, holdout: inp.holdout?.hash ?? null, rows: r.rows, outputs: r.pipeline.outputNames.length, allowUnconsented: inp.allowUnconsented, timings },
      });
      return {
        name,
        version,
        ref: `${name}@${version}`,
        hash: inp.hash,
        unchanged: false,
        dataset: inp.ds.ref,
        holdout: inp.holdout?.hash ?? null,
        rows: r.rows,
        outputs: r.pipeline.outputNames,
        path: finalDir,
        timings,
      };
    } catch (e) {
      dropStaging(staging);
      throw e;
    }
  });
}

// ───────────────────────── list / show / plan ─────────────────────────

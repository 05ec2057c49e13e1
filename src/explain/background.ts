/**
 * The training rows a model's contributions are measured against: the means of its inputs over the
 * training split of its feature build (read from features.parquet in row order, so the sums and the
 * package bytes are the same run after run).
 */
import { dataError } from '../errors.js';
import { featureBuildVersions, loadMatrix, resolveFeatureBuild } from '../features/builds.js';
import type { ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { columnMeans } from './linear.js';
import type { ExplainSpec } from './explainer.js';
import { linearExplainSpec } from './spec.js';

export async function trainingMeans(ws: Workspace, model: ModelVersion): Promise<Float64Array> {
  const fs = model.lineage.featureSet;
  const fb = resolveFeatureBuild(ws, `${fs.name}@${fs.version}`);
  if (fb.build.hash !== fs.hash) throw dataError(`feature build ${fs.name}@${fs.version} is not the one ${model.name}@${model.version} was trained on (hash differs)`);
  const m = await loadMatrix(fb.parquetPath, 'train');
  const names = model.featureNames && model.featureNames.length ? model.featureNames : model.pipeline.outputNames;
  if (m.names.join('\u0000') !== names.join('\u0000')) throw dataError(`feature build ${fs.name}@${fs.version} has other columns than ${model.name}@${model.version}'s inputs`);
  if (m.n === 0) throw dataError(`feature build ${fs.name}@${fs.version} has no training rows`);
  return columnMeans(m.X, m.n, m.p);
}

/**
 * explain.json for a registered model, or why there is none: a model whose feature build is gone
 * from the workspace (or was registered without one) is packaged without it and cannot explain.
 */
export async function explainSpecFor(ws: Workspace, model: ModelVersion): Promise<{ spec: ExplainSpec } | { spec: null; why: string }> {
  const fs = model.lineage.featureSet;
  if (!featureBuildVersions(ws, fs.name).includes(fs.version)) return { spec: null, why: `its feature build ${fs.name}@${fs.version} is not in this workspace (the training means are measured from it)` };
  try {
    return { spec: linearExplainSpec(model, await trainingMeans(ws, model)) };
  } catch (e) {
    if (e instanceof RangeError) throw dataError(`cannot explain ${model.name}@${model.version}: ${e.message}`);
    throw e;
  }
}

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
import { explainSpec } from './spec.js';
import { familyOf } from '../ml/families/index.js';

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

class MissingBackground extends Error {}

/**
 * explain.json for a registered model, or why there is none: a model whose feature build is gone
 * from the workspace (or was registered without one) is packaged without it and cannot explain.
 */
export async function explainSpecFor(ws: Workspace, model: ModelVersion): Promise<{ spec: ExplainSpec } | { spec: null; why: string }> {
  const family = familyOf(model);
  if (!family.explainPart) return { spec: null, why: `the ${family.name} family has no exact contributions` };
  const fs = model.lineage.featureSet;
  const means = async () => {
    if (!featureBuildVersions(ws, fs.name).includes(fs.version)) throw new MissingBackground(`its feature build ${fs.name}@${fs.version} is not in this workspace (the training means are measured from it)`);
    return trainingMeans(ws, model);
  };
  try {
    return { spec: explainSpec(model, await family.explainPart(model, means)) };
  } catch (e) {
    if (e instanceof MissingBackground) return { spec: null, why: e.message };
    if (e instanceof RangeError) return { spec: null, why: e.message };
    throw e;
  }
}

/**
 * The training rows a model's contributions are measured against: the means of its inputs over the
 * training split of its feature build, summed while streaming features.parquet in row order (no
 * matrix in memory; the same sums, so the same package bytes, run after run: exactly columnMeans of
 * the training matrix).
 */
import { dataError, notFound } from '../errors.js';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { featureBuildVersions, lockDown, resolveFeatureBuild } from '../features/builds.js';
import type { ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import type { ExplainSpec } from '../explain/explainer.js';
import { explainSpec } from '../explain/spec.js';
import { familyOf } from '../ml/families/index.js';
import { withDuck, readDoubleVector, sqlString, sqlIdent } from '../io/duck.js';

export async function trainingMeans(ws: Workspace, model: ModelVersion): Promise<Float64Array> {
  const fs = model.lineage.featureSet;
  const fb = resolveFeatureBuild(ws, `${fs.name}@${fs.version}`);
  if (fb.build.hash !== fs.hash) throw dataError(`feature build ${fs.name}@${fs.version} is not the one ${model.name}@${model.version} was trained on (hash differs)`);
  if (!existsSync(fb.parquetPath)) throw notFound(`feature matrix ${fb.parquetPath} not found`);
  const names = model.featureNames && model.featureNames.length ? model.featureNames : model.pipeline.outputNames;
  const p = names.length;
  const { sums, n } = await withDuck(async (duck) => {
    await lockDown(duck, [dirname(fb.parquetPath)]);
    const src = `read_parquet(${sqlString(fb.parquetPath)})`;
    const cols = (await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`)).map((c) => c.column_name).filter((c) => !c.startsWith('__'));
    if (cols.join('\u0000') !== names.join('\u0000')) throw dataError(`feature build ${fs.name}@${fs.version} has other columns than ${model.name}@${model.version}'s inputs`);
    const result = await duck.conn.stream(`SELECT ${names.map((c) => `${sqlIdent(c)}::DOUBLE`).join(', ')} FROM ${src} WHERE __split = 'train' ORDER BY __row`);
    const sums = new Float64Array(p);
    let n = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const m = chunk.rowCount;
      // row-major order of additions, as columnMeans over the matrix does
      const block = new Float64Array(m * p);
      for (let j = 0; j < p; j++) readDoubleVector(chunk.getColumnVector(j), m, block, j, p);
      for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) sums[j] += block[i * p + j];
      n += m;
    }
    return { sums, n };
  });
  if (n === 0) throw dataError(`feature build ${fs.name}@${fs.version} has no training rows`);
  for (let j = 0; j < p; j++) sums[j] /= n;
  return sums;
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

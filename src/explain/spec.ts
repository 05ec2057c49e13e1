/**
 * What a scorer package carries to explain its scores (explain.json): the model family's part (its
 * parameters and what contributions are measured from: training means of the inputs for linear
 * models, the trees' covers for tree ensembles), the fitted feature pipeline and the label's classes.
 * Pure; the family supplies its part through the model-family seam.
 */
import type { ModelVersion } from '../types.js';
import { classNames } from '../labels.js';
import type { ExplainPart, ExplainSpec } from './explainer.js';

export function explainSpec(model: ModelVersion, part: ExplainPart): ExplainSpec {
  if (model.task === 'segmentation') throw new RangeError('a segmentation has no score to explain');
  const names = model.featureNames && model.featureNames.length ? model.featureNames : model.pipeline.outputNames;
  const l = part.linear;
  if (l) {
    if (l.means.length !== names.length) throw new RangeError(`${names.length} model inputs but ${l.means.length} training means`);
    for (let j = 0; j < l.means.length; j++) if (!Number.isFinite(l.means[j])) throw new RangeError(`the training mean of "${names[j]}" is not a finite number`);
  }
  const spec: ExplainSpec = {
    kind: 'dictl-explainer',
    formatVersion: 1,
    family: part.family,
    task: model.task,
    classes: model.task === 'regression' ? [] : classNames(model),
    pipeline: model.pipeline,
    featureNames: names,
  };
  if (part.linear) spec.linear = part.linear;
  if (part.trees) spec.trees = part.trees;
  return spec;
}

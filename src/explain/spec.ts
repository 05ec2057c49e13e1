/**
 * What a scorer package carries to explain its scores (explain.json): the model's parameters, its
 * fitted feature pipeline and the training means of the model inputs (the background of linear
 * contributions), built from a registered model. Pure; the training means come from background.ts.
 */
import type { ModelVersion } from '../types.js';
import { classNames } from '../onnx/export.js';
import type { ExplainSpec } from './explainer.js';

export function linearExplainSpec(model: ModelVersion, means: ArrayLike<number>): ExplainSpec {
  const names = model.featureNames && model.featureNames.length ? model.featureNames : model.pipeline.outputNames;
  if (means.length !== names.length) throw new RangeError(`${model.name}@${model.version}: ${names.length} model inputs but ${means.length} training means`);
  for (let j = 0; j < means.length; j++)
    if (!Number.isFinite(means[j])) throw new RangeError(`${model.name}@${model.version}: the training mean of "${names[j]}" is not a finite number`);
  return {
    kind: 'dictl-explainer',
    formatVersion: 1,
    family: 'linear',
    task: model.task,
    classes: model.task === 'regression' ? [] : classNames(model),
    pipeline: model.pipeline,
    featureNames: names,
    linear: { coef: model.coef, intercept: model.intercept, means: Array.from(means) },
  };
}

/**
 * The registry of model families and the one way the rest of dictl reaches a model: predictions,
 * margins, validation of a record, its ONNX part and its description all dispatch on
 * model.algorithm here. A new family is a file in this folder plus a line in FAMILIES.
 */
import { dataError, usageError } from '../../errors.js';
import type { ModelVersion } from '../../types.js';
import { labelOf } from './label.js';
import { argminRows } from '../kmeans/kernels.js';
import { sigmoid, softmaxRows, type Task } from '../predict.js';
import { gbdtFamily } from './gbdt.js';
import { kmeansFamily } from './kmeans.js';
import { linearFamily, logisticFamily } from './linear.js';
import type { FamilySummary, ModelFamily } from './types.js';

export const FAMILIES: readonly ModelFamily[] = [logisticFamily, linearFamily, gbdtFamily, kmeansFamily];

export const familyNames = (): string[] => FAMILIES.map((f) => f.name);

/** The family named `name`; a usage error listing the families otherwise. */
export function getFamily(name: string): ModelFamily {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw usageError(`unknown model family "${name}" (families: ${familyNames().join(', ')})`, 'e.g. --model gbdt, or --grid "model=logistic,gbdt"');
  return f;
}

/** The default family of a task: logistic for labels with classes, linear for numbers. */
export const defaultFamily = (task: Task): ModelFamily => (task === 'regression' ? linearFamily : logisticFamily);

/** The family a model record belongs to. */
export function familyOf(m: { algorithm: string; name: string; version?: number }): ModelFamily {
  const f = FAMILIES.find((x) => x.name === m.algorithm);
  if (!f) throw dataError(`model ${m.name}${m.version !== undefined ? `@${m.version}` : ''} has algorithm "${m.algorithm}", which this dictl does not know (families: ${familyNames().join(', ')})`, 'upgrade dictl or run: dictl doctor');
  return f;
}

/** Number of probability columns (multiclass) or 1. */
export function outputWidth(m: Pick<ModelVersion, 'task' | 'label'>): number {
  return m.task === 'multiclass' ? (labelOf(m).classes?.length ?? 0) : 1;
}

/** Margins → predictions in place: binary σ → P(positive); multiclass softmax rows; regression as is. */
export function link(task: Task, S: Float64Array, n: number, K: number): Float64Array {
  if (task === 'regression') return S;
  if (task === 'binary') {
    for (let i = 0; i < n; i++) S[i] = sigmoid(S[i]);
    return S;
  }
  return softmaxRows(S, n, K);
}

/**
 * binary: P(positive) per row (length n); multiclass: n × K probabilities row-major; regression:
 * predicted values; segmentation: the segment (nearest centre) of each row. X is the model's feature matrix (row-major n × featureNames.length).
 */
export function predictModel(m: ModelVersion, X: Float64Array, n: number, p: number): Float64Array {
  const f = familyOf(m);
  const S = f.margins(m, X, n, p);
  if (m.task === 'segmentation') return Float64Array.from(argminRows(S, n, S.length / Math.max(n, 1)));
  return link(m.task, S, n, outputWidth(m));
}

export function summarizeFamily(m: ModelVersion): FamilySummary {
  return familyOf(m).summary(m);
}

export type { FamilySummary, ModelFamily } from './types.js';
export { labelOf };

/** Pure description of a fitted model as one ai.onnx.ml (opset 3) TreeEnsembleClassifier / TreeEnsembleRegressor node. */
import type { GbdtModel } from './index.js';

export interface OnnxTreeEnsemble {
  opType: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor';
  /** attribute name → value (ints / floats / strings lists, or a single string such as post_transform) */
  attributes: Record<string, number[] | string[] | string | number>;
  /** which attributes hold floats (the rest of the numeric lists are ints) */
  floatAttributes: string[];
}

export function onnxTreeEnsembleAttributes(model: GbdtModel, opts: { classLabels?: number[] | string[] } = {}): OnnxTreeEnsemble {
  void model; void opts;
  throw new Error('onnxTreeEnsembleAttributes: not implemented yet');
}

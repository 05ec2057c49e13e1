/**
 * Pure description of a fitted model as one ai.onnx.ml (opset 3) TreeEnsembleClassifier /
 * TreeEnsembleRegressor node. Numeric splits are BRANCH_LEQ on the float32 thresholds with
 * nodes_missing_value_tracks_true = missingLeft. A categorical split becomes a chain of BRANCH_EQ
 * nodes, one per code going left, all sharing the left child as their true branch (the chain's last
 * false branch is the right child); missing values go left through the first link's
 * missing-tracks-true flag. A split that sends only missing values left is a BRANCH_LEQ at −FLT_MAX.
 * Node ids inside a tree: the model's own node ids first, chain links appended after them.
 *
 * Classifier: binary → every leaf weight on class id 0 with base_values [b] and post_transform
 * LOGISTIC (onnxruntime's binary convention: probabilities [1 − σ(m), σ(m)]); multiclass → tree t
 * weighs on class t mod K, base_values = the K initial margins, SOFTMAX. Regressor: one target, SUM.
 *
 * Precision: with the plain float attributes onnxruntime accumulates the leaf weights in float32
 * (measured: 2.6e-6 off on a 300-tree regression). With `double: true` the weights, thresholds and
 * base values are given as double tensors (`*_as_tensor`, listed in doubleTensorAttributes);
 * onnxruntime then needs a double input and sums in double — feed it Cast(float) → Cast(double) of
 * the features so that the comparisons still see float32 values (1.9e-7 off on the same model, the
 * float32 rounding of the operator's output).
 */
import { F32_MAX } from './bins.js';
import type { AttrValue, GraphBuilder, TensorRef } from '../../onnx/builder.js';
import type { GbdtModel } from './types.js';

export interface OnnxTreeEnsemble {
  opType: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor';
  /** attribute name → value (ints / floats / strings lists, or a single string such as post_transform) */
  attributes: Record<string, number[] | string[] | string | number>;
  /** which attributes hold floats (the rest of the numeric lists are ints) */
  floatAttributes: string[];
  /** which attributes are 1-D double tensors (only with double: true; their names end in _as_tensor) */
  doubleTensorAttributes: string[];
}

export function onnxTreeEnsembleAttributes(model: GbdtModel, opts: { classLabels?: number[] | string[]; double?: boolean } = {}): OnnxTreeEnsemble {
  const treeids: number[] = [];
  const nodeids: number[] = [];
  const featureids: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueids: number[] = [];
  const falseids: number[] = [];
  const missTrue: number[] = [];
  const wTree: number[] = [];
  const wNode: number[] = [];
  const wId: number[] = [];
  const wVal: number[] = [];
  const T = model.treesPerRound;
  const push = (t: number, id: number, f: number, mode: string, v: number, tr: number, fa: number, mt: number) => {
    treeids.push(t);
    nodeids.push(id);
    featureids.push(f);
    modes.push(mode);
    values.push(v);
    trueids.push(tr);
    falseids.push(fa);
    missTrue.push(mt);
  };
  model.trees.forEach((tree, t) => {
    let next = tree.feature.length;
    for (let i = 0; i < tree.feature.length; i++) {
      const f = tree.feature[i];
      if (f < 0) {
        push(t, i, 0, 'LEAF', 0, 0, 0, 0);
        wTree.push(t);
        wNode.push(i);
        wId.push(T === 1 ? 0 : t % T);
        wVal.push(tree.value[i]);
        continue;
      }
      const cats = tree.categories?.[i] ?? null;
      if (cats === null) {
        push(t, i, f, 'BRANCH_LEQ', tree.threshold[i], tree.left[i], tree.right[i], tree.missingLeft[i]);
      } else if (cats.length === 0) {
        push(t, i, f, 'BRANCH_LEQ', -F32_MAX, tree.left[i], tree.right[i], tree.missingLeft[i]);
      } else {
        for (let c = 0; c < cats.length; c++) {
          const id = c === 0 ? i : next++;
          const fa = c === cats.length - 1 ? tree.right[i] : next;
          push(t, id, f, 'BRANCH_EQ', cats[c], tree.left[i], fa, c === 0 ? tree.missingLeft[i] : 0);
        }
      }
    }
  });
  const nodes = {
    nodes_treeids: treeids,
    nodes_nodeids: nodeids,
    nodes_featureids: featureids,
    nodes_modes: modes,
    nodes_values: values,
    nodes_truenodeids: trueids,
    nodes_falsenodeids: falseids,
    nodes_missing_value_tracks_true: missTrue,
  };
  const finish = (opType: OnnxTreeEnsemble['opType'], attributes: OnnxTreeEnsemble['attributes'], floats: string[]): OnnxTreeEnsemble => {
    if (!opts.double) return { opType, attributes, floatAttributes: floats, doubleTensorAttributes: [] };
    const a: OnnxTreeEnsemble['attributes'] = {};
    for (const k of Object.keys(attributes)) a[floats.includes(k) ? `${k}_as_tensor` : k] = attributes[k];
    return { opType, attributes: a, floatAttributes: [], doubleTensorAttributes: floats.map((k) => `${k}_as_tensor`) };
  };
  if (model.K === 1) {
    return finish(
      'TreeEnsembleRegressor',
      { ...nodes, target_treeids: wTree, target_nodeids: wNode, target_ids: wId, target_weights: wVal, n_targets: 1, aggregate_function: 'SUM', base_values: model.baseScore.slice(), post_transform: 'NONE' },
      ['nodes_values', 'target_weights', 'base_values'],
    );
  }
  const labels = opts.classLabels ?? Array.from({ length: model.K }, (_, k) => k);
  if (labels.length !== model.K) throw new RangeError(`classLabels holds ${labels.length} labels for ${model.K} classes`);
  const labelAttr: Record<string, number[] | string[]> = typeof labels[0] === 'string' ? { classlabels_strings: labels as string[] } : { classlabels_int64s: labels as number[] };
  return finish(
    'TreeEnsembleClassifier',
    {
      ...nodes,
      class_treeids: wTree,
      class_nodeids: wNode,
      class_ids: wId,
      class_weights: wVal,
      ...labelAttr,
      base_values: model.K === 2 ? [model.baseScore[0]] : model.baseScore.slice(),
      post_transform: model.K === 2 ? 'LOGISTIC' : 'SOFTMAX',
    },
    ['nodes_values', 'class_weights', 'base_values'],
  );
}

/** The description's attributes in the graph builder's terms (float lists, double tensors, the rest as they are). */
export function builderAttributes(ens: OnnxTreeEnsemble): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(ens.attributes)) {
    out[k] = ens.floatAttributes.includes(k) ? { floats: v as number[] } : ens.doubleTensorAttributes.includes(k) ? { doubles: v as number[] } : (v as AttrValue);
  }
  return out;
}

/**
 * Adds the model's TreeEnsemble node to a graph over features X ([N, p], float; or double with
 * double: true, which must hold float32 values). Returns the classifier's label and probabilities
 * ([N, K]) or the regressor's values ([N, 1]).
 */
export function addTreeEnsemble(g: GraphBuilder, X: TensorRef, model: GbdtModel, opts: { classLabels?: number[] | string[]; double?: boolean } = {}): { label?: TensorRef; probabilities?: TensorRef; values?: TensorRef } {
  const ens = onnxTreeEnsembleAttributes(model, opts);
  const attrs = builderAttributes(ens);
  const N = X.shape[0];
  if (ens.opType === 'TreeEnsembleRegressor') return { values: g.op('TreeEnsembleRegressor', [X], 'float', [N, 1], attrs, 'ai.onnx.ml', 'values') };
  const strings = typeof opts.classLabels?.[0] === 'string';
  const [label, probabilities] = g.opMulti('TreeEnsembleClassifier', [X], [
    { elem: strings ? 'string' : 'int64', shape: [N], hint: 'label' },
    { elem: 'float', shape: [N, model.K], hint: 'probabilities' },
  ], attrs, 'ai.onnx.ml');
  return { label, probabilities };
}

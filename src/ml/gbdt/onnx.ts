/**
 * Pure description of a fitted model as one ai.onnx.ml (opset 3) TreeEnsembleClassifier /
 * TreeEnsembleRegressor node. Numeric splits are BRANCH_LEQ on the float32 thresholds with
 * nodes_missing_value_tracks_true = missingLeft. A categorical split becomes a chain of BRANCH_EQ
 * nodes, one per code going left, all sharing the left child as their true branch (the chain's last
 * false branch is the right child); missing values go left through the first link's
 * missing-tracks-true flag. A split that sends only missing values left is a BRANCH_LEQ at −FLT_MAX.
 * Node ids inside a tree: the model's own node ids first, chain links appended after them.
 *
 * Outputs: binary → one weight per leaf on class 1, base_values [−b, b]... see post_transform below.
 */
import { F32_MAX } from './bins.js';
import type { GbdtModel } from './index.js';

export interface OnnxTreeEnsemble {
  opType: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor';
  /** attribute name → value (ints / floats / strings lists, or a single string such as post_transform) */
  attributes: Record<string, number[] | string[] | string | number>;
  /** which attributes hold floats (the rest of the numeric lists are ints) */
  floatAttributes: string[];
}

export function onnxTreeEnsembleAttributes(model: GbdtModel, opts: { classLabels?: number[] | string[] } = {}): OnnxTreeEnsemble {
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
        wId.push(T === 1 ? (model.K === 2 ? 1 : 0) : t % T);
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
  if (model.K === 1) {
    return {
      opType: 'TreeEnsembleRegressor',
      attributes: { ...nodes, target_treeids: wTree, target_nodeids: wNode, target_ids: wId.map(() => 0), target_weights: wVal, n_targets: 1, aggregate_function: 'SUM', base_values: model.baseScore.slice(), post_transform: 'NONE' },
      floatAttributes: ['nodes_values', 'target_weights', 'base_values'],
    };
  }
  const labels = opts.classLabels ?? Array.from({ length: model.K }, (_, k) => k);
  if (labels.length !== model.K) throw new RangeError(`classLabels holds ${labels.length} labels for ${model.K} classes`);
  const labelAttr: Record<string, number[] | string[]> = typeof labels[0] === 'string' ? { classlabels_strings: labels as string[] } : { classlabels_int64s: labels as number[] };
  return {
    opType: 'TreeEnsembleClassifier',
    attributes: {
      ...nodes,
      class_treeids: wTree,
      class_nodeids: wNode,
      class_ids: wId,
      class_weights: wVal,
      ...labelAttr,
      base_values: model.K === 2 ? [model.baseScore[0]] : model.baseScore.slice(),
      post_transform: model.K === 2 ? 'LOGISTIC' : 'SOFTMAX',
    },
    floatAttributes: ['nodes_values', 'class_weights', 'base_values'],
  };
}

/**
 * Reads an xgboost JSON model (Booster.save_model("*.json"), xgboost ≥ 1.6) into flat trees, so that
 * contributions can be checked against xgboost's own pred_contribs and models trained there can be
 * explained. xgboost sends x left iff x < split_condition (float32); a flat tree sends it left iff
 * fround(x) <= threshold, so the threshold is the float32 just below the condition. Cover is
 * xgboost's sum_hessian. Pure.
 */
import type { ShapEnsemble, ShapTree } from './treeshap.js';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** the largest float32 below c (c a float32) */
export function float32Below(c: number): number {
  f32[0] = c;
  if (c === 0) i32[0] = 0x80000001 | 0;
  else if (c > 0) i32[0] -= 1;
  else i32[0] += 1;
  return f32[0];
}

interface XgbTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  sum_hessian: number[];
  split_type?: number[];
  categories?: number[];
  categories_nodes?: number[];
  categories_segments?: number[];
  categories_sizes?: number[];
}

export interface XgbModel extends ShapEnsemble {
  objective: string;
  nFeatures: number;
}

/** xgboost's base_score on the margin scale for its objective */
function baseMargin(objective: string, baseScore: number): number {
  if (objective === 'binary:logistic' || objective === 'binary:logitraw' || objective === 'reg:logistic') return objective === 'binary:logitraw' ? baseScore : Math.log(baseScore / (1 - baseScore));
  return baseScore;
}

export function fromXgboostJson(json: unknown): XgbModel {
  const j = json as {
    learner: {
      learner_model_param: { base_score: string; num_class: string; num_feature: string };
      objective: { name: string };
      gradient_booster: { name: string; model: { trees: XgbTree[]; tree_info: number[] } };
    };
  };
  const L = j.learner;
  if (L.gradient_booster.name !== 'gbtree') throw new RangeError(`xgboost booster ${L.gradient_booster.name}: only gbtree models have trees`);
  const K = Math.max(1, Number(L.learner_model_param.num_class));
  const objective = L.objective.name;
  const base = baseMargin(objective, Math.fround(Number(L.learner_model_param.base_score)));
  const { trees, tree_info } = L.gradient_booster.model;
  tree_info.forEach((c, t) => {
    if (c !== t % K) throw new RangeError(`xgboost tree ${t} is for class ${c}: expected round-major order`);
  });
  const out: ShapTree[] = trees.map((t) => {
    const n = t.left_children.length;
    const cats: (number[] | null)[] = new Array(n).fill(null);
    if (t.categories_nodes)
      t.categories_nodes.forEach((node, k) => {
        const s = t.categories_segments![k];
        // xgboost's categorical split: the listed categories go right
        cats[node] = t.categories!.slice(s, s + t.categories_sizes![k]);
      });
    const feature = new Int32Array(n);
    const threshold = new Float64Array(n);
    const value = new Float64Array(n);
    const left = new Int32Array(n);
    const right = new Int32Array(n);
    const missingLeft = new Uint8Array(n);
    const count = new Float64Array(n);
    const categories: (number[] | null)[] = new Array(n).fill(null);
    for (let i = 0; i < n; i++) {
      const leaf = t.left_children[i] < 0;
      left[i] = leaf ? -1 : t.left_children[i];
      right[i] = leaf ? -1 : t.right_children[i];
      feature[i] = leaf ? -1 : t.split_indices[i];
      count[i] = Math.fround(t.sum_hessian[i]);
      const c = Math.fround(t.split_conditions[i]);
      if (leaf) value[i] = c;
      else if (t.split_type?.[i] === 1) {
        // listed categories go right: the flat tree lists the ones going left, so swap the children
        categories[i] = cats[i];
        left[i] = t.right_children[i];
        right[i] = t.left_children[i];
        missingLeft[i] = t.default_left[i] ? 0 : 1;
        continue;
      } else threshold[i] = float32Below(c);
      missingLeft[i] = t.default_left[i] ? 1 : 0;
    }
    return { feature, threshold, value, left, right, missingLeft, count, categories };
  });
  return { trees: out, treesPerRound: K, baseScore: Array(K).fill(base), objective, nFeatures: Number(L.learner_model_param.num_feature) };
}

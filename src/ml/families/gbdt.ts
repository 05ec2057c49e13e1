/**
 * Histogram gradient-boosted trees behind the seam (the engine is src/ml/gbdt). The model record
 * holds the engine's JSON under `trees.model` and the names of the inputs that are category codes
 * under `trees.categorical`. Leaf values are stored as float32 values, so a regression's packaged
 * graph (one float32 tree output per tree, summed in double) gives the in-process value to the last
 * bits; classifiers sum their margins in double inside onnxruntime (see onnxMargins).
 */
import { dataError } from '../../errors.js';
import type { AttrValue, GraphBuilder, TensorRef } from '../../onnx/builder.js';
import type { ModelVersion, TreeModelVersion } from '../../types.js';
import { fitGbdt, gbdtFromJSON, gbdtMargins, gbdtToJSON, GBDT_DEFAULTS, GBDT_SEARCH_SPACE, GbdtInputError, onnxTreeEnsembleAttributes, validateGbdtParams, type GbdtModel, type GbdtParams } from '../gbdt/index.js';
import type { Task } from '../predict.js';
import { listNames, scanColumn } from './checks.js';
import { labelOf } from './label.js';
import type { FamilyFit, HyperParams, ModelFamily, SearchDim, TrainingData } from './types.js';

const lossFor = (task: Task) => (task === 'regression' ? 'squared_error' : 'log_loss');

export function asGbdt(raw: HyperParams, task: Task): GbdtParams {
  const p = validateGbdtParams({ loss: lossFor(task), ...raw });
  if (task === 'regression' ? p.loss === 'log_loss' : p.loss !== 'log_loss') throw new RangeError(`loss ${p.loss} does not apply to a ${task} label (use ${task === 'regression' ? 'squared_error, absolute_error or huber' : 'log_loss'})`);
  return p;
}

const loaded = new WeakMap<object, GbdtModel>();
/** The engine model of a record (parsed once per record). */
export function engineModel(m: ModelVersion): GbdtModel {
  const t = (m as TreeModelVersion).trees;
  if (!t || typeof t !== 'object' || !t.model) throw dataError(`model ${m.name}@${m.version} has no trees`);
  let g = loaded.get(t.model);
  if (!g) {
    g = gbdtFromJSON(t.model);
    loaded.set(t.model, g);
  }
  return g;
}

/** Margin columns of a task: binary and regression 1; multiclass K (a 2-class multiclass label boosts one margin: [0, m]). */
function marginWidth(m: Pick<ModelVersion, 'task' | 'label'>): number {
  return m.task === 'multiclass' ? (labelOf(m).classes?.length ?? 0) : 1;
}

/** The engine's input errors as data errors naming the feature (the in-memory and the out-of-core fit). */
export async function asDataErrors<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GbdtInputError) {
      const col = e.column !== undefined ? names[e.column] : undefined;
      throw dataError(col !== undefined && !e.message.includes(col) ? `feature ${col}: ${e.message}` : e.message, 'check the feature build (dictl feature show) and the feature set');
    }
    throw e;
  }
}

/** The family's part of a model record from a fitted engine model (shared with out-of-core training, src/ops/train-out-of-core-gbdt.ts). */
export function gbdtFamilyFit(model: GbdtModel, gp: GbdtParams, names: string[], categorical: Uint8Array): FamilyFit {
  // leaf values as float32 (see the header): what the packaged graph adds up
  for (const t of model.trees) for (let i = 0; i < t.value.length; i++) t.value[i] = Math.fround(t.value[i]);
  const catNames = names.filter((_, j) => categorical[j] === 1);
  const warnings: string[] = [];
  const es = model.earlyStopping;
  return {
    part: { trees: { categorical: catNames, model: gbdtToJSON(model) as Record<string, unknown> } },
    params: { ...gp } as HyperParams,
    convergence: {
      solver: `gbdt-hist (${model.trees.length} trees${es.enabled ? `, early stopping: best round ${es.bestIter} of ${model.curve.train.length}` : ''})`,
      iterations: model.nIter,
      converged: true,
      gradNorm: 0,
      warnings,
    },
    warnings,
  };
}

export const gbdtFamily: ModelFamily = {
  name: 'gbdt',
  description: 'histogram gradient-boosted trees (leaf-wise, native missing values and categories, early stopping)',
  tasks: ['binary', 'multiclass', 'regression'],
  encoding: { numerics: 'raw', categoricals: 'codes', missing: 'native' },
  paramKeys: [...Object.keys(GBDT_DEFAULTS), 'huber_delta'],
  defaults: (task) => ({ ...asGbdt({}, task) }) as HyperParams,
  validateParams: (raw, task) => ({ ...asGbdt(raw, task) }) as HyperParams,
  searchSpace: () =>
    Object.entries(GBDT_SEARCH_SPACE).map(([key, d]): SearchDim => {
      if (d.kind === 'choice') return { key, kind: 'choice', values: [...d.values] };
      return { key, kind: d.kind === 'log-float' ? 'log' : d.kind, lo: d.min, hi: d.max };
    }),
  checkData(d: TrainingData) {
    const warnings: string[] = [];
    const empty: string[] = [];
    const constant: string[] = [];
    for (let j = 0; j < d.p; j++) {
      const s = scanColumn(d.X, d.n, d.p, j);
      if (s.inf > 0) {
        throw dataError(`feature ${d.names[j]} holds ${s.inf} infinite value${s.inf > 1 ? 's' : ''} (first in training row ${s.firstInf + 1}); trees take missing values but not ±Inf`, 'clip the column or map the infinities to missing in the feature set, and rebuild the features');
      }
      if (s.nan === d.n) empty.push(d.names[j]);
      else if (s.constant) constant.push(d.names[j]);
    }
    if (empty.length) warnings.push(`feature${empty.length > 1 ? 's' : ''} missing on every training row (never split on): ${listNames(empty)}`);
    if (constant.length) warnings.push(`constant feature${constant.length > 1 ? 's' : ''} on the training rows (no information, never split on): ${listNames(constant)}`);
    return warnings;
  },
  async fit(d, params, ctx): Promise<FamilyFit> {
    const gp = asGbdt(params, d.task);
    const K = d.task === 'regression' ? 1 : d.K;
    const model = await asDataErrors(d.names, () => fitGbdt({ X: d.X, n: d.n, p: d.p, y: d.y, K, sampleWeight: d.sampleWeight, categorical: d.categorical }, gp, { seed: ctx.seed, threads: ctx.threads, onTick: ctx.onTick }));
    return gbdtFamilyFit(model, gp, d.names, d.categorical);
  },
  checkModel(m) {
    const t = (m as Omit<TreeModelVersion, 'version'>).trees;
    if (!t || typeof t !== 'object' || !Array.isArray(t.categorical) || !t.model) throw dataError('model draft has no trees');
    const g = gbdtFromJSON(t.model);
    const p = m.featureNames?.length ?? -1;
    if (g.nFeatures !== p) throw dataError(`model draft has trees over ${g.nFeatures} features for ${p} feature names`);
    for (const c of t.categorical) if (!m.featureNames.includes(c)) throw dataError(`model draft names categorical input ${c}, which is not one of its features`);
  },
  margins(m, X, n, p) {
    const g = engineModel(m);
    const raw = gbdtMargins(g, X, n, p);
    const M = marginWidth(m);
    if (g.treesPerRound === M) return raw;
    // a 2-class multiclass label: one boosted margin m → softmax([0, m]) = sigmoid(m)
    const out = new Float64Array(n * M);
    for (let i = 0; i < n; i++) out[i * M + 1] = raw[i];
    return out;
  },
  onnxMargins(g: GraphBuilder, X: TensorRef, m: ModelVersion): TensorRef {
    const model = engineModel(m);
    const S = model.treesPerRound;
    const M = marginWidth(m);
    const shift = M - S; // a 2-class multiclass label: the one boosted margin is column 1 of [0, m]
    const Xf = g.op('Cast', [X], 'float', X.shape, { to: 1 }, '', 'features_f32');
    if (m.task !== 'regression') {
      // classes: one regressor node with the margins as S targets (no post-transform), weights,
      // thresholds and base values as double tensors, so onnxruntime sums in double; the comparisons
      // see the float32 features (float → double is exact). Only the node's float32 output rounds the
      // margin, which moves a probability by at most ~1e-8.
      const ens = onnxTreeEnsembleAttributes(model, { double: true });
      const a = ens.attributes as Record<string, number[] | string[] | string | number>;
      const dbl = (v: unknown) => ({ doubles: v as number[] });
      const attrs: Record<string, AttrValue> = {};
      for (const [k, v] of Object.entries(a)) if (k.startsWith('nodes_')) attrs[k] = ens.doubleTensorAttributes.includes(k) ? dbl(v) : (v as AttrValue);
      const pre = ens.opType === 'TreeEnsembleClassifier' ? 'class_' : 'target_';
      attrs.target_treeids = a[`${pre}treeids`] as number[];
      attrs.target_nodeids = a[`${pre}nodeids`] as number[];
      attrs.target_ids = a[`${pre}ids`] as number[];
      attrs.target_weights_as_tensor = dbl(a[`${pre}weights_as_tensor`]);
      attrs.base_values_as_tensor = dbl(model.baseScore.slice(0, S));
      attrs.n_targets = S;
      attrs.aggregate_function = 'SUM';
      attrs.post_transform = 'NONE';
      const Xd = g.op('Cast', [Xf], 'double', X.shape, { to: 11 });
      const z = g.op('Cast', [g.op('TreeEnsembleRegressor', [Xd], 'float', ['N', S], attrs, 'ai.onnx.ml', 'tree_margins')], 'double', ['N', S], { to: 11 }, '', 'margins');
      if (shift === 0) return z;
      return g.op('MatMul', [z, g.constant('double', [0, 1], [1, 2])], 'double', ['N', M], {}, '', 'margins');
    }
    // values: a float32 sum would be off by ~1e-7 of the value, so every tree is its own regressor
    // target (its leaf value, float32-exact, comes out unrounded) and the values are summed in double
    const T = model.trees.length;
    const ens = onnxTreeEnsembleAttributes(model);
    const a = ens.attributes as Record<string, number[] | string[] | string | number>;
    const attrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(a)) if (k.startsWith('nodes_')) attrs[k] = ens.floatAttributes.includes(k) ? { floats: v as number[] } : (v as AttrValue);
    const treeOf = a.target_treeids as number[];
    attrs.target_ids = treeOf.slice();
    attrs.target_nodeids = (a.target_nodeids as number[]).slice();
    attrs.target_treeids = treeOf.slice();
    attrs.target_weights = { floats: (a.target_weights as number[]).slice() };
    attrs.n_targets = T;
    attrs.aggregate_function = 'SUM';
    attrs.post_transform = 'NONE';
    const leaves = g.op('Cast', [g.op('TreeEnsembleRegressor', [Xf], 'float', ['N', T], attrs, 'ai.onnx.ml', 'tree_outputs')], 'double', ['N', T], { to: 11 });
    return g.op('Add', [g.op('MatMul', [leaves, g.constant('double', new Array(T).fill(1), [T, 1])], 'double', ['N', 1]), g.constant('double', model.baseScore.slice(0, 1), [1])], 'double', ['N', 1], {}, '', 'values');
  },
  async explainPart(m) {
    const g = engineModel(m);
    // a 2-class multiclass label boosts one margin (treesPerRound 1 under 2 classes): the explainer
    // gives the predicted class's log-odds against the other. The cover TreeSHAP weighs each side of a
    // split by is the weighted training data's: the sum of the sample/class weights of the rows that
    // reached the node when the fit was weighted, their count otherwise.
    const trees = g.trees.map(({ cover, ...t }) => (cover ? { ...t, count: cover } : t));
    return { family: 'trees', trees: { trees, treesPerRound: g.treesPerRound, baseScore: g.baseScore } };
  },
  summary(m) {
    const g = engineModel(m);
    const total = g.importance.reduce((s, v) => s + v, 0);
    const importance = m.featureNames
      .map((feature, j) => ({ feature, gain: g.importance[j] ?? 0, share: total > 0 ? (g.importance[j] ?? 0) / total : 0 }))
      .sort((x, y) => y.gain - x.gain || (x.feature < y.feature ? -1 : 1));
    const es = g.earlyStopping;
    const p = m.params;
    return {
      headline: `gbdt: ${g.nIter} rounds kept${es.enabled ? ` (early stopping, best round ${es.bestIter} of ${g.curve.train.length})` : ''}, ${g.trees.length} trees, learning_rate=${p.learning_rate}, max_leaf_nodes=${p.max_leaf_nodes}, max_depth=${p.max_depth}`,
      importance,
      rounds: g.nIter,
      curve: { train: g.curve.train, ...(g.curve.validation ? { validation: g.curve.validation } : {}), ...(es.bestIter !== undefined ? { bestIter: es.bestIter } : {}), loss: g.params.loss },
    };
  },
};

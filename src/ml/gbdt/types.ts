/** The types of the gradient-boosted tree engine (parameters, data, tree, model); the engine's surface is index.ts. */
import type { Tick } from '../../ui/progress.js';

export type GbdtLoss = 'log_loss' | 'squared_error' | 'absolute_error' | 'huber';

export interface GbdtParams {
  /** log_loss: binary (K = 2, one tree per round) or softmax (K ≥ 3, one tree per class per round); the others are regression */
  loss: GbdtLoss;
  /** shrinkage applied to every leaf value, (0, 1] */
  learning_rate: number;
  /** boosting rounds (the most; early stopping may keep fewer), integer in [1, 10000] */
  max_iter: number;
  /** leaf-wise growth stops at this many leaves, integer in [2, 4096], or null (no limit: max_depth must be set) */
  max_leaf_nodes: number | null;
  /** the deepest a leaf may be (root = depth 0), integer in [1, 30], or null (no limit: max_leaf_nodes must be set) */
  max_depth: number | null;
  /** fewest training rows in a leaf, integer ≥ 1 */
  min_samples_leaf: number;
  /** smallest sum of hessians in a leaf, ≥ 0 (guards log loss leaves that are almost pure) */
  min_hessian: number;
  /** L2 penalty on leaf values (λ in −G/(H+λ)), ≥ 0 */
  l2_regularization: number;
  /** non-missing bins per feature, integer in [2, 255]; missing values get a bin of their own */
  max_bins: number;
  /** fraction of the training rows drawn (without replacement, seeded) for each tree, (0, 1] */
  subsample: number;
  /** fraction of the features drawn (seeded) for each tree, (0, 1]; at least one feature */
  colsample: number;
  /** 'auto' = on when there are more than 10000 training rows (as scikit-learn) */
  early_stopping: 'auto' | 'on' | 'off';
  /** stop after this many rounds without an improvement of more than tol on the validation loss, integer in [1, 1000] */
  n_iter_no_change: number;
  /** part of the training rows held out (seeded, stratified for log loss) for early stopping, (0, 0.5] */
  validation_fraction: number;
  /** smallest improvement of the validation loss that counts, ≥ 0 */
  tol: number;
  /** huber loss only: residuals beyond this (in target units) are penalised linearly, > 0; default 1 */
  huber_delta?: number;
}

export interface GbdtData {
  /** row-major n × p features; NaN = missing (±Inf is rejected) */
  X: Float64Array;
  n: number;
  p: number;
  /** binary: 0/1; multiclass: class index 0..K−1; regression: the value */
  y: Float64Array;
  /** 1 regression, 2 binary, ≥ 3 multiclass (must agree with loss) */
  K: number;
  /** per-row weights ≥ 0 (class weights arrive here); default 1 */
  sampleWeight?: Float64Array;
  /** per column: 1 = the column holds category codes 0..m−1 (integers, m ≤ max_bins), NaN = missing */
  categorical?: Uint8Array;
}

export interface GbdtTree {
  /** split feature per node, −1 at leaves; node 0 is the root */
  feature: number[];
  /** numeric split: left iff Math.fround(x) <= threshold (a float32 value); 0 at leaves and categorical nodes */
  threshold: number[];
  /** 1 = a missing value goes left, 0 = right (0 at leaves) */
  missingLeft: number[];
  /** child node indices, −1 at leaves */
  left: number[];
  right: number[];
  /** leaf output (learning rate applied), added to the margin of the tree's class; internal nodes hold their would-be value */
  value: number[];
  /** categorical splits only: per node the sorted codes that go left, null elsewhere; absent when the tree has none */
  categories?: (number[] | null)[];
  /** split gain (loss reduction) per node, 0 at leaves */
  gain: number[];
  /** training rows (of this tree's subsample) that reached the node */
  count: number[];
  /**
   * with sample or class weights: the sum of the weights of those rows (the cover of the weighted
   * training data, what TreeSHAP weighs each side of a split by); absent when unweighted (= count)
   */
  cover?: number[];
}

export interface GbdtModel {
  format: 'dictl-gbdt/1';
  /** 1 regression, 2 binary, ≥ 3 multiclass */
  K: number;
  nFeatures: number;
  /** 1 for regression and binary, K for multiclass */
  treesPerRound: number;
  /** initial margin per tree slot (log-odds of the base rate / log class priors / mean or median) */
  baseScore: number[];
  /** round-major: trees[round * treesPerRound + k] */
  trees: GbdtTree[];
  /** rounds kept */
  nIter: number;
  /** bestIter: the round (1-based count) with the lowest validation loss; validationRows: rows held out */
  earlyStopping: { enabled: boolean; bestIter?: number; validationRows?: number };
  /** loss per round (on the rows used for the trees; validation when early stopping is on) */
  curve: { train: number[]; validation?: number[] };
  /** total split gain per feature */
  importance: number[];
  params: GbdtParams;
  seed: number;
}

export interface FitOptions {
  seed: number;
  /** threads building histograms, the calling thread included: 1 or 2 (more are capped at 2); default min(2, cores). Small fits (< 1M cells) stay on one. */
  threads?: number;
  /** the fit's inner loops: WebAssembly (default) or JS; both give the same bytes */
  kernels?: 'wasm' | 'js';
  /** called after every round */
  onTick?: Tick;
}

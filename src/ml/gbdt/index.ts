/**
 * Histogram gradient-boosted trees (the LightGBM / scikit-learn HistGradientBoosting design), pure
 * and typed-array based. Public surface of the engine: parameters, data, model, fit, predict,
 * JSON (de)serialisation and the ai.onnx.ml TreeEnsemble description of a fitted model.
 *
 * Routing rule, identical in training, in-process scoring and ONNX: a numeric split sends a row left
 * iff `Math.fround(x) <= threshold` (thresholds are float32 values); a missing value (NaN) goes to
 * the side the split learned (`missingLeft`); when no missing value reached the node in training,
 * missing goes to the child that received more training rows (ties: left). A categorical split
 * sends a row left iff its code is one of the node's `categories`; a code that is not listed
 * (including a category never seen in training) goes right, NaN follows `missingLeft`.
 *
 * The fit (fit.ts → grow.ts): quantile bins on the float32 training values (≤ 200,000 sampled rows
 * place the edges; bins.ts), a column-major uint8 bin matrix with bin 255 for missing values;
 * per node gradient/hessian/count histograms (hist.ts), the smaller child built and the larger one
 * the parent minus it; best-first growth; categorical features order their categories (those with
 * ≥ 10 rows) by Σg/(Σh + 10) and try prefixes from both ends (≤ 32 categories on the left).
 * Two threads (threads.ts): the fitting thread and one worker started per fit share the bin matrix,
 * gradients and row partition (SharedArrayBuffer) and each build half of a node's features; a
 * feature's bins are always summed in row order by one thread, so the model's JSON is
 * byte-identical with 1 or 2 threads. Early stopping: stop after n_iter_no_change rounds without a
 * validation loss more than tol below the best, keep the best round's trees. The training curve is
 * the loss on ≤ 10,000 evenly spaced training rows.
 */
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
  /** called after every round */
  onRound?(done: number, total: number): void;
}

export { GbdtInputError } from './errors.js';
export { GBDT_DEFAULTS, GBDT_SEARCH_SPACE, validateGbdtParams } from './params.js';
export type { SearchDim } from './params.js';
export { binnedFitBytes, fitGbdt, fitGbdtBinned, gbdtSplit, type BinnedGbdtData } from './fit.js';
export { binMatrix, binSampleRows, fitBins, type BinMapper } from './bins.js';
export { compileGbdt, gbdtMargins, gbdtMarginsInto, gbdtPredict } from './predict.js';
export type { CompiledGbdt } from './predict.js';
export { gbdtFromJSON, gbdtToJSON } from './serialize.js';
export { addTreeEnsemble, builderAttributes, onnxTreeEnsembleAttributes } from './onnx.js';
export type { OnnxTreeEnsemble } from './onnx.js';

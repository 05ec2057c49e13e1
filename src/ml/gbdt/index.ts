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
 * labels, margins, float32 gradients and the row partition (SharedArrayBuffer) and take chunks of
 * every large pass from a shared counter: blocks of rows for gradients, a node's partition (blocks
 * partitioned on their own, then joined in order) and gather, groups of four features for
 * histograms. A feature's bins are always summed in row order by one thread, so the model's JSON
 * is byte-identical with 1 or 2 threads. Early stopping: stop after n_iter_no_change rounds without a
 * validation loss more than tol below the best, keep the best round's trees. The training curve is
 * the loss on ≤ 10,000 evenly spaced training rows.
 */
export type { FitOptions, GbdtData, GbdtLoss, GbdtModel, GbdtParams, GbdtTree } from './types.js';
export { GbdtInputError } from './errors.js';
export { GBDT_DEFAULTS, GBDT_SEARCH_SPACE, validateGbdtParams } from './params.js';
export type { SearchDim } from './params.js';
export { binnedFitBytes, fitGbdt, fitGbdtBinned, gbdtSplit, type BinnedGbdtData } from './fit.js';
export { binMatrix, binSampleRows, fitBins, type BinMapper } from './bins.js';
export { compileGbdt, gbdtMargins, gbdtMarginsColumns, gbdtMarginsInto, gbdtPredict } from './predict.js';
export type { CompiledGbdt } from './predict.js';
export { gbdtFromJSON, gbdtToJSON } from './serialize.js';
export { addTreeEnsemble, builderAttributes, onnxTreeEnsembleAttributes } from './onnx.js';
export type { OnnxTreeEnsemble } from './onnx.js';

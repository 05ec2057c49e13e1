/**
 * Out-of-core training: when the training matrix of a feature build does not fit the command's memory
 * budget (`--memory-limit`, src/io/memory.ts), the model is fitted without ever holding the matrix of
 * doubles. The rows are streamed from features.parquet in row order in fixed batches of BATCH_ROWS.
 *  - logistic: the L-BFGS / OWL-QN of optim.ts runs unchanged in a worker thread (chunked-worker.ts);
 *    every objective evaluation is one full-batch pass whose batch objectives and gradients (the
 *    kernels of the in-memory fit, logistic.ts) are summed.
 *  - linear: two passes accumulate the weighted means and the centred Gram matrix row by row in row
 *    order (LinearSums, linear.ts), the in-memory solver solves them: the same coefficients, bit for bit.
 *  - gbdt: the rows are binned in streaming passes into the uint8 matrix the boosting loop works on
 *    (train-out-of-core-gbdt.ts), 8× smaller than the doubles.
 * Same inputs → same batches in the same order → the same model bytes. The data checks run as one
 * DuckDB aggregate; training metrics come from one last pass that keeps only the labels and the
 * predictions.
 */
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { resolveDataset } from '../datasets/store.js';
import { assertConsent } from '../datasets/consent.js';
import { DictlError, dataError, usageError } from '../errors.js';
import { lockDown, resolveFeatureBuild } from '../features/builds.js';
import type { Duck } from '../io/duck.js';
import { currentBudget, duckMemoryBytes, type MemoryBudget } from '../io/memory.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';
import { registerModel } from '../registry/models.js';
import type { ConvergenceInfo, LabelSpec, ModelVersion } from '../types.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import type { ChunkedWorkerInit } from '../ml/chunked-worker.js';
import { listNames } from '../ml/families/checks.js';
import { defaultFamily, getFamily, predictModel } from '../ml/families/index.js';
import type { LinearParams } from '../ml/families/linear.js';
import { categoricalOutputs, type HyperParams } from '../ml/families/types.js';
import { sampleWeights, solverName, type FitSpec } from '../ml/fit.js';
import { binnedFitBytes, type GbdtParams } from '../ml/gbdt/index.js';
import { LinearSums, solveLinear } from '../ml/linear.js';
import { binaryObjective, multinomialObjective, penaltyStrengths } from '../ml/logistic.js';
import { accuracyMulti, binaryMetrics, logLossMulti, regressionMetrics } from '../ml/metrics.js';
import { stopCause } from '../ml/diagnose.js';
import type { MinimizeResult } from '../ml/optim.js';
import { parseClassWeight, parseParamFlags, trainingLineage, trainResult, validateTrainOptions, type TrainOptions, type TrainProgress, type TrainResult } from '../ml/families/training.js';
import { fitGbdtChunked } from './train-out-of-core-gbdt.js';
import { workerScript } from '../util/worker-script.js';
import { openDuck } from '../io/duck.js';
import { BATCH_ROWS, forEachBatch, shapeOf, type MatrixShape } from '../io/training-batches.js';

/** Bytes the in-memory trainer needs for an n × p build: the matrix, labels, row ids and predictions. */
export const inMemoryBytes = (n: number, p: number) => n * (p + 3) * 8;


async function openOn(parquetPath: string, budget?: MemoryBudget): Promise<Duck> {
  const duck = await openDuck();
  // the trainer's DuckDB only scans and aggregates: a small share, the rest is the fit's
  if (budget) await duck.run(`SET memory_limit = '${Math.floor(oocDuckBytes(budget) / 2 ** 20)}MiB'`);
  await lockDown(duck, [dirname(parquetPath)]);
  return duck;
}

/**
 * Label and column checks as one aggregate: the same errors and warnings as the in-memory trainer.
 * `missing`: 'impute' (linear: a missing or non-finite value is an error) or 'native' (trees: missing
 * is fine, ±Inf is an error).
 */
async function checkChunked(duck: Duck, s: MatrixShape, label: LabelSpec, K: number, missing: 'impute' | 'native', constantNote: string): Promise<{ warnings: string[]; classCounts: number[] }> {
  const src = `read_parquet(${sqlString(s.parquetPath)})`;
  const cls = label.task === 'regression' ? [] : label.task === 'binary' ? [`count(*) FILTER (WHERE __label <= 0.5)::BIGINT AS k0`, `count(*) FILTER (WHERE __label > 0.5)::BIGINT AS k1`] : Array.from({ length: K }, (_, k) => `count(*) FILTER (WHERE __label = ${k})::BIGINT AS k${k}`);
  const cols = s.names.flatMap((c, j) => {
    const x = `${sqlIdent(c)}::DOUBLE`;
    return [`count(*) FILTER (WHERE ${x} IS NULL OR isnan(${x}))::BIGINT AS nan${j}`, `count(*) FILTER (WHERE isinf(${x}))::BIGINT AS inf${j}`, `min(${x}) FILTER (WHERE isfinite(${x})) AS lo${j}`, `max(${x}) FILTER (WHERE isfinite(${x})) AS hi${j}`];
  });
  const r = (await duck.all<Record<string, number>>(`SELECT count(*) FILTER (WHERE __label IS NULL OR NOT isfinite(__label))::BIGINT AS nolabel, ${[...cls, ...cols].join(', ')} FROM ${src} WHERE __split = 'train'`))[0];
  const warnings: string[] = [];
  if (s.n === 0) throw dataError('the feature build has no training rows', 'check the holdout: every row is on the test side');
  if (s.p === 0) throw dataError('the feature build has no feature columns', 'add features to the feature set and rebuild it');
  if (Number(r.nolabel) > 0) throw dataError(`the label ${label.column} is missing (null/NaN) in ${r.nolabel} of ${s.n} training rows`, 'drop or fill rows without a label before building features');
  const classCounts = Array.from({ length: label.task === 'regression' ? 0 : K }, (_, k) => Number(r[`k${k}`]));
  if (label.task !== 'regression') {
    if (label.task === 'multiclass' && classCounts.reduce((a, b) => a + b, 0) !== s.n) throw dataError(`label ${label.column} holds class indexes outside 0..${K - 1}`);
    const present = classCounts.filter((c) => c > 0).length;
    if (present < 2) throw dataError(`the label ${label.column} has one class in the ${s.n} training rows: nothing to learn`, 'check the label column and the positive class of the feature set');
    if (label.task === 'multiclass' && present < K) warnings.push(`label ${label.column}: ${K - present} of ${K} classes never occur in the training rows`);
  }
  const nan = (j: number) => Number(r[`nan${j}`]);
  const inf = (j: number) => Number(r[`inf${j}`]);
  if (missing === 'impute') {
    const bad = s.names.flatMap((c, j) => (nan(j) + inf(j) > 0 ? [`${c} (${nan(j) + inf(j)} missing/non-finite values)`] : []));
    if (bad.length) throw new DictlError('data', `feature ${bad[0]} would reach the solver as NaN${bad.length > 1 ? `; also ${bad.slice(1, 4).join(', ')}` : ''}`, { hint: 'add an impute step for it in the feature set (or drop it) and rebuild the features', details: { features: bad } });
  } else {
    const j = s.names.findIndex((_, k) => inf(k) > 0);
    if (j >= 0) throw dataError(`feature ${s.names[j]} holds ${inf(j)} infinite value${inf(j) > 1 ? 's' : ''}; trees take missing values but not ±Inf`, 'clip the column or map the infinities to missing in the feature set, and rebuild the features');
    const empty = s.names.filter((_, k) => nan(k) === s.n);
    if (empty.length) warnings.push(`feature${empty.length > 1 ? 's' : ''} missing on every training row (never split on): ${listNames(empty)}`);
  }
  const constant = s.names.filter((_, j) => nan(j) < s.n && r[`lo${j}`] === r[`hi${j}`]);
  if (constant.length) warnings.push(`constant feature${constant.length > 1 ? 's' : ''} on the training rows (${constantNote}): ${listNames(constant)}`);
  return { warnings, classCounts };
}

function workerPath(): string | URL {
  return workerScript(import.meta.url, '../ml/chunked-worker.js');
}

export interface ChunkedFit {
  coef: Float64Array[];
  intercept: Float64Array;
  result: MinimizeResult;
  passes: number;
}

/**
 * Fits logistic regression (binary K = 2, multinomial K > 2) with scikit-learn's objective over the
 * streamed training rows. `classCounts` (weighted the same way) give the starting intercepts.
 */
export async function fitLogisticChunked(duck: Duck, s: MatrixShape, spec: FitSpec, classCounts: number[], progress: TrainProgress): Promise<ChunkedFit> {
  const { p } = s;
  const K = spec.K;
  const rows = K === 2 ? 1 : K;
  const q = p + 1;
  const d = rows * q;
  const { l1, l2 } = penaltyStrengths(spec.penalty, spec.C, spec.l1Ratio);
  // start: the weighted class log-odds (binary) or centred log-priors, zero coefficients
  const w = classCounts.map((c, k) => c * (spec.classWeight ? spec.classWeight[k] : 1));
  const tot = w.reduce((a, b) => a + b, 0);
  const theta0 = new Float64Array(d);
  if (K === 2) {
    const pr = Math.min(Math.max(w[1] / tot, 1e-6), 1 - 1e-6);
    theta0[p] = Math.log(pr / (1 - pr));
  } else {
    const lp = w.map((c) => Math.log(Math.max(c / tot, 1e-6)));
    const mean = lp.reduce((a, b) => a + b, 0) / K;
    for (let k = 0; k < K; k++) theta0[k * q + p] = lp[k] - mean;
  }
  let l1w: Float64Array | undefined;
  if (l1 > 0) {
    l1w = new Float64Array(d);
    for (let k = 0; k < rows; k++) for (let j = 0; j < p; j++) l1w[k * q + j] = l1;
  }
  const shared = new SharedArrayBuffer(8 + (2 * d + 1) * 8);
  const state = new Int32Array(shared, 0, 1);
  const buf = new Float64Array(shared, 8, 2 * d + 1);
  const g = new Float64Array(d);
  // scipy's default relative decrease (factr 1e7), as scikit-learn's lbfgs: each iteration costs a full pass
  const init: ChunkedWorkerInit = { shared, d, theta0, opts: { gtol: spec.tol, ftol: 1e7 * 2.220446049250313e-16, maxIter: spec.maxIter, ...(l1w ? { l1: l1w } : {}) } };
  const worker = new Worker(workerPath(), { workerData: init });
  let passes = 0;
  let passMs = 0;
  const t0 = Date.now();

  const evaluate = async () => {
    const theta = buf.slice(0, d);
    const grad = new Float64Array(d);
    let f = 0;
    await forEachBatch(
      duck,
      s,
      (X, y, m) => {
        const sw = sampleWeights(y.subarray(0, m), m, spec);
        const fn = K === 2 ? binaryObjective(X, m, p, y, sw, 0) : multinomialObjective(X, m, p, y, K, sw, 0);
        f += fn(theta, g);
        for (let j = 0; j < d; j++) grad[j] += g[j];
      },
      (done) => progress.tick(done, s.n),
    );
    if (l2 > 0) {
      let w2 = 0;
      for (let k = 0; k < rows; k++)
        for (let j = 0; j < p; j++) {
          const t = theta[k * q + j];
          w2 += t * t;
          grad[k * q + j] += l2 * t;
        }
      f += 0.5 * l2 * w2;
    }
    passes++;
    passMs = (Date.now() - t0) / passes;
    buf.set(grad, d);
    buf[2 * d] = f;
  };

  const result = await new Promise<MinimizeResult>((resolveFit, reject) => {
    let failed = false;
    worker.on('message', (msg: { kind: string; it?: number; f?: number; g?: number; result?: MinimizeResult }) => {
      if (msg.kind === 'eval') {
        evaluate().then(
          () => {
            Atomics.store(state, 0, 1);
            Atomics.notify(state, 0);
          },
          (e) => {
            failed = true;
            reject(e);
            Atomics.store(state, 0, 2);
            Atomics.notify(state, 0);
          },
        );
      } else if (msg.kind === 'iter') {
        progress.phase(`Out-of-core ${l1w ? 'OWL-QN' : 'L-BFGS'} on ${s.n} rows × ${s.p} features: iteration ${msg.it} (${passes} passes, ${(passMs / 1000).toFixed(1)} s each), objective ${msg.f!.toPrecision(10)}, gradient ${msg.g!.toExponential(2)}`);
      } else if (msg.kind === 'done') resolveFit(msg.result!);
    });
    worker.on('error', (e) => {
      if (!failed) reject(e);
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !failed) reject(new Error(`the out-of-core minimiser stopped (exit ${code})`));
    });
  });
  await worker.terminate();
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    coef.push(Float64Array.from(result.theta.subarray(k * q, k * q + p)));
    intercept[k] = result.theta[k * q + p];
  }
  return { coef, intercept, result, passes };
}

/** A fitted model's family fields and descriptive parts, from one of the out-of-core fits. */
interface OocFit {
  part: Record<string, unknown>;
  params: HyperParams;
  convergence: Omit<ConvergenceInfo, 'warnings'>;
  warnings: string[];
  passes: number;
}

/** Linear regression: pass 1 the means, pass 2 the centred Gram matrix, then the in-memory solver. */
export async function fitLinearChunked(duck: Duck, s: MatrixShape, lp: LinearParams, progress: TrainProgress): Promise<OocFit> {
  const sums = new LinearSums(s.p);
  progress.phase(`Out-of-core linear regression on ${s.n} rows × ${s.p} features: pass 1 of 2 (means)`);
  await forEachBatch(duck, s, (X, y, m) => sums.addMeans(X, m, y), (done) => progress.tick(done, s.n));
  sums.endMeans();
  progress.phase(`Out-of-core linear regression on ${s.n} rows × ${s.p} features: pass 2 of 2 (Gram matrix)`);
  await forEachBatch(duck, s, (X, y, m) => sums.addGram(X, m, y), (done) => progress.tick(done, s.n));
  const fit = solveLinear(sums, { penalty: lp.penalty, C: lp.C, l1Ratio: lp.l1_ratio ?? 0.5, tol: lp.tol, maxIter: lp.max_iter });
  const solver = solverName({ task: 'regression', penalty: lp.penalty }, fit);
  const warnings: string[] = [];
  if (!fit.converged) warnings.push(`the ${solver} fit (${lp.penalty}, C=${lp.C}) stopped after ${fit.iterations} iterations with gradient ${fit.gradNorm.toExponential(2)} > --tol ${lp.tol}: ${stopCause(fit.reason, lp.max_iter)}`);
  return {
    part: { coef: fit.coef.map((r) => Array.from(r)), intercept: Array.from(fit.intercept) },
    params: { ...lp },
    convergence: { solver: `${solver}-out-of-core`, iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm },
    warnings,
    passes: 2,
  };
}

const gbText = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(1)} GB` : `${Math.ceil(x / 1e6)} MB`);
const OOC_FAMILIES = ['logistic', 'linear', 'gbdt'];

/**
 * `dictl train` when a memory budget is set and the build's training matrix does not fit it: undefined
 * when there is no budget or the matrix fits (the in-memory trainer goes on). Logistic and linear
 * regression and gbdt; no --tune.
 */
export async function outOfCoreTraining(ws: Workspace, opts: TrainOptions, progress: TrainProgress): Promise<TrainResult | undefined> {
  const budget = currentBudget();
  if (!budget) return undefined;
  const t0 = performance.now();
  const v = validateTrainOptions(opts);
  validateName('model', opts.name);
  const fb = resolveFeatureBuild(ws, opts.features);
  const duck = await openOn(fb.parquetPath, budget);
  try {
    const s = await shapeOf(duck, fb.parquetPath);
    const build = fb.build;
    const label = build.label;
    // the in-memory gbdt holds the bins and the boosting state beside the matrix
    const treeBytes = opts.model === 'gbdt' && label ? treeFitBytes(s, label.task, label.classes?.length ?? 0, opts) : 0;
    if (inMemoryBytes(s.n, s.p) + treeBytes <= budget.bytes - duckMemoryBytes(budget)) return undefined;
    const need = `the ${s.n} × ${s.p} training matrix needs ${gbText(inMemoryBytes(s.n, s.p) + treeBytes)}${treeBytes ? ' with the bins of the trees' : ''}, more than --memory-limit ${budget.text} leaves beside DuckDB`;
    if (!label) throw usageError(`${need}, and out-of-core training fits labelled models only (this feature set has no label)`, 'raise --memory-limit to train segments in memory');
    const task = label.task;
    const family = opts.model !== undefined ? getFamily(opts.model) : defaultFamily(task);
    if (!OOC_FAMILIES.includes(family.name)) throw usageError(`${need}, and out-of-core training fits ${OOC_FAMILIES.join(', ')}, not ${family.name}`, `raise --memory-limit to train --model ${family.name} in memory`);
    if (!family.tasks.includes(task)) throw usageError(`--model ${family.name} does not fit a ${task} label (it fits ${family.tasks.join(', ')})`);
    const isTree = family.name === 'gbdt';
    if (!isTree && opts.params?.length) throw usageError(`${need}: out of core, ${family.name} regression takes --c, --penalty and --l1-ratio, not --param`);
    if (opts.tune) throw usageError(`${need}: cross-validation (--tune) needs the matrix in memory`, 'tune on a sample of the data, then train the chosen parameters here without --tune');
    let hp: HyperParams;
    try {
      hp = family.validateParams(isTree ? parseParamFlags(opts.params) : { C: v.C, penalty: v.penalty, l1_ratio: v.penalty === 'elasticnet' ? (opts.l1Ratio ?? 0.5) : null, max_iter: v.maxIter, tol: v.tol }, task);
    } catch (e) {
      if (e instanceof DictlError) throw e;
      throw usageError(`--param ${(e as Error).message}`, 'see: dictl train --help');
    }
    const ds = resolveDataset(ws, build.dataset);
    const consent = assertConsent(ds, Boolean(opts.allowUnconsented) || build.allowUnconsented);
    const K = task === 'binary' ? 2 : task === 'multiclass' ? (label.classes?.length ?? 0) : 1;
    if (task === 'multiclass' && K < 2) throw dataError(`feature set ${build.name} declares a multiclass label without classes`);
    const categorical = Uint8Array.from(s.names, (nm) => (categoricalOutputs(build.pipeline).has(nm) ? 1 : 0));
    // trees: the bins and the per-row state of the boosting loop must fit; checked before any pass
    let gbdt: { params: GbdtParams; bytes: number } | undefined;
    if (isTree) {
      const bytes = treeBytes;
      const duckBytes = oocDuckBytes(budget);
      if (bytes > budget.bytes - duckBytes) {
        const at = bytes + duckBytes;
        throw usageError(
          `${need}; out of core, gbdt holds the rows as uint8 bins (${gbText(s.n * s.p)}) with per-row gradients and margins: ${gbText(bytes)}, more than the ${gbText(Math.max(0, budget.bytes - duckBytes))} --memory-limit ${budget.text} leaves beside DuckDB's ${gbText(duckBytes)}`,
          `raise --memory-limit to at least ${at >= 1e9 ? `${Math.ceil(at / 1e8) / 10}GB` : `${Math.ceil(at / 1e6)}MB`}, or train on a sample of the rows`,
        );
      }
      gbdt = { params: hp as unknown as GbdtParams, bytes };
    }
    (progress.log ?? progress.phase)(`Out of core: ${need}; ${isTree ? `binning it from ${build.name}@${build.version} into uint8 bins (${gbText(gbdt!.bytes)} with the boosting state)` : `streaming it from ${build.name}@${build.version} in batches of ${BATCH_ROWS} rows`}`);
    progress.phase(`Checking the ${s.n} training rows`);
    const lp = isTree ? undefined : (hp as unknown as LinearParams);
    const constantNote = isTree ? 'no information, never split on' : `no information; coefficient ${lp!.penalty === 'none' ? 'not identifiable' : 'held at 0 by the penalty'}`;
    const chk = await checkChunked(duck, s, label, K, isTree ? 'native' : 'impute', constantNote);
    const warnings = chk.warnings;
    // "balanced" from the class counts (as scikit-learn: n / (K · n_k)); named weights need no labels
    const classWeight = task === 'regression' ? parseClassWeight(opts.classWeight, label, new Float64Array(0), 0, K) : opts.classWeight === 'balanced' ? chk.classCounts.map((c) => (c > 0 ? s.n / (K * c) : 0)) : parseClassWeight(opts.classWeight, label, new Float64Array(0), 0, K);
    const tLoad = performance.now();
    let fit: OocFit;
    if (family.name === 'logistic') {
      const spec: FitSpec = { task, K, classWeight, threshold: v.threshold, tol: v.tol, maxIter: v.maxIter, C: v.C, penalty: v.penalty, l1Ratio: opts.l1Ratio ?? 0.5 };
      const r = await fitLogisticChunked(duck, s, spec, chk.classCounts, progress);
      const res = r.result;
      const w: string[] = [];
      if (!res.converged) w.push(`the solver did not converge in ${res.iterations} iterations (gradient ${res.gradNorm.toExponential(2)} > tol ${v.tol}); raise --max-iter or lower --c`);
      fit = {
        part: { coef: r.coef.map((x) => Array.from(x)), intercept: Array.from(r.intercept) },
        params: { ...lp! },
        convergence: { solver: `${l1Solver(spec) ? 'owlqn' : 'lbfgs'}-out-of-core`, iterations: res.iterations, converged: res.converged, gradNorm: res.gradNorm },
        warnings: w,
        passes: r.passes,
      };
    } else if (family.name === 'linear') fit = await fitLinearChunked(duck, s, lp!, progress);
    else {
      
      fit = await fitGbdtChunked(duck, s, { K, task, params: gbdt!.params, classWeight, categorical, seed: v.seed }, progress);
    }
    const tFit = performance.now();
    if (!isTree) for (const x of [...(fit.part.coef as number[][]).flat(), ...(fit.part.intercept as number[])]) if (!Number.isFinite(x)) throw dataError('the solver produced non-finite coefficients', 'check the features for extreme values (standardize them) or add a penalty');
    // training metrics: one more pass keeping the labels and predictions
    const record = { algorithm: family.name, task, label, name: opts.name, version: 0, featureNames: s.names, ...fit.part } as unknown as ModelVersion;
    const W = task === 'multiclass' ? K : 1;
    const y = new Float64Array(s.n);
    const pred = new Float64Array(s.n * W);
    let separated = task === 'binary' && !isTree;
    progress.phase(`Scoring the ${s.n} training rows for the training metrics`);
    await forEachBatch(
      duck,
      s,
      (X, yb, m, first) => {
        const pr = predictModel(record, X.subarray(0, m * s.p), m, s.p);
        pred.set(pr, first * W);
        y.set(yb.subarray(0, m), first);
        if (separated) for (let i = 0; i < m; i++) if (yb[i] > 0.5 ? pr[i] <= 0.5 : pr[i] >= 0.5) separated = false;
      },
      (done) => progress.tick(done, s.n),
    );
    if (separated) {
      if (v.penalty === 'none') throw dataError('the training rows are perfectly separable: without a penalty the coefficients grow without bound', 'use --penalty l2 (the default) or l1 with a finite --c');
      warnings.push(`the training rows are perfectly separable: the coefficients are held finite only by the ${v.penalty} penalty (C=${v.C}); probabilities will be overconfident`);
    }
    warnings.push(...fit.warnings);
    const trainMetrics = task === 'binary' ? binaryMetrics(y, pred, v.threshold) : task === 'multiclass' ? { logloss: logLossMulti(y, pred, K), accuracy: accuracyMulti(y, pred, K) } : regressionMetrics(y, pred);
    for (const k of Object.keys(trainMetrics)) if (!Number.isFinite(trainMetrics[k])) delete trainMetrics[k];
    const convergence: ConvergenceInfo = { ...fit.convergence, warnings };
    const params: ModelVersion['params'] = { ...fit.params, class_weight: opts.classWeight ?? null, tuned: false, metric: null };
    const draft = {
      kind: 'model',
      name: opts.name,
      algorithm: family.name,
      task,
      label,
      featureNames: s.names,
      ...fit.part,
      threshold: v.threshold,
      params,
      convergence,
      trainMetrics,
      seed: v.seed,
      pipeline: build.pipeline,
      lineage: trainingLineage(build, ds, consent.overridden),
    } as Omit<ModelVersion, 'version'>;
    for (const w of warnings) progress.warn(w);
    const timings = { loadMs: Math.round(tLoad - t0), cvMs: 0, fitMs: Math.round(tFit - tLoad), totalMs: Math.round(performance.now() - t0) };
    progress.phase(`Registering ${opts.name}`);
    const run = { command: 'train', timings, workers: isTree ? 2 : 1, rows: s.n, features: s.p, outOfCore: { memoryLimit: budget.text, passes: fit.passes, batchRows: BATCH_ROWS, ...(gbdt ? { binnedBytes: gbdt.bytes } : {}) } };
    const mv = await registerModel(ws, draft, run, { wait: opts.wait, actor: opts.actor, command: `train --name ${opts.name}` });
    timings.totalMs = Math.round(performance.now() - t0);
    return trainResult(ws, mv, build, { train: s.n, features: s.p }, { warnings, timings });
  } finally {
    duck.close();
  }
}

/** The most the trainer's DuckDB gets out of core: it only scans and aggregates. */
const OOC_DUCK_MAX = 256 * 2 ** 20;
const oocDuckBytes = (b: MemoryBudget) => Math.min(duckMemoryBytes(b), OOC_DUCK_MAX);

/** Bytes of the bins and boosting state of a gbdt fit of the build (0 when the --param flags do not validate: the trainer reports that). */
function treeFitBytes(s: MatrixShape, task: LabelSpec['task'], classes: number, opts: TrainOptions): number {
  try {
    const gp = getFamily('gbdt').validateParams(parseParamFlags(opts.params), task) as unknown as GbdtParams;
    const K = task === 'binary' ? 2 : task === 'multiclass' ? classes : 1;
    return binnedFitBytes(s.n, s.p, K, gp, opts.classWeight !== undefined && opts.classWeight !== 'none' && task !== 'regression');
  } catch {
    return 0;
  }
}

const l1Solver = (spec: FitSpec) => spec.penalty === 'l1' || spec.penalty === 'elasticnet';

/**
 * `dictl train`: fit (and optionally tune) a linear model on the training rows of a feature build and
 * register it. Everything is validated before anything is written; the registered model.json holds
 * no times (same inputs + seed → same bytes); timings go to the version's run.json.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { resolveDataset } from '../datasets/store.js';
import { assertConsent } from '../datasets/policy.js';
import { DictlError, dataError, usageError } from '../errors.js';
import { loadMatrix, resolveFeatureBuild } from '../features/builds.js';
import { registerModel } from '../registry/models.js';
import { validateName } from '../util/names.js';
import type { ConvergenceInfo, CvResult, LabelSpec, ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { parseGrid, sampleTrials, type TrialParams } from './cv.js';
import { fitSpec, METRIC_HIGHER_BETTER, solverName, type FitSpec, type Metric } from './fit.js';
import type { Penalty } from './logistic.js';
import { accuracyMulti, binaryMetrics, logLossMulti, regressionMetrics } from './metrics.js';
import { linearScores, predict } from './predict.js';
import { searchDetail, tuneOnBuild } from './tune.js';
import { checkRank, describeTrial, stopCause } from './diagnose.js';
import { NEWTON_MAX_P } from './logistic.js';
import { setSolverThreads } from './parallel.js';
import { dictlVersion } from '../util/version.js';

export interface TrainOptions {
  features: string;
  name: string;
  C?: number;
  penalty?: Penalty;
  l1Ratio?: number;
  classWeight?: string;
  maxIter?: number;
  tol?: number;
  seed?: number;
  threshold?: number;
  tune?: boolean;
  grid?: string;
  trials?: number;
  folds?: number;
  metric?: Metric;
  workers?: number;
  allowUnconsented?: boolean;
  wait?: number;
  actor?: string;
}

export interface TrainProgress {
  phase(label: string): void;
  tick(done: number, total?: number): void;
  count?(done: number, total: number, detail?: string): void;
  warn(msg: string): void;
}

export interface TrainResult {
  model: string;
  name: string;
  version: number;
  algorithm: ModelVersion['algorithm'];
  task: ModelVersion['task'];
  features: string;
  rows: { train: number; features: number };
  params: ModelVersion['params'];
  convergence: ConvergenceInfo;
  trainMetrics: Record<string, number>;
  cv?: { metric: string; folds: number; seed: number; preprocessing?: CvResult['preprocessing']; best: Record<string, number | string>; trials: CvResult['trials'] };
  warnings: string[];
  timings: { loadMs: number; cvMs: number; fitMs: number; totalMs: number };
  path: string;
}

const PENALTIES: Penalty[] = ['l2', 'l1', 'elasticnet', 'none'];
const METRICS: Metric[] = ['auc', 'logloss', 'f1', 'accuracy', 'rmse', 'mae', 'r2'];


/** Checks the flags on their own, before any file is read. */
export function validateTrainOptions(o: TrainOptions): Required<Pick<TrainOptions, 'C' | 'penalty' | 'maxIter' | 'tol' | 'seed' | 'threshold' | 'folds'>> {
  const C = o.C ?? 1;
  const penalty = o.penalty ?? 'l2';
  const maxIter = o.maxIter ?? 1000;
  const tol = o.tol ?? 1e-4;
  const seed = o.seed ?? 42;
  const threshold = o.threshold ?? 0.5;
  const folds = o.folds ?? 5;
  if (!PENALTIES.includes(penalty)) throw usageError(`--penalty "${penalty}" is not one of ${PENALTIES.join(', ')}`);
  if (!(C > 0) || !Number.isFinite(C)) throw usageError(`--c must be a positive number, got ${C}`, 'C is the inverse regularisation strength: e.g. --c 1');
  if (!Number.isInteger(maxIter) || maxIter < 1) throw usageError(`--max-iter must be a positive integer, got ${maxIter}`);
  if (!(tol > 0)) throw usageError(`--tol must be > 0, got ${tol}`);
  if (!Number.isInteger(seed)) throw usageError(`--seed must be an integer, got ${seed}`);
  if (!(threshold > 0 && threshold < 1)) throw usageError(`--threshold must be within (0, 1), got ${threshold}`);
  if (o.l1Ratio !== undefined) {
    if (!(o.l1Ratio >= 0 && o.l1Ratio <= 1)) throw usageError(`--l1-ratio must be within [0, 1], got ${o.l1Ratio}`);
    if (penalty !== 'elasticnet' && !o.grid?.includes('penalty')) throw usageError(`--l1-ratio applies to --penalty elasticnet only (penalty is ${penalty})`);
  }
  if (!o.tune && (o.grid !== undefined || o.trials !== undefined)) throw usageError('--grid and --trials need --tune', 'dictl train … --tune --grid "C=0.01,0.1,1,10,100"');
  if (o.tune) {
    if (!Number.isInteger(folds) || folds < 2) throw usageError(`--folds must be an integer ≥ 2, got ${folds}`);
    if (o.trials !== undefined && (!Number.isInteger(o.trials) || o.trials < 1)) throw usageError(`--trials must be a positive integer, got ${o.trials}`);
  }
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1)) throw usageError(`--workers must be a positive integer, got ${o.workers}`);
  if (o.metric !== undefined && !METRICS.includes(o.metric)) throw usageError(`--metric "${o.metric}" is not one of ${METRICS.join(', ')}`);
  return { C, penalty, maxIter, tol, seed, threshold, folds };
}

/** Class weights per class index: "balanced" (n / (K · n_k), as sklearn) or "name=w,…". */
export function parseClassWeight(text: string | undefined, label: LabelSpec, y: Float64Array, n: number, K: number): number[] | null {
  if (text === undefined || text === '' || text === 'none') return null;
  if (label.task === 'regression') throw usageError('--class-weight applies to classification labels only');
  const counts = new Array(K).fill(0);
  for (let i = 0; i < n; i++) counts[label.task === 'binary' ? (y[i] > 0.5 ? 1 : 0) : y[i]]++;
  if (text === 'balanced') return counts.map((c) => (c > 0 ? n / (K * c) : 0));
  const w: (number | undefined)[] = new Array(K).fill(undefined);
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw usageError(`--class-weight part "${part}" is not CLASS=WEIGHT`, 'e.g. --class-weight yes=2,no=1 or --class-weight balanced');
    const cls = part.slice(0, eq).trim();
    const v = Number(part.slice(eq + 1));
    if (!(v > 0) || !Number.isFinite(v)) throw usageError(`--class-weight ${cls}: weight must be a positive number, got "${part.slice(eq + 1)}"`);
    let k: number;
    if (label.task === 'binary') k = cls === label.positive ? 1 : 0;
    else {
      k = (label.classes ?? []).indexOf(cls);
      if (k < 0) throw usageError(`--class-weight names class "${cls}", which the label ${label.column} does not have`, `classes: ${(label.classes ?? []).join(', ')}`);
    }
    if (w[k] !== undefined && w[k] !== v) throw usageError(`--class-weight gives the ${k === 1 && label.task === 'binary' ? 'positive' : 'same'} class two weights (${w[k]} and ${v})`);
    w[k] = v;
  }
  return w.map((x) => x ?? 1);
}

/** Inspects the training matrix: errors for what would give a NaN model, warnings for the rest. */
export function checkTrainingData(X: Float64Array, y: Float64Array, n: number, p: number, names: string[], label: LabelSpec, K: number, penalty: Penalty): string[] {
  const warnings: string[] = [];
  if (n === 0) throw dataError('the feature build has no training rows', 'check the holdout: every row is on the test side');
  if (p === 0) throw dataError('the feature build has no feature columns', 'add features to the feature set and rebuild it');
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) throw dataError(`the label ${label.column} is missing (null/NaN) in training row ${i + 1} of ${n}`, 'drop or fill rows without a label before building features');
    if (label.task === 'multiclass' && (!Number.isInteger(v) || v < 0 || v >= K)) throw dataError(`label ${label.column} holds class index ${v}, outside 0..${K - 1}`);
  }
  if (label.task !== 'regression') {
    const counts = new Array(K).fill(0);
    for (let i = 0; i < n; i++) counts[label.task === 'binary' ? (y[i] > 0.5 ? 1 : 0) : y[i]]++;
    const present = counts.filter((c) => c > 0).length;
    if (present < 2) {
      const only = label.task === 'binary' ? (counts[1] > 0 ? `"${label.positive}"` : `not "${label.positive}"`) : `"${label.classes?.[counts.findIndex((c) => c > 0)]}"`;
      throw dataError(`the label ${label.column} has one class in the ${n} training rows (all ${only}): nothing to learn`, 'check the label column and the positive class of the feature set');
    }
    if (label.task === 'multiclass' && present < K) warnings.push(`label ${label.column}: ${K - present} of ${K} classes never occur in the training rows`);
  }
  const bad: string[] = [];
  const constant: string[] = [];
  for (let j = 0; j < p; j++) {
    let nan = 0;
    let first = NaN;
    let varies = false;
    for (let i = 0; i < n; i++) {
      const v = X[i * p + j];
      if (!Number.isFinite(v)) nan++;
      else if (Number.isNaN(first)) first = v;
      else if (v !== first) varies = true;
    }
    if (nan === n) bad.push(`${names[j]} (all ${n} values missing)`);
    else if (nan > 0) bad.push(`${names[j]} (${nan} missing/non-finite values)`);
    else if (!varies) constant.push(names[j]);
  }
  if (bad.length) {
    throw new DictlError('data', `feature ${bad[0]} would reach the solver as NaN${bad.length > 1 ? `; also ${bad.slice(1, 4).join(', ')}${bad.length > 4 ? ', …' : ''}` : ''}`, {
      hint: 'add an impute step for it in the feature set (or drop it) and rebuild the features',
      details: { features: bad },
    });
  }
  if (constant.length) warnings.push(`constant feature${constant.length > 1 ? 's' : ''} on the training rows (no information; coefficient ${penalty === 'none' ? 'not identifiable' : 'held at 0 by the penalty'}): ${constant.slice(0, 6).join(', ')}${constant.length > 6 ? `, … (${constant.length})` : ''}`);
  if (p >= n) {
    if (penalty === 'none') throw usageError(`more features (${p}) than training rows (${n}): an unpenalised fit is not identifiable`, 'use --penalty l2 or l1');
    warnings.push(`more features (${p}) than training rows (${n}): the fit relies on the penalty (C=…); expect overfitting`);
  }
  return warnings;
}

/** Whether a binary fit classifies every training row correctly with a positive margin. */
export function isSeparated(scores: Float64Array, y: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if ((y[i] > 0.5 ? scores[i] : -scores[i]) <= 0) return false;
  return true;
}

function nonFinite(coef: Float64Array[], intercept: Float64Array): boolean {
  for (const r of coef) for (const v of r) if (!Number.isFinite(v)) return true;
  for (const v of intercept) if (!Number.isFinite(v)) return true;
  return false;
}

export async function trainModel(ws: Workspace, opts: TrainOptions, progress: TrainProgress): Promise<TrainResult> {
  const t0 = performance.now();
  const v = validateTrainOptions(opts);
  validateName('model', opts.name);
  const fb = resolveFeatureBuild(ws, opts.features);
  const build = fb.build;
  const ds = resolveDataset(ws, build.dataset);
  const consent = assertConsent(ds, Boolean(opts.allowUnconsented));
  const label = build.label;
  const task = label.task;
  const K = task === 'binary' ? 2 : task === 'multiclass' ? (label.classes?.length ?? 0) : 1;
  if (task === 'multiclass' && K < 2) throw dataError(`feature set ${build.name} declares a multiclass label without classes`);
  const metric: Metric = opts.metric ?? (task === 'binary' ? 'auc' : task === 'multiclass' ? 'logloss' : 'rmse');
  const allowed: Metric[] = task === 'binary' ? ['auc', 'logloss', 'f1', 'accuracy'] : task === 'multiclass' ? ['logloss', 'accuracy'] : ['rmse', 'mae', 'r2'];
  if (!allowed.includes(metric)) throw usageError(`--metric ${metric} does not apply to a ${task} label`, `use one of ${allowed.join(', ')}`);
  const base: TrialParams = { C: v.C, penalty: v.penalty };
  if (v.penalty === 'elasticnet') base.l1_ratio = opts.l1Ratio ?? 0.5;
  let trials: TrialParams[] | undefined;
  if (opts.tune) {
    try {
      const grid = opts.grid !== undefined ? parseGrid(opts.grid, base) : undefined;
      trials = opts.trials !== undefined ? sampleTrials(opts.trials, v.seed, base, grid) : grid ?? parseGrid('C=0.001,0.01,0.1,1,10,100,1000', base);
    } catch (e) {
      throw usageError((e as Error).message, 'e.g. --grid "C=0.01,0.1,1,10,100;penalty=l1,l2"');
    }
  }

  progress.phase(`Loading training rows of ${build.name}@${build.version}`);
  const m = await loadMatrix(fb.parquetPath, 'train');
  const tLoad = performance.now();
  const warnings = checkTrainingData(m.X, m.y, m.n, m.p, m.names, label, K, v.penalty);
  const classWeight = parseClassWeight(opts.classWeight, label, m.y, m.n, K);
  const baseSpec: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'> = { task, K, classWeight, threshold: v.threshold, tol: v.tol, maxIter: v.maxIter };

  let cv: CvResult | undefined;
  let chosen = base;
  let warm: Float64Array | undefined;
  if (trials) {
    const workers = opts.workers ?? availableParallelism();
    if (m.n < v.folds * 2) throw dataError(`${m.n} training rows are too few for ${v.folds}-fold cross-validation`, 'lower --folds or train without --tune');
    progress.phase(`Cross-validating ${trials.length} configuration${trials.length > 1 ? 's' : ''} × ${v.folds} folds on ${workers} solver thread${workers > 1 ? 's' : ''}`);
    let r;
    try {
      r = await tuneOnBuild(ws, build, m, baseSpec, trials, { folds: v.folds, seed: v.seed, metric, workers, allowUnconsented: opts.allowUnconsented, onEvent: (e) => progress.count?.(e.done, e.total, searchDetail(e)) });
    } catch (e) {
      if (e instanceof DictlError) throw e;
      throw dataError(`cross-validation failed: ${(e as Error).message}`);
    }
    if (r.warning) warnings.push(r.warning);
    cv = r.cv;
    chosen = trials[r.bestIndex];
    // the last fold's solution starts the refit when its columns are the build's
    if (r.bestTheta && r.bestTheta.p === m.p && (!r.bestTheta.names || r.bestTheta.names.join('\n') === m.names.join('\n'))) warm = r.bestTheta.theta;
    for (const u of r.unconvergedDetail ?? []) warnings.push(`${describeTrial(trials[u.trial])}: the solver stopped before the gradient reached --tol ${v.tol} in ${u.folds} of ${v.folds} folds (${u.reasons.map((x) => stopCause(x, v.maxIter)).join('; ')}); its CV scores are still reported`);
  }
  const tCv = performance.now();

  const spec: FitSpec = { ...baseSpec, C: chosen.C, penalty: chosen.penalty, l1Ratio: chosen.l1_ratio ?? 0.5 };
  const workersSet = opts.workers !== undefined;
  progress.phase(`Fitting ${task === 'regression' ? 'linear' : 'logistic'} regression (${spec.penalty}, C=${spec.C}) on ${m.n} rows × ${m.p} features`);
  const rank = task !== 'multiclass' && m.p <= NEWTON_MAX_P ? checkRank(m.X, m.n, m.p, m.names, spec.penalty, build.pipeline, task) : undefined;
  if (rank) warnings.push(rank);
  if (workersSet) setSolverThreads(opts.workers);
  const fit = fitSpec(m.X, m.n, m.p, m.y, spec, warm);
  setSolverThreads(undefined);
  const tFit = performance.now();
  if (nonFinite(fit.coef, fit.intercept)) throw dataError(`the ${fit.solver ?? 'solver'} fit (${spec.penalty}, C=${spec.C}) produced non-finite coefficients`, 'check the features for extreme values (standardize them) or add a penalty');
  const model = { task, coef: fit.coef, intercept: fit.intercept };
  if (task === 'binary') {
    const scores = linearScores(model, m.X, m.n, m.p);
    if (isSeparated(scores, m.y, m.n)) {
      if (spec.penalty === 'none') {
        throw dataError('the training rows are perfectly separable: without a penalty the coefficients grow without bound', 'use --penalty l2 (the default) or l1 with a finite --c');
      }
      warnings.push(`the training rows are perfectly separable: the coefficients are held finite only by the ${spec.penalty} penalty (C=${spec.C}); probabilities will be overconfident`);
    }
  }
  if (!fit.converged) warnings.push(`the ${solverName(spec, fit)} fit (${describeTrial(chosen)}) stopped after ${fit.iterations} iterations with gradient ${fit.gradNorm.toExponential(2)} > --tol ${v.tol}: ${stopCause(fit.reason, v.maxIter)}`);

  const pred = predict(model, m.X, m.n, m.p);
  const trainMetrics =
    task === 'binary' ? binaryMetrics(m.y, pred, v.threshold) : task === 'multiclass' ? { logloss: logLossMulti(m.y, pred, K), accuracy: accuracyMulti(m.y, pred, K) } : regressionMetrics(m.y, pred);
  for (const k of Object.keys(trainMetrics)) if (!Number.isFinite(trainMetrics[k])) delete trainMetrics[k];

  const convergence: ConvergenceInfo = { solver: solverName(spec, fit), iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm, warnings };
  const params: ModelVersion['params'] = {
    C: spec.C,
    penalty: spec.penalty,
    l1_ratio: spec.penalty === 'elasticnet' ? spec.l1Ratio : null,
    class_weight: opts.classWeight ?? null,
    max_iter: v.maxIter,
    tol: v.tol,
    tuned: Boolean(trials),
    metric: trials ? metric : null,
  };
  const draft: Omit<ModelVersion, 'version'> = {
    kind: 'model',
    name: opts.name,
    algorithm: task === 'regression' ? 'linear' : 'logistic',
    task,
    label,
    featureNames: m.names,
    coef: fit.coef.map((r) => Array.from(r)),
    intercept: Array.from(fit.intercept),
    threshold: v.threshold,
    params,
    convergence,
    trainMetrics,
    ...(cv ? { cv } : {}),
    seed: v.seed,
    pipeline: build.pipeline,
    lineage: {
      dataset: build.dataset,
      datasetSha256: ds.dataSha256,
      featureSet: { name: build.name, version: build.version, hash: build.hash },
      holdout: build.holdout,
      allowUnconsented: consent.overridden,
      dictlVersion: dictlVersion(),
      node: process.version,
    },
  };
  for (const w of warnings) progress.warn(w);
  const timings = { loadMs: Math.round(tLoad - t0), cvMs: Math.round(tCv - tLoad), fitMs: Math.round(tFit - tCv), totalMs: 0 };
  progress.phase(`Registering ${opts.name}`);
  const mv = await registerModel(ws, draft, { command: 'train', timings, workers: trials ? (opts.workers ?? availableParallelism()) : 1, rows: m.n, features: m.p }, { wait: opts.wait, actor: opts.actor, command: `train --name ${opts.name}` });
  timings.totalMs = Math.round(performance.now() - t0);
  return {
    model: `${mv.name}@${mv.version}`,
    name: mv.name,
    version: mv.version,
    algorithm: mv.algorithm,
    task,
    features: `${build.name}@${build.version}`,
    rows: { train: m.n, features: m.p },
    params,
    convergence,
    trainMetrics,
    ...(cv ? { cv: { metric: cv.metric, folds: cv.folds, seed: cv.seed, preprocessing: cv.preprocessing, best: cv.best, trials: cv.trials } } : {}),
    warnings,
    timings,
    path: join(ws.registryDir, 'models', mv.name, 'versions', String(mv.version), 'model.json'),
  };
}

export { METRIC_HIGHER_BETTER };

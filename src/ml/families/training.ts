/**
 * What a training run is given and gives back: the options and their checks (made before any file is
 * read), the class weights and --param flags, the lineage a model records and the command's result.
 * Pure; the use case is src/ops/train.ts.
 */
import { join } from 'node:path';
import { usageError } from '../../errors.js';
import type { ConvergenceInfo, CvResult, FeatureBuild, LabelSpec, ModelVersion } from '../../types.js';
import { dictlVersion } from '../../util/version.js';
import type { Workspace } from '../../workspace.js';
import type { Metric } from '../fit.js';
import type { Penalty } from '../logistic.js';
import { checkLabels } from './checks.js';
import type { FamilyTrial } from './grid.js';
import type { FamilySummary } from './index.js';
import { summarizeFamily } from './index.js';
import { isSeparated, linearColumnChecks } from './linear.js';
import type { HyperParams } from './types.js';
import type { Progress } from '../../ui/progress.js';

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
  /** model family: logistic | linear | gbdt (default: logistic for classes, linear for numbers) */
  model?: string;
  /** KEY=VALUE hyper-parameters of the family */
  params?: string[];
  /** kmeans: number of segments */
  k?: number;
}

/** What training reports through: the command's Progress (phases, ticks, counts, warnings, log lines). */
export type TrainProgress = Pick<Progress, 'phase' | 'tick' | 'warn'> & Partial<Pick<Progress, 'count' | 'log'>>;

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
  /** the family's description: headline, and for trees rounds kept, importance and the loss curve */
  summary: FamilySummary;
  cv?: { metric: string; folds: number; seed: number; preprocessing?: CvResult['preprocessing']; best: Record<string, number | string>; trials: CvResult['trials'] };
  /** kmeans --tune: inertia and silhouette of every configuration, the best by silhouette */
  segments?: { criterion: 'silhouette'; sample: number; best: HyperParams; trials: { params: HyperParams; inertia: number; silhouette: number | null; iterations: number }[] };
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
    if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1)) throw usageError(`--workers must be a positive integer, got ${o.workers}`);
  }
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

/** Inspects the training matrix for a linear fit: errors for what would give a NaN model, warnings for the rest. */
export function checkTrainingData(X: Float64Array, y: Float64Array, n: number, p: number, names: string[], label: LabelSpec, K: number, penalty: Penalty): string[] {
  return [...checkLabels(y, n, p, label, K), ...linearColumnChecks(X, n, p, names, penalty)];
}

export { isSeparated };

/** Hyper-parameters from --param KEY=VALUE (repeatable); values stay text, the family validates them. */
export function parseParamFlags(items: string[] | undefined): HyperParams {
  const out: HyperParams = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw usageError(`--param "${item}" is not KEY=VALUE`, 'e.g. --param learning_rate=0.05 --param max_leaf_nodes=15');
    const key = item.slice(0, eq).trim().replace(/-/g, '_');
    const v = item.slice(eq + 1).trim();
    if (key in out) throw usageError(`--param ${key} is given twice`);
    const x = Number(v);
    out[key] = v === 'null' || v === 'none' ? null : v !== '' && Number.isFinite(x) ? x : v;
  }
  return out;
}

/** "logistic C=1 penalty=l2" for warnings */
export function trialLabel(t: FamilyTrial): string {
  return `${t.family} ${Object.entries(t.record).filter(([k]) => k !== 'model').map(([k, x]) => `${k}=${x}`).join(' ')}`.trim();
}

/** What a trained model records of where it came from. */
export function trainingLineage(build: FeatureBuild, ds: { dataSha256: string }, allowUnconsented: boolean): ModelVersion['lineage'] {
  return {
    dataset: build.dataset,
    datasetSha256: ds.dataSha256,
    featureSet: { name: build.name, version: build.version, hash: build.hash },
    holdout: build.holdout,
    allowUnconsented,
    dictlVersion: dictlVersion(),
    node: process.version,
  };
}

/** The command's result for a registered version (shared by the in-memory, out-of-core and segment trainers). */
export function trainResult(ws: Workspace, mv: ModelVersion, build: { name: string; version: number }, rows: TrainResult['rows'], r: Pick<TrainResult, 'warnings' | 'timings' | 'cv' | 'segments'>): TrainResult {
  return {
    model: `${mv.name}@${mv.version}`,
    name: mv.name,
    version: mv.version,
    algorithm: mv.algorithm,
    task: mv.task,
    features: `${build.name}@${build.version}`,
    rows,
    params: mv.params,
    convergence: mv.convergence,
    trainMetrics: mv.trainMetrics,
    summary: summarizeFamily(mv),
    ...(r.cv ? { cv: r.cv } : {}),
    ...(r.segments ? { segments: r.segments } : {}),
    warnings: r.warnings,
    timings: r.timings,
    path: join(ws.registryDir, 'models', mv.name, 'versions', String(mv.version), 'model.json'),
  };
}


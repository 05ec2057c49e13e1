/**
 * One place that turns a parameter set into a fitted linear model and a metric: used by the
 * in-process trainer, the cross-validation workers and the refit of the best configuration.
 * Pure: typed arrays in, typed arrays out.
 */
import { fitLinear } from './linear.js';
import { fitLogistic, type LinearFit, type Penalty } from './logistic.js';
import { GREATER_IS_BETTER, accuracy, accuracyMulti, logLoss, logLossMulti, mae, precisionRecallF1, r2, rmse, rocAuc } from './metrics.js';
import { predict, type Task } from './predict.js';

export type Metric = 'auc' | 'logloss' | 'f1' | 'accuracy' | 'rmse' | 'mae' | 'r2';

export interface FitParams {
  penalty: Penalty;
  C: number;
  l1Ratio: number;
  tol: number;
  maxIter: number;
}

export interface FitSpec extends FitParams {
  task: Task;
  /** number of classes (binary 2; regression 1) */
  K: number;
  /** class weight per class index (length K) or null for unweighted */
  classWeight: number[] | null;
  threshold: number;
}

/** Higher is better for these metrics; lower for the others (the metrics module's directions). */

export function sampleWeights(y: Float64Array, n: number, spec: FitSpec): Float64Array | undefined {
  if (!spec.classWeight || spec.task === 'regression') return undefined;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = spec.classWeight[spec.task === 'binary' ? (y[i] > 0.5 ? 1 : 0) : y[i]];
  return w;
}

/**
 * Fits logistic (classification) or linear (regression) regression to rows X (n × p), or to the
 * row ranges `rows` of X only ([start, end, …], e.g. a fold's training part).
 */
export function fitSpec(X: Float64Array, n: number, p: number, y: Float64Array, spec: FitSpec, init?: Float64Array, rows?: number[]): LinearFit {
  const sampleWeight = sampleWeights(y, n, spec);
  const o = { penalty: spec.penalty, C: spec.C, l1Ratio: spec.l1Ratio, tol: spec.tol, maxIter: spec.maxIter, sampleWeight };
  if (spec.task === 'regression') {
    if (!rows) return fitLinear(X, n, p, y, o);
    const sub = subsetRows(X, y, n, p, inRanges(rows));
    return fitLinear(sub.X, sub.n, p, sub.y, { ...o, sampleWeight: sampleWeights(sub.y, sub.n, spec) });
  }
  return fitLogistic(X, n, p, y, spec.task === 'binary' ? 2 : spec.K, { ...o, init, rows });
}

/** Membership test of row ranges [start, end, …] (ascending). */
function inRanges(r: number[]): (i: number) => boolean {
  return (i) => {
    for (let k = 0; k < r.length; k += 2) if (i >= r[k] && i < r[k + 1]) return true;
    return false;
  };
}

export function solverName(spec: Pick<FitSpec, 'task' | 'penalty'>, fit?: { solver?: string }): string {
  if (fit?.solver) return fit.solver;
  const l1 = spec.penalty === 'l1' || spec.penalty === 'elasticnet';
  if (spec.task === 'regression') return l1 ? 'coordinate-descent' : 'cholesky';
  return l1 ? 'owlqn' : 'lbfgs';
}

/** The value of `metric` for predictions of a fitted model on rows X. */
export function scoreFit(fit: Pick<LinearFit, 'coef' | 'intercept'>, X: Float64Array, n: number, p: number, y: Float64Array, spec: FitSpec, metric: Metric): number {
  const pred = predict({ task: spec.task, coef: fit.coef, intercept: fit.intercept }, X, n, p);
  return metricValue(metric, spec, y, pred);
}

export function metricValue(metric: Metric, spec: Pick<FitSpec, 'task' | 'K' | 'threshold'>, y: Float64Array, pred: Float64Array): number {
  if (spec.task === 'multiclass') {
    if (metric === 'logloss') return logLossMulti(y, pred, spec.K);
    if (metric === 'accuracy') return accuracyMulti(y, pred, spec.K);
    throw new RangeError(`metric ${metric} is not defined for multiclass models (use logloss or accuracy)`);
  }
  if (spec.task === 'regression') {
    if (metric === 'rmse') return rmse(y, pred);
    if (metric === 'mae') return mae(y, pred);
    if (metric === 'r2') return r2(y, pred);
    throw new RangeError(`metric ${metric} is not defined for regression models (use rmse, mae or r2)`);
  }
  switch (metric) {
    case 'auc':
      return rocAuc(y, pred);
    case 'logloss':
      return logLoss(y, pred);
    case 'f1':
      return precisionRecallF1(y, pred, spec.threshold).f1;
    case 'accuracy':
      return accuracy(y, pred, spec.threshold);
    default:
      throw new RangeError(`metric ${metric} is not defined for binary models (use auc, logloss, f1 or accuracy)`);
  }
}

/** Copies the rows where select(i) is true into a new matrix. */
export function subsetRows(X: Float64Array, y: Float64Array, n: number, p: number, select: (i: number) => boolean): { X: Float64Array; y: Float64Array; n: number } {
  let m = 0;
  for (let i = 0; i < n; i++) if (select(i)) m++;
  const Xs = new Float64Array(m * p);
  const ys = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!select(i)) continue;
    Xs.set(X.subarray(i * p, (i + 1) * p), k * p);
    ys[k++] = y[i];
  }
  return { X: Xs, y: ys, n: m };
}
